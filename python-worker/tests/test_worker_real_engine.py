"""The real worker process running the real lmi-dist engine on tiny-llama, driven over the protocol."""

import json
import os
import sys
from pathlib import Path

import numpy as np
import pytest

from lmi_worker.engine.offline_runner import OfflineRunner
from lmi_worker.engine.options import EngineOptions
from lmi_worker.engine.step import (ERR_BLOCK_TABLE_TOO_SHORT, ERR_POSITION_PAST_MAX_LEN, ERR_UNKNOWN_SEQUENCE,
                                    NewSequence, SamplingParams, StepError)
from lmi_worker.engine.step_builder import ScheduledSequence, build_step
from lmi_worker.ipc.client import WorkerClient

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
