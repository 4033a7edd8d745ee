#!/usr/bin/env bash
# The serving benchmarks of docs/benchmarks.md: starts ./lmi serve on the bench-llama model with each
# configuration, drives it with ./lmi bench, and keeps every run's JSON summary.
#
#   tests/load/serving-benchmarks.sh [SCENARIO...]    (default: all of them)
#
# Scenarios: efficiency mixed sweep static prefix chunked embeddings lora quantize budget kvcache. REPEATS (default 3)
# runs of each; QUANTIZE (e.g. int8) runs efficiency, mixed, budget and kvcache with that option.quantize; OUT (default
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

# Starts the server with the given --option.KEY VALUE arguments and waits for /ping; SERVER_MODEL, when set,
# replaces the bench-llama model.
start_server() {
  local name="$1"
  shift
  if curl -sf "$URL/ping" >/dev/null 2>&1; then
    log "a server already answers on $URL: stop it, or set PORT"
    exit 1
  fi
  "$LMI" serve --model "${SERVER_MODEL:-$MODEL}" --port "$PORT" --bind_address 127.0.0.1 "$@" >"$OUT/server-$name.log" 2>&1 &
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

# Runs ./lmi bench against the server; its JSON summary (the last stdout line) goes to OUT/$1.json. Each name
# seeds its own prompts: prompts repeated from an earlier run would be served from the prefix cache.
bench() {
  local name="$1" seed
  shift
  seed="$(printf '%s' "$name" | cksum | cut -d ' ' -f 1)"
  log "bench $name: $*"
  "$LMI" bench --url "$URL" --label "$name" --seed "$seed" "$@" | tail -n 1 >"$OUT/$name.json"
}

# Output tokens/s through HTTP at concurrency 1, 16 and 64 against the offline engine at the same batch size.
# $1: the file prefix; $2: prompt tokens; $3: output tokens per request (the offline run's prefill token plus
# its decode steps); $4, $5, $6: requests per run at concurrency 1, 16 and 64.
serving_efficiency() {
  local prefix="$1" prompt="$2" output="$3" run engine_quantize=() server_quantize=()
  if [ -n "${QUANTIZE:-}" ]; then
    engine_quantize=(--quantize "$QUANTIZE")
    server_quantize=(--option.quantize "$QUANTIZE")
  fi
  for run in $(seq 1 "$REPEATS"); do
    "$LMI" bench-engine --batch 1,16,64 --prompt "$prompt" --decode $((output - 1)) "${engine_quantize[@]}" \
      | tail -n 1 >"$OUT/$prefix-offline-$run.json"
    start_server "$prefix" "${server_quantize[@]}"
    # Untimed: the first requests after a start pay for the JIT compilers of server and client.
    bench "$prefix-warmup-$run" --concurrency 16 --num-requests 32 --prompt-tokens "$prompt" --max-tokens 32 \
      --ignore-eos
    bench "$prefix-c1-$run" --concurrency 1 --num-requests "$4" --warmup 1 \
      --prompt-tokens "$prompt" --max-tokens "$output" --ignore-eos --metrics
    bench "$prefix-c16-$run" --concurrency 16 --num-requests "$5" \
      --prompt-tokens "$prompt" --max-tokens "$output" --ignore-eos --metrics
    bench "$prefix-c64-$run" --concurrency 64 --num-requests "$6" \
      --prompt-tokens "$prompt" --max-tokens "$output" --ignore-eos --metrics
    stop_server
  done
}

# Decode-bound: 16-token prompts, 256 output tokens, so both sides spend their time in decode steps.
scenario_efficiency() {
  serving_efficiency efficiency 16 256 4 48 128
}

# Prefill-heavy: 128-token prompts, 65 output tokens; arrivals spread prompts over the decode steps.
scenario_mixed() {
  serving_efficiency mixed 128 65 10 64 192
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

# Decode inter-token latency while 2,000-token prompts arrive: chunks of 256 tokens against whole prompts. The
# long prompts arrive while the timed decoding runs, often enough that their stalls pass 1 % of its gaps.
scenario_chunked() {
  local run config
  for run in $(seq 1 "$REPEATS"); do
    for config in chunked whole; do
      if [ "$config" = chunked ]; then
        start_server "chunked-$config" --option.enable_chunked_prefill true --option.max_num_batched_tokens 256
      else
        start_server "chunked-$config" --option.enable_chunked_prefill false --option.max_num_batched_tokens 2048
      fi
      bench "chunked-$config-warmup-$run" --concurrency 8 --num-requests 16 --prompt-tokens 32 --max-tokens 32 \
        --ignore-eos
      (sleep 3 && bench "chunked-$config-long-$run" --request-rate 0.4 --num-requests 10 \
        --prompt-tokens 2000 --max-tokens 1 2>"$OUT/chunked-$config-long-$run.log") &
      local long=$!
      bench "chunked-$config-decode-$run" --concurrency 8 --num-requests 24 \
        --prompt-tokens 32 --max-tokens 200 --ignore-eos --metrics
      wait "$long"
      stop_server
    done
  done
}

# Sentences per second of all-MiniLM-L6-v2 (int8) at concurrency 1, 8 and 32, 32-token sentences, and the
# batches dynamic batching formed; with the default max_batch_delay (5 ms) and with none.
scenario_embeddings() {
  local run delay minilm="$OUT/minilm"
  [ -f "$minilm/model.onnx" ] || "$LMI" fetch-example minilm "$minilm"
  for run in $(seq 1 "$REPEATS"); do
    for delay in 5 0; do
      SERVER_MODEL="$minilm" start_server "embeddings-delay$delay" --option.max_batch_delay "$delay"
      bench "embeddings-delay$delay-$run" --api embeddings --tokenizer "$minilm" --prompt-tokens 32 \
        --concurrency 1,8,32 --num-requests 1000 --warmup 64
      stop_server
    done
  done
}

# Output tokens/s of 16 concurrent streams (128-token prompts, 64 output tokens) naming 0, 1 and 4 distinct LoRA
# adapters (rank 16, all seven projections, random weights for bench-llama), on one server with LoRA on and
# max_loras 4, and on servers with LoRA off before and after it. The machine's speed drifts over minutes, so the
# counts run in the order 0 1 4 4 1 0 and the LoRA-off runs bracket them: each figure's median sees the same drift.
scenario_lora() {
  local run adapters="$OUT/lora-adapters" model model_names count half all="bench-0,bench-1,bench-2,bench-3"
  model="$(basename "$MODEL")"
  PYTHONPATH="$ROOT/python-worker" /usr/bin/python3 "$ROOT/python-worker/tests/make_test_adapters.py" \
    --model "$MODEL" --out "$adapters" --bench 4 >&2
  lora_run() {
    bench "$1" --concurrency 16 --num-requests 64 --prompt-tokens 128 --max-tokens 64 --ignore-eos --metrics \
      --model-name "$2"
  }
  for run in $(seq 1 "$REPEATS"); do
    for half in a b; do
      if [ "$half" = b ]; then
        start_server lora-on --option.enable_lora true --option.max_loras 4 --option.adapters "$adapters"
        bench "lora-warmup-$run" --concurrency 16 --num-requests 32 --prompt-tokens 128 --max-tokens 32 \
          --ignore-eos --model-name "$all"
        for count in 0 1 4 4 1 0; do
          case "$count" in
            0) model_names="$model" ;;
            1) model_names=bench-0 ;;
            4) model_names="$all" ;;
          esac
          if [ -f "$OUT/lora-$count-$run-a.json" ]; then
            lora_run "lora-$count-$run-b" "$model_names"
          else
            lora_run "lora-$count-$run-a" "$model_names"
          fi
        done
        stop_server
      fi
      start_server "lora-off-$half"
      bench "lora-off-warmup-$run-$half" --concurrency 16 --num-requests 32 --prompt-tokens 128 --max-tokens 32 \
        --ignore-eos
      lora_run "lora-off-$run-$half" "$model"
      stop_server
    done
  done
}

# Issue 13's workload: 64 requests of 128 prompt and 64 output tokens at concurrency 16, after 32 untimed ones.
# issue13_workload WARMUP_NAME NAME
issue13_workload() {
  bench "$1" --concurrency 16 --num-requests 32 --prompt-tokens 128 --max-tokens 32 --ignore-eos
  bench "$2" --concurrency 16 --num-requests 64 --prompt-tokens 128 --max-tokens 64 --ignore-eos --metrics
}

# option.kv_cache_dtype on issue 13's workload, with QUANTIZE (default int8) weights, the two dtypes in turn.
scenario_kvcache() {
  local run dtype
  for run in $(seq 1 "$REPEATS"); do
    for dtype in auto float16; do
      start_server "kvcache-$dtype" --option.quantize "${QUANTIZE:-int8}" --option.kv_cache_dtype "$dtype"
      issue13_workload "kvcache-$dtype-warmup-$run" "kvcache-$dtype-$run"
      stop_server
    done
  done
}

# Output tokens/s of issue 13's workload per option.quantize mode, float32 first and last against the drift.
scenario_quantize() {
  local run mode name
  for run in $(seq 1 "$REPEATS"); do
    for mode in none int8 fp8 none; do
      if [ "$mode" = none ]; then
        start_server "quantize-$mode"
      else
        start_server "quantize-$mode" --option.quantize "$mode"
      fi
      name="quantize-$mode-$run-a"
      [ ! -f "$OUT/$name.json" ] || name="quantize-$mode-$run-b"
      issue13_workload "quantize-$mode-warmup-$run" "$name"
      stop_server
    done
  done
}

# TTFT and TPOT of issue 13's workload against the step's token budget (option.max_num_batched_tokens): a small
# budget splits the 16 prompts over more steps that carry the decodes too; a large one prefills them at once.
scenario_budget() {
  local run budget quantize=()
  [ -z "${QUANTIZE:-}" ] || quantize=(--option.quantize "$QUANTIZE")
  for run in $(seq 1 "$REPEATS"); do
    for budget in 256 512 1024 2048 8192; do
      start_server "budget-$budget" --option.max_num_batched_tokens "$budget" "${quantize[@]}"
      issue13_workload "budget-$budget-warmup-$run" "budget-$budget-$run"
      stop_server
    done
  done
}

scenarios=("$@")
[ ${#scenarios[@]} -gt 0 ] || scenarios=(efficiency mixed sweep static prefix chunked embeddings lora quantize budget kvcache)
for scenario in "${scenarios[@]}"; do
  case "$scenario" in
    efficiency|mixed|sweep|static|prefix|chunked|embeddings|lora|quantize|budget|kvcache) "scenario_$scenario" ;;
    *) log "unknown scenario: $scenario (efficiency, mixed, sweep, static, prefix, chunked, embeddings, lora," \
      "quantize, budget, kvcache)"; exit 2 ;;
  esac
done
log "results in $OUT"
