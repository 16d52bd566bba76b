import 'reflect-metadata';
import { describe, expect, it } from '@jest/globals';
import { z } from 'zod';
import { HttpServer, type EventsOf, type HttpRequest, type ValidatedRequest } from '@sluice/core';
import { ssePlugin } from '@sluice/sse';

/**
 * A route's `events` type its event source. Type-checked by `tsc -p tsconfig.spec.json --noEmit`
 * (part of `npm test`): each `@ts-expect-error` line must be an error.
 */
const tickerEvents = {
  price: z.object({ symbol: z.string(), price: z.number() }),
  halted: z.object({ reason: z.string() }),
};

function routes(): void {
  const host = HttpServer.createBuilder().usePlugin(ssePlugin()).build();
  host.router.get(
    '/ticker',
    (req) => {
      // No type argument: the route's events are the map.
      const sse = req.getEventSource();
      sse.send({ symbol: 'ACME', price: 1 }, { event: 'price' });
      // @ts-expect-error: a price is a number
      sse.send({ symbol: 'ACME', price: '1' }, { event: 'price' });
      // @ts-expect-error: no such event
      sse.send({ reason: 'x' }, { event: 'closed' });
      return sse.close();
    },
    { events: tickerEvents },
  );
  // Without events a stream stays open: any name, any data.
  host.router.get('/open', (req) => {
    const sse = req.getEventSource();
    sse.send({ anything: true }, { event: 'whatever' });
    return sse.close();
  });
}

// Controllers name the events in the parameter's type, or in the type argument.
function controllerMethod(req: ValidatedRequest<Record<never, never>, typeof tickerEvents>, plain: HttpRequest): void {
  req.getEventSource().send({ reason: 'maintenance' }, { event: 'halted' });
  // @ts-expect-error: halted data has a reason
  req.getEventSource().send({ why: 'maintenance' }, { event: 'halted' });
  plain.getEventSource<EventsOf<typeof tickerEvents>>().send({ symbol: 'X', price: 2 }, { event: 'price' });
}

describe('typed route events', () => {
  it('compile (see tsc -p tsconfig.spec.json)', () => {
    expect(typeof routes).toBe('function');
    expect(typeof controllerMethod).toBe('function');
  });
});
