// In-process A/B of what a params schema costs on GET /users/:id, through the whole pipeline
// (host.inject: router, request, validation, handler, response writer; no sockets, so no kernel
// noise). Hosts run interleaved in short slices, rounds rotate the order; prints per-request µs
// medians and ratios to the route without a schema. Optional CORE_BASE=<older core's dist/index.js>
// adds that build's host, to compare routes without schemas across versions.
// Usage (after `npx tsc -b` at the root): node scripts/validation-inject.mjs [rounds]
import 'reflect-metadata';
import { z } from 'zod';
import * as v from 'valibot';

const rounds = Number(process.argv[2] ?? 15);
const perSlice = 4_000;
const users = new Map([['42', { id: '42', name: 'Ada' }]]);
const find = (id) => users.get(String(id)) ?? { id: String(id), name: 'unknown' };

async function hostWith(corePath, schema) {
  const core = await import(corePath);
  const host = core.HttpServer.createBuilder()
    .useConfiguration((c) => void (c.logger = false))
    .build();
  host.router.get('/hello', () => ({ message: 'Hello, world!' }));
  if (schema === undefined) host.router.get('/users/:id', (req) => find(req.params.id));
  else host.router.get('/users/:id', (req) => find(req.valid.params.id), { schema });
  return host;
}

const variants = {
  'no schema': await hostWith('@sluice/core'),
  zod: await hostWith('@sluice/core', { params: z.object({ id: z.string().regex(/^\d+$/) }) }),
  valibot: await hostWith('@sluice/core', { params: v.object({ id: v.pipe(v.string(), v.regex(/^\d+$/)) }) }),
};
if (process.env.CORE_BASE) variants['no schema, base build'] = await hostWith(process.env.CORE_BASE);

async function slice(host, url) {
  const started = process.hrtime.bigint();
  for (let i = 0; i < perSlice; i++) {
    const res = await host.inject({ url });
    if (res.status !== 200) throw new Error(`${url}: ${res.status}`);
  }
  return Number(process.hrtime.bigint() - started) / perSlice / 1000;
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
for (const url of ['/users/42', '/hello']) {
  const names = Object.keys(variants).filter((name) => url === '/users/42' || name.startsWith('no schema'));
  const times = Object.fromEntries(names.map((name) => [name, []]));
  for (const name of names) await slice(variants[name], url); // warm-up
  for (let round = 0; round < rounds; round++) {
    const order = names.map((_, i) => names[(i + round) % names.length]);
    for (const name of order) times[name].push(await slice(variants[name], url));
  }
  const base = median(times['no schema']);
  console.log(`GET ${url} (${rounds} rounds × ${perSlice} requests, µs per request, median):`);
  for (const name of names) {
    const m = median(times[name]);
    console.log(`  ${name.padEnd(22)} ${m.toFixed(2).padStart(6)} µs  ${(m / base).toFixed(3)}× (+${(m - base).toFixed(2)} µs)`);
  }
}
