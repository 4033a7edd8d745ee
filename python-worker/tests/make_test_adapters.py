"""Writes the seeded PEFT LoRA test adapters for a model, and checkpoints with one merged into the weights.

    python3 tests/make_test_adapters.py --model DIR --out DIR [--merged]
    python3 tests/make_test_adapters.py --model DIR --out DIR --bench N

--bench writes N benchmark adapters instead, bench-0 .. bench-N-1: rank 16 on all seven projections.

The merge is computed here in float64 from the files alone (W + scale * B @ A), apart from the engine's
loader, so that parity with a merged checkpoint checks the engine's LoRA path.
"""

import argparse
import json
import logging
import math
import shutil
import sys
from pathlib import Path
from typing import Dict

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from lmi_worker.engine.lora.random_adapter import AdapterSpec, write_random_adapter  # noqa: E402
from lmi_worker.engine.model_config import ModelConfig  # noqa: E402
from lmi_worker.engine.safetensors import load_safetensors, save_safetensors  # noqa: E402

log = logging.getLogger("make_test_adapters")

ATTENTION = ("q_proj", "k_proj", "v_proj", "o_proj")
MLP = ("gate_proj", "up_proj", "down_proj")

# Ranks 4, 8, 16 over different target sets; one scales by alpha / sqrt(r) (rsLoRA).
TEST_ADAPTERS: Dict[str, AdapterSpec] = {
    "qv-r4": AdapterSpec(4, 8, ("q_proj", "v_proj"), seed=11),
    "attn-r8-rslora": AdapterSpec(8, 4, ATTENTION, seed=12, use_rslora=True),
    "all-r16": AdapterSpec(16, 32, ATTENTION + MLP, seed=13),
    "mlp-r8": AdapterSpec(8, 16, MLP, seed=14),
}


def write_merged_checkpoint(model_dir: Path, adapter_dir: Path, out_dir: Path) -> Path:
    """A copy of the model (config and weights) whose weights have the adapter merged in: W + scale * B @ A."""
    model_dir, adapter_dir, out_dir = Path(model_dir), Path(adapter_dir), Path(out_dir)
    peft = json.loads((adapter_dir / "adapter_config.json").read_text())
    rank = peft["r"]
    scale = peft["lora_alpha"] / (math.sqrt(rank) if peft.get("use_rslora") else rank)
    lora = load_safetensors(adapter_dir / "adapter_model.safetensors")
    weights = dict(load_safetensors(model_dir / "model.safetensors"))
    for name, a in lora.items():
        if ".lora_A." in name:
            b = lora[name.replace(".lora_A.", ".lora_B.")]
            target = name.removeprefix("base_model.model.").replace(".lora_A.weight", ".weight")
            weights[target] = (weights[target].double() + scale * (b.double() @ a.double())).to(weights[target].dtype)
    out_dir.mkdir(parents=True, exist_ok=True)
    save_safetensors(out_dir / "model.safetensors", weights)
    for extra in ("config.json", "generation_config.json"):
        if (model_dir / extra).is_file():
            shutil.copy(model_dir / extra, out_dir / extra)
    return out_dir


def write_test_adapters(out_dir: Path, model_dir: Path, merged: bool = False) -> Dict[str, Path]:
    """Each of TEST_ADAPTERS under out_dir/NAME, and with `merged` its merged model under out_dir/NAME-merged."""
    config = ModelConfig.from_dir(model_dir)
    paths = {}
    for name, spec in TEST_ADAPTERS.items():
        paths[name] = write_random_adapter(Path(out_dir) / name, config, spec)
        if merged:
            write_merged_checkpoint(model_dir, paths[name], Path(out_dir) / f"{name}-merged")
    return paths


def write_bench_adapters(out_dir: Path, model_dir: Path, count: int) -> Dict[str, Path]:
    """count adapters of rank 16 over every target module, as the serving benchmark's LoRA scenario uses."""
    config = ModelConfig.from_dir(model_dir)
    return {f"bench-{i}": write_random_adapter(Path(out_dir) / f"bench-{i}", config,
                                               AdapterSpec(16, 32, ATTENTION + MLP, seed=100 + i))
            for i in range(count)}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", required=True, help="the base model directory (Hugging Face layout)")
    parser.add_argument("--out", required=True, help="where to write one directory per adapter")
    parser.add_argument("--merged", action="store_true", help="also write each adapter's merged checkpoint")
    parser.add_argument("--bench", type=int, metavar="N", help="write N rank-16 benchmark adapters instead")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    if args.bench is not None:
        written = write_bench_adapters(Path(args.out), Path(args.model), args.bench)
    else:
        written = write_test_adapters(Path(args.out), Path(args.model), args.merged)
    for name, path in written.items():
        log.info("%s: %s", name, path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
