import { pino, type Logger, type LoggerOptions } from 'pino';

/** The host's pino logger from the configuration: a given logger, options for a new one, or none. */
export function createLogger(setting: Logger | LoggerOptions | false): Logger | undefined {
  if (setting === false) return undefined;
  if (isLogger(setting)) return setting;
  return pino({ name: 'sluice', ...setting });
}

function isLogger(value: Logger | LoggerOptions): value is Logger {
  return typeof (value as Logger).child === 'function' && typeof (value as Logger).info === 'function';
}
