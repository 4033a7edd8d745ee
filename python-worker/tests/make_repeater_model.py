"""Writes a "repeater" copy of a float Llama-family model: every position predicts its own input token.

    python3 tests/make_repeater_model.py --model DIR --out DIR [--layers N]

o_proj and down_proj become zeros, so each layer adds nothing to the residual stream, and lm_head is the
embedding table, so the logits are the final norm of the input's embedding against every embedding: the
input token itself scores highest, and greedy decoding repeats the last prompt token forever. Random test
models never repeat themselves; this one does on purpose, so that speculative drafts get accepted.
With --layers N only the first N layers are kept: since no layer changes the residual stream, the copy
predicts exactly what the full repeater does at a fraction of its cost, a draft model whose drafts are kept.
The tokenizer and every other file are copied as they are.
"""

import argparse
import json
import logging
import shutil
import sys
from pathlib import Path
from typing import Optional

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from lmi_worker.engine.safetensors import load_safetensors, save_safetensors  # noqa: E402

log = logging.getLogger("make_repeater_model")


def write_repeater_model(model_dir: Path, out_dir: Path, layers: Optional[int] = None) -> Path:
    """The repeater of the single-file float checkpoint in `model_dir`, written to `out_dir`, its first `layers`."""
    model_dir, out_dir = Path(model_dir), Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    for path in model_dir.iterdir():
        if path.is_file() and path.name not in ("model.safetensors", "config.json"):
            shutil.copy(path, out_dir / path.name)
    config = json.loads((model_dir / "config.json").read_text())
    config["tie_word_embeddings"] = False
    kept = config["num_hidden_layers"] if layers is None else layers
    if not 1 <= kept <= config["num_hidden_layers"]:
        raise ValueError(f"--layers {layers}: the model has {config['num_hidden_layers']} layers")
    config["num_hidden_layers"] = kept
    (out_dir / "config.json").write_text(json.dumps(config, indent=2))
    weights = {name: tensor.clone() for name, tensor in load_safetensors(model_dir / "model.safetensors").items()
               if not name.startswith("model.layers.") or int(name.split(".")[2]) < kept}
    for name, tensor in weights.items():
        if name.endswith(("self_attn.o_proj.weight", "mlp.down_proj.weight")):
            weights[name] = torch.zeros_like(tensor)
    weights["lm_head.weight"] = weights["model.embed_tokens.weight"].clone()
    save_safetensors(out_dir / "model.safetensors", weights)
    log.info("wrote the repeater of %s to %s", model_dir, out_dir)
    return out_dir


def main() -> int:
    logging.basicConfig(level=logging.INFO, stream=sys.stderr, format="%(message)s")
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--layers", type=int, help="keep only the first N layers (default: all)")
    args = parser.parse_args()
    write_repeater_model(Path(args.model), Path(args.out), args.layers)
    return 0


if __name__ == "__main__":
    sys.exit(main())
