#!/usr/bin/env bash
# SSE fan-out, side by side: server on core 0, load client on core 1.
# Usage: N=5000 ROUNDS=3 scripts/sse-quick.sh
set -euo pipefail
cd "$(dirname "$0")/.."
N=${N:-5000}; ROUNDS=${ROUNDS:-3}
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"
(cd .. && npx tsc -b packages/sse >/dev/null && npx tsc -p bench/servers/sluice-sse/tsconfig.json)
declare -A cmd=( [raw]="node servers/raw-sse/server.mjs" [raw-joined]="node servers/raw-sse-joined/server.mjs" [sluice]="node servers/sluice-sse/dist/server.js" [sluice-1ms]="node servers/sluice-sse/dist/server.js" )
declare -A env=( [raw]="" [raw-joined]="" [sluice]="FLUSH_WINDOW_MS=0" [sluice-1ms]="FLUSH_WINDOW_MS=1" )
ADAPTERS=${ADAPTERS:-"raw raw-joined sluice sluice-1ms"}
WORKLOADS=${WORKLOADS:-"100:64:0 20:4096:0 100:64:1"}
out=${OUT:-/dev/stdout}
trap 'kill $(jobs -p) 2>/dev/null || true' EXIT
for round in $(seq 1 "$ROUNDS"); do
  read -r -a list <<<"$ADAPTERS"
  # rotate the order each round (this VM drifts over minutes)
  for ((k = 0; k < round - 1; k++)); do list=("${list[@]:1}" "${list[0]}"); done
  for name in "${list[@]}"; do
    for w in $WORKLOADS; do
      IFS=: read -r n size spread <<<"$w"
      port=$((3300 + RANDOM % 500))
      env PORT=$port ${env[$name]} taskset -c 0 ${cmd[$name]} >/dev/null 2>&1 & pid=$!
      for _ in $(seq 1 50); do curl -s "http://127.0.0.1:$port/stats" >/dev/null && break; sleep 0.1; done
      res=$(taskset -c 1 node clients/sse-load.mjs "$port" "$pid" "$N" "$n" "$size" "$spread")
      echo "{\"adapter\":\"$name\",\"round\":$round,\"result\":$res}" >> "$out"
      kill "$pid"; wait "$pid" 2>/dev/null || true
    done
  done
done
