import type { RedisConnection } from './connection/RedisConnection.js';
import { allScripts, type LuaScript } from './scripts.js';

/** Runs the backplane's Lua scripts by sha, on the server of their keys' slot. */
export class ScriptRunner {
  /** `routingKey`: a key of the slot every script's keys live in (where the scripts are loaded). */
  constructor(
    private readonly connection: RedisConnection,
    private readonly routingKey: string,
  ) {}

  /** EVALSHA only: the caller handles NOSCRIPT (the publication queue must, to keep its order). */
  evalSha(script: LuaScript, keys: readonly string[], args: readonly string[]): Promise<unknown> {
    return this.connection.command(keys[0] ?? this.routingKey, ['EVALSHA', script.sha, String(keys.length), ...keys, ...args]);
  }

  /** EVALSHA, then EVAL with the body when Redis forgot the script (after a restart). */
  async run(script: LuaScript, keys: readonly string[], args: readonly string[]): Promise<unknown> {
    try {
      return await this.evalSha(script, keys, args);
    } catch (error) {
      if (!isNoScript(error)) throw error;
      return this.connection.command(keys[0] ?? this.routingKey, ['EVAL', script.source, String(keys.length), ...keys, ...args]);
    }
  }

  /** Sends every script's body once (on each new connection). */
  async loadAll(): Promise<void> {
    await Promise.all(allScripts.map((script) => this.connection.commandOnServerOf(this.routingKey, ['SCRIPT', 'LOAD', script.source])));
  }
}

export function isNoScript(error: unknown): boolean {
  return error instanceof Error && error.message.startsWith('NOSCRIPT');
}
