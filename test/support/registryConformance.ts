import { describe, it, expect, beforeEach, afterEach } from '@jest/globals';
import { type HttpResponse, type HttpHost, type HttpRequest } from '@sluice/core';
import { EventSourceRegistry, type HttpRequestEventSource } from '@sluice/sse';
import { SseTestClient, type SseEvent } from '@sluice/sse/testing';

/**
 * The registry conformance table: one set of behaviours every implementation of
 * `EventSourceRegistry` passes (the in-process one, and the one over each
 * backplane). A factory gives a started cluster of one or more hosts with
 * `ssePlugin()` (and its backplane); the table adds its routes and drives real
 * SSE clients. With one host, "the other node" is the same host.
 */
export interface RegistryCluster {
  /** Started hosts; with a backplane, one per node. */
  readonly hosts: readonly HttpHost[];
  stop(): Promise<void>;
}

const generous = 10_000;

/** Polls `probe` until it returns true (cross-node state is eventually consistent); fails after a generous bound. */
async function eventually(probe: () => boolean | Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + generous;
  for (;;) {
    if (await probe()) return;
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

function installRoutes(host: HttpHost): void {
  const hold = async (req: HttpRequest, identifier?: string): Promise<HttpResponse> => {
    const sse = req.getEventSource(identifier);
    await sse.keepAlive();
    return sse.close();
  };
  host.router.get('/conformance/s/:id', (req) => hold(req, req.params.id));
  host.router.get('/conformance/anonymous', (req) => hold(req));
}

export function describeRegistryConformance(name: string, makeCluster: () => Promise<RegistryCluster>): void {
  describe(`EventSourceRegistry conformance: ${name}`, () => {
    let cluster: RegistryCluster;
    let clients: SseTestClient[] = [];
    const first = (): HttpHost => cluster.hosts[0]!;
    const last = (): HttpHost => cluster.hosts[cluster.hosts.length - 1]!;
    const registryOf = (host: HttpHost): EventSourceRegistry => host.container.get(EventSourceRegistry);
    const open = async (host: HttpHost, identifier?: string, lastEventId?: string): Promise<SseTestClient> => {
      const path = identifier === undefined ? '/conformance/anonymous' : `/conformance/s/${encodeURIComponent(identifier)}`;
      const client = await SseTestClient.connect(host.url, path, { lastEventId, timeoutMs: generous });
      clients.push(client);
      if (identifier !== undefined)
        await eventually(() => registryOf(host).getByIdentifier(identifier) !== undefined, `${identifier} registered`);
      return client;
    };
    /** Every event a client got up to (and without) the `end` marker. */
    const until = async (client: SseTestClient, marker: string): Promise<SseEvent[]> => {
      await client.waitFor((e) => e.type === 'marker' && e.data === marker);
      const events = client.events;
      const end = events.findIndex((e) => e.type === 'marker' && e.data === marker);
      return events.slice(0, end).filter((e) => e.type !== 'marker');
    };

    beforeEach(async () => {
      cluster = await makeCluster();
      for (const host of cluster.hosts) installRoutes(host);
    });

    afterEach(async () => {
      for (const client of clients) client.close();
      clients = [];
      await cluster.stop();
    });

    it('identifies: an identified stream is found on its node, an anonymous one is not; count is a property', async () => {
      await open(first(), 'id-a');
      await open(first());
      const registry = registryOf(first());
      expect(registry.getByIdentifier('id-a')?.identifier).toBe('id-a');
      expect(registry.getByIdentifier('absent')).toBeUndefined();
      expect(registry.count).toBe(1);
      expect(registry.stats().open).toBe(2);
      expect(registry.stats().identified).toBe(1);
    });

    it('find, all and count are this node’s live streams, as arrays', async () => {
      await open(first(), 'fa-1');
      await open(first(), 'fa-2');
      await open(first(), 'other');
      const registry = registryOf(first());
      const found = registry.find((id) => id.startsWith('fa-'));
      expect(Array.isArray(found)).toBe(true);
      expect(found.map((s) => s.identifier).sort()).toEqual(['fa-1', 'fa-2']);
      expect(
        registry
          .all()
          .map((s) => s.identifier)
          .sort(),
      ).toEqual(['fa-1', 'fa-2', 'other']);
      expect(registry.count).toBe(3);
    });

    it('replaces: a second stream with an identifier in use closes the first; unregistered comes before registered', async () => {
      const registry = registryOf(first());
      const seen: string[] = [];
      registry.on('unregistered', (s) => seen.push(`unregistered ${s.identifier} ${s.endReason}`));
      registry.on('registered', (s) => seen.push(`registered ${s.identifier}`));
      const older = await open(first(), 'twice');
      const olderSource = registry.getByIdentifier('twice')!;
      await open(first(), 'twice');
      await older.closed;
      expect(older.closedBy).toBe('server');
      expect(olderSource.isActive).toBe(false);
      expect(registry.getByIdentifier('twice')).not.toBe(olderSource);
      expect(registry.count).toBe(1);
      expect(seen).toEqual(['registered twice', 'unregistered twice replaced', 'registered twice']);
    });

    it('leaves on disconnect: a stream whose client goes away leaves the registry, with endReason client', async () => {
      const registry = registryOf(first());
      const left: Array<string | undefined> = [];
      registry.on('unregistered', (s) => left.push(s.endReason));
      const client = await open(first(), 'leaver');
      client.close();
      await eventually(() => registry.getByIdentifier('leaver') === undefined, 'leaver gone');
      expect(left).toEqual(['client']);
    });

    it('broadcasts once per stream, in one order, to streams on every node', async () => {
      const a = await open(first(), 'b-a');
      const b = await open(last(), 'b-b');
      const anonymous = await open(first());
      const registry = registryOf(first());
      for (let i = 0; i < 5; i++) registry.broadcast(`event ${i}`);
      registryOf(last()).broadcast('from the other node');
      // Two nodes publishing at once are ordered by the backplane, not by call order: wait for the
      // other node's event before the marker, then require one order shared by every stream.
      await a.waitFor((e) => e.data === 'from the other node');
      registry.broadcast('done', { event: 'marker' });
      const gotA = (await until(a, 'done')).map((e) => e.data);
      const gotB = (await until(b, 'done')).map((e) => e.data);
      expect([...gotA].sort()).toEqual(['event 0', 'event 1', 'event 2', 'event 3', 'event 4', 'from the other node']);
      expect(gotA.filter((d) => d.startsWith('event '))).toEqual(['event 0', 'event 1', 'event 2', 'event 3', 'event 4']);
      expect(gotB).toEqual(gotA);
      // Broadcasts are for identified streams only.
      expect(anonymous.events).toEqual([]);
    });

    it('returns the number of streams on this node a broadcast was queued for', async () => {
      await open(first(), 'n-1');
      await open(first(), 'n-2');
      await open(last(), 'n-3');
      const local = cluster.hosts.length === 1 ? 3 : 2;
      expect(registryOf(first()).broadcast('x')).toBe(local);
      expect(registryOf(first()).broadcast('x', undefined, { prefix: 'n-1' })).toBe(1);
    });

    it('a prefix target reaches exactly the streams whose identifier starts with it, on every node', async () => {
      const ops1 = await open(first(), 'user-ops-1');
      const ops2 = await open(last(), 'user-ops-2');
      const other = await open(first(), 'user-dev-1');
      registryOf(first()).broadcast('for ops', undefined, { prefix: 'user-ops-' });
      registryOf(first()).broadcast('done', { event: 'marker' });
      expect((await until(ops1, 'done')).map((e) => e.data)).toEqual(['for ops']);
      expect((await until(ops2, 'done')).map((e) => e.data)).toEqual(['for ops']);
      expect(await until(other, 'done')).toEqual([]);
    });

    it('a predicate target stays on this node', async () => {
      const here = await open(first(), 'p-here');
      registryOf(first()).broadcast('by predicate', undefined, (id) => id.startsWith('p-'));
      registryOf(first()).broadcast('done', { event: 'marker' });
      expect((await until(here, 'done')).map((e) => e.data)).toEqual(['by predicate']);
    });

    it('sendTo reaches the stream with that identifier wherever it is, and resolves false when it is nowhere', async () => {
      const target = await open(last(), 'to-me');
      const bystander = await open(first(), 'not-me');
      expect(await registryOf(first()).sendTo('to-me', { hello: 'you' }, { event: 'note' })).toBe(true);
      const note = await target.waitFor((e) => e.type === 'note');
      expect(note.json()).toEqual({ hello: 'you' });
      expect(await registryOf(first()).sendTo('nobody', 'lost')).toBe(false);
      registryOf(first()).broadcast('done', { event: 'marker' });
      expect(await until(bystander, 'done')).toEqual([]);
    });

    it('sendTo rejects (never throws synchronously) on a field that would inject a line', async () => {
      await open(first(), 'inject');
      const sent = registryOf(first()).sendTo('inject', 'x', { event: 'bad\nevent' });
      await expect(sent).rejects.toMatchObject({ code: 'SLUICE_SSE_INVALID_FIELD' });
    });

    it('presence lists identifiers connected anywhere, filtered by prefix, and forgets one that left', async () => {
      const gone = await open(first(), 'pr-1');
      await open(last(), 'pr-2');
      await open(first(), 'zz-3');
      const registry = registryOf(first());
      await eventually(async () => (await registry.presence('pr-')).sort().join() === 'pr-1,pr-2', 'presence of pr-1 and pr-2');
      expect((await registry.presence()).sort()).toEqual(['pr-1', 'pr-2', 'zz-3']);
      gone.close();
      await eventually(async () => !(await registry.presence()).includes('pr-1'), 'pr-1 leaving presence');
    });

    it('dropAll closes every identified stream of this node and returns how many', async () => {
      const a = await open(first(), 'd-1');
      const b = await open(first(), 'd-2');
      expect(registryOf(first()).dropAll()).toBe(2);
      await a.closed;
      await b.closed;
      expect(registryOf(first()).count).toBe(0);
    });

    it('a listener that throws is contained: the stream and the other listeners carry on', async () => {
      const registry = registryOf(first());
      const seen: string[] = [];
      registry.on('registered', () => {
        throw new Error('a bug in a registered listener');
      });
      registry.on('unregistered', () => {
        throw new Error('a bug in an unregistered listener');
      });
      registry.on('registered', (s: HttpRequestEventSource) => seen.push(`registered ${s.identifier}`));
      registry.on('unregistered', (s: HttpRequestEventSource) => seen.push(`unregistered ${s.identifier}`));
      const client = await open(first(), 'throws');
      expect(await registry.sendTo('throws', 'still here')).toBe(true);
      expect((await client.next()).data).toBe('still here');
      client.close();
      await eventually(() => seen.length === 2, 'both listeners called');
      expect(seen).toEqual(['registered throws', 'unregistered throws']);
      // The host still serves.
      const again = await open(first(), 'after');
      expect(again.isEventStream).toBe(true);
    });
  });
}
