#!/bin/bash
# Paired A/B of two Sluice servers on one path (servers/sluice-schema): A and B are both up, pinned
# to core 0, and wrk (core 1) alternates slices of SLICE seconds (default 2) between them. Each line prints
# `A-req/s A-cpu-ns/req B-req/s B-cpu-ns/req`; compare the medians of the per-pair ratios.
# Usage (after `npx tsc -b` at the root): A="SCHEMA=none" B="SCHEMA=zod" bash scripts/paired-schema.sh /users/42 10
# A or B may also set CORE=/path/to/another/core/dist/index.js (an older build, say).
set -eu
cd "$(dirname "$0")/.."
path=$1; pairs=${2:-10}
cpu() { local t=0; for f in /proc/$1/task/*/schedstat; do read a b c < $f; t=$((t+a)); done; echo $t; }
env PORT=4620 ${A:-SCHEMA=none} taskset -c 0 node servers/sluice-schema/server.mjs >/dev/null 2>&1 & PA=$!
env PORT=4621 ${B:-SCHEMA=zod} taskset -c 0 node servers/sluice-schema/server.mjs >/dev/null 2>&1 & PB=$!
sleep 1.5
for p in 4620 4621; do taskset -c 1 wrk -t1 -c64 -d2s http://127.0.0.1:$p$path >/dev/null; done
for i in $(seq $pairs); do
  line=""
  for pp in "4620 $PA" "4621 $PB"; do set -- $pp
    c0=$(cpu $2); out=$(taskset -c 1 wrk -t1 -c64 -d${SLICE:-2}s http://127.0.0.1:$1$path); c1=$(cpu $2)
    req=$(echo "$out" | awk '/requests in/ {print $1}'); rps=$(echo "$out" | awk '/Requests\/sec/ {print $2}')
    line="$line $rps $(( (c1-c0)/req ))"
  done
  echo $line
done
kill $PA $PB
