// Micro benchmark: RouteTree.match vs find-my-way's find() on the same routes.
//
//   npx tsc -b packages/core            # builds packages/core/dist
//   taskset -c 0 node packages/core/bench/router.bench.mjs
//
// Set ROUTE_TREE=/path/to/RouteTree.js to benchmark another build of the file,
// e.g. when the package build is broken by unrelated files, compile the router
// alone:
//   npx tsc --outDir /tmp/rt --rootDir packages/core/src/routing --target ES2022 \
//     --module nodenext --moduleResolution nodenext --strict --skipLibCheck --types node \
//     packages/core/src/routing/{RouteMethod,parseRoutePath,RouteTree}.ts
//   echo '{"type":"module"}' > /tmp/rt/package.json
//   ROUTE_TREE=/tmp/rt/RouteTree.js taskset -c 0 node packages/core/bench/router.bench.mjs
// Both routers get ~30 realistic routes (static, params, wildcards) and the
// same request mix; each is warmed up, then timed over several rounds run
// alternately (so drift and GC hit both alike); the median round is reported.
// A third column runs RouteTree with its static-path Map emptied, to show what
// that fast path is worth.

import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import FindMyWay from 'find-my-way';

const treeModule = process.env.ROUTE_TREE
  ? pathToFileURL(process.env.ROUTE_TREE).href
  : new URL('../dist/routing/RouteTree.js', import.meta.url).href;
const { RouteTree } = await import(treeModule).catch((error) => {
  console.error(`Cannot load ${treeModule} (${error.message}). Build first (npx tsc -b packages/core) or see ROUTE_TREE above.`);
  process.exit(1);
});

const ROUTES = [
  ['GET', '/'],
  ['GET', '/health'],
  ['GET', '/favicon.ico'],
  ['GET', '/login'],
  ['POST', '/login'],
  ['GET', '/logout'],
  ['GET', '/api/v1/status'],
  ['GET', '/api/v1/search'],
  ['GET', '/api/v1/users'],
  ['POST', '/api/v1/users'],
  ['GET', '/api/v1/users/me'],
  ['GET', '/api/v1/users/:id'],
  ['PUT', '/api/v1/users/:id'],
  ['DELETE', '/api/v1/users/:id'],
  ['GET', '/api/v1/users/:id/posts'],
  ['POST', '/api/v1/users/:id/posts'],
  ['GET', '/api/v1/users/:id/posts/:postId'],
  ['GET', '/api/v1/posts'],
  ['GET', '/api/v1/posts/:postId'],
  ['GET', '/api/v1/posts/:postId/comments'],
  ['POST', '/api/v1/posts/:postId/comments'],
  ['GET', '/api/v1/posts/:postId/comments/:commentId'],
  ['GET', '/api/v1/orgs/:org/members'],
  ['GET', '/api/v1/orgs/:org/repos/:repo'],
  ['GET', '/api/v1/orgs/:org/repos/:repo/issues/:number'],
  ['GET', '/events'],
  ['GET', '/events/:channel'],
  ['GET', '/static/*'],
  ['GET', '/assets/*'],
  ['GET', '/docs/*'],
];

// Weighted like a typical API + a few pages: statics, 1–3 params, wildcards,
// one trailing slash, one HEAD, one 404.
const REQUESTS = [
  ['GET', '/', 2],
  ['GET', '/health', 3],
  ['GET', '/api/v1/users', 3],
  ['POST', '/api/v1/users', 1],
  ['GET', '/api/v1/users/me', 2],
  ['GET', '/api/v1/status', 1],
  ['GET', '/api/v1/users/12345', 4],
  ['PUT', '/api/v1/users/12345', 1],
  ['GET', '/api/v1/users/12345/posts', 2],
  ['GET', '/api/v1/users/12345/posts/987', 2],
  ['GET', '/api/v1/posts/987/comments', 2],
  ['GET', '/api/v1/posts/987/comments/55', 1],
  ['GET', '/api/v1/orgs/acme/repos/web', 1],
  ['GET', '/api/v1/orgs/acme/repos/web/issues/42', 1],
  ['GET', '/events/news', 2],
  ['GET', '/static/js/app.3f9a1c.js', 3],
  ['GET', '/assets/img/logo.png', 2],
  ['GET', '/docs/guide/routing', 1],
  ['GET', '/api/v1/users/', 1],
  ['HEAD', '/health', 1],
  ['GET', '/wp-login.php', 1],
];

const requests = [];
for (const [method, path, weight] of REQUESTS) for (let i = 0; i < weight; i++) requests.push([method, path]);
// Deterministic shuffle (LCG) so consecutive requests differ, as in real traffic.
let seed = 42;
for (let i = requests.length - 1; i > 0; i--) {
  seed = (seed * 1103515245 + 12345) & 0x7fffffff;
  const j = seed % (i + 1);
  [requests[i], requests[j]] = [requests[j], requests[i]];
}
// Request paths from node:http are fresh strings per request, not literals:
// build each path at run time so neither router benefits from interned keys
// it would not see in production. Methods are interned in node too.
const methods = requests.map(([m]) => m);
const paths = requests.map(([, p]) => p.split('').join(''));

const tree = new RouteTree();
const treeNoMap = new RouteTree();
const fmw = FindMyWay({ ignoreTrailingSlash: true });
ROUTES.forEach(([method, path], i) => {
  tree.add(method, path, i);
  treeNoMap.add(method, path, i);
  fmw.on(method, path, () => i);
});
treeNoMap.staticPaths.clear(); // private field; JS can reach it: disables the static fast path

// Sanity: both routers must agree on every request of the mix.
for (let i = 0; i < requests.length; i++) {
  const r = tree.match(methods[i], paths[i]);
  const n = treeNoMap.match(methods[i], paths[i]);
  const f = fmw.find(methods[i] === 'HEAD' ? 'GET' : methods[i], paths[i]);
  const mine = r.kind === 'found' ? JSON.stringify([r.match.value, r.match.params ?? {}]) : r.kind;
  const other = f ? JSON.stringify([f.handler(), { ...f.params }]) : 'not-found';
  const noMap = n.kind === 'found' ? JSON.stringify([n.match.value, n.match.params ?? {}]) : n.kind;
  if (mine !== other || mine !== noMap) throw new Error(`Disagree on ${methods[i]} ${paths[i]}: ${mine} / ${noMap} / ${other}`);
}

const ITERATIONS = Number(process.env.ITERATIONS ?? 3_000_000);
const ROUNDS = Number(process.env.ROUNDS ?? 7);
const n = requests.length;
let sink = 0;

const runners = {
  'RouteTree.match': () => {
    let acc = 0;
    for (let i = 0, k = 0; i < ITERATIONS; i++, k = k + 1 === n ? 0 : k + 1) {
      const r = tree.match(methods[k], paths[k]);
      if (r.kind === 'found') acc += 1;
    }
    return acc;
  },
  'RouteTree (no static map)': () => {
    let acc = 0;
    for (let i = 0, k = 0; i < ITERATIONS; i++, k = k + 1 === n ? 0 : k + 1) {
      const r = treeNoMap.match(methods[k], paths[k]);
      if (r.kind === 'found') acc += 1;
    }
    return acc;
  },
  'find-my-way.find': () => {
    let acc = 0;
    for (let i = 0, k = 0; i < ITERATIONS; i++, k = k + 1 === n ? 0 : k + 1) {
      // find-my-way has no HEAD→GET fallback of its own (Fastify registers
      // HEAD routes); the ternary is the caller-side equivalent.
      const m = methods[k];
      const r = fmw.find(m === 'HEAD' ? 'GET' : m, paths[k]);
      if (r !== null) acc += 1;
    }
    return acc;
  },
};

const names = Object.keys(runners);
const samples = Object.fromEntries(names.map((name) => [name, []]));

// Warmup: let every function reach optimized code before timing.
for (const name of names) for (let w = 0; w < 2; w++) sink += runners[name]();

for (let round = 0; round < ROUNDS; round++) {
  for (const name of names) {
    const t0 = performance.now();
    sink += runners[name]();
    const ms = performance.now() - t0;
    samples[name].push((ms * 1e6) / ITERATIONS);
  }
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
console.log(
  `node ${process.version}, ${ROUTES.length} routes, ${n}-request mix, ${ITERATIONS.toLocaleString('en')} iterations x ${ROUNDS} rounds (median)`,
);
const base = median(samples['find-my-way.find']);
for (const name of names) {
  const ns = median(samples[name]);
  const min = Math.min(...samples[name]);
  console.log(
    `${name.padEnd(28)} ${ns.toFixed(1).padStart(7)} ns/op  (best ${min.toFixed(1)})  ${(ns / base).toFixed(2)}x find-my-way time`,
  );
}
console.log(`find-my-way / RouteTree throughput ratio: RouteTree is ${(base / median(samples['RouteTree.match'])).toFixed(2)}x as fast`);
if (sink === 0.5) console.log('');
