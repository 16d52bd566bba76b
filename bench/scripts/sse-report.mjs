// Turns sse-quick.sh's JSON lines into a markdown table: medians over rounds,
// the min–max spread, and ratios to the raw per-event node:http server of the same run.
import fs from 'node:fs';

const rows = fs
  .readFileSync(process.argv[2], 'utf8')
  .trim()
  .split('\n')
  .map((line) => JSON.parse(line));
const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};
const groups = new Map();
for (const { adapter, result } of rows) {
  const key = `${result.n}×${result.size} B ${result.spread ? 'spread' : 'burst'}`;
  if (!groups.has(key)) groups.set(key, new Map());
  const byAdapter = groups.get(key);
  if (!byAdapter.has(adapter)) byAdapter.set(adapter, []);
  byAdapter.get(adapter).push(result);
}
const N = rows[0]?.result.N;
console.log(`SSE fan-out, N = ${N} clients. Server pinned to core 0, load client to core 1.`);
console.log(
  'CPU = server CPU µs per delivered event (schedstat, all threads). Ratios are to `raw` (res.write per event per client) in the same run.\n',
);
console.log('| workload | adapter | ok | CPU µs/event (median, min–max) | × raw | delivery ms | × raw | RSS/conn bytes | × raw |');
console.log('|---|---|---|---|---|---|---|---|---|');
for (const [workload, byAdapter] of groups) {
  const raw = byAdapter.get('raw') ?? [];
  const rawCpu = median(raw.map((r) => r.cpuUsPerEvent));
  const rawMs = median(raw.map((r) => r.deliverMs));
  const rawRss = median(raw.map((r) => r.rssPerConnBytes));
  for (const [adapter, results] of byAdapter) {
    const cpu = results.map((r) => r.cpuUsPerEvent);
    const ms = median(results.map((r) => r.deliverMs));
    const rss = median(results.map((r) => r.rssPerConnBytes));
    const ok = results.every((r) => r.ok) ? 'yes' : `NO (${results.filter((r) => !r.ok).length} failed)`;
    console.log(
      `| ${workload} | ${adapter} | ${ok} | ${median(cpu).toFixed(3)} (${Math.min(...cpu).toFixed(3)}–${Math.max(...cpu).toFixed(3)}) | ${(median(cpu) / rawCpu).toFixed(3)} | ${ms} | ${(ms / rawMs).toFixed(2)} | ${rss} | ${(rss / rawRss).toFixed(2)} |`,
    );
  }
}
