"""The offline LoRA benchmark's pieces, on tiny-llama: each count of adapters runs and leaves no sequence live."""

from lmi_worker import lora_bench
from lmi_worker.engine.engine import LmiDistEngine
from lmi_worker.engine.lora.projections import TARGET_MODULES
from lmi_worker.engine.lora.random_adapter import AdapterSpec, write_random_adapter
from lmi_worker.engine.options import EngineOptions


def test_decode_with_each_count_of_adapters_then_the_deltas_alone(tiny_llama_dir, tmp_path):
    engine = LmiDistEngine.load(EngineOptions(model_dir=str(tiny_llama_dir), device="cpu", kv_cache_bytes=16 << 20,
                                              max_loras=2, max_lora_rank=4))
    for i in (1, 2, 3):
        path = write_random_adapter(tmp_path / str(i), engine.model.config, AdapterSpec(4, 8, TARGET_MODULES, seed=i))
        engine.register_adapter(i, str(i), str(path))
    # Two slots serve the three adapters in turn only if each batch's sequences are forgotten after it.
    for adapter_ids in ([], [1], [1, 2], [3]):
        row = lora_bench.decode_with_adapters(engine, 4, 8, 3, adapter_ids, seed=0)
        assert row["adapters"] == len(adapter_ids) and row["decode_tokens_per_s"] > 0
        assert engine.states == {}
    assert lora_bench.deltas_ms(engine, 4, [2, 3], repeats=2) > 0
    assert lora_bench.deltas_ms(engine, 4, []) == 0.0
