// The benchmark app of servers/sluice (GET /hello, GET /users/:id), written as imperative routes,
// with the users route validated or not, to measure what a params schema costs:
//   SCHEMA=none|zod|valibot  (default none)   CORE=<path to a core build's index.js> (default @sluice/core)
import 'reflect-metadata';
import { z } from 'zod';
import * as v from 'valibot';

const core = await import(process.env.CORE ?? '@sluice/core');
const users = new Map([['42', { id: '42', name: 'Ada' }]]);
const find = (id) => users.get(String(id)) ?? { id: String(id), name: 'unknown' };
const schemas = {
  zod: { params: z.object({ id: z.string().regex(/^\d+$/) }) },
  valibot: { params: v.object({ id: v.pipe(v.string(), v.regex(/^\d+$/)) }) },
};
const mode = process.env.SCHEMA ?? 'none';

const host = core.HttpServer.createBuilder()
  .useListeningPort(Number(process.env.PORT ?? 3002), '127.0.0.1')
  .useConfiguration((c) => {
    c.logger = false;
  })
  .build();
host.router.get('/hello', () => ({ message: 'Hello, world!' }));
if (mode === 'none') host.router.get('/users/:id', (req) => find(req.params.id));
else host.router.get('/users/:id', (req) => find(req.valid.params.id), { schema: schemas[mode] });
await host.start();
console.log(`sluice (${mode}) listening on ${host.url}`);
