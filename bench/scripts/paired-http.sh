#!/bin/bash
# Paired A/B of raw node:http and Sluice on one path: both servers are up (pinned to core 0, only one
# under load at a time), wrk (core 1) alternates 2 s slices between them, and each line prints
# `raw-req/s raw-cpu-ns/req sluice-req/s sluice-cpu-ns/req`. Adjacent slices share the VM's state,
# so the median of the per-pair ratios is far steadier than ratios of separate runs.
# Usage (after `npm run build`): bash scripts/paired-http.sh /users/42 12
set -eu
cd "$(dirname "$0")/.."
path=$1; pairs=${2:-12}
cpu() { local t=0; for f in /proc/$1/task/*/schedstat; do read a b c < $f; t=$((t+a)); done; echo $t; }
PORT=4610 taskset -c 0 node servers/raw/server.mjs >/dev/null 2>&1 & A=$!
PORT=4611 taskset -c 0 node servers/sluice/dist/server.js >/dev/null 2>&1 & B=$!
sleep 1.5
for p in 4610 4611; do taskset -c 1 wrk -t1 -c64 -d2s http://127.0.0.1:$p$path >/dev/null; done
for i in $(seq $pairs); do
  line=""
  for pp in "4610 $A" "4611 $B"; do set -- $pp
    c0=$(cpu $2); out=$(taskset -c 1 wrk -t1 -c64 -d2s http://127.0.0.1:$1$path); c1=$(cpu $2)
    req=$(echo "$out" | awk '/requests in/ {print $1}'); rps=$(echo "$out" | awk '/Requests\/sec/ {print $2}')
    line="$line $rps $(( (c1-c0)/req ))"
  done
  echo $line
done
kill $A $B
