"""Writes the demo model `./lmi serve` runs when given none: a small Llama with seeded random weights.

    python3 -m lmi_worker.demo_model --out DIR

Its tokenizer is written here too (characters and byte fallback, Llama-style), with a
chat template, so every endpoint works. The weights are random: the output is random text.
"""

import argparse
import json
import logging
import string
import sys
from pathlib import Path

import torch

from .engine.model_config import ModelConfig
from .engine.safetensors import save_safetensors
from .engine.weights import expected_shapes

log = logging.getLogger("lmi_worker.demo_model")

SEED = 20261127
SPECIAL_TOKENS = ["<unk>", "<s>", "</s>"]
# ChatML-style turns; the generation prompt opens the assistant's turn.
CHAT_TEMPLATE = (
    "{% for message in messages %}"
    "{{ '<|' + message['role'] + '|>\n' + message['content'] + '</s>\n' }}"
    "{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|assistant|>\n' }}{% endif %}"
)


def vocabulary() -> list:
    """Special tokens, the 256 byte-fallback tokens, then printable characters with ▁ for space."""
    chars = ["▁"] + [c for c in string.printable if c not in string.whitespace] + list("àéèêçöüñßøå’“”–—…")
    return SPECIAL_TOKENS + [f"<0x{b:02X}>" for b in range(256)] + chars


def tokenizer_json(vocab: list) -> dict:
    return {
        "version": "1.0",
        "truncation": None,
        "padding": None,
        "added_tokens": [{"id": i, "content": t, "single_word": False, "lstrip": False, "rstrip": False,
                          "normalized": False, "special": True} for i, t in enumerate(SPECIAL_TOKENS)],
        "normalizer": {"type": "Sequence", "normalizers": [
            {"type": "Prepend", "prepend": "▁"}, {"type": "Replace", "pattern": {"String": " "}, "content": "▁"}]},
        "pre_tokenizer": None,
        "post_processor": {
            "type": "TemplateProcessing",
            "single": [{"SpecialToken": {"id": "<s>", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}}],
            "pair": [{"SpecialToken": {"id": "<s>", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}},
                     {"Sequence": {"id": "B", "type_id": 1}}],
            "special_tokens": {"<s>": {"id": "<s>", "ids": [1], "tokens": ["<s>"]}},
        },
        "decoder": {"type": "Sequence", "decoders": [
            {"type": "Replace", "pattern": {"String": "▁"}, "content": " "},
            {"type": "ByteFallback"}, {"type": "Fuse"}, {"type": "Strip", "content": " ", "start": 1, "stop": 0}]},
        "model": {"type": "BPE", "dropout": None, "unk_token": "<unk>", "continuing_subword_prefix": None,
                  "end_of_word_suffix": None, "fuse_unk": True, "byte_fallback": True,
                  "vocab": {t: i for i, t in enumerate(vocab)}, "merges": []},
    }


def config_json(vocab_size: int) -> dict:
    return {
        "architectures": ["LlamaForCausalLM"], "model_type": "llama", "vocab_size": vocab_size,
        "hidden_size": 256, "intermediate_size": 688, "num_hidden_layers": 4, "num_attention_heads": 8,
        "num_key_value_heads": 4, "head_dim": 32, "hidden_act": "silu", "max_position_embeddings": 2048,
        "rms_norm_eps": 1e-5, "rope_theta": 10000.0, "rope_scaling": None, "attention_bias": False,
        "mlp_bias": False, "tie_word_embeddings": False, "torch_dtype": "float32", "bos_token_id": 1,
        "eos_token_id": 2,
    }


def write_demo_model(out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    vocab = vocabulary()
    config = config_json(len(vocab))
    (out / "config.json").write_text(json.dumps(config, indent=2))
    (out / "generation_config.json").write_text(json.dumps({"bos_token_id": 1, "eos_token_id": 2}))
    (out / "tokenizer.json").write_text(json.dumps(tokenizer_json(vocab), ensure_ascii=False))
    (out / "tokenizer_config.json").write_text(json.dumps({
        "add_bos_token": True, "add_eos_token": False, "bos_token": "<s>", "eos_token": "</s>",
        "unk_token": "<unk>", "chat_template": CHAT_TEMPLATE, "tokenizer_class": "LlamaTokenizer",
        "model_max_length": 2048}, indent=2))
    (out / "README.md").write_text("Demo model of LMI Server: seeded random weights, so its output is random "
                                   "text. Made by `python3 -m lmi_worker.demo_model`.\n")
    generator = torch.Generator().manual_seed(SEED)
    weights = {}
    for name, shape in expected_shapes(ModelConfig.from_dict(config)).items():
        if name.endswith("norm.weight"):
            weights[name] = torch.ones(shape)
        else:
            weights[name] = torch.randn(shape, generator=generator) * shape[-1] ** -0.5
    # Readable random text: byte-fallback, <unk> and <s> rows score 0, characters score far above.
    head = weights["lm_head.weight"] * 4
    head[len(SPECIAL_TOKENS):len(SPECIAL_TOKENS) + 256] = 0
    head[[SPECIAL_TOKENS.index("<unk>"), SPECIAL_TOKENS.index("<s>")]] = 0
    weights["lm_head.weight"] = head
    # Written last: its presence marks a complete model directory.
    save_safetensors(out / "model.safetensors", weights)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python3 -m lmi_worker.demo_model", description=__doc__.splitlines()[0])
    parser.add_argument("--out", required=True, type=Path, help="directory to write the model into")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, stream=sys.stderr, format="%(message)s")
    write_demo_model(args.out)
    log.info("demo model written to %s (random weights: its output is random text)", args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
