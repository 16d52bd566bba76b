// Request/reply over the IPC channel between the runner and the server/client processes it starts.
import { spawn } from 'node:child_process';

/** In a child: answers the runner's `{ id, cmd, args }` messages with `handlers[cmd](args)`. */
export function serve(handlers) {
  process.on('message', async ({ id, cmd, args }) => {
    try {
      const handler = handlers[cmd];
      if (handler === undefined) throw new Error(`unknown command ${cmd}`);
      process.send({ id, result: (await handler(args ?? {})) ?? null });
    } catch (error) {
      process.send({ id, error: error instanceof Error ? (error.stack ?? error.message) : String(error) });
    }
  });
  // The runner ends a child by disconnecting; a child never outlives its runner.
  process.on('disconnect', () => process.exit(0));
  process.send({ ready: true });
}

/**
 * Starts `node --expose-gc script` in its own process with the file-descriptor limit raised to
 * the hard limit (10,000 socket pairs do not fit in one process's default 1,024), and returns
 * a handle to call its commands.
 */
export function startChild(script, args = [], { env = {} } = {}) {
  const child = spawn('bash', ['-c', 'ulimit -n "$(ulimit -Hn)" 2>/dev/null; exec node --expose-gc "$0" "$@"', script, ...args], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    env: { ...process.env, ...env },
  });
  const pending = new Map();
  let nextId = 1;
  let exitInfo;
  let onReady;
  const ready = new Promise((resolve, reject) => {
    onReady = resolve;
    child.once('error', reject);
  });
  const exited = new Promise((resolve) => {
    child.once('exit', (code, signal) => {
      exitInfo = { code, signal };
      for (const { reject, timer } of pending.values()) {
        clearTimeout(timer);
        reject(new Error(`${script} exited (code ${code}, signal ${signal}) before answering`));
      }
      pending.clear();
      resolve(exitInfo);
    });
  });
  child.on('message', (message) => {
    if (message.ready) return onReady();
    const waiter = pending.get(message.id);
    if (waiter === undefined) return;
    pending.delete(message.id);
    clearTimeout(waiter.timer);
    if (message.error !== undefined) waiter.reject(new Error(message.error));
    else waiter.resolve(message.result);
  });

  return {
    pid: child.pid,
    ready: Promise.race([
      ready,
      exited.then((info) => Promise.reject(new Error(`${script} exited early (code ${info.code}, signal ${info.signal})`))),
    ]),
    exited,
    get alive() {
      return exitInfo === undefined;
    },
    get exitInfo() {
      return exitInfo;
    },
    /** Runs `cmd` in the child; rejects after `timeoutMs` or when the child dies. */
    call(cmd, args = {}, timeoutMs = 60_000) {
      if (exitInfo !== undefined) return Promise.reject(new Error(`${script} is not running (code ${exitInfo.code})`));
      const id = nextId++;
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          pending.delete(id);
          reject(new Error(`${script}: ${cmd} took longer than ${timeoutMs} ms`));
        }, timeoutMs);
        pending.set(id, { resolve, reject, timer });
        child.send({ id, cmd, args });
      });
    },
    /** Disconnects (the child exits by itself), then kills it if it is still there after `graceMs`. */
    async end(graceMs = 3_000) {
      if (exitInfo !== undefined) return exitInfo;
      if (child.connected) child.disconnect();
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      const info = await exited;
      clearTimeout(timer);
      return info;
    },
  };
}
