"""Builds a tiny deterministic TorchScript encoder for TorchScriptEmbeddingTest.

Usage: tiny_encoder.py IDS_FILE MODEL_PT EXPECTED_TXT

IDS_FILE has one input per line, its token ids separated by spaces (the test tokenized them with the same
tokenizer.json the engine loads: Python here has no `tokenizers` package). Writes MODEL_PT, the traced
forward(input_ids, attention_mask) -> (hidden [B, T, H], first token [B, H]), and EXPECTED_TXT: for each input,
run alone through the eager model, its mean-pooled, L2-normalized vector, one line of floats.
"""
import sys

import torch
from torch import nn

VOCAB = 30522  # all-MiniLM-L6-v2's tokenizer
HIDDEN = 32
MAX_POSITIONS = 512


class TinyEncoder(nn.Module):
    def __init__(self):
        super().__init__()
        self.tokens = nn.Embedding(VOCAB, HIDDEN)
        self.positions = nn.Embedding(MAX_POSITIONS, HIDDEN)
        layer = nn.TransformerEncoderLayer(HIDDEN, nhead=4, dim_feedforward=64, dropout=0.0, batch_first=True)
        self.layers = nn.TransformerEncoder(layer, num_layers=2, enable_nested_tensor=False)
        self.norm = nn.LayerNorm(HIDDEN)

    def forward(self, input_ids, attention_mask):
        # input_ids, attention_mask: [B, T] int64
        positions = torch.arange(input_ids.shape[1]).unsqueeze(0)  # [1, T]
        hidden = self.tokens(input_ids) + self.positions(positions)  # [B, T, H]
        # Padded keys are masked out, so padding cannot leak into the real tokens' states.
        hidden = self.layers(hidden, src_key_padding_mask=attention_mask == 0)
        hidden = self.norm(hidden)
        return hidden, hidden[:, 0]


def mean_pooled(model, ids):
    input_ids = torch.tensor([ids], dtype=torch.int64)  # [1, T]
    hidden, _ = model(input_ids, torch.ones_like(input_ids))
    return nn.functional.normalize(hidden[0].mean(dim=0), dim=0)  # [H]


def main(ids_file, model_pt, expected_txt):
    torch.manual_seed(0)
    # Gradients stay on while tracing and computing the expected vectors: with them off, eval-mode
    # TransformerEncoderLayer takes a fused fast path whose numbers differ slightly from the traced graph's.
    model = TinyEncoder().eval()
    with open(ids_file) as f:
        inputs = [[int(i) for i in line.split()] for line in f if line.strip()]

    example_ids = torch.tensor([[101, 7592, 2088, 102], [101, 7592, 102, 0]], dtype=torch.int64)
    example_mask = (example_ids != 0).to(torch.int64)
    # check_trace=False: its re-trace differs from the first only in mangled module names; the check below is stronger.
    traced = torch.jit.trace(model, (example_ids, example_mask), check_trace=False)
    traced.save(model_pt)

    with open(expected_txt, "w") as out:
        for ids in inputs:
            vector = mean_pooled(model, ids)
            # The trace must not have fixed the example's shape: check it on every input's own length.
            torch.testing.assert_close(mean_pooled(traced, ids), vector)
            out.write(" ".join(repr(float(v)) for v in vector.detach()) + "\n")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], sys.argv[3])
