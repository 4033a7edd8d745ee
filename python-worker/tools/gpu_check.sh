#!/usr/bin/env bash
# One-shot GPU check for a lent CUDA machine: the engine and quantization parity tests on cuda, the measured
# parity per quantization mode, then the engine benchmark per dtype and mode. Each part runs even when one
# before it fails, under its own time limit, so one pass gives every number.
# Run from the repository root: bash python-worker/tools/gpu_check.sh   (LMI_TESTDATA: the shared testdata;
# DEVICE=cpu BATCH=1 tries the script itself on a machine without a GPU)
set -uo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
export PYTHONPATH="$ROOT/python-worker" PYTHONUNBUFFERED=1
export LMI_TESTDATA="${LMI_TESTDATA:-$ROOT/../shared/testdata}"
PYTHON="${LMI_PYTHON:-python3}"
DEVICE="${DEVICE:-cuda}"
BATCH="${BATCH:-1,16,64}"
WORK="${TMPDIR:-/tmp}/lmi-gpu-check"
mkdir -p "$WORK"
status=0
part() {  # part NAME SECONDS COMMAND...: runs one part, notes its exit status, never stops the script
  local name="$1" limit="$2"
  shift 2
  echo "=== $name"
  local start=$SECONDS
  timeout "$limit" "$@"
  local rc=$?
  echo "=== $name: exit $rc after $((SECONDS - start)) s"
  [ "$rc" -eq 0 ] || status=1
}

if [ "$DEVICE" = cuda ]; then
  nvidia-smi --query-gpu=name,memory.total,driver_version,clocks.max.sm --format=csv
  "$PYTHON" -c "import torch; print('torch', torch.__version__, 'cuda', torch.version.cuda, \
torch.cuda.get_device_name(0), 'capability', torch.cuda.get_device_capability(0))"
fi

cd "$ROOT/python-worker"
part "engine and quantization tests on $DEVICE" 150 env LMI_TEST_DEVICE="$DEVICE" "$PYTHON" -m pytest -q -rs -p no:cacheprovider \
  tests/test_fp8_scaled_mm.py tests/test_e4m3.py tests/test_quant_parity.py tests/test_gptq_awq_parity.py tests/test_golden_parity.py \
  tests/test_paged_attention.py tests/test_engine_steps.py tests/test_lora_engine.py tests/test_speculative_decoding.py
part "parity per quantization mode on $DEVICE" 60 env LMI_TEST_DEVICE="$DEVICE" "$PYTHON" tools/quant_parity_report.py \
  --testdata "$LMI_TESTDATA"

MODEL="$WORK/bench-llama"
[ -f "$MODEL/model.safetensors" ] || "$PYTHON" "$LMI_TESTDATA/make_tiny_models.py" --preset bench-llama --out "$MODEL"
for method in gptq awq; do
  [ -f "$MODEL-$method/config.json" ] || "$PYTHON" tests/make_gptq_awq_models.py --model "$MODEL" \
    --out "$MODEL-$method" --method "$method" --group-size 128
done
# A fixed 4 GiB cache: the default (0.9 of device memory) would be allocated again for every mode. Each
# invocation's ratios are to its first run, the float checkpoint unquantized.
bench=("$PYTHON" -m lmi_worker.bench --device "$DEVICE" --batch "$BATCH" --prompt 128 --decode 64
       --kv-cache-bytes $((4 << 30)))
for dtype in float32 bfloat16; do
  part "benchmark $dtype, int8 and fp8" 50 "${bench[@]}" --model "$MODEL" --dtype "$dtype" --quantize auto,int8,fp8
  part "benchmark $dtype, GPTQ and AWQ" 50 "${bench[@]}" --model "$MODEL,$MODEL-gptq,$MODEL-awq" --dtype "$dtype"
done
part "LoRA benchmark" 40 "$PYTHON" -m lmi_worker.lora_bench --model "$MODEL" --device "$DEVICE" --batch 16 \
  --adapters 0,1,4,0,1,4 --rank 16 --prompt 128 --decode 64
exit $status
