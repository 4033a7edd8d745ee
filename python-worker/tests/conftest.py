"""Shared fixtures: where the test models live, and how to see what a process has mapped."""

import json
import os
import socket
import subprocess
import sys
from pathlib import Path
from typing import Callable, List, Tuple

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def testdata_dir() -> Path:
    """The shared test models; LMI_TESTDATA overrides the checkout-relative default."""
    return Path(os.environ.get("LMI_TESTDATA", REPO_ROOT / ".." / "shared" / "testdata"))


@pytest.fixture(scope="session")
def tiny_llama_dir(testdata_dir: Path) -> Path:
    path = testdata_dir / "tiny-llama"
    if not (path / "config.json").is_file():
        pytest.fail(f"test model not found at {path} (set LMI_TESTDATA to the shared testdata folder)")
    return path


@pytest.fixture(scope="session")
def golden_cases(tiny_llama_dir: Path) -> List[dict]:
    """tiny-llama's golden prompts and llama.cpp's greedy outputs for them (golden.json)."""
    return json.loads((tiny_llama_dir / "golden.json").read_text())["cases"]


@pytest.fixture(scope="session")
def tiny_llama_engine(tiny_llama_dir: Path):
    """One loaded engine for the session; tests use their own sequence ids and never share blocks."""
    from lmi_worker.engine.engine import LmiDistEngine
    from lmi_worker.engine.options import EngineOptions

    # LMI_TEST_DEVICE=cuda runs the parity tests on a GPU where one is lent.
    device = os.environ.get("LMI_TEST_DEVICE", "cpu")
    return LmiDistEngine.load(EngineOptions(model_dir=str(tiny_llama_dir), device=device, kv_cache_bytes=64 << 20))


@pytest.fixture
def mapped_ranges() -> Callable[[Path], List[Tuple[int, int]]]:
    """A function giving the address ranges where this process maps a file (Linux only)."""
    maps = Path("/proc/self/maps")
    if not maps.exists():
        pytest.skip("needs /proc/self/maps")

    def ranges(path: Path) -> List[Tuple[int, int]]:
        target = str(Path(path).resolve())
        found = []
        for line in maps.read_text().splitlines():
            fields = line.split(maxsplit=5)
            if len(fields) == 6 and fields[5] == target:
                start, end = fields[0].split("-")
                found.append((int(start, 16), int(end, 16)))
        return found

    return ranges


@pytest.fixture(scope="session")
def lora_dir(tiny_llama_dir: Path, tmp_path_factory) -> Path:
    """The test adapters of make_test_adapters.py for tiny-llama, each as NAME/ and merged as NAME-merged/."""
    from make_test_adapters import write_test_adapters

    out = tmp_path_factory.mktemp("lora")
    write_test_adapters(out, tiny_llama_dir, merged=True)
    return out


@pytest.fixture
def worker_group(tiny_llama_dir: Path):
    """Rank 0 as the parent's worker, over the protocol, and its follower: real processes, as Java starts them.

    Yields (client, capacity, follower); the client is loaded with tiny-llama split over the two ranks.
    """
    from lmi_worker.engine.options import EngineOptions
    from lmi_worker.ipc.client import WorkerClient

    env = dict(os.environ, PYTHONPATH=str(REPO_ROOT / "python-worker"))
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        master = f"127.0.0.1:{s.getsockname()[1]}"
    group = ["--tp-size", "2", "--tp-master", master]
    follower = subprocess.Popen([sys.executable, "-m", "lmi_worker", "--tp-rank", "1", *group], env=env,
                                stdin=subprocess.DEVNULL)
    try:
        with WorkerClient(sys.executable, env=env, worker_args=["--tp-rank", "0", *group]) as client:
            capacity = client.load(EngineOptions(model_dir=str(tiny_llama_dir), kv_cache_bytes=8 << 20), timeout=120)
            yield client, capacity, follower
    finally:
        if follower.poll() is None:
            follower.kill()
        follower.wait(timeout=30)
