"""What a loaded engine can hold, reported to the parent in the handshake."""

from dataclasses import dataclass
from typing import Tuple


@dataclass(frozen=True)
class Capacity:
    """KV-cache and model limits the scheduler plans with."""

    num_blocks: int
    block_size: int
    max_model_len: int
    vocab_size: int
    eos_token_ids: Tuple[int, ...]
    bos_token_id: int
    dtype: str
    device: str
    architecture: str
    num_layers: int
    kv_bytes_per_block: int
    weight_bytes: int  # the weights as stored on the device: embeddings, norms, projections (quantized or not)
    quantization: str  # how the projections are stored: "none" for the checkpoint's float weights
    tensor_parallel_degree: int = 1  # ranks the model is split over; the byte counts are their totals
