// What the validation step itself costs per request: the compiled route function of GET /users/:id
// called directly (no socket, no pipeline) without a schema, with a zod and with a valibot params
// schema. Interleaved slices, rotated each round; ns per call, medians.
// Usage (after `npx tsc -b` at the root): node scripts/validation-micro.mjs [rounds]
import { z } from 'zod';
import * as v from 'valibot';
import { withValidation } from '../../packages/core/dist/pipeline/validation.js';

const rounds = Number(process.argv[2] ?? 21);
const perSlice = 200_000;
const handler = (req) => req;
const variants = {
  'no schema': withValidation(handler, undefined, 'users'),
  zod: withValidation(handler, { schema: { params: z.object({ id: z.string().regex(/^\d+$/) }) } }, 'users'),
  valibot: withValidation(handler, { schema: { params: v.object({ id: v.pipe(v.string(), v.regex(/^\d+$/)) }) } }, 'users'),
};
let sink = 0;
function slice(invoke) {
  const started = process.hrtime.bigint();
  for (let i = 0; i < perSlice; i++) sink += invoke({ params: { id: '42' } }) === undefined ? 1 : 0;
  return Number(process.hrtime.bigint() - started) / perSlice;
}
const names = Object.keys(variants);
const times = Object.fromEntries(names.map((name) => [name, []]));
for (const name of names) slice(variants[name]);
for (let round = 0; round < rounds; round++)
  for (let i = 0; i < names.length; i++) times[names[(i + round) % names.length]].push(slice(variants[names[(i + round) % names.length]]));
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
for (const name of names) console.log(`${name.padEnd(10)} ${median(times[name]).toFixed(0).padStart(5)} ns per call`);
if (sink < 0) console.log(sink);
