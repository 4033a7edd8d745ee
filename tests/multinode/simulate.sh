#!/usr/bin/env bash
# Two nodes on one machine: a tensor-parallel group of 2 over network namespaces lmi-node0 (the leader:
# ./lmi serve, rank 0) and lmi-node1 (./lmi worker-node, rank 1), joined by a veth pair with addresses from
# TEST-NET-1 (192.0.2.0/24, never routed) that exist only inside those namespaces. Checks that the group's
# greedy completions equal one worker's, that /models reports the degree, and that killing the remote rank
# makes both nodes start the group again, after which it serves the same completions.
# Needs root and iproute2; prints "SKIP: ..." and exits 0 without them. OUT (default: a temporary folder)
# keeps the logs.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
MODEL="${MODEL:-$ROOT/../shared/testdata/tiny-llama}"
OUT="${OUT:-$(mktemp -d)}"
mkdir -p "$OUT"
PORT=8096
LEADER=192.0.2.1
log() { echo "multinode: $*" >&2; }

if [ "$(id -u)" != 0 ] || ! command -v ip >/dev/null || ! ip netns add lmi-probe 2>/dev/null; then
  echo "SKIP: needs root and network namespaces (ip netns)"
  exit 0
fi
ip netns del lmi-probe

cleanup() {
  for ns in lmi-node0 lmi-node1; do
    ip netns pids "$ns" 2>/dev/null | xargs -r kill 2>/dev/null || true
  done
  sleep 1
  for ns in lmi-node0 lmi-node1; do
    ip netns pids "$ns" 2>/dev/null | xargs -r kill -9 2>/dev/null || true
    ip netns del "$ns" 2>/dev/null || true
  done
  pkill -f "lmi-reference-$PORT" 2>/dev/null || true
}
trap cleanup EXIT
cleanup

ip netns add lmi-node0
ip netns add lmi-node1
ip link add lmi-veth0 type veth peer name lmi-veth1
ip link set lmi-veth0 netns lmi-node0
ip link set lmi-veth1 netns lmi-node1
ip -n lmi-node0 addr add "$LEADER/24" dev lmi-veth0
ip -n lmi-node1 addr add 192.0.2.2/24 dev lmi-veth1
for n in 0 1; do
  ip -n "lmi-node$n" link set lo up
  ip -n "lmi-node$n" link set "lmi-veth$n" up
done

# The namespaces reach no registry: build here first.
[ -f "$ROOT/server/target/lmi-server.jar" ] || (cd "$ROOT" && mvn -B -q -ntp -DskipTests package)

group_env=(LMI_NNODES=2 LMI_LEADER_ADDR="$LEADER" LMI_LEADER_PORT=29500 TENSOR_PARALLEL_DEGREE=2)
ip netns exec lmi-node1 env "${group_env[@]}" LMI_NODE_RANK=1 GLOO_SOCKET_IFNAME=lmi-veth1 \
  "$ROOT/lmi" worker-node >"$OUT/node1.log" 2>&1 &
ip netns exec lmi-node0 env "${group_env[@]}" LMI_NODE_RANK=0 GLOO_SOCKET_IFNAME=lmi-veth0 \
  "$ROOT/lmi" serve --model "$MODEL" --port "$PORT" --bind_address 127.0.0.1 >"$OUT/node0.log" 2>&1 &
# One worker in this namespace, for the reference outputs.
"$ROOT/lmi" serve --model "$MODEL" --port $((PORT + 1)) --bind_address 127.0.0.1 \
  --management_address http://127.0.0.1:$((PORT + 2)) --model_name "lmi-reference-$PORT" >"$OUT/reference.log" 2>&1 &

in_leader() { ip netns exec lmi-node0 "$@"; }
wait_ping() {  # wait_ping WHERE... URL: until the server answers /ping, at most 300 s
  local url="${*: -1}" waited=0
  until "${@:1:$#-1}" curl -sf "$url/ping" >/dev/null 2>&1; do
    [ $waited -lt 300 ] || { log "no answer from $url within 300 s; logs in $OUT"; exit 1; }
    sleep 1
    waited=$((waited + 1))
  done
}
completions() {  # completions WHERE... URL: the greedy text of each prompt, one line each
  local url="${*: -1}" prompt
  for prompt in "The capital of France is" "Once upon a time" "def fibonacci(n):"; do
    "${@:1:$#-1}" curl -sf "$url/v1/completions" -H 'content-type: application/json' \
      -d "{\"prompt\": \"$prompt\", \"max_tokens\": 16, \"temperature\": 0}" |
      /usr/bin/python3 -c 'import json, sys; print(json.dumps(json.load(sys.stdin)["choices"][0]["text"]))'
  done
}

wait_ping env "http://127.0.0.1:$((PORT + 1))"
wait_ping in_leader "http://127.0.0.1:$PORT"
log "group of 2 over two namespaces serves"
want="$(completions env "http://127.0.0.1:$((PORT + 1))")"
got="$(completions in_leader "http://127.0.0.1:$PORT")"
[ "$got" = "$want" ] || { log "the group's completions differ from one worker's:"; diff <(echo "$want") <(echo "$got"); exit 1; }
degree="$(in_leader curl -sf http://127.0.0.1:8081/models/tiny-llama |
  /usr/bin/python3 -c 'import json, sys; d = json.load(sys.stdin); print((d[0] if isinstance(d, list) else d)["tensor_parallel_degree"])')"
[ "$degree" = 2 ] || { log "/models says tensor_parallel_degree $degree"; exit 1; }
log "completions equal one worker's; /models says tensor_parallel_degree 2"

rank1="$(ip netns pids lmi-node1 | xargs -r ps -o pid=,args= -p | awk '/lmi_worker --tp-rank 1/ {print $1}')"
[ -n "$rank1" ] || { log "no rank 1 process in lmi-node1"; exit 1; }
kill -9 $rank1
log "killed rank 1 (pid $rank1) on node 1"
again="$(completions in_leader "http://127.0.0.1:$PORT")"
[ "$again" = "$want" ] || { log "after the restart the completions differ:"; diff <(echo "$want") <(echo "$again"); exit 1; }
grep -q "starting this node's ranks again" "$OUT/node1.log" || { log "node 1 did not restart its ranks"; exit 1; }
log "after the kill both nodes started the group again and it served the same completions"
echo "PASS (logs in $OUT)"
