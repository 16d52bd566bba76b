export { SseTestClient, type SseConnectOptions, type SseWaitOptions, type SseTarget, type SseClosedBy } from './SseTestClient.js';
export { SseEvent } from './SseEvent.js';
export { EventStreamParser, type EventStreamHandlers, type ParsedEventStream } from './EventStreamParser.js';
