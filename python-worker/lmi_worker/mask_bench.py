"""Structured-output micro-benchmark: what allowed-token bitmasks in the STEP message cost the worker per step.

    python3 -m lmi_worker.mask_bench [--batch 1,16,64] [--vocab 32000] [--iters 200] [--temperature 1.0]

For a decode step of `batch` sequences, with every row masked and with half of them (each masked row under
its own mask: the server shares rows between sequences in one automaton state, so this is the most rows a
step can carry), it times, median of --iters runs each:

- decode: decode_step and the mask checks (check_token_masks) of the STEP with masks, less decode_step of
  the same step without;
- expand: unpacking the packed words into one bool row per mask (AllowedTokens.unpack);
- sample: the sampler with the masks, next to the sampler on the same logits without them.

"added" is decode + expand + (sample - sample without masks): the worker's whole cost of the masks per
step, against which an automaton run inside the worker is to be weighed. "bytes" is what the mask arrays
add to the STEP message: 4·W·M of words, plus mask_index (4·S, padded to 8) and mask_shape (8).
"""

import argparse
import os
import statistics
import sys
import time

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import numpy as np  # noqa: E402
import torch  # noqa: E402

from .engine.sampler import AllowedTokens, Sampler, SamplerRow  # noqa: E402
from .engine.step import SamplingParams  # noqa: E402
from .engine.step_builder import ScheduledSequence, build_step  # noqa: E402
from .engine.step_validation import check_token_masks  # noqa: E402
from .ipc.step_codec import decode_step, encode_step  # noqa: E402

_EMPTY = torch.zeros(0, dtype=torch.int64)
_BLOCKS_PER_SEQUENCE = 8  # a decode step's block tables, as at a few hundred tokens of context


def median_ms(*fns, iters: int):
    """The median milliseconds of each function, their runs interleaved so that drifting load hits all alike."""
    for _ in range(3):  # warm-up: caches, allocator, lazy imports
        for fn in fns:
            fn()
    times = [[] for _ in fns]
    for _ in range(iters):
        for fn, spent in zip(fns, times):
            start = time.perf_counter()
            fn()
            spent.append(time.perf_counter() - start)
    return [statistics.median(spent) * 1e3 for spent in times]


def decode_messages(batch: int, masked: int, vocab: int, rng: np.random.Generator):
    """(STEP without masks, the same STEP with `masked` of its sequences each under its own random mask)."""
    seqs = [ScheduledSequence(i, [int(rng.integers(vocab))], 300,
                              list(range(i * _BLOCKS_PER_SEQUENCE, (i + 1) * _BLOCKS_PER_SEQUENCE)))
            for i in range(batch)]
    plain = build_step(1, seqs)
    step = build_step(1, seqs)
    words = -(-vocab // 32)
    step.masks = rng.integers(0, 1 << 32, (masked, words), dtype=np.uint64).astype(np.uint32)
    step.mask_index = np.where(np.arange(batch) < masked, np.arange(batch), -1).astype(np.int32)
    return encode_step(plain), encode_step(step)


def measure(batch: int, masked: int, vocab: int, params: SamplingParams, iters: int, seed: int) -> dict:
    rng = np.random.default_rng(seed)
    plain, with_masks = decode_messages(batch, masked, vocab, rng)
    decoded = decode_step(with_masks)
    sampling = np.flatnonzero(decoded.sample)
    allowed = AllowedTokens.unpack(decoded.masks, decoded.mask_index[sampling], vocab)
    logits = torch.from_numpy(rng.normal(0, 3, (batch, vocab)).astype(np.float32))
    rows = [SamplerRow(params, 0, _EMPTY, _EMPTY) for _ in range(batch)]
    sampler = Sampler(torch.Generator().manual_seed(seed))

    def decode_and_check():
        check_token_masks(decode_step(with_masks), vocab)

    masked_decode, plain_decode = median_ms(decode_and_check, lambda: decode_step(plain), iters=iters)
    expand, = median_ms(lambda: AllowedTokens.unpack(decoded.masks, decoded.mask_index[sampling], vocab),
                        iters=iters)
    sample, bare = median_ms(lambda: sampler(logits, rows, allowed), lambda: sampler(logits, rows), iters=iters)
    decode = masked_decode - plain_decode
    return {"batch": batch, "masked": masked, "words": decoded.masks.shape[1],
            "bytes": len(with_masks) - len(plain), "decode_ms": decode, "expand_ms": expand, "sample_ms": sample,
            "bare_ms": bare, "added_ms": decode + expand + sample - bare}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python3 -m lmi_worker.mask_bench", description=__doc__.splitlines()[0])
    parser.add_argument("--batch", default="1,16,64", help="comma-separated batch sizes")
    parser.add_argument("--vocab", type=int, default=32000)
    parser.add_argument("--iters", type=int, default=200, help="timed runs of each measurement (the median counts)")
    parser.add_argument("--temperature", type=float, default=1.0, help="0: greedy")
    parser.add_argument("--top-p", type=float, default=1.0)
    parser.add_argument("--top-k", type=int, default=0)
    parser.add_argument("--seed", type=int, default=-1, help="the rows' seed (-1: unseeded draws)")
    args = parser.parse_args(argv)
    params = SamplingParams(temperature=args.temperature, top_p=args.top_p, top_k=args.top_k, seed=args.seed)
    results = [measure(b, m, args.vocab, params, args.iters, seed=b)
               for b in (int(x) for x in args.batch.split(",")) for m in (b, b // 2) if m]
    print(f"vocab {args.vocab}, temperature {args.temperature}, top_p {args.top_p}, top_k {args.top_k}, "
          f"seed {args.seed}; torch threads {torch.get_num_threads()}; per step, median of {args.iters}, ms")
    print(f"{'batch':>5} {'masked':>6} {'M x W':>11} {'bytes':>8} {'decode':>8} {'expand':>8} {'sample':>8} "
          f"{'no masks':>9} {'added':>8}")
    for r in results:
        print(f"{r['batch']:>5} {r['masked']:>6} {r['masked']:>5} x {r['words']:<4} {r['bytes']:>8} "
              f"{r['decode_ms']:>8.3f} {r['expand_ms']:>8.3f} {r['sample_ms']:>8.3f} {r['bare_ms']:>9.3f} "
              f"{r['added_ms']:>8.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
