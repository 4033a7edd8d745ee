"""The parent side of one worker process, in Python: spawn, handshake, load, steps, health, shutdown."""

import logging
import os
import secrets
import select
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict
from pathlib import Path
from typing import Callable, Dict, Optional, Sequence, Tuple, Union

from ..engine.capacity import Capacity
from ..engine.options import EngineOptions
from ..engine.step import StepBatch, StepError, StepOutput
from . import PROTOCOL_VERSION
from .frames import DOORBELL_FRAME, FrameReader, control_frame
from .shared_memory import SharedMemory
from .shm_ring import RELEASE_STORES
from .step_codec import StepFailure, decode_result, encode_step

log = logging.getLogger(__name__)

RING_BYTES = 8 << 20
_PACKAGE_ROOT = str(Path(__file__).resolve().parents[2])
_DOORBELL_SLACK = 32  # unread doorbells allowed to pile up in the socket before draining them


class WorkerError(RuntimeError):
    """The worker reported a fatal error, died, or broke the protocol."""


class WorkerTimeout(WorkerError, TimeoutError):
    """The worker did not answer in time; kill it, its state is unknown."""


class AdapterError(ValueError):
    """The worker refused to register or unregister an adapter; it stays up."""


class WorkerClient:
    """Spawns `python -m lmi_worker` and speaks the protocol to it; one step in flight at a time.

    The worker's PYTHONPATH starts with the directory holding this lmi_worker package.
    """

    def __init__(self, python: str = sys.executable, *, env: Optional[Dict[str, str]] = None,
                 worker_args: Sequence[str] = (), step_ring_bytes: int = RING_BYTES,
                 result_ring_bytes: int = RING_BYTES, spin_us: float = 50.0, handshake_timeout: float = 60.0,
                 shm_dir: Optional[str] = None):
        self._spin_s = spin_us / 1e6
        self._proc: Optional[subprocess.Popen] = None
        self._sock: Optional[socket.socket] = None
        self._shm: Optional[SharedMemory] = None
        self._results_read = 0
        self._dir = tempfile.mkdtemp(prefix="lmi-worker-")
        shm_dir = shm_dir or ("/dev/shm" if os.path.isdir("/dev/shm") else self._dir)
        self._shm_path = os.path.join(shm_dir, f"lmi-worker-{os.getpid()}-{secrets.token_hex(6)}")
        self._socket_path = os.path.join(self._dir, "worker.sock")
        try:
            self._shm = SharedMemory.create(self._shm_path, step_ring_bytes, result_ring_bytes)
            self.hello = self._start(python, env, worker_args, spin_us, time.monotonic() + handshake_timeout)
        except BaseException:
            self.close()
            raise

    def _start(self, python, env, worker_args, spin_us, deadline) -> dict:
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            listener.bind(self._socket_path)
            listener.listen(1)
            env = dict(os.environ if env is None else env)
            env["PYTHONPATH"] = os.pathsep.join(p for p in (_PACKAGE_ROOT, env.get("PYTHONPATH")) if p)
            self._proc = subprocess.Popen(
                [python, "-m", "lmi_worker", "--socket", self._socket_path, "--shm", self._shm_path,
                 "--spin-us", str(spin_us), *worker_args], env=env, stdin=subprocess.DEVNULL)
            self._sock = self._accept(listener, deadline)
        finally:
            listener.close()
            _unlink(self._socket_path)
        self._reader = FrameReader(self._sock)
        hello = self._await("hello", deadline)
        # The worker has the file mapped now: unlinking it here leaves nothing behind whoever dies.
        self._remove_files()
        if hello.get("protocol_version") != PROTOCOL_VERSION:
            raise WorkerError(f"worker speaks protocol {hello.get('protocol_version')}, this client {PROTOCOL_VERSION}")
        self._trust_head = RELEASE_STORES and bool(hello.get("release_stores"))
        return hello

    def _accept(self, listener: socket.socket, deadline: float) -> socket.socket:
        while True:
            if select.select([listener], [], [], 0.05)[0]:
                return listener.accept()[0]
            if self._proc.poll() is not None:
                raise WorkerError(f"the worker exited with status {self._proc.returncode} before connecting")
            if time.monotonic() > deadline:
                raise WorkerTimeout("the worker did not connect in time")

    @property
    def pid(self) -> int:
        return self._proc.pid

    @property
    def returncode(self) -> Optional[int]:
        """The worker's exit status, None while it runs."""
        return self._proc.poll()

    def load(self, options: EngineOptions, timeout: Optional[float] = None,
             on_progress: Optional[Callable[[str, float], None]] = None) -> Capacity:
        """Loads the engine; raises WorkerError with the worker's message if it cannot (the worker exits)."""
        self._send(control_frame({"type": "load", "options": asdict(options)}))
        message = self._await("loaded", _deadline(timeout), on_progress)
        capacity = dict(message["capacity"])
        capacity["eos_token_ids"] = tuple(capacity["eos_token_ids"])
        return Capacity(**capacity)

    def health(self, timeout: Optional[float] = 10.0) -> dict:
        """The worker's health message: {"ok": loaded, "steps": steps executed}."""
        self._send(control_frame({"type": "health"}))
        return self._await("health", _deadline(timeout))

    def register_adapter(self, adapter_id: int, name: str, path: str, timeout: Optional[float] = 60.0) -> dict:
        """The worker's adapter_registered message; raises AdapterError with its message when it refuses."""
        self._send(control_frame({"type": "register_adapter", "id": adapter_id, "name": name, "path": path}))
        return self._adapter_answer(("adapter_registered", "adapter_error"), timeout)

    def unregister_adapter(self, adapter_id: int, timeout: Optional[float] = 10.0) -> dict:
        """The worker's adapter_unregistered message; raises AdapterError with its message when it refuses."""
        self._send(control_frame({"type": "unregister_adapter", "id": adapter_id}))
        return self._adapter_answer(("adapter_unregistered", "adapter_error"), timeout)

    def _adapter_answer(self, kinds: Tuple[str, str], timeout: Optional[float]) -> dict:
        message = self._await(kinds, _deadline(timeout))
        if message["type"] == "adapter_error":
            raise AdapterError(message.get("message", "the worker refused the adapter without a message"))
        return message

    def step(self, batch: StepBatch, timeout: Optional[float] = None) -> StepOutput:
        """Runs one step; raises StepError when the worker rejects it (the worker stays up)."""
        deadline = _deadline(timeout)
        message = encode_step(batch)
        ring = self._shm.step_ring
        while not ring.try_write(message):
            self._check_time(deadline, "step ring space")
            if self._proc.poll() is not None:
                raise self._died()
            time.sleep(20e-6)
        self._send(DOORBELL_FRAME)
        result = decode_result(self._next_result(deadline))
        if result.step_id != batch.step_id:
            raise WorkerError(f"result for step {result.step_id} while step {batch.step_id} was in flight")
        if isinstance(result, StepFailure):
            raise StepError(result.code, result.message)
        return result

    def _next_result(self, deadline: Optional[float]) -> bytearray:
        if not self._result_ready():
            spin_until = time.perf_counter() + self._spin_s
            while not self._result_ready() and time.perf_counter() < spin_until:
                os.sched_yield()
            while not self._result_ready():
                self._check_time(deadline, "a step result")
                self._reader.fill(None if deadline is None else deadline - time.monotonic())
                if self._reader.eof:
                    raise self._died()
        self._results_read += 1
        if self._results_read - self._reader.doorbells > _DOORBELL_SLACK:
            self._reader.fill(0)
        return self._shm.result_ring.read()

    def _result_ready(self) -> bool:
        ring = self._shm.result_ring
        return ring.has_data() and (self._trust_head or self._reader.doorbells > self._results_read)

    def shutdown(self, timeout: float = 10.0) -> int:
        """Asks the worker to exit, waits for it, and returns its exit status."""
        deadline = _deadline(timeout)
        try:
            self._send(control_frame({"type": "shutdown"}))
            self._await("bye", deadline)
            return self._proc.wait(max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            raise WorkerTimeout("the worker did not exit after bye") from None
        finally:
            self.close()

    def kill(self) -> None:
        """Ends the worker at once (SIGKILL) and releases everything."""
        self.close()

    def close(self) -> None:
        """Releases the socket, the mapping and any files; kills the worker if it still runs."""
        if self._proc is not None and self._proc.poll() is None:
            self._proc.kill()
            self._proc.wait()
        if self._sock is not None:
            self._sock.close()
        if self._shm is not None:
            self._shm.close()
        self._remove_files()

    def __enter__(self) -> "WorkerClient":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _remove_files(self) -> None:
        _unlink(self._shm_path)
        _unlink(self._socket_path)
        if os.path.isdir(self._dir):
            os.rmdir(self._dir)

    def _send(self, data: bytes) -> None:
        try:
            self._sock.sendall(data)
        except (BrokenPipeError, ConnectionResetError):
            raise self._died() from None

    def _await(self, kind: Union[str, Tuple[str, ...]], deadline: Optional[float],
               on_progress: Optional[Callable[[str, float], None]] = None) -> dict:
        """The next control message of `kind` (or of one of the kinds), passing progress on; the worker's
        error raises WorkerError."""
        kinds = (kind,) if isinstance(kind, str) else kind
        while True:
            message = self._reader.pop()
            if message is None:
                self._check_time(deadline, f"the {kind!r} message")
                self._reader.fill(None if deadline is None else deadline - time.monotonic())
                if self._reader.eof:
                    raise self._died()
            elif message["type"] in kinds:
                return message
            elif message["type"] == "error":
                raise WorkerError(message.get("message", "the worker failed without a message"))
            elif message["type"] == "progress" and on_progress is not None:
                on_progress(message["stage"], message["fraction"])
            elif message["type"] != "progress":
                log.warning("ignoring control message %r while waiting for %r", message["type"], kind)

    def _check_time(self, deadline: Optional[float], what: str) -> None:
        if deadline is not None and time.monotonic() >= deadline:
            raise WorkerTimeout(f"timed out waiting for {what}")

    def _died(self) -> WorkerError:
        try:
            status = self._proc.wait(5)
        except subprocess.TimeoutExpired:
            status = None
        return WorkerError(f"the worker closed the socket (exit status {status})")


def _unlink(path: str) -> None:
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass


def _deadline(timeout: Optional[float]) -> Optional[float]:
    return None if timeout is None else time.monotonic() + timeout
