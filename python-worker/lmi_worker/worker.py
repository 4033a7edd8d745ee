"""The worker process: handshake on the socket, load the engine, then execute one step per ring message."""

import ctypes
import importlib
import logging
import os
import signal
import socket
import sys
import time
from dataclasses import asdict
from typing import NoReturn, Optional, Tuple

from .engine.options import EngineOptions
from .engine.step import ERR_INTERNAL, StepError
from .ipc import PROTOCOL_VERSION
from .ipc.frames import DOORBELL_FRAME, FrameReader, ProtocolError, control_frame
from .ipc.shared_memory import SharedMemory, ShmLayoutError
from .ipc.shm_ring import RELEASE_STORES
from .ipc.step_codec import decode_step, encode_error, encode_output, message_step_id

log = logging.getLogger(__name__)

DEFAULT_ENGINE = "lmi_worker.engine.engine:LmiDistEngine"
PR_SET_PDEATHSIG = 1


class _Exit(BaseException):
    """Unwinds the worker to its exit status; a BaseException so that no step's `except Exception` eats it."""

    def __init__(self, status: int, reason: str):
        super().__init__(reason)
        self.status = status


TpGroup = Tuple[int, int, str]  # (rank, size, master host:port) of a tensor-parallel group


def run(socket_path: str, shm_path: str, engine: str = DEFAULT_ENGINE, spin_us: float = 50.0,
        tp_group: Optional[TpGroup] = None) -> int:
    """Serves the parent listening at `socket_path` until it says shutdown or goes away; the exit status.

    `tp_group`: this worker is rank 0 of a tensor-parallel group and leads its followers."""
    signal.signal(signal.SIGTERM, _on_sigterm)
    # The parent owns the worker's life: a Ctrl-C in its terminal must not kill steps it is draining.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _die_with_parent()
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        _serve(sock, socket_path, shm_path, engine, spin_us, tp_group)
    except _Exit as e:
        log.log(logging.INFO if e.status == 0 else logging.ERROR, "exiting (%d): %s", e.status, e)
        return e.status
    except ProtocolError as e:
        log.error("exiting (1): the parent broke the protocol: %s", e)
        return 1
    except OSError as e:
        log.error("exiting (1): socket or shared memory failed: %s", e)
        return 1
    finally:
        sock.close()


def _serve(sock: socket.socket, socket_path: str, shm_path: str, engine: str, spin_us: float,
           tp_group: Optional[TpGroup]) -> NoReturn:
    try:
        sock.connect(socket_path)
    except OSError as e:
        raise _Exit(1, f"cannot reach the parent at {socket_path}: {e}") from None
    try:
        shm = SharedMemory.open(shm_path)
    except (OSError, ShmLayoutError) as e:
        sock.sendall(control_frame({"type": "error", "message": f"shared memory: {e}"}))
        raise _Exit(1, f"shared memory: {e}") from None
    tp = None
    if tp_group is not None:
        try:
            tp = _join(tp_group)
        except (RuntimeError, ValueError) as e:
            sock.sendall(control_frame({"type": "error", "message": f"tensor-parallel group: {e}"}))
            raise _Exit(1, f"tensor-parallel group: {e}") from None
    try:
        Worker(sock, shm, engine, spin_us / 1e6, tp).run()
    finally:
        shm.close()


def _join(tp_group: TpGroup):
    from .engine.tensor_parallel import TensorParallel
    rank, size, master = tp_group
    log.info("joining the tensor-parallel group at %s as rank %d of %d", master, rank, size)
    return TensorParallel.join(rank, size, master)


def run_follower(tp_group: TpGroup, engine: str = DEFAULT_ENGINE) -> int:
    """A tensor-parallel follower: loads what rank 0 loads, runs every step rank 0 runs; the exit status."""
    signal.signal(signal.SIGTERM, _on_sigterm)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _die_with_parent()
    from .engine.tp_group import follow
    try:
        tp = _join(tp_group)
        options = EngineOptions(**tp.broadcast_object(None))
        engine_object = _engine_class(engine).load(options, None, tp)
        follow(engine_object, tp)
        tp.close()
    except _Exit as e:
        log.info("exiting (%d): %s", e.status, e)
        return e.status
    except Exception:
        # The group cannot go on without this rank: the parent sees the exit and restarts every rank.
        log.exception("rank %d failed", tp_group[0])
        return 1
    log.info("rank 0 stopped the group; exiting")
    return 0


def _engine_class(spec: str):
    module, _, name = spec.partition(":")
    return getattr(importlib.import_module(module), name)


def _on_sigterm(signum, frame):
    raise _Exit(0, "SIGTERM")


def _die_with_parent() -> None:
    """Asks Linux for SIGTERM when the parent dies: a second guard next to the socket's EOF.

    The signal follows the parent *thread* that spawned us, so a parent must spawn workers from a
    thread that lives as long as they do.
    """
    if not sys.platform.startswith("linux"):
        return
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0) != 0:
        log.warning("prctl(PR_SET_PDEATHSIG) failed: %s", os.strerror(ctypes.get_errno()))


class Worker:
    """One connected worker: the socket, the rings and, once loaded, the engine."""

    def __init__(self, sock: socket.socket, shm: SharedMemory, engine: str, spin_s: float, tp=None):
        self._sock = sock
        self._tp = tp  # the tensor-parallel group this worker leads; None alone
        self._in_step = False
        self._reader = FrameReader(sock)
        self._steps = shm.step_ring
        self._results = shm.result_ring
        self._engine_spec = engine
        self._spin_s = spin_s
        self._engine = None
        self._steps_read = 0
        self._steps_done = 0

    def run(self) -> NoReturn:
        """Serves until an _Exit (shutdown, SIGTERM, the parent gone, a failed load) unwinds it."""
        try:
            self._run()
        except _Exit as e:
            if self._tp is not None and e.status == 0 and not self._in_step:
                self._stop_followers()
            raise

    def _stop_followers(self) -> None:
        try:
            self._tp.broadcast_message(None)
            self._tp.close()
        except RuntimeError as e:  # a follower already gone: the parent ends the group anyway
            log.warning("could not stop the tensor-parallel followers: %s", e)

    def _run(self) -> NoReturn:
        self._send({"type": "hello", "protocol_version": PROTOCOL_VERSION, "pid": os.getpid(),
                    "release_stores": RELEASE_STORES})
        options = self._await_load()
        if self._tp is not None:
            self._tp.broadcast_object(options)
        self._engine = self._load(options)
        self._send({"type": "loaded", "capacity": asdict(self._engine.capacity)})
        while True:
            # Drains doorbells already answered by spinning (the kernel charges each one a whole
            # buffer) and picks up control messages even while steps keep coming.
            self._reader.fill(0)
            self._answer_controls()
            message = self._take_step()
            if message is not None:
                step_id = message_step_id(message)
                self._publish(step_id, self._execute(step_id, message))

    def _await_load(self) -> dict:
        while True:
            message = self._reader.pop()
            if message is None:
                self._wait_for_socket(None)
            elif message["type"] == "load":
                return message.get("options") or {}
            else:
                self._answer(message)

    def _load(self, raw_options: dict):
        try:
            options = EngineOptions(**raw_options)
            engine_class = _engine_class(self._engine_spec)
            started = time.perf_counter()
            if self._tp is None:
                engine = engine_class.load(options, self._progress)
            else:
                engine = engine_class.load(options, self._progress, self._tp)
        except Exception as e:
            log.exception("loading the engine failed")
            self._send({"type": "error", "message": f"{type(e).__name__}: {e}"})
            raise _Exit(1, "loading the engine failed") from None
        log.info("engine %s loaded in %.1f s", self._engine_spec, time.perf_counter() - started)
        return engine

    def _progress(self, stage: str, fraction: float) -> None:
        self._send({"type": "progress", "stage": stage, "fraction": float(fraction)})

    def _answer_controls(self) -> None:
        while (message := self._reader.pop()) is not None:
            self._answer(message)

    def _answer(self, message: dict) -> None:
        kind = message["type"]
        if kind == "health":
            self._send({"type": "health", "ok": self._engine is not None, "steps": self._steps_done})
        elif kind == "shutdown":
            self._send({"type": "bye"})
            raise _Exit(0, "shutdown requested")
        elif kind in ("register_adapter", "unregister_adapter"):
            self._send(self._adapter_request(message))
        else:
            log.warning("ignoring control message %r", kind)

    def _adapter_request(self, message: dict) -> dict:
        """The answer to register_adapter or unregister_adapter; a failure is an adapter_error, never an exit."""
        adapter_id = message.get("id")
        try:
            if self._engine is None:
                raise ValueError("the engine is not loaded")
            if message["type"] == "unregister_adapter":
                self._engine.unregister_adapter(adapter_id)
                return {"type": "adapter_unregistered", "id": adapter_id}
            name, path = message.get("name", ""), message.get("path")
            if not isinstance(path, str) or not isinstance(name, str):
                raise ValueError(f"register_adapter needs a string path and name, got path {path!r}, name {name!r}")
            adapter = self._engine.register_adapter(adapter_id, name, path)
        except Exception as e:
            log.warning("%s %r failed: %s", message["type"], adapter_id, e)
            text = str(e) if isinstance(e, ValueError) else f"{type(e).__name__}: {e}"
            return {"type": "adapter_error", "id": adapter_id, "message": text}
        return {"type": "adapter_registered", "id": adapter_id, "rank": adapter.rank, "alpha": adapter.alpha,
                "target_modules": list(adapter.target_modules), "bytes": adapter.nbytes}

    def _ready(self) -> bool:
        # Where a plain store is not a release store, a record is only safe to read after its doorbell.
        return self._steps.has_data() and (RELEASE_STORES or self._reader.doorbells > self._steps_read)

    def _take_step(self) -> Optional[bytearray]:
        """The next step message: spins a little on the ring, then sleeps on the socket; None if a control came."""
        if not self._ready():
            deadline = time.perf_counter() + self._spin_s
            while not self._ready():
                os.sched_yield()
                if time.perf_counter() >= deadline:
                    self._wait_for_socket(None)
                    if not self._ready():
                        return None
        self._steps_read += 1
        return self._steps.read()

    def _execute(self, step_id: int, message: bytearray) -> bytearray:
        self._in_step = True
        try:
            if self._tp is not None:
                self._tp.broadcast_message(message)
            batch = decode_step(message)
            output = self._engine.execute(batch)
            if output.step_id != batch.step_id:
                raise RuntimeError(f"the engine answered step {batch.step_id} with step {output.step_id}")
            return encode_output(output)
        except StepError as e:
            log.warning("step %d rejected (code %d): %s", step_id, e.code, e)
            return encode_error(step_id, e.code, str(e))
        except Exception as e:
            log.exception("step %d failed", step_id)
            if self._tp is not None:
                # The followers may be waiting in a collective this rank left: only a restart recovers.
                raise _Exit(1, f"step {step_id} failed in the tensor-parallel group") from None
            return encode_error(step_id, ERR_INTERNAL, f"{type(e).__name__}: {e}")
        finally:
            self._in_step = False
            self._steps_done += 1

    def _publish(self, step_id: int, message: bytearray) -> None:
        if len(message) > self._results.max_message:
            log.error("the result of step %d is %d bytes, over the result ring's limit", step_id, len(message))
            message = encode_error(step_id, ERR_INTERNAL, f"the result is {len(message)} bytes, more than the "
                                                          f"result ring's limit of {self._results.max_message}")
        while not self._results.try_write(message):
            self._wait_for_socket(0.001)  # the parent frees space without a doorbell; poll, but notice EOF
        self._send_bytes(DOORBELL_FRAME)

    def _wait_for_socket(self, timeout: Optional[float]) -> None:
        self._reader.fill(timeout)
        if self._reader.eof:
            raise _Exit(0, "the parent closed the socket")

    def _send(self, message: dict) -> None:
        self._send_bytes(control_frame(message))

    def _send_bytes(self, data: bytes) -> None:
        try:
            self._sock.sendall(data)
        except (BrokenPipeError, ConnectionResetError):
            raise _Exit(0, "the parent closed the socket") from None
