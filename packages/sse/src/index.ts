export { ssePlugin } from './ssePlugin.js';
export type { SsePluginOptions } from './SsePluginOptions.js';
export { HttpRequestEventSource } from './stream/HttpRequestEventSource.js';
export type { HttpRequestEventSource as EventSource } from './stream/HttpRequestEventSource.js';
export type { EventMap, AnyEvents, SendOptions, SendAllOptions, EventSourceEndReason } from './EventMap.js';
export { EventSourceRegistry, type BroadcastTarget } from './registry/EventSourceRegistry.js';
export type { EventSourceStats } from './registry/EventSourceStats.js';
export {
  EventSourceBackplane,
  type BackplaneNode,
  type ClusterEvent,
  type DeliveredEvent,
  type EventAudience,
  type ReplayResult,
} from './registry/EventSourceBackplane.js';
export type { PingPolicy } from './stream/PingPolicy.js';
export type { EventFields } from './frame.js';
export { SseErrorCodes } from './errors.js';
