import { defaultIdleTimeoutMs, defaultPingIntervalMs } from './StreamSettings.js';

/** What `main.ts` takes from the environment. */
export interface Environment {
  /** `PORT`, default 3000 (0 picks a free port). */
  port: number;
  /** `PING_INTERVAL_MS`, default 10 000. */
  pingIntervalMs: number;
  /** `IDLE_TIMEOUT_MS`, default 60 000. */
  idleTimeoutMs: number;
}

/** Longest delay a Node.js timer takes. */
const maxTimerMs = 2 ** 31 - 1;

/** Reads the settings, throwing an error that names the variable when one is not a valid number. */
export function readEnvironment(env: Record<string, string | undefined> = process.env): Environment {
  return {
    port: integer(env, 'PORT', 3000, 0, 65_535),
    pingIntervalMs: integer(env, 'PING_INTERVAL_MS', defaultPingIntervalMs, 1, maxTimerMs),
    idleTimeoutMs: integer(env, 'IDLE_TIMEOUT_MS', defaultIdleTimeoutMs, 1, maxTimerMs),
  };
}

function integer(env: Record<string, string | undefined>, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name]?.trim();
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!/^\d+$/.test(raw) || value < min || value > max) {
    throw new Error(`${name} must be an integer from ${min} to ${max}, got ${JSON.stringify(env[name])}`);
  }
  return value;
}
