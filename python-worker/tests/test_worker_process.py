"""The worker as a real process, driven through the protocol by WorkerClient with a stand-in engine."""

import contextlib
import os
import signal
import socket
import stat
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

from lmi_worker.engine.capacity import Capacity
from lmi_worker.engine.options import EngineOptions
from lmi_worker.engine.step import (ERR_BAD_STEP, ERR_INTERNAL, ERR_UNKNOWN_SEQUENCE, NewSequence, PromptLogprobs,
                                    SamplingParams, StepBatch, StepError, StepOutput)
from lmi_worker.engine.step_builder import ScheduledSequence, build_step
from lmi_worker.ipc import PROTOCOL_VERSION
from lmi_worker.ipc.client import AdapterError, WorkerClient, WorkerError, WorkerTimeout
from lmi_worker.ipc.frames import FrameReader
from lmi_worker.ipc.shared_memory import SharedMemory

TESTS_DIR = str(Path(__file__).resolve().parent)
ENV = dict(os.environ, PYTHONPATH=TESTS_DIR)
ENGINE_ARGS = ["--engine", "test_worker_process:EchoEngine"]


class EchoEngine:
    """Stand-in engine: each sampling sequence gets its last token + 1; special tokens misbehave.

    model_dir "fail" fails the load, "slow" makes it hang. Token -1 is a malformed step, -2 a crash,
    -3 asks for a result too large for a small result ring.
    """

    capacity = Capacity(num_blocks=64, block_size=16, max_model_len=256, vocab_size=1000, eos_token_ids=(2, 3),
                        bos_token_id=1, dtype="float32", device="cpu", architecture="Echo", num_layers=1,
                        kv_bytes_per_block=1024, weight_bytes=0, quantization="none")

    @classmethod
    def load(cls, options: EngineOptions, progress=None) -> "EchoEngine":
        if options.model_dir == "fail":
            raise ValueError("option.model_dir 'fail': no model there")
        if options.model_dir == "slow":
            time.sleep(120)
        progress("weights", 0.0)
        progress("weights", 1.0)
        return cls()

    def __init__(self):
        self.params = {}

    def execute(self, batch: StepBatch) -> StepOutput:
        tokens = batch.tokens
        if (tokens == -1).any():
            raise StepError(ERR_BAD_STEP, "token -1 is outside the vocabulary")
        if (tokens == -2).any():
            raise RuntimeError("the stand-in engine broke")
        for seq_id in batch.finished.tolist():
            self.params.pop(seq_id, None)
        for seq in batch.new_sequences:
            self.params[seq.seq_id] = seq.params
        unknown = [s for s in batch.seq_ids.tolist() if s not in self.params]
        if unknown:
            raise StepError(ERR_UNKNOWN_SEQUENCE, f"sequence {unknown[0]} is unknown")
        sampled = np.flatnonzero(batch.sample)
        token_ids = tokens[batch.token_offsets[1:][sampled] - 1] + 1
        top_n = max([self.params[s].top_logprobs for s in batch.seq_ids[sampled].tolist()], default=0)
        prompt = []
        for i, seq_id in enumerate(batch.seq_ids.tolist()):
            if self.params[seq_id].prompt_logprobs or (tokens == -3).any():
                count = int(batch.token_offsets[i + 1] - batch.token_offsets[i]) * (1000 if tokens[0] == -3 else 1)
                prompt.append(PromptLogprobs(seq_id, int(batch.start_pos[i]), -np.arange(count, dtype=np.float32),
                                             np.zeros((count, 1), np.int32), np.zeros((count, 1), np.float32)))
        return StepOutput(step_id=batch.step_id, seq_ids=batch.seq_ids[sampled], token_ids=token_ids,
                          logprobs=np.full(len(sampled), -0.5, np.float32),
                          top_ids=token_ids[:, None] + np.arange(top_n, dtype=np.int32),
                          top_logprobs=np.full((len(sampled), top_n), -1.0, np.float32),
                          prompt_logprobs=prompt, forward_ms=1.0, sample_ms=0.5)


def start(**kwargs) -> WorkerClient:
    kwargs.setdefault("worker_args", ENGINE_ARGS)
    return WorkerClient(sys.executable, env=ENV, handshake_timeout=30, **kwargs)


@pytest.fixture
def worker():
    with start() as client:
        client.load(EngineOptions(model_dir="echo"), timeout=30)
        yield client


def decode_step(step_id: int, seq_ids=(1,), token: int = 5) -> StepBatch:
    return build_step(step_id, [ScheduledSequence(s, [token], 4, [0]) for s in seq_ids])


def new_step(step_id: int, seq_ids=(1,), params: SamplingParams = SamplingParams()) -> StepBatch:
    return build_step(step_id, [ScheduledSequence(s, [10, 11, 12], 0, [0]) for s in seq_ids],
                      new_sequences=[NewSequence(s, 3, params) for s in seq_ids])


def process_gone(pid: int) -> bool:
    """Exited, or a zombie nobody reaped yet."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"
    except FileNotFoundError:
        return True


def wait_gone(pid: int, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process_gone(pid):
            return True
        time.sleep(0.05)
    return False


def test_handshake_health_and_load():
    with start() as client:
        assert client.hello["protocol_version"] == PROTOCOL_VERSION
        assert client.hello["pid"] == client.pid
        assert isinstance(client.hello["release_stores"], bool)
        assert client.health()["ok"] is False
        progress = []
        capacity = client.load(EngineOptions(model_dir="echo"), timeout=30,
                               on_progress=lambda stage, fraction: progress.append((stage, fraction)))
        assert capacity == EchoEngine.capacity
        assert progress == [("weights", 0.0), ("weights", 1.0)]
        assert client.health() == {"type": "health", "ok": True, "steps": 0}


def test_the_parent_leaves_no_files_behind(tmp_path):
    with start(shm_dir=str(tmp_path)) as client:
        assert list(tmp_path.iterdir()) == []  # unlinked once the worker had it mapped
        client.load(EngineOptions(model_dir="echo"), timeout=30)
        assert client.step(decode_step(1, seq_ids=()), timeout=10).step_id == 1


def test_steps_carry_tokens_top_logprobs_and_prompt_logprobs(worker):
    params = SamplingParams(temperature=0.5, top_logprobs=2, prompt_logprobs=True)
    out = worker.step(new_step(1, seq_ids=(7, 8), params=params), timeout=10)
    assert out.step_id == 1 and (out.forward_ms, out.sample_ms) == (1.0, 0.5)
    assert out.seq_ids.tolist() == [7, 8] and out.token_ids.tolist() == [13, 13]
    assert out.top_ids.tolist() == [[13, 14], [13, 14]]
    assert [(p.seq_id, p.start_pos, p.logprobs.tolist()) for p in out.prompt_logprobs] == [
        (7, 0, [0.0, -1.0, -2.0]), (8, 0, [0.0, -1.0, -2.0])]
    out = worker.step(decode_step(2, seq_ids=(8, 7), token=13), timeout=10)
    assert out.seq_ids.tolist() == [8, 7] and out.token_ids.tolist() == [14, 14]


def test_empty_step(worker):
    out = worker.step(decode_step(3, seq_ids=()), timeout=10)
    assert out.step_id == 3 and len(out.seq_ids) == 0 and out.top_ids.shape == (0, 0)


def test_a_step_error_is_reported_and_the_next_step_works(worker):
    worker.step(new_step(1), timeout=10)
    with pytest.raises(StepError, match="token -1 is outside") as info:
        worker.step(decode_step(2, token=-1), timeout=10)
    assert info.value.code == ERR_BAD_STEP
    with pytest.raises(StepError, match="sequence 99 is unknown") as info:
        worker.step(decode_step(3, seq_ids=(99,)), timeout=10)
    assert info.value.code == ERR_UNKNOWN_SEQUENCE
    assert worker.step(decode_step(4), timeout=10).token_ids.tolist() == [6]
    assert worker.health()["steps"] == 4


def test_an_engine_crash_is_an_internal_error_and_the_worker_stays_up(worker):
    worker.step(new_step(1), timeout=10)
    with pytest.raises(StepError, match="RuntimeError: the stand-in engine broke") as info:
        worker.step(decode_step(2, token=-2), timeout=10)
    assert info.value.code == ERR_INTERNAL
    assert worker.step(decode_step(3), timeout=10).token_ids.tolist() == [6]


def test_a_result_too_large_for_the_ring_is_an_internal_error():
    with start(result_ring_bytes=4096) as client:
        client.load(EngineOptions(model_dir="echo"), timeout=30)
        client.step(new_step(1), timeout=10)
        with pytest.raises(StepError, match="result ring's limit") as info:
            client.step(decode_step(2, token=-3), timeout=10)
        assert info.value.code == ERR_INTERNAL
        assert client.step(decode_step(3), timeout=10).token_ids.tolist() == [6]


def test_a_step_too_large_for_the_ring_is_refused_before_sending():
    with start(step_ring_bytes=256) as client:
        client.load(EngineOptions(model_dir="echo"), timeout=30)
        with pytest.raises(ValueError, match="limit"):
            client.step(new_step(1, seq_ids=range(10)), timeout=10)
        assert client.step(decode_step(2, seq_ids=()), timeout=10).step_id == 2


@contextlib.contextmanager
def alarm(seconds: int):
    """Turns a hang into an exception in the main thread."""
    def on_alarm(signum, frame):
        raise TimeoutError(f"still blocked after {seconds} s")
    previous = signal.signal(signal.SIGALRM, on_alarm)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


@pytest.mark.parametrize("spin_us", [0, 50, 1e6])
def test_many_steps_outnumber_the_socket_buffer_of_doorbells(spin_us):
    # Each unread 1-byte doorbell costs a whole socket buffer in the kernel; a side that never
    # drained them would block its peer after a few hundred steps. With a 1 s spin neither side
    # ever sleeps on the socket, so only the deliberate drains read the doorbells.
    with start(spin_us=spin_us) as client, alarm(60):
        client.load(EngineOptions(model_dir="echo"), timeout=30)
        client.step(new_step(0, seq_ids=range(4)), timeout=10)
        for step_id in range(1, 1500):
            out = client.step(decode_step(step_id, seq_ids=range(4), token=step_id), timeout=10)
            assert out.step_id == step_id and out.token_ids.tolist() == [step_id + 1] * 4
        assert client.health()["steps"] == 1500


def test_adapter_requests_an_engine_cannot_serve_get_an_adapter_error_and_the_worker_stays_up():
    with start() as client:
        with pytest.raises(AdapterError, match="the engine is not loaded"):
            client.register_adapter(1, "x", "/nowhere", timeout=10)
        client.load(EngineOptions(model_dir="echo"), timeout=30)
        # The stand-in engine has no LoRA at all: the failure is reported, never fatal.
        with pytest.raises(AdapterError, match="AttributeError"):
            client.register_adapter(1, "x", "/nowhere", timeout=10)
        with pytest.raises(AdapterError, match="AttributeError"):
            client.unregister_adapter(1, timeout=10)
        assert client.step(new_step(1), timeout=10).token_ids.tolist() == [13]


def test_shutdown_says_bye_and_exits_zero(worker):
    assert worker.shutdown() == 0


def test_sigterm_exits_cleanly(worker):
    os.kill(worker.pid, signal.SIGTERM)
    deadline = time.monotonic() + 10
    while worker.returncode is None and time.monotonic() < deadline:
        time.sleep(0.02)
    assert worker.returncode == 0


def test_a_failed_load_reports_the_error_and_exits_nonzero():
    with start() as client:
        with pytest.raises(WorkerError, match="ValueError: option.model_dir 'fail': no model there"):
            client.load(EngineOptions(model_dir="fail"), timeout=30)
        deadline = time.monotonic() + 10
        while client.returncode is None and time.monotonic() < deadline:
            time.sleep(0.02)
        assert client.returncode == 1


def test_unknown_load_options_are_a_load_error():
    with start() as client:
        with pytest.raises(WorkerError, match="TypeError.*warp_speed"):
            client.load(_OptionsWithExtra(model_dir="echo"), timeout=30)


@dataclass(frozen=True)
class _OptionsWithExtra(EngineOptions):
    """EngineOptions plus a field the worker does not know."""

    warp_speed: bool = True


_MIDDLE = """
import sys
from lmi_worker.engine.options import EngineOptions
from lmi_worker.ipc.client import WorkerClient
client = WorkerClient(sys.executable, worker_args=["--engine", "test_worker_process:EchoEngine"])
sys.stdout.write(f"{client.pid}\\n")
sys.stdout.flush()
client.load(EngineOptions(model_dir=sys.argv[1]))
sys.stdout.write("loaded\\n")
sys.stdout.flush()
sys.stdin.read()
"""


@pytest.mark.parametrize("model_dir", ["echo", "slow"])
def test_the_worker_exits_when_its_parent_is_killed(model_dir):
    # "echo": the worker idles on the socket and sees EOF; "slow": it sits in the engine's load,
    # deaf to the socket, and only PR_SET_PDEATHSIG can end it.
    middle = subprocess.Popen([sys.executable, "-c", _MIDDLE, model_dir], env=ENV, stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True)
    try:
        worker_pid = int(middle.stdout.readline())
        if model_dir == "echo":
            assert middle.stdout.readline() == "loaded\n"
        else:
            time.sleep(1.0)  # the load message reaches the worker, which starts sleeping in load
        assert not process_gone(worker_pid)
        middle.kill()
        middle.wait()
        assert wait_gone(worker_pid, 5), f"worker {worker_pid} outlived its parent"
    finally:
        middle.kill()
        middle.wait()


@contextlib.contextmanager
def raw_worker(tmp_path: Path, shm_path: str):
    """A worker spawned by hand, and the parent's end of its socket, for protocol violations."""
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(str(tmp_path / "sock"))
    listener.listen(1)
    listener.settimeout(30)
    proc = subprocess.Popen([sys.executable, "-m", "lmi_worker", "--socket", str(tmp_path / "sock"),
                             "--shm", shm_path, *ENGINE_ARGS],
                            env=dict(ENV, PYTHONPATH=os.pathsep.join([str(Path(TESTS_DIR).parent), TESTS_DIR])))
    try:
        with listener.accept()[0] as conn:
            conn.settimeout(30)
            yield proc, conn, FrameReader(conn)
    finally:
        listener.close()
        proc.kill()
        proc.wait()


def next_control(reader: FrameReader) -> dict:
    while (message := reader.pop()) is None:
        reader.fill(30)
        assert not reader.eof
    return message


def test_a_missing_shm_file_is_reported_and_the_worker_exits_1(tmp_path):
    with raw_worker(tmp_path, str(tmp_path / "no-such-shm")) as (proc, conn, reader):
        message = next_control(reader)
        assert message["type"] == "error" and "shared memory" in message["message"]
        assert proc.wait(30) == 1


def test_an_unknown_frame_type_makes_the_worker_exit_1(tmp_path):
    shm = SharedMemory.create(str(tmp_path / "shm"), 4096, 4096)
    try:
        with raw_worker(tmp_path, shm.path) as (proc, conn, reader):
            assert next_control(reader)["type"] == "hello"
            conn.sendall(bytes([7]))
            assert proc.wait(30) == 1
    finally:
        shm.close()


def test_handshake_times_out_when_the_worker_never_connects(tmp_path):
    python = tmp_path / "python"
    python.write_text("#!/bin/sh\nexec sleep 60\n")
    python.chmod(python.stat().st_mode | stat.S_IEXEC)
    shm_dir = tmp_path / "shm"
    shm_dir.mkdir()
    started = time.monotonic()
    with pytest.raises(WorkerTimeout, match="did not connect"):
        WorkerClient(str(python), handshake_timeout=1.0, shm_dir=str(shm_dir))
    assert time.monotonic() - started < 10
    assert list(shm_dir.iterdir()) == []


def test_a_worker_that_dies_before_connecting_is_reported(tmp_path):
    with pytest.raises(WorkerError, match="exited with status 1 before connecting"):
        WorkerClient("/bin/false", handshake_timeout=30, shm_dir=str(tmp_path))
    assert list(tmp_path.iterdir()) == []
