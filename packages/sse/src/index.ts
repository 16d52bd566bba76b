export { ssePlugin } from './ssePlugin.js';
export type { SsePluginOptions } from './SsePluginOptions.js';
export {
  HttpRequestEventSource,
  type EventMap,
  type AnyEvents,
  type SendOptions,
  type SendAllOptions,
  type EventSourceEndReason,
} from './HttpRequestEventSource.js';
export type { HttpRequestEventSource as EventSource } from './HttpRequestEventSource.js';
export { EventSourceRegistry, type EventSourceStats } from './EventSourceRegistry.js';
export type { PingPolicy } from './PingPolicy.js';
export type { EventFields } from './frame.js';
export { SseErrorCodes } from './errors.js';
