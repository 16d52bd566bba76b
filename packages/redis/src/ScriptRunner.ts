import type { AnyRedisClient } from './RedisBackplaneOptions.js';
import { allScripts, type LuaScript } from './scripts.js';

/** Runs the backplane's Lua scripts on one connection, by sha. */
export class ScriptRunner {
  constructor(private readonly client: AnyRedisClient) {}

  /** EVALSHA only: the caller handles NOSCRIPT (the publication queue must, to keep its order). */
  evalSha(script: LuaScript, keys: readonly string[], args: readonly string[]): Promise<unknown> {
    return this.client.sendCommand(['EVALSHA', script.sha, String(keys.length), ...keys, ...args]);
  }

  /** EVALSHA, then EVAL with the body when Redis forgot the script (after a restart). */
  async run(script: LuaScript, keys: readonly string[], args: readonly string[]): Promise<unknown> {
    try {
      return await this.evalSha(script, keys, args);
    } catch (error) {
      if (!isNoScript(error)) throw error;
      return this.client.sendCommand(['EVAL', script.source, String(keys.length), ...keys, ...args]);
    }
  }

  /** Sends every script's body once (on each new connection). */
  async loadAll(): Promise<void> {
    await Promise.all(allScripts.map((script) => this.client.sendCommand(['SCRIPT', 'LOAD', script.source])));
  }
}

export function isNoScript(error: unknown): boolean {
  return error instanceof Error && error.message.startsWith('NOSCRIPT');
}
