"""The ring messages, byte for byte: STEP (parent to worker), STEP_OUTPUT and STEP_ERROR (worker to parent).

Little-endian, structure-of-arrays, every array starting 8-byte aligned, so that numpy.frombuffer
views of a message go into tensors without copies. docs/ipc-protocol.md is the specification.
"""

import functools
import struct
from dataclasses import dataclass
from typing import List, Optional, Tuple, Union

import numpy as np

from ..engine.step import (ERR_BAD_STEP, NewSequence, PromptLogprobs, SamplingParams, StepBatch, StepError,
                           StepOutput)

KIND_STEP = 1
KIND_STEP_OUTPUT = 2
KIND_STEP_ERROR = 3
FLAG_LOOKAHEAD = 1  # STEP flags bit 0: a lookahead array [S] follows prefix_ids
FLAG_TOKEN_MASKS = 2  # STEP flags bit 1: mask_index [S], mask_shape [2] (M, W) and masks [M * W] follow
MAX_ERROR_MESSAGE = 16 << 10  # bytes of UTF-8: a message, not a log

I64 = np.dtype("<i8")
I32 = np.dtype("<i4")
F32 = np.dtype("<f4")
U32 = np.dtype("<u4")
U8 = np.dtype("u1")

# kind, flags, step_id, num_seqs, num_tokens, num_block_entries, num_new, num_finished, num_prefix_ids
_STEP_HEADER = struct.Struct("<IIQIIIIII")
# kind, flags, step_id, forward_ms, sample_ms, n, top_n, num_prompt_logprobs, reserved
_OUTPUT_HEADER = struct.Struct("<IIQffIIII")
# seq_id, start_pos, count, top_n, reserved
_PROMPT_LP_HEADER = struct.Struct("<qiiiI")
# kind, flags, step_id, code, message length
_ERROR_HEADER = struct.Struct("<IIQII")

NEW_SEQUENCE = np.dtype({
    "names": ["seq_id", "seed", "prompt_len", "num_prefix_ids", "temperature", "top_k", "top_p", "min_p",
              "repetition_penalty", "presence_penalty", "frequency_penalty", "top_logprobs", "prompt_logprobs",
              "adapter_id"],
    "formats": [I64, I64, I32, I32, F32, I32, F32, F32, F32, F32, F32, I32, U8, I32],
    "offsets": [0, 8, 16, 20, 24, 28, 32, 36, 40, 44, 48, 52, 56, 60],
    "itemsize": 64,
})


@dataclass(frozen=True)
class StepFailure:
    """A STEP_ERROR message: the step failed alone, the worker stays up."""

    step_id: int
    code: int
    message: str


def _align8(n: int) -> int:
    return (n + 7) & ~7


def _layout(start: int, arrays) -> Tuple[Tuple[Tuple[str, np.dtype, int, int], ...], int]:
    """(name, dtype, count, offset) of consecutive 8-aligned arrays from `start`, and where they end."""
    out = []
    at = start
    for name, dtype, count in arrays:
        out.append((name, dtype, count, at))
        at += _align8(count * dtype.itemsize)
    return tuple(out), at


@functools.lru_cache(maxsize=1024)  # steps repeat their shapes: every decode step of a batch size looks alike
def _step_layout(s: int, t: int, b: int, new: int, finished: int, prefix: int, lookahead: bool = False,
                 mask_words: Optional[int] = None):
    """mask_words: M * W, the words of the masks array; None when the step carries no token masks."""
    return _layout(_STEP_HEADER.size, (
        ("seq_ids", I64, s), ("start_pos", I32, s), ("token_offsets", I32, s + 1),
        ("block_offsets", I32, s + 1), ("sample", U8, s), ("tokens", I32, t), ("block_tables", I32, b),
        ("finished", I64, finished), ("new_sequences", NEW_SEQUENCE, new), ("prefix_ids", I32, prefix))
        + ((("lookahead", I32, s),) if lookahead else ())
        + ((("mask_index", I32, s), ("mask_shape", I32, 2), ("masks", U32, mask_words))
           if mask_words is not None else ()))


@functools.lru_cache(maxsize=1024)
def _output_layout(n: int, top_n: int):
    return _layout(_OUTPUT_HEADER.size, (
        ("seq_ids", I64, n), ("token_ids", I32, n), ("logprobs", F32, n),
        ("top_ids", I32, n * top_n), ("top_logprobs", F32, n * top_n)))


def _prompt_lp_layout(start: int, count: int, top_n: int):
    return _layout(start + _PROMPT_LP_HEADER.size, (
        ("logprobs", F32, count), ("top_ids", I32, count * top_n), ("top_logprobs", F32, count * top_n)))


def _fill(buf: bytearray, layout, values: dict) -> None:
    for name, dtype, count, offset in layout:
        value = np.asarray(values[name])
        if value.size != count:
            raise ValueError(f"{name} has {value.size} entries, the layout needs {count}")
        if count:
            np.frombuffer(buf, dtype, count, offset)[:] = value.reshape(-1)


def encode_step(batch: StepBatch) -> bytearray:
    """A STEP message for `batch`."""
    s, t, b = len(batch.seq_ids), len(batch.tokens), len(batch.block_tables)
    new = batch.new_sequences
    prefixes = [np.asarray(seq.prefix_ids, I32).reshape(-1) for seq in new]
    num_prefix = sum(len(p) for p in prefixes)
    lookahead = len(batch.lookahead) > 0
    masked = len(batch.mask_index) > 0
    masks = np.asarray(batch.masks, U32) if masked else np.zeros((0, 0), U32)
    if masks.ndim != 2:
        raise ValueError(f"masks has shape {masks.shape}, the layout needs [M, W]")
    layout, size = _step_layout(s, t, b, len(new), len(batch.finished), num_prefix, lookahead,
                                masks.size if masked else None)
    buf = bytearray(size)
    flags = (FLAG_LOOKAHEAD if lookahead else 0) | (FLAG_TOKEN_MASKS if masked else 0)
    _STEP_HEADER.pack_into(buf, 0, KIND_STEP, flags, batch.step_id, s, t, b, len(new), len(batch.finished),
                           num_prefix)
    records = np.zeros(len(new), NEW_SEQUENCE)
    for i, (seq, prefix) in enumerate(zip(new, prefixes)):
        p = seq.params
        records[i] = (seq.seq_id, p.seed, seq.prompt_len, len(prefix), p.temperature, p.top_k, p.top_p, p.min_p,
                      p.repetition_penalty, p.presence_penalty, p.frequency_penalty, p.top_logprobs,
                      p.prompt_logprobs, seq.adapter_id)
    _fill(buf, layout, {
        "seq_ids": batch.seq_ids, "start_pos": batch.start_pos, "token_offsets": batch.token_offsets,
        "block_offsets": batch.block_offsets, "sample": batch.sample, "tokens": batch.tokens,
        "block_tables": batch.block_tables, "finished": batch.finished, "new_sequences": records,
        "prefix_ids": np.concatenate(prefixes) if prefixes else np.zeros(0, I32), "lookahead": batch.lookahead,
        "mask_index": batch.mask_index, "mask_shape": masks.shape, "masks": masks})
    return buf


def message_step_id(buf) -> int:
    """The step id of any message (bytes 8..15), 0 when the message is too short to have one."""
    return struct.unpack_from("<Q", buf, 8)[0] if len(buf) >= 16 else 0


def decode_step(buf) -> StepBatch:
    """The StepBatch of a STEP message; its arrays are views of `buf`. Raises StepError(ERR_BAD_STEP)."""
    if len(buf) < _STEP_HEADER.size:
        raise StepError(ERR_BAD_STEP, f"a step message of {len(buf)} bytes is shorter than its header")
    kind, flags, step_id, s, t, b, num_new, num_finished, num_prefix = _STEP_HEADER.unpack_from(buf)
    if kind != KIND_STEP:
        raise StepError(ERR_BAD_STEP, f"message kind {kind} is not STEP ({KIND_STEP})")
    if flags & ~(FLAG_LOOKAHEAD | FLAG_TOKEN_MASKS):
        raise StepError(ERR_BAD_STEP, f"step {step_id}: flags {flags:#x} set reserved bits (only bits 0, "
                                      f"lookahead, and 1, token masks, are defined)")
    counts = (s, t, b, num_new, num_finished, num_prefix, bool(flags & FLAG_LOOKAHEAD))
    mask_shape = _mask_shape(buf, step_id, counts) if flags & FLAG_TOKEN_MASKS else None
    layout, size = _step_layout(*counts, None if mask_shape is None else mask_shape[0] * mask_shape[1])
    if size != len(buf):
        raise StepError(ERR_BAD_STEP, f"step {step_id}: its header describes {size} bytes, the message has {len(buf)}")
    a = {name: np.frombuffer(buf, dtype, count, offset) for name, dtype, count, offset in layout}
    if s and a["sample"].max() > 1:
        raise StepError(ERR_BAD_STEP, f"step {step_id}: sample bytes must be 0 or 1")
    return StepBatch(step_id=step_id, seq_ids=a["seq_ids"], start_pos=a["start_pos"],
                     token_offsets=a["token_offsets"], tokens=a["tokens"], block_offsets=a["block_offsets"],
                     block_tables=a["block_tables"], sample=a["sample"].view(np.bool_),
                     new_sequences=_new_sequences(step_id, a["new_sequences"], a["prefix_ids"]),
                     finished=a["finished"], lookahead=a.get("lookahead", np.zeros(0, I32)),
                     mask_index=a.get("mask_index", np.zeros(0, I32)),
                     masks=np.zeros((0, 0), U32) if mask_shape is None else a["masks"].reshape(mask_shape))


def _mask_shape(buf, step_id: int, counts) -> Tuple[int, int]:
    """(M, W) of a step with token masks, read from its mask_shape array; the arrays before it must fit."""
    layout, size = _step_layout(*counts, 0)
    if size > len(buf):
        raise StepError(ERR_BAD_STEP, f"step {step_id}: its header describes at least {size} bytes, "
                                      f"the message has {len(buf)}")
    rows, words = struct.unpack_from("<ii", buf, layout[-2][3])
    if rows < 0 or words < 0 or (rows and not words):
        raise StepError(ERR_BAD_STEP, f"step {step_id}: mask_shape ({rows}, {words}) needs M >= 0 rows and "
                                      f"W >= 1 words a row when M > 0")
    return rows, words


def _new_sequences(step_id: int, records: np.ndarray, prefix_ids: np.ndarray) -> List[NewSequence]:
    out = []
    at = 0
    for r in records.tolist():  # tuples of Python numbers, in NEW_SEQUENCE field order
        (seq_id, seed, prompt_len, num_prefix, temperature, top_k, top_p, min_p, repetition_penalty,
         presence_penalty, frequency_penalty, top_logprobs, prompt_logprobs, adapter_id) = r
        if prompt_logprobs > 1 or num_prefix < 0 or at + num_prefix > len(prefix_ids) or adapter_id < 0:
            raise StepError(ERR_BAD_STEP, f"step {step_id}: new sequence {seq_id} has prompt_logprobs "
                                          f"{prompt_logprobs}, adapter_id {adapter_id} and {num_prefix} prefix ids "
                                          f"({len(prefix_ids) - at} left)")
        params = SamplingParams(temperature=temperature, top_k=top_k, top_p=top_p, min_p=min_p,
                                repetition_penalty=repetition_penalty, presence_penalty=presence_penalty,
                                frequency_penalty=frequency_penalty, seed=seed, top_logprobs=top_logprobs,
                                prompt_logprobs=bool(prompt_logprobs))
        out.append(NewSequence(seq_id=seq_id, prompt_len=prompt_len, params=params,
                               prefix_ids=prefix_ids[at:at + num_prefix], adapter_id=adapter_id))
        at += num_prefix
    if at != len(prefix_ids):
        raise StepError(ERR_BAD_STEP, f"step {step_id}: new sequences claim {at} prefix ids, "
                                      f"the header says {len(prefix_ids)}")
    return out


def _top_n(top_ids: np.ndarray) -> int:
    return top_ids.shape[1] if top_ids.ndim == 2 else 0


def encode_output(output: StepOutput) -> bytearray:
    """A STEP_OUTPUT message for `output`."""
    n, top_n = len(output.seq_ids), _top_n(np.asarray(output.top_ids))
    layout, size = _output_layout(n, top_n)
    prompt = []
    for p in output.prompt_logprobs:
        count, p_top_n = len(p.logprobs), _top_n(np.asarray(p.top_ids))
        p_layout, end = _prompt_lp_layout(size, count, p_top_n)
        prompt.append((p, size, count, p_top_n, p_layout))
        size = end
    buf = bytearray(size)
    _OUTPUT_HEADER.pack_into(buf, 0, KIND_STEP_OUTPUT, 0, output.step_id, output.forward_ms, output.sample_ms,
                             n, top_n, len(prompt), 0)
    _fill(buf, layout, {"seq_ids": output.seq_ids, "token_ids": output.token_ids, "logprobs": output.logprobs,
                        "top_ids": output.top_ids, "top_logprobs": output.top_logprobs})
    for p, start, count, p_top_n, p_layout in prompt:
        _PROMPT_LP_HEADER.pack_into(buf, start, p.seq_id, p.start_pos, count, p_top_n, 0)
        _fill(buf, p_layout, {"logprobs": p.logprobs, "top_ids": p.top_ids, "top_logprobs": p.top_logprobs})
    return buf


def encode_error(step_id: int, code: int, message: str) -> bytearray:
    """A STEP_ERROR message; the text is cut to MAX_ERROR_MESSAGE bytes at a character boundary."""
    text = message.encode("utf-8", "replace")[:MAX_ERROR_MESSAGE].decode("utf-8", "ignore").encode()
    return bytearray(_ERROR_HEADER.pack(KIND_STEP_ERROR, 0, step_id, code, len(text)) + text)


def decode_result(buf) -> Union[StepOutput, StepFailure]:
    """A STEP_OUTPUT (arrays are views of `buf`) or STEP_ERROR message. Raises ValueError if malformed."""
    if len(buf) < 16:
        raise ValueError(f"a result message of {len(buf)} bytes is shorter than any header")
    kind = struct.unpack_from("<I", buf)[0]
    if kind == KIND_STEP_ERROR:
        _, _, step_id, code, length = _ERROR_HEADER.unpack_from(buf)
        if _ERROR_HEADER.size + length != len(buf):
            raise ValueError(f"STEP_ERROR of {len(buf)} bytes claims a {length}-byte message")
        return StepFailure(step_id, code, bytes(buf[_ERROR_HEADER.size:]).decode("utf-8", "replace"))
    if kind != KIND_STEP_OUTPUT:
        raise ValueError(f"result message kind {kind} is neither STEP_OUTPUT nor STEP_ERROR")
    _, _, step_id, forward_ms, sample_ms, n, top_n, num_prompt, _ = _OUTPUT_HEADER.unpack_from(buf)
    layout, at = _output_layout(n, top_n)
    a = _views(buf, layout)
    prompt = []
    for _ in range(num_prompt):
        if at + _PROMPT_LP_HEADER.size > len(buf):
            raise ValueError(f"STEP_OUTPUT of {len(buf)} bytes ends inside its prompt logprobs")
        seq_id, start_pos, count, p_top_n, _ = _PROMPT_LP_HEADER.unpack_from(buf, at)
        if count < 0 or p_top_n < 0:
            raise ValueError(f"prompt logprobs of sequence {seq_id} claim {count} tokens and top {p_top_n}")
        p_layout, at = _prompt_lp_layout(at, count, p_top_n)
        p = _views(buf, p_layout)
        prompt.append(PromptLogprobs(seq_id=seq_id, start_pos=start_pos, logprobs=p["logprobs"],
                                     top_ids=p["top_ids"].reshape(count, p_top_n),
                                     top_logprobs=p["top_logprobs"].reshape(count, p_top_n)))
    if at != len(buf):
        raise ValueError(f"STEP_OUTPUT describes {at} bytes, the message has {len(buf)}")
    return StepOutput(step_id=step_id, seq_ids=a["seq_ids"], token_ids=a["token_ids"], logprobs=a["logprobs"],
                      top_ids=a["top_ids"].reshape(n, top_n), top_logprobs=a["top_logprobs"].reshape(n, top_n),
                      prompt_logprobs=prompt, forward_ms=forward_ms, sample_ms=sample_ms)


def _views(buf, layout) -> dict:
    end = layout[-1][3] + layout[-1][2] * layout[-1][1].itemsize
    if end > len(buf):
        raise ValueError(f"result message of {len(buf)} bytes is too short for its arrays ({end})")
    return {name: np.frombuffer(buf, dtype, count, offset) for name, dtype, count, offset in layout}
