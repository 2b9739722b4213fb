#!/usr/bin/env bash
# Gateway throughput with billing on vs off, interleaved, Commonweal pinned to core 0 and
# the load generator and upstream to core 1. Writes bench/results/billing.md.
# Run from the repository root after a build: `npm run bench:billing`.
set -euo pipefail
root=$(pwd)
rounds=${ROUNDS:-2}
seconds=${SECONDS_PER_RUN:-6}
warmup=${WARMUP_SECONDS:-2}
cli="node $root/dist/src/cli/commonweal.js"
token=cw_admin_bench_billing_token_0123456789
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT

taskset -c 1 node "$root/dist/bench/fast-upstream.js" 18390 > "$work/upstream.log" 2>&1 &
echo '{"billing":"off"}' > "$work/billing-off.json"

run() { # run <on|off>: one Commonweal, set up, loaded; prints requests per second, non-2xx answers, CPU µs per request
  local mode=$1 dir="$work/$1-$RANDOM"
  mkdir "$dir"
  local config=()
  [ "$mode" = off ] && config=(--config "$work/billing-off.json")
  COMMONWEAL_ADMIN_TOKEN=$token taskset -c 0 $cli serve --port 18380 --log-level warn --data-dir "$dir" "${config[@]}" > "$dir/serve.log" 2>&1 &
  local server=$!
  for _ in $(seq 50); do curl -sf http://127.0.0.1:18380/healthz > /dev/null && break; sleep 0.1; done
  export COMMONWEAL_ADMIN_TOKEN=$token COMMONWEAL_SERVER=http://127.0.0.1:18380 COMMONWEAL_CLI_CONFIG=/nonexistent
  local key
  key=$($cli init | grep -o 'cw_live_[A-Za-z0-9]*' | head -1)
  [ "$mode" = on ] && $cli credits add --org default --amount 1000000000 --id bench > /dev/null
  $cli sites create --id s1 --name Bench --jurisdiction DE > /dev/null
  $cli models create --id m1 --input-price 100000 --output-price 300000 > /dev/null
  $cli deployments create --id d1 --model m1 --site s1 --base-url http://127.0.0.1:18390/v1 > /dev/null
  load() { # load <seconds>: autocannon's JSON report
    taskset -c 1 "$root/node_modules/.bin/autocannon" -j -c 32 -d "$1" -m POST \
      -H "authorization=Bearer $key" -H "content-type=application/json" \
      -b '{"model":"m1","messages":[{"role":"user","content":"hi"}],"max_tokens":16}' \
      http://127.0.0.1:18380/v1/chat/completions 2> /dev/null
  }
  # The first seconds run code the JIT has not optimized yet, more of it with billing on: they are not counted.
  load "$warmup" > /dev/null
  # CPU time of the server (every thread, user and system, in clock ticks) over the counted run: other jobs on the machine move req/s far more than this.
  local ticks_before ticks_after
  ticks_before=$(awk '{print $14 + $15}' "/proc/$server/stat")
  load "$seconds" > "$dir/load.json"
  ticks_after=$(awk '{print $14 + $15}' "/proc/$server/stat")
  node -e 'const r=JSON.parse(require("fs").readFileSync(process.argv[1],"utf8"));const us=(process.argv[2]-process.argv[3])*1e6/Number(process.argv[4]);console.log(Math.round(r.requests.average), r.non2xx, Math.round(us/r.requests.total))' \
    "$dir/load.json" "$ticks_after" "$ticks_before" "$(getconf CLK_TCK)"
  kill "$server"; wait "$server" 2> /dev/null || true
}

declare -a on off
for round in $(seq "$rounds"); do
  on+=("$(run on)"); off+=("$(run off)")
done
column() { # column <n> <values…>: the n-th field of each value
  local n=$1; shift
  printf '%s\n' "$@" | awk -v n="$n" '{print $n}'
}
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
m_on=$(column 1 "${on[@]}" | median); m_off=$(column 1 "${off[@]}" | median)
cpu_on=$(column 3 "${on[@]}" | median); cpu_off=$(column 3 "${off[@]}" | median)
loss=$(awk -v a="$m_on" -v b="$m_off" 'BEGIN {printf "%.1f", (1 - a / b) * 100}')
cpu_loss=$(awk -v on="$cpu_on" -v off="$cpu_off" 'BEGIN {printf "%.1f", (1 - off / on) * 100}')
{
  echo "# Gateway throughput, billing on vs off"
  echo
  echo "Written by \`npm run bench:billing\` on $(date -u +%FT%TZ), $(nproc) cores, $(node --version), load average $(cut -d' ' -f1 /proc/loadavg)."
  echo "Commonweal on core 0, autocannon (32 connections, ${seconds} s after ${warmup} s not counted) and the upstream on core 1; $rounds interleaved rounds, median."
  echo
  echo "| billing | per round: req/s, non-2xx, CPU µs/request | median req/s | median CPU µs/request |"
  echo "| --- | --- | ---: | ---: |"
  echo "| on (credit hold, charge in the usage record's transaction) | $(printf '%s; ' "${on[@]}") | $m_on | $cpu_on |"
  echo "| off (no account: unmetered) | $(printf '%s; ' "${off[@]}") | $m_off | $cpu_off |"
  echo
  echo "Throughput lost to billing: ${loss}% in req/s; **${cpu_loss}%** at the same CPU, the figure to judge by (target < 10%)."
  echo "CPU per request is the server's whole process, every thread and the kernel's work for it, over the counted run; req/s also"
  echo "moves with whatever else the machine runs."
} > "$root/bench/results/billing.md"
cat "$root/bench/results/billing.md"
