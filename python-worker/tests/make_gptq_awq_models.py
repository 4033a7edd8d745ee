"""Writes a GPTQ or AWQ 4-bit checkpoint of a float Llama-family model, packed as AutoGPTQ / AutoAWQ do.

    python3 tests/make_gptq_awq_models.py --model DIR --out DIR --method gptq|awq [--group-size N]
                                          [--desc-act] [--sym]

Each projection is quantized by round-to-nearest per group (min/max range including 0): the point is
the layout, not GPTQ's error compensation or AWQ's activation-aware scaling. --desc-act orders the
groups as GPTQ's act-order does, by a per-input-row score (here the squared column norm of the
projections that read that input, in place of the Hessian diagonal), so q/k/v and gate/up share one
g_idx as they do in real checkpoints. GPTQ zero points are written in the v1 convention (zero - 1),
and clamped to 1..15 since v1 cannot store a zero of 0. Embeddings, norms and lm_head stay float.
"""

import argparse
import json
import logging
import shutil
import sys
from pathlib import Path
from typing import Dict, List, Optional, Tuple

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from lmi_worker.engine.model_config import ModelConfig  # noqa: E402
from lmi_worker.engine.quant.int4_packing import AWQ_ORDER, MAX_Q, pack_int4  # noqa: E402
from lmi_worker.engine.safetensors import load_safetensors, save_safetensors  # noqa: E402

log = logging.getLogger("make_gptq_awq_models")

# Projections that read the same input, so share an act-order permutation.
INPUT_SHARING: List[Tuple[str, ...]] = [
    ("self_attn.q_proj", "self_attn.k_proj", "self_attn.v_proj"),
    ("self_attn.o_proj",),
    ("mlp.gate_proj", "mlp.up_proj"),
    ("mlp.down_proj",),
]
SYM_ZERO = (MAX_Q + 1) // 2
NOT_COPIED = {"config.json", "golden.json", "model.safetensors", "model.safetensors.index.json"}


def group_map(in_features: int, group_size: int, order: Optional[torch.Tensor]) -> torch.Tensor:
    """g_idx [in]: consecutive rows of `order` (default: the input order) fill group 0, then 1, ..."""
    size = in_features if group_size == -1 else group_size
    ranks = torch.arange(in_features)
    if order is not None:
        ranks = torch.empty_like(order)
        ranks[order] = torch.arange(in_features)
    return (ranks // size).to(torch.int32)


def round_to_nearest(w: torch.Tensor, g_idx: torch.Tensor, sym: bool, min_zero: int):
    """w [out, in] -> q [in, out] int, zeros and float16 scales [groups, out] (rows grouped by g_idx)."""
    groups = int(g_idx.max()) + 1
    q = torch.empty(w.shape[1], w.shape[0], dtype=torch.int32)
    zeros = torch.empty(groups, w.shape[0], dtype=torch.int32)
    scales = torch.empty(groups, w.shape[0], dtype=torch.float16)
    for g in range(groups):
        rows = torch.nonzero(g_idx == g).flatten()
        wg = w[:, rows].double()  # [out, rows of g]
        lo = wg.min(dim=1).values.clamp(max=0)
        hi = wg.max(dim=1).values.clamp(min=0)
        if sym:
            hi = torch.maximum(hi, -lo)
            lo = -hi
        flat = hi == lo
        lo, hi = torch.where(flat, -torch.ones_like(lo), lo), torch.where(flat, torch.ones_like(hi), hi)
        # The scale is stored as float16: quantize with the value the loader will read.
        scale = ((hi - lo) / MAX_Q).half()
        zero = torch.full_like(lo, SYM_ZERO) if sym else torch.round(-lo / scale.double()).clamp(min_zero, MAX_Q)
        qg = torch.round(wg / scale.double()[:, None]) + zero[:, None]
        q[rows] = qg.clamp(0, MAX_Q).to(torch.int32).t()
        zeros[g] = zero.to(torch.int32)
        scales[g] = scale
    return q, zeros, scales


def quantize_projection(w: torch.Tensor, method: str, group_size: int, sym: bool,
                        order: Optional[torch.Tensor]) -> Dict[str, torch.Tensor]:
    """The checkpoint tensors (by suffix) of one float projection w [out, in]."""
    g_idx = group_map(w.shape[1], group_size, order)
    if method == "gptq":
        q, zeros, scales = round_to_nearest(w, g_idx, sym, min_zero=1)
        return {"qweight": pack_int4(q, dim=0), "qzeros": pack_int4(zeros - 1, dim=1), "scales": scales,
                "g_idx": g_idx}
    q, zeros, scales = round_to_nearest(w, g_idx, sym=False, min_zero=0)
    return {"qweight": pack_int4(q, dim=1, order=AWQ_ORDER), "qzeros": pack_int4(zeros, dim=1, order=AWQ_ORDER),
            "scales": scales}


def quantization_config(method: str, group_size: int, desc_act: bool, sym: bool) -> dict:
    """config.json's quantization_config as AutoGPTQ (via Optimum) and AutoAWQ write it."""
    if method == "gptq":
        return {"quant_method": "gptq", "bits": 4, "group_size": group_size, "desc_act": desc_act, "sym": sym,
                "checkpoint_format": "gptq"}
    return {"quant_method": "awq", "bits": 4, "group_size": group_size, "zero_point": True, "version": "gemm"}


def write_quantized_model(model_dir: Path, out_dir: Path, method: str, group_size: int = 128,
                          desc_act: bool = False, sym: bool = False) -> Path:
    """Writes the quantized checkpoint of the float model at model_dir into out_dir; returns out_dir."""
    if method not in ("gptq", "awq"):
        raise ValueError(f"--method {method!r}: one of gptq, awq")
    if method == "awq" and (desc_act or sym):
        raise ValueError("--desc-act and --sym are GPTQ options; AWQ is asymmetric in input order")
    model_dir, out_dir = Path(model_dir), Path(out_dir)
    config = ModelConfig.from_dir(model_dir)
    tensors = dict(load_safetensors(model_dir / "model.safetensors"))
    for i in range(config.num_hidden_layers):
        for names in INPUT_SHARING:
            prefixes = [f"model.layers.{i}.{name}" for name in names]
            weights = [tensors.pop(p + ".weight").float() for p in prefixes]
            order = None
            if desc_act:
                score = torch.cat(weights).pow(2).sum(dim=0)
                order = torch.argsort(score, descending=True)
            for prefix, w in zip(prefixes, weights):
                for suffix, t in quantize_projection(w, method, group_size, sym, order).items():
                    tensors[f"{prefix}.{suffix}"] = t
    out_dir.mkdir(parents=True, exist_ok=True)
    save_safetensors(out_dir / "model.safetensors", {k: v.contiguous() for k, v in tensors.items()})
    raw = json.loads((model_dir / "config.json").read_text())
    raw["quantization_config"] = quantization_config(method, group_size, desc_act, sym)
    (out_dir / "config.json").write_text(json.dumps(raw, indent=2) + "\n")
    for path in model_dir.iterdir():
        if path.is_file() and path.name not in NOT_COPIED:
            shutil.copyfile(path, out_dir / path.name)
    log.info("wrote %s (%s, group_size %d, desc_act %s) to %s", model_dir.name, method, group_size, desc_act, out_dir)
    return out_dir


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", required=True, type=Path, help="the float model directory")
    parser.add_argument("--out", required=True, type=Path)
    parser.add_argument("--method", required=True, choices=("gptq", "awq"))
    parser.add_argument("--group-size", type=int, default=128, help="input rows per group; -1: one group")
    parser.add_argument("--desc-act", action="store_true", help="GPTQ act-order: groups in a permuted order")
    parser.add_argument("--sym", action="store_true", help="GPTQ symmetric: every zero point is 8")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    write_quantized_model(args.model, args.out, args.method, args.group_size, args.desc_act, args.sym)


if __name__ == "__main__":
    main()
