"""What the parent asks the engine to load and how much memory it may use."""

from dataclasses import dataclass
from typing import Optional


@dataclass(frozen=True)
class EngineOptions:
    """Load-time options, sent by the parent in the `load` control message."""

    model_dir: str
    dtype: str = "auto"  # auto | float32 | float16 | bfloat16 (and fp32/fp16/bf16)
    device: str = "auto"  # auto | cpu | cuda
    max_model_len: Optional[int] = None  # default: the model's max_position_embeddings
    block_size: int = 16
    kv_cache_bytes: Optional[int] = None  # CPU budget for the KV cache; default: a share of free memory
    gpu_memory_utilization: float = 0.9  # CUDA: share of device memory for weights + KV cache
    max_num_seqs: int = 256
    max_loras: int = 0  # LoRA adapters in device memory at once; 0: LoRA off
    max_lora_rank: int = 16  # the largest adapter rank accepted
    # None: as the checkpoint's config.json quantization_config says (float when absent); int8 or fp8
    # quantize a float checkpoint at load; see quant/formats.py for every method.
    quantize: Optional[str] = None
    # auto: the compute dtype; float16 halves the cache's bytes (K and V rounded to float16 when written).
    kv_cache_dtype: str = "auto"
    # A smaller model with the same tokenizer proposing speculative drafts; None: n-gram prompt lookup.
    speculative_draft_model: Optional[str] = None
