"""Measures each quantization mode against its dequantized twin on the golden prompts and prints one JSON line
per mode: the numbers the parity tests' tolerances are stated from, on whatever device LMI_TEST_DEVICE names.

    LMI_TEST_DEVICE=cuda python3 tools/quant_parity_report.py --testdata ../../shared/testdata
"""

import argparse
import json
import logging
import sys
import tempfile
from pathlib import Path

TESTS = Path(__file__).resolve().parents[1] / "tests"
sys.path.insert(0, str(TESTS.parent))
sys.path.insert(0, str(TESTS))

import make_gptq_awq_models  # noqa: E402
import make_quantized_models  # noqa: E402
from quant_parity import DEVICE, dequantized_twin, device_engine, greedy, max_logit_difference, runs_scaled_mm  # noqa: E402

log = logging.getLogger("quant_parity_report")


def main() -> None:
    logging.basicConfig(level=logging.INFO, stream=sys.stderr, format="%(message)s")
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--testdata", required=True, help="the shared testdata folder (holds tiny-llama/)")
    args = parser.parse_args()
    model = Path(args.testdata) / "tiny-llama"
    cases = json.loads((model / "golden.json").read_text())["cases"]
    float_engine = device_engine(model)
    with tempfile.TemporaryDirectory() as scratch:
        engines = {"int8": device_engine(model, "int8"), "fp8": device_engine(model, "fp8"),
                   "fp8-checkpoint": device_engine(make_quantized_models.write_quantized_model(
                       model, Path(scratch) / "fp8", "fp8")),
                   "gptq": device_engine(make_gptq_awq_models.write_quantized_model(
                       model, Path(scratch) / "gptq", "gptq", 32, False, False)),
                   "awq": device_engine(make_gptq_awq_models.write_quantized_model(
                       model, Path(scratch) / "awq", "awq", 32, False, False))}
        for mode, engine in engines.items():
            twin = dequantized_twin(engine)
            got, want = greedy(engine, cases), greedy(twin, cases)
            row = {"device": DEVICE, "mode": mode,
                   "scaled_mm": runs_scaled_mm(engine.model.layers[0].qkv_proj),
                   "max_logit_difference_to_twin": max_logit_difference(engine, twin, cases),
                   "max_logit_difference_to_float": max_logit_difference(engine, float_engine, cases),
                   "greedy_cases_equal": sum(a[0] == b[0] for a, b in zip(got, want)), "cases": len(cases),
                   "max_logprob_difference": max(abs(x - y) for a, b in zip(got, want)
                                                 for x, y in zip(a[1], b[1]))}
            sys.stdout.write(json.dumps(row) + "\n")
            sys.stdout.flush()


if __name__ == "__main__":
    main()
