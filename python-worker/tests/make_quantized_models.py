"""Writes pre-quantized copies of a float checkpoint, in the layouts lmi-dist loads.

    python3 tests/make_quantized_models.py --model DIR --out DIR --method int8|fp8

int8: `<proj>.weight` I8 [out, in] and `<proj>.weight_scale` F32 [out], scale = max|row| / 127, computed
here in float64 from the format's definition, apart from the engine's quantizer. fp8: `<proj>.weight`
F8_E4M3 [out, in] and `<proj>.weight_scale` F32 [], scale = max|W| / 448, the layout vLLM and
compressed-tensors use. config.json gains `quantization_config: {"quant_method": METHOD}`; embeddings,
norms and lm_head stay float.
"""

import argparse
import json
import logging
import shutil
import sys
from pathlib import Path
from typing import Dict, Set

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from lmi_worker.engine.model_config import ModelConfig  # noqa: E402
from lmi_worker.engine.quant import e4m3  # noqa: E402
from lmi_worker.engine.safetensors import load_safetensors, save_safetensors  # noqa: E402
from lmi_worker.engine.weights import projection_prefixes  # noqa: E402

log = logging.getLogger("make_quantized_models")

METHODS = ("int8", "fp8")


def int8_tensors(weight: torch.Tensor) -> Dict[str, torch.Tensor]:
    w = weight.double()
    amax = w.abs().amax(dim=1)
    scale = torch.where(amax > 0, amax / 127, torch.ones_like(amax))
    q = torch.round(w / scale[:, None]).clamp(-127, 127).to(torch.int8)
    return {"weight": q, "weight_scale": scale.float()}


def fp8_tensors(weight: torch.Tensor) -> Dict[str, torch.Tensor]:
    w = weight.double()
    scale = w.abs().max() / e4m3.MAX
    return {"weight": e4m3.encode(w / scale), "weight_scale": scale.float().reshape(())}


def write_quantized_model(model_dir: Path, out_dir: Path, method: str) -> Path:
    """out_dir with model_dir's config (plus quantization_config), tokenizer and quantized weights."""
    if method not in METHODS:
        raise ValueError(f"method {method!r} is not one of {', '.join(METHODS)}")
    out_dir.mkdir(parents=True, exist_ok=True)
    for path in model_dir.iterdir():
        if path.is_file() and path.suffix == ".json" and path.name != "config.json":
            shutil.copyfile(path, out_dir / path.name)
    config_json = json.loads((model_dir / "config.json").read_text())
    config_json["quantization_config"] = {"quant_method": method}
    (out_dir / "config.json").write_text(json.dumps(config_json, indent=2))
    tensors = dict(load_safetensors(model_dir / "model.safetensors"))
    fp8_names: Set[str] = set()
    for prefix in projection_prefixes(ModelConfig.from_dir(model_dir)):
        weight = tensors.pop(prefix + ".weight").float()
        for suffix, tensor in (int8_tensors if method == "int8" else fp8_tensors)(weight).items():
            tensors[f"{prefix}.{suffix}"] = tensor
        if method == "fp8":
            fp8_names.add(prefix + ".weight")
    save_safetensors(out_dir / "model.safetensors", tensors, fp8_names=fp8_names)
    log.info("wrote %s checkpoint of %s to %s", method, model_dir, out_dir)
    return out_dir


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", required=True, type=Path, help="float checkpoint directory")
    parser.add_argument("--out", required=True, type=Path)
    parser.add_argument("--method", required=True, choices=METHODS)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    write_quantized_model(args.model, args.out, args.method)
    return 0


if __name__ == "__main__":
    sys.exit(main())
