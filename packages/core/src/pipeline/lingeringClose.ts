import type { Socket } from 'node:net';

/**
 * How long and how much a connection keeps reading (and discarding) after an
 * early final answer, e.g. a 413 sent while the client is still uploading.
 */
export interface LingerLimits {
  readonly ms: number;
  readonly bytes: number;
}

/** nginx lingers up to 30 s; a few seconds covers a client on a sane link finishing its upload. */
export const defaultLingerLimits: LingerLimits = { ms: 5_000, bytes: 64 * 1024 * 1024 };

const limitsKey = Symbol('sluice.linger');

type LingeringSocket = Socket & { [limitsKey]?: LingerLimits; destroySoon?: () => void };

/**
 * Makes the close that node performs after the current response (a response
 * with `Connection: close`) a lingering one, as production servers do: send the
 * answer, half-close (FIN), keep reading and discarding what the client still
 * sends for a bounded time and amount, then close. Closing at once with unread
 * bytes in the receive buffer makes the kernel send a RST, and a client still
 * writing its upload (Python's http.client, curl) then gets EPIPE/ECONNRESET
 * and never reads the status it was sent.
 *
 * node:http ends such a connection through `socket.destroySoon()` once the
 * response is flushed; this replaces that method on this one socket. Called on
 * error answers only, never on the success path.
 */
export function lingerAfterResponse(socket: Socket | null | undefined, limits: LingerLimits = defaultLingerLimits): void {
  if (socket === null || socket === undefined || socket.destroyed) return;
  const lingering = socket as LingeringSocket;
  if (lingering[limitsKey] !== undefined) return;
  lingering[limitsKey] = limits;
  lingering.destroySoon = function (this: LingeringSocket) {
    linger(this, limits);
  };
}

function linger(socket: Socket, limits: LingerLimits): void {
  const readAtStart = socket.bytesRead;
  socket.end();
  // The client finished sending and closed its side: nothing is left to drain.
  if (socket.readableEnded) {
    socket.destroy();
    return;
  }
  socket.once('end', () => socket.destroy());
  // Checked on a coarse timer (only while lingering): node's HTTP parser reads
  // this socket's handle directly, so no 'data' event counts the bytes.
  const started = Date.now();
  const check = setInterval(
    () => {
      if (Date.now() - started >= limits.ms || socket.bytesRead - readAtStart >= limits.bytes) socket.destroy();
    },
    Math.min(250, limits.ms),
  );
  check.unref();
  socket.once('close', () => clearInterval(check));
  socket.resume();
}
