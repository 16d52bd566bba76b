import { SluiceError } from '@sluice/core';

/** Stable codes of the errors `@sluice/sse` throws. */
export const SseErrorCodes = {
  /** `appendHeader` after the stream's head was sent. */
  HeadersSent: 'SLUICE_SSE_HEADERS_SENT',
  /** An `event` or `id` holding CR, LF or NUL, or a bad `retry`. */
  InvalidField: 'SLUICE_SSE_INVALID_FIELD',
  /** `getEventSource` on a host without `ssePlugin()`. */
  PluginMissing: 'SLUICE_SSE_PLUGIN_MISSING',
  /** `getEventSource` called twice for one request. */
  AlreadyOpened: 'SLUICE_SSE_ALREADY_OPENED',
  /** A bad `ssePlugin` option, `keepAlive` timeout or ping interval. */
  InvalidOption: 'SLUICE_SSE_INVALID_OPTION',
  /** 503 for a new stream: `maxConnections` streams are open. */
  TooManyConnections: 'SLUICE_SSE_TOO_MANY_CONNECTIONS',
  /** 503 for a new stream: the host is stopping. */
  ShuttingDown: 'SLUICE_SSE_SHUTTING_DOWN',
} as const;

export function sseError(code: string, message: string): SluiceError {
  return new SluiceError(code, message);
}
