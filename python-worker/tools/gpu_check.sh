#!/usr/bin/env bash
# One-shot GPU check for a lent CUDA machine: parity tests on cuda, then the engine benchmark.
# Run from the repository root: bash python-worker/tools/gpu_check.sh
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
export PYTHONPATH="$ROOT/python-worker"
export LMI_TESTDATA="${LMI_TESTDATA:-$ROOT/../shared/testdata}"
PYTHON="${LMI_PYTHON:-python3}"
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv
"$PYTHON" -c "import torch; print('torch', torch.__version__, 'cuda', torch.version.cuda, torch.cuda.get_device_name(0))"
(cd "$ROOT/python-worker" && LMI_TEST_DEVICE=cuda "$PYTHON" -m pytest -q tests/test_golden_parity.py \
  tests/test_paged_attention.py tests/test_engine_steps.py tests/test_lora_engine.py)
MODEL="${TMPDIR:-/tmp}/bench-llama"
[ -f "$MODEL/model.safetensors" ] || "$PYTHON" "$LMI_TESTDATA/make_tiny_models.py" --preset bench-llama --out "$MODEL"
for dtype in float32 bfloat16; do
  "$PYTHON" -m lmi_worker.bench --model "$MODEL" --device cuda --dtype "$dtype" --batch 1,4,16,64,256 \
    --prompt 128 --decode 64
done
"$PYTHON" -m lmi_worker.lora_bench --model "$MODEL" --device cuda --batch 16 --adapters 0,1,4,0,1,4 --rank 16 \
  --prompt 128 --decode 64
