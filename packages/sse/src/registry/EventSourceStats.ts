/** Figures from `registry.stats()`. */
export interface EventSourceStats {
  /** Streams open now on this node, identified or not. */
  open: number;
  /** Identified streams open now on this node (the registry's `count`). */
  identified: number;
  /** Bytes waiting in all connections' queues and transport buffers. */
  queuedBytes: number;
  /** Connections dropped for not draining while more than `maxBufferedBytes` waited for them. */
  slowClientsDropped: number;
  /** Events written (not pings or `retry:` lines), counted per connection. */
  messagesSent: number;
  /** Bytes written, counted per connection. */
  bytesSent: number;
}
