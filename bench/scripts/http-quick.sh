#!/usr/bin/env bash
# Side-by-side HTTP throughput: raw node:http vs Sluice, server on core 0, wrk on core 1.
# Adapters are interleaved in short slices, order rotated, medians reported (this VM drifts).
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${ROUNDS:-5}; DURATION=${DURATION:-5s}; CONNS=${CONNS:-64}
(cd .. && npx tsc -b packages/core >/dev/null && npx tsc -p bench/servers/sluice/tsconfig.json)
declare -A cmd=( [raw]="node servers/raw/server.mjs" [sluice]="node servers/sluice/dist/server.js" )
declare -A port=( [raw]=3101 [sluice]=3102 )
results=$(mktemp)
trap 'kill $(jobs -p) 2>/dev/null || true' EXIT
# Server CPU time (ns, all threads) from schedstat: steadier than wall-clock rates on a shared VM.
cpu_ns() { cat /proc/"$1"/task/*/schedstat | awk '{s += $1} END {printf "%.0f\n", s}'; }
for round in $(seq 1 "$ROUNDS"); do
  order=(raw sluice); if (( round % 2 == 0 )); then order=(sluice raw); fi
  for name in "${order[@]}"; do
    PORT=${port[$name]} taskset -c 0 ${cmd[$name]} >/dev/null 2>&1 & pid=$!
    for _ in $(seq 1 50); do curl -s "http://127.0.0.1:${port[$name]}/hello" >/dev/null && break; sleep 0.1; done
    for path in /hello /users/42; do
      taskset -c 1 wrk -t1 -c"$CONNS" -d1s "http://127.0.0.1:${port[$name]}$path" >/dev/null  # warm-up
      cpu0=$(cpu_ns "$pid")
      out=$(taskset -c 1 wrk -t1 -c"$CONNS" -d"$DURATION" "http://127.0.0.1:${port[$name]}$path")
      cpu1=$(cpu_ns "$pid")
      rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
      reqs=$(awk '/requests in/ {print $1}' <<<"$out")
      echo "$name $path $rps $(( (cpu1 - cpu0) / reqs ))" >> "$results"
    done
    kill "$pid"; wait "$pid" 2>/dev/null || true
  done
done
node -e '
const rows = require("fs").readFileSync(process.argv[1], "utf8").trim().split("\n").map(l => l.split(" "));
const by = {}, cpu = {};
for (const [n, p, r, c] of rows) { ((by[p] ??= {})[n] ??= []).push(Number(r)); ((cpu[p] ??= {})[n] ??= []).push(Number(c)); }
const med = a => { const s = [...a].sort((x, y) => x - y); return s[Math.floor(s.length / 2)]; };
console.log("| path | raw node:http req/s | sluice req/s | sluice / raw | spread (min–max ratio) | server CPU ns/req raw | sluice | raw / sluice (throughput-equivalent) |");
console.log("|---|---|---|---|---|---|---|---|");
for (const [p, v] of Object.entries(by)) {
  const ratios = v.raw.map((r, i) => v.sluice[i] / r);
  console.log(`| ${p} | ${med(v.raw).toFixed(0)} | ${med(v.sluice).toFixed(0)} | ${(med(v.sluice) / med(v.raw)).toFixed(3)} | ${Math.min(...ratios).toFixed(3)}–${Math.max(...ratios).toFixed(3)} | ${med(cpu[p].raw)} | ${med(cpu[p].sluice)} | ${(med(cpu[p].raw) / med(cpu[p].sluice)).toFixed(3)} |`);
}' "$results"
