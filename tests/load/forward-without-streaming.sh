#!/usr/bin/env bash
# The worker's forward and sampling time per step under the decode-bound load of docs/benchmarks.md (64 requests
# of 16 prompt tokens and 256 output tokens at once) sent by curl without streaming, so that no token is
# rendered or parsed while the model computes. Two rounds on one fresh server: the second finds the KV-block
# pool churned by the first. Prints the means of lmi_step_seconds{phase="forward"|"sample"} per round.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
PORT="${PORT:-8090}"
URL="http://127.0.0.1:$PORT"
if curl -sf "$URL/ping" >/dev/null 2>&1; then
  echo "a server already answers on $URL: stop it, or set PORT" >&2
  exit 1
fi
"$ROOT/lmi" serve --model "$("$ROOT/lmi" bench-model)" --port "$PORT" --bind_address 127.0.0.1 \
  >/tmp/forward-without-streaming.log 2>&1 &
SERVER=$!
trap 'kill $SERVER 2>/dev/null || true; wait $SERVER 2>/dev/null || true' EXIT
until curl -sf "$URL/ping" >/dev/null 2>&1; do
  kill -0 "$SERVER" 2>/dev/null || { echo "the server exited: /tmp/forward-without-streaming.log" >&2; exit 1; }
  sleep 1
done

/usr/bin/python3 - "$URL" <<'PY'
import json, random, re, sys, urllib.request
from concurrent.futures import ThreadPoolExecutor

url = sys.argv[1]


def phases():
    text = urllib.request.urlopen(url + "/metrics").read().decode()
    samples = re.findall(r'^lmi_step_seconds_(sum|count)\{phase="(\w+)"\} (\S+)$', text, re.M)
    return {(kind, phase): float(value) for kind, phase, value in samples}


def generate(seed):
    rng = random.Random(seed)
    body = {"prompt": [1] + [rng.randrange(3, 32000) for _ in range(15)], "max_tokens": 256, "ignore_eos": True,
            "temperature": 0}
    request = urllib.request.Request(url + "/v1/completions", json.dumps(body).encode(),
                                     {"Content-Type": "application/json"})
    urllib.request.urlopen(request, timeout=600).read()


for round_ in (1, 2):
    before = phases()
    with ThreadPoolExecutor(64) as pool:
        list(pool.map(generate, range(round_ * 1000, round_ * 1000 + 64)))
    after = phases()
    steps = after["count", "forward"] - before["count", "forward"]
    mean = {p: (after["sum", p] - before["sum", p]) / steps * 1e3 for p in ("forward", "sample")}
    print(f"round {round_}: {steps:.0f} steps, forward mean {mean['forward']:.1f} ms, "
          f"sample mean {mean['sample']:.2f} ms (prefill steps included)")
PY
