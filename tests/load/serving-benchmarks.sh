#!/usr/bin/env bash
# The serving benchmarks of docs/benchmarks.md: starts ./lmi serve on the bench-llama model with each
# configuration, drives it with ./lmi bench, and keeps every run's JSON summary.
#
#   tests/load/serving-benchmarks.sh [SCENARIO...]    (default: all of them)
#
# Scenarios: efficiency sweep static prefix chunked. REPEATS (default 3) runs of each; OUT (default
# bench-results/) receives <scenario>-<config>-<run>.json plus the servers' logs. Summarize with
#   /usr/bin/python3 tests/load/summarize.py OUT
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
LMI="$ROOT/lmi"
REPEATS="${REPEATS:-3}"
OUT="${OUT:-$ROOT/bench-results}"
PORT="${PORT:-8089}"
URL="http://127.0.0.1:$PORT"
mkdir -p "$OUT"

log() { echo "serving-benchmarks: $*" >&2; }

MODEL="$("$LMI" bench-model)"
SERVER_PID=""

# Starts the server with the given --option.KEY VALUE arguments and waits for /ping.
start_server() {
  local name="$1"
  shift
  "$LMI" serve --model "$MODEL" --port "$PORT" --bind_address 127.0.0.1 "$@" >"$OUT/server-$name.log" 2>&1 &
  SERVER_PID=$!
  local waited=0
  until curl -sf "$URL/ping" >/dev/null 2>&1; do
    if ! kill -0 "$SERVER_PID" 2>/dev/null; then
      log "the server ($name) exited; see $OUT/server-$name.log"
      exit 1
    fi
    if [ $waited -ge 600 ]; then
      log "the server ($name) did not answer /ping within 600 s"
      exit 1
    fi
    sleep 1
    waited=$((waited + 1))
  done
  log "server up ($name): $*"
}

stop_server() {
  if [ -n "$SERVER_PID" ]; then
    kill "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
    SERVER_PID=""
  fi
}
trap stop_server EXIT

# Runs ./lmi bench against the server; its JSON summary (the last stdout line) goes to OUT/$1.json.
bench() {
  local name="$1"
  shift
  log "bench $name: $*"
  "$LMI" bench --url "$URL" --label "$name" "$@" | tail -n 1 >"$OUT/$name.json"
}

# Output tokens/s through HTTP at concurrency 1, 16 and 64 against the offline engine at the same batch:
# 128-token prompts, 65 output tokens each (the offline run's prefill token plus 64 decode steps).
scenario_efficiency() {
  local run
  for run in $(seq 1 "$REPEATS"); do
    "$ROOT/lmi" bench-engine --batch 1,16,64 --prompt 128 --decode 64 | tail -n 1 >"$OUT/efficiency-offline-$run.json"
    start_server efficiency
    # Untimed: the first requests after a start pay for the JIT compilers of server and client.
    bench "efficiency-warmup-$run" --concurrency 16 --num-requests 32 --prompt-tokens 128 --max-tokens 32 --ignore-eos
    bench "efficiency-c1-$run" --concurrency 1 --num-requests 10 --warmup 1 \
      --prompt-tokens 128 --max-tokens 65 --ignore-eos --metrics
    bench "efficiency-c16-$run" --concurrency 16 --num-requests 64 --warmup 16 \
      --prompt-tokens 128 --max-tokens 65 --ignore-eos --metrics
    bench "efficiency-c64-$run" --concurrency 64 --num-requests 192 --warmup 64 \
      --prompt-tokens 128 --max-tokens 65 --ignore-eos --metrics
    stop_server
  done
}

# Throughput and TPOT against concurrency, for the chart.
scenario_sweep() {
  start_server sweep
  bench sweep --concurrency 1,2,4,8,16,32,64 --num-requests 64 --warmup 4 \
    --prompt-tokens 128 --max-tokens 65 --ignore-eos --metrics --plot "$OUT/serving-sweep.png"
  stop_server
}

# The same engine with batches formed once and run to completion, against continuous batching. A static batch
# is what one step admits, so its step budget must hold 64 prompts of 128 tokens.
scenario_static() {
  local run
  for run in $(seq 1 "$REPEATS"); do
    for batching in continuous static; do
      if [ "$batching" = static ]; then
        start_server "static-$batching" --option.batching static --option.max_num_batched_tokens 8192
      else
        start_server "static-$batching" --option.batching continuous
      fi
      bench "static-$batching-$run" --concurrency 64 --num-requests 192 --warmup 0 \
        --prompt-tokens 128 --max-tokens-range 16:256 --ignore-eos --metrics
      stop_server
    done
  done
}

# Time to first token of prompts sharing a 512-token prefix, with and without the prefix cache.
scenario_prefix() {
  local run caching
  for run in $(seq 1 "$REPEATS"); do
    for caching in true false; do
      start_server "prefix-$caching" --option.enable_prefix_caching "$caching"
      bench "prefix-$caching-$run" --concurrency 1,8 --num-requests 24 --warmup 1 \
        --prompt-tokens 640 --shared-prefix-tokens 512 --max-tokens 8 --ignore-eos --metrics
      stop_server
    done
  done
}

# Decode inter-token latency while 2,000-token prompts arrive: chunks of 256 tokens against whole prompts.
scenario_chunked() {
  local run config
  for run in $(seq 1 "$REPEATS"); do
    for config in chunked whole; do
      if [ "$config" = chunked ]; then
        start_server "chunked-$config" --option.enable_chunked_prefill true --option.max_num_batched_tokens 256
      else
        start_server "chunked-$config" --option.enable_chunked_prefill false --option.max_num_batched_tokens 2048
      fi
      # The long prompts start once the decoding requests are under way.
      (sleep 5 && bench "chunked-$config-long-$run" --request-rate 0.25 --num-requests 6 --seed 1 \
        --prompt-tokens 2000 --max-tokens 1 2>"$OUT/chunked-$config-long-$run.log") &
      local long=$!
      bench "chunked-$config-decode-$run" --concurrency 8 --num-requests 24 --warmup 8 \
        --prompt-tokens 32 --max-tokens 200 --ignore-eos --metrics
      wait "$long"
      stop_server
    done
  done
}

scenarios=("$@")
[ ${#scenarios[@]} -gt 0 ] || scenarios=(efficiency sweep static prefix chunked)
for scenario in "${scenarios[@]}"; do
  case "$scenario" in
    efficiency|sweep|static|prefix|chunked) "scenario_$scenario" ;;
    *) log "unknown scenario: $scenario (efficiency, sweep, static, prefix, chunked)"; exit 2 ;;
  esac
done
log "results in $OUT"
