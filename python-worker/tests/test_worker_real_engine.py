"""The real worker process running the real lmi-dist engine on tiny-llama, driven over the protocol."""

import json
import os
import sys
from pathlib import Path

import numpy as np
import pytest

from lmi_worker.engine.offline_runner import OfflineRunner
from lmi_worker.engine.options import EngineOptions
from lmi_worker.engine.engine import LmiDistEngine
from lmi_worker.engine.step import (ERR_BLOCK_TABLE_TOO_SHORT, ERR_POSITION_PAST_MAX_LEN, ERR_UNKNOWN_ADAPTER,
                                    ERR_UNKNOWN_SEQUENCE, NewSequence, SamplingParams, StepError)
from lmi_worker.engine.step_builder import ScheduledSequence, build_step
from lmi_worker.ipc.client import AdapterError, WorkerClient

KV_CACHE_BYTES = 8 << 20
PACKAGE_DIR = str(Path(__file__).resolve().parents[1])


class RemoteEngine:
    """What OfflineRunner needs of an engine, served by a worker process."""

    def __init__(self, client: WorkerClient, capacity):
        self.capacity = capacity
        self.execute = lambda batch: client.step(batch, timeout=60)


@pytest.fixture(scope="module")
def worker(tiny_llama_dir):
    env = dict(os.environ, PYTHONPATH=PACKAGE_DIR)
    with WorkerClient(sys.executable, env=env) as client:
        capacity = client.load(EngineOptions(model_dir=str(tiny_llama_dir), kv_cache_bytes=KV_CACHE_BYTES),
                               timeout=120)
        yield client, capacity


def test_capacity_comes_from_the_memory_budget(worker):
    _, capacity = worker
    # tiny-llama: 2 layers x 2 KV heads x 16 dims, K and V, float32: 512 bytes a token, 8 KiB a block.
    assert capacity.kv_bytes_per_block == 2 * 2 * 2 * 16 * 16 * 4
    assert capacity.num_blocks == KV_CACHE_BYTES // capacity.kv_bytes_per_block
    assert (capacity.block_size, capacity.max_model_len, capacity.vocab_size) == (16, 512, 32000)
    assert capacity.eos_token_ids == (2,) and capacity.architecture == "LlamaForCausalLM"


def test_golden_greedy_outputs_through_the_process(worker, tiny_llama_dir):
    client, capacity = worker
    cases = json.loads((tiny_llama_dir / "golden.json").read_text())["cases"]
    runner = OfflineRunner(RemoteEngine(client, capacity), prefill_chunk=5)
    for i, case in enumerate(cases):
        runner.add(i, case["prompt_ids"], len(case["output_ids"]), SamplingParams(top_logprobs=5))
    results = runner.run()
    for i, case in enumerate(cases):
        assert results[i].output == case["output_ids"]
        for want, got in zip(case["steps"], results[i].top):
            np.testing.assert_allclose([t["logprob"] for t in want["top"]], [lp for _, lp in got], atol=2e-3)


@pytest.mark.parametrize("code, batch", [
    (ERR_BLOCK_TABLE_TOO_SHORT, build_step(10, [ScheduledSequence(500, list(range(3, 40)), 0, [0])],
                                           [NewSequence(500, 37, SamplingParams())])),
    (ERR_POSITION_PAST_MAX_LEN, build_step(11, [ScheduledSequence(500, [5], 512, list(range(33)))],
                                           [NewSequence(500, 0, SamplingParams(), np.full(512, 5, np.int32))])),
    (ERR_UNKNOWN_SEQUENCE, build_step(12, [ScheduledSequence(424242, [5], 0, [0])])),
])
def test_a_bad_step_gets_an_error_result_and_the_worker_keeps_serving(worker, code, batch):
    client, _ = worker
    with pytest.raises(StepError) as err:
        client.step(batch, timeout=30)
    assert err.value.code == code
    good = build_step(13, [ScheduledSequence(501, [1, 415, 5565, 302, 4843, 349], 0, [3])],
                      [NewSequence(501, 6, SamplingParams())], finished=[501])
    assert client.step(good, timeout=30).token_ids.tolist() == [8969]  # golden case 0's first token
    assert client.health()["ok"]


def test_load_error_names_the_problem_and_the_worker_exits_non_zero(tmp_path):
    (tmp_path / "config.json").write_text(json.dumps({"architectures": ["GPT2LMHeadModel"]}))
    env = dict(os.environ, PYTHONPATH=PACKAGE_DIR)
    with WorkerClient(sys.executable, env=env) as client:
        with pytest.raises(Exception, match="GPT2LMHeadModel"):
            client.load(EngineOptions(model_dir=str(tmp_path)), timeout=60)
        client.close()
        assert client.returncode not in (None, 0)


def test_shutdown_exits_cleanly(tiny_llama_dir):
    env = dict(os.environ, PYTHONPATH=PACKAGE_DIR)
    client = WorkerClient(sys.executable, env=env)
    client.load(EngineOptions(model_dir=str(tiny_llama_dir), kv_cache_bytes=KV_CACHE_BYTES), timeout=120)
    assert client.shutdown() == 0


@pytest.fixture(scope="module")
def lora_worker(tiny_llama_dir):
    env = dict(os.environ, PYTHONPATH=PACKAGE_DIR)
    with WorkerClient(sys.executable, env=env) as client:
        capacity = client.load(EngineOptions(model_dir=str(tiny_llama_dir), kv_cache_bytes=KV_CACHE_BYTES,
                                             max_loras=2, max_lora_rank=8), timeout=120)
        yield client, capacity


def test_adapters_are_registered_used_and_unregistered_over_the_socket(lora_worker, lora_dir):
    client, capacity = lora_worker
    answer = client.register_adapter(3, "attn", str(lora_dir / "attn-r8-rslora"))
    # Per layer, float32: q/k/v's A [3 * 8, 64] and B [128, 24], o's A [8, 64] and B [64, 8].
    assert answer == {"type": "adapter_registered", "id": 3, "rank": 8, "alpha": 4.0,
                      "target_modules": ["q_proj", "k_proj", "v_proj", "o_proj"],
                      "bytes": 2 * 4 * (24 * 64 + 128 * 24 + 8 * 64 + 64 * 8)}
    prompt = [1, 415, 5565, 302, 4843, 349]
    runner = OfflineRunner(RemoteEngine(client, capacity), prefill_chunk=4)
    gen = runner.add(1, prompt, 6, SamplingParams(top_logprobs=2), adapter_id=3)
    runner.step()
    with pytest.raises(AdapterError, match="adapter id 3 is used by a live sequence"):
        client.unregister_adapter(3)
    runner.run()
    runner.step()  # forgets sequence 1
    merged = OfflineRunner(LmiDistEngine.load(EngineOptions(model_dir=str(lora_dir / "attn-r8-rslora-merged"),
                                                            device="cpu", kv_cache_bytes=KV_CACHE_BYTES)))
    want = merged.add(1, prompt, 6, SamplingParams(top_logprobs=2))
    merged.run()
    assert gen.output == want.output
    np.testing.assert_allclose(gen.logprobs, want.logprobs, atol=1e-4)
    assert client.unregister_adapter(3) == {"type": "adapter_unregistered", "id": 3}
    with pytest.raises(StepError) as err:
        client.step(build_step(100, [ScheduledSequence(2, prompt, 0, [0])], [NewSequence(2, 6, SamplingParams(),
                                                                                          adapter_id=3)]), timeout=30)
    assert err.value.code == ERR_UNKNOWN_ADAPTER


def test_a_bad_adapter_gets_an_error_reply_and_the_worker_keeps_serving(lora_worker, lora_dir, tmp_path):
    client, _ = lora_worker
    with pytest.raises(AdapterError, match=f"{tmp_path / 'nowhere'}: not a directory"):
        client.register_adapter(4, "missing", str(tmp_path / "nowhere"))
    with pytest.raises(AdapterError, match="r 16 exceeds option.max_lora_rank 8"):
        client.register_adapter(4, "too big", str(lora_dir / "all-r16"))
    with pytest.raises(AdapterError, match="adapter id 9 is not registered"):
        client.unregister_adapter(9)
    assert client.health()["ok"]
    assert client.register_adapter(4, "qv", str(lora_dir / "qv-r4"))["rank"] == 4


def test_a_worker_with_lora_off_refuses_adapters(worker, lora_dir):
    client, _ = worker
    with pytest.raises(AdapterError, match="LoRA is off"):
        client.register_adapter(1, "qv", str(lora_dir / "qv-r4"))
    assert client.health()["ok"]
