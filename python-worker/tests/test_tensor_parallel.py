"""Tensor parallelism on CPU: the same scenarios on two gloo ranks and on one engine give the same tokens.

Each TP=2 run is two real processes (tests/tp_probe.py) joined over torch.distributed on loopback. The
ranks sum o_proj's and down_proj's partial products in another order than one matmul does, so logits
differ in the last float32 bits: ids must be identical and logprobs (top-5 included) within 1e-4.
"""

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from lmi_worker.engine.model_config import ModelConfig
from lmi_worker.engine.offline_runner import OfflineRunner
from lmi_worker.engine.options import EngineOptions
from lmi_worker.engine.step import SamplingParams, StepError
from lmi_worker.engine.step_builder import ScheduledSequence, build_step
from lmi_worker.engine.tp_layout import TpLayout
from lmi_worker.ipc.client import WorkerClient, WorkerError
from synthetic_models import BASE_CONFIG, write_model, write_phi3_model

PROBE = Path(__file__).with_name("tp_probe.py")
LOGPROB_TOLERANCE = 1e-4
# An odd vocabulary (515) pads the last rank's share; one KV head is replicated on both ranks.
MODELS = {
    "mistral": ("MistralForCausalLM", {"sliding_window": 12}),
    "qwen2": ("Qwen2ForCausalLM", {}),
    "llama-one-kv-head-tied": ("LlamaForCausalLM", {"num_key_value_heads": 1, "tie_word_embeddings": True}),
    "phi3": ("Phi3ForCausalLM", {"sliding_window": 12}),  # fused qkv_proj / gate_up_proj, split before slicing
    "gemma2": ("Gemma2ForCausalLM", {"hidden_activation": "gelu_pytorch_tanh", "hidden_act": "gelu_pytorch_tanh",
                                     "sliding_window": 12, "query_pre_attn_scalar": 24,
                                     "attn_logit_softcapping": 2.0, "final_logit_softcapping": 3.0}),
}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _probe(model: Path, out: Path, size: int) -> dict:
    env = dict(os.environ, PYTHONPATH=str(PROBE.parents[1]))
    if size == 1:
        subprocess.run([sys.executable, str(PROBE), "--model", str(model), "--out", str(out)], env=env,
                       check=True, timeout=300)
    else:
        master = f"127.0.0.1:{_free_port()}"
        ranks = [subprocess.Popen([sys.executable, str(PROBE), "--model", str(model), "--out", str(out),
                                   "--rank", str(r), "--size", str(size), "--master", master], env=env)
                 for r in range(size)]
        for r, process in enumerate(ranks):
            assert process.wait(timeout=300) == 0, f"rank {r} exited with {process.returncode}"
    return json.loads(out.read_text())


@pytest.fixture(scope="module", params=["tiny-llama"] + sorted(MODELS))
def model_dir(request, tiny_llama_dir, tmp_path_factory) -> Path:
    if request.param == "tiny-llama":
        return tiny_llama_dir
    architecture, overrides = MODELS[request.param]
    path = tmp_path_factory.mktemp("tp") / request.param
    writer = write_phi3_model if architecture == "Phi3ForCausalLM" else write_model
    if writer is write_phi3_model:
        writer(path, seed=5, vocab_size=515, **overrides)
    else:
        writer(path, architecture, seed=5, vocab_size=515, **overrides)
    return path


def test_two_ranks_give_the_tokens_of_one(model_dir, tmp_path):
    one = _probe(model_dir, tmp_path / "tp1.json", 1)
    two = _probe(model_dir, tmp_path / "tp2.json", 2)
    assert one.keys() == two.keys() == {"batched", "chunked", "speculative", "prefix_and_preemption"}
    for scenario, generations in one.items():
        assert generations.keys() == two[scenario].keys()
        for seq_id, want in generations.items():
            got = two[scenario][seq_id]
            where = f"{scenario}, sequence {seq_id}"
            assert got["output"] == want["output"], where
            assert max(abs(a - b) for a, b in zip(got["logprobs"], want["logprobs"])) <= LOGPROB_TOLERANCE, where
            for got_top, want_top in zip(got["top"], want["top"]):
                assert [t for t, _ in got_top] == [t for t, _ in want_top], where
                assert max(abs(a - b) for (_, a), (_, b) in zip(got_top, want_top)) <= LOGPROB_TOLERANCE, where


def test_a_model_that_does_not_split_is_refused_naming_the_option():
    config = ModelConfig.from_dict(dict(BASE_CONFIG, architectures=["LlamaForCausalLM"], num_attention_heads=4,
                                        num_key_value_heads=2, intermediate_size=96))
    with pytest.raises(ValueError, match="option.tensor_parallel_degree 3 must divide the model's "
                                         "num_attention_heads 4"):
        TpLayout(config, 0, 3)


def test_each_rank_holds_its_heads_and_the_kv_head_they_read():
    config = ModelConfig.from_dict(dict(BASE_CONFIG, architectures=["LlamaForCausalLM"], num_attention_heads=8,
                                        num_key_value_heads=2))
    layouts = [TpLayout(config, r, 4) for r in range(4)]
    assert [(l.first_head, l.heads) for l in layouts] == [(0, 2), (2, 2), (4, 2), (6, 2)]
    # Query heads 0-3 read KV head 0 and 4-7 KV head 1 (groups of 4): each rank keeps one of them.
    assert [(l.first_kv_head, l.kv_heads) for l in layouts] == [(0, 1), (0, 1), (1, 1), (1, 1)]
    q = torch.arange(8 * 16 * 64, dtype=torch.float32).view(8 * 16, 64)
    assert torch.equal(layouts[1].shard("model.layers.0.self_attn.q_proj.weight", q), q[32:64])
    o = q.t().contiguous()
    assert torch.equal(layouts[1].shard("model.layers.0.self_attn.o_proj.weight", o), o[:, 32:64])


class _RemoteEngine:
    def __init__(self, client: WorkerClient, capacity):
        self.capacity = capacity
        self.execute = lambda batch: client.step(batch, timeout=60)


def test_a_worker_group_serves_the_golden_prompts_over_the_protocol(worker_group, tiny_llama_dir):
    client, capacity, follower = worker_group
    assert capacity.tensor_parallel_degree == 2
    # Each rank holds one of tiny-llama's two KV heads: together the bytes of one engine's block.
    assert capacity.kv_bytes_per_block == 2 * 2 * 2 * 16 * 16 * 4
    cases = json.loads((tiny_llama_dir / "golden.json").read_text())["cases"]
    runner = OfflineRunner(_RemoteEngine(client, capacity), prefill_chunk=5)
    for i, case in enumerate(cases):
        runner.add(i, case["prompt_ids"], len(case["output_ids"]), SamplingParams())
    results = runner.run()
    assert [results[i].output for i in range(len(cases))] == [case["output_ids"] for case in cases]
    # A malformed step is refused on every rank alike, and the group serves on.
    with pytest.raises(StepError, match="unknown"):
        client.step(build_step(runner.step_id, [ScheduledSequence(4242, [5], 0, [0])]), timeout=30)
    assert client.health()["ok"]
    assert client.shutdown() == 0
    assert follower.wait(timeout=30) == 0


def test_rank_0_exits_when_a_follower_dies(worker_group):
    client, capacity, follower = worker_group
    follower.kill()
    follower.wait(timeout=30)
    runner = OfflineRunner(_RemoteEngine(client, capacity))
    runner.add(1, [5, 6, 7], 3, SamplingParams())
    with pytest.raises(WorkerError):
        runner.run()
    assert client.returncode not in (None, 0)
