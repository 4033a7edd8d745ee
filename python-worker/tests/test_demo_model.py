"""The demo model that `./lmi serve` writes when given no model: loads, generates, repeats exactly."""

import hashlib
import json

from lmi_worker.demo_model import write_demo_model
from lmi_worker.engine.engine import LmiDistEngine
from lmi_worker.engine.offline_runner import OfflineRunner
from lmi_worker.engine.options import EngineOptions
from lmi_worker.engine.step import SamplingParams


def test_demo_model_loads_and_generates(tmp_path):
    write_demo_model(tmp_path / "demo")
    engine = LmiDistEngine.load(EngineOptions(model_dir=str(tmp_path / "demo"), kv_cache_bytes=16 << 20))
    vocab = json.loads((tmp_path / "demo" / "tokenizer.json").read_text())["model"]["vocab"]
    assert engine.capacity.vocab_size == len(vocab) == len(set(vocab.values()))
    assert vocab["<0x00>"] == 3 and vocab["<0xFF>"] == 258 and vocab["▁"] == 259
    runner = OfflineRunner(engine)
    runner.add(0, [1, vocab["▁"], vocab["H"], vocab["i"]], 8)
    output = runner.run()[0].output
    assert len(output) == 8 and all(0 <= t < len(vocab) for t in output)
    assert "chat_template" in json.loads((tmp_path / "demo" / "tokenizer_config.json").read_text())


def test_demo_model_is_the_same_on_every_run(tmp_path):
    write_demo_model(tmp_path / "a")
    write_demo_model(tmp_path / "b")
    for name in ("model.safetensors", "tokenizer.json", "config.json"):
        digests = {hashlib.sha256((tmp_path / d / name).read_bytes()).hexdigest() for d in ("a", "b")}
        assert len(digests) == 1, name
