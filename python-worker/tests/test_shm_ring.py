"""The shared-memory file and its rings: layout, wrap-around, full rings, size limits, concurrent use."""

import os
import random
import struct
import threading
import time
import zlib

import pytest

from lmi_worker.ipc import PROTOCOL_VERSION
from lmi_worker.ipc.shared_memory import PAGE, SharedMemory, ShmLayoutError
from lmi_worker.ipc.shm_ring import DATA_OFFSET, TAIL_OFFSET, WRAP_MARKER, MessageTooLarge, record_size


@pytest.fixture
def shm_path(tmp_path):
    return str(tmp_path / "shm")


@pytest.fixture
def pair(shm_path):
    """Two mappings of one file, as parent and worker hold it."""
    parent = SharedMemory.create(shm_path, 256, 1 << 16)
    worker = SharedMemory.open(shm_path)
    yield parent, worker
    worker.close()
    parent.close()


def counters(path: str, ring_offset: int):
    with open(path, "rb") as f:
        f.seek(ring_offset)
        block = f.read(DATA_OFFSET)
    return struct.unpack_from("<Q", block, 0)[0], struct.unpack_from("<Q", block, TAIL_OFFSET)[0]


def test_header_layout(shm_path):
    SharedMemory.create(shm_path, 1 << 12, 1 << 13).close()
    with open(shm_path, "rb") as f:
        data = f.read()
    magic, version, size, step_off, step_cap, result_off, result_cap = struct.unpack_from("<4sIQQQQQ", data)
    assert (magic, version) == (b"LMIW", PROTOCOL_VERSION)
    assert size == len(data) and size % PAGE == 0
    assert (step_off, step_cap, result_cap) == (PAGE, 1 << 12, 1 << 13)
    assert result_off % PAGE == 0 and result_off >= step_off + DATA_OFFSET + step_cap
    assert result_off + DATA_OFFSET + result_cap <= size
    assert data[PAGE:] == bytes(len(data) - PAGE)  # counters start at zero


def test_create_refuses_an_existing_file(shm_path):
    SharedMemory.create(shm_path, 256, 256).close()
    with pytest.raises(FileExistsError):
        SharedMemory.create(shm_path, 256, 256)


@pytest.mark.parametrize("offset, value, words", [
    (0, b"XXXX", "magic"),
    (4, struct.pack("<I", PROTOCOL_VERSION + 1), "protocol version"),
    (8, struct.pack("<Q", 1 << 40), "beyond"),
    (24, struct.pack("<Q", 300), "power of two"),
    (16, struct.pack("<Q", 100), "multiples"),
])
def test_open_checks_the_header(shm_path, offset, value, words):
    SharedMemory.create(shm_path, 256, 256).close()
    with open(shm_path, "r+b") as f:
        f.seek(offset)
        f.write(value)
    with pytest.raises(ShmLayoutError, match=words):
        SharedMemory.open(shm_path)


def test_messages_arrive_in_order_and_counters_are_byte_counts(pair, shm_path):
    parent, worker = pair
    ring = parent.result_ring  # 64 KiB: no wrap here
    for message in (b"", b"a", b"12345678", b"x" * 9):
        assert worker.result_ring.try_write(message)
    assert [bytes(ring.read()) for _ in range(4)] == [b"", b"a", b"12345678", b"x" * 9]
    assert ring.read() is None
    expected = sum(record_size(n) for n in (0, 1, 8, 9))
    assert counters(shm_path, PAGE * 2) == (expected, expected)


def test_wrap_around_keeps_every_message_intact(pair, shm_path):
    parent, worker = pair  # the step ring holds 256 bytes
    rng = random.Random(1)
    for i in range(2000):
        message = bytes(rng.getrandbits(8) for _ in range(rng.randint(0, parent.step_ring.max_message)))
        assert parent.step_ring.try_write(message)
        assert bytes(worker.step_ring.read()) == message, i
    head, tail = counters(shm_path, PAGE)
    assert head == tail and head > 100 * 256  # went round the ring many times


def advance(parent: SharedMemory, worker: SharedMemory, nbytes: int) -> None:
    """Moves both step-ring counters on by `nbytes` (a multiple of 8) with empty messages."""
    for _ in range(nbytes // 8):
        assert parent.step_ring.try_write(b"")
        assert worker.step_ring.read() == b""


def test_wrap_marker_sits_where_the_record_would_not_fit(pair, shm_path):
    parent, worker = pair  # the step ring holds 256 bytes
    advance(parent, worker, 208)
    assert parent.step_ring.try_write(b"hello" * 10)  # a 64-byte record: does not fit in the last 48
    with open(shm_path, "rb") as f:
        f.seek(PAGE + DATA_OFFSET)
        data = f.read(256)
    assert struct.unpack_from("<I", data, 208)[0] == WRAP_MARKER
    assert struct.unpack_from("<II", data, 0) == (50, 0) and data[8:58] == b"hello" * 10
    assert counters(shm_path, PAGE) == (256 + 64, 208)
    assert bytes(worker.step_ring.read()) == b"hello" * 10
    assert counters(shm_path, PAGE) == (256 + 64, 256 + 64)


def test_full_ring_refuses_until_the_consumer_reads(pair):
    parent, worker = pair
    accepted = 0
    while parent.step_ring.try_write(bytes(24)):  # 32-byte records
        accepted += 1
    assert accepted == 256 // 32
    assert bytes(worker.step_ring.read()) == bytes(24)
    assert parent.step_ring.try_write(bytes(24))
    assert not parent.step_ring.try_write(b"")


def test_half_the_ring_is_the_largest_message_and_fits_wherever_head_stands(pair, shm_path):
    parent, worker = pair
    limit = parent.step_ring.max_message
    assert limit == 256 // 2 - 8
    for position in range(0, 256, 8):
        advance(parent, worker, (position - counters(shm_path, PAGE)[0]) % 256)
        assert counters(shm_path, PAGE)[0] % 256 == position
        big = bytes([position]) * limit
        assert parent.step_ring.try_write(big), position  # into an empty ring
        assert bytes(worker.step_ring.read()) == big
    with pytest.raises(MessageTooLarge, match="limit"):
        parent.step_ring.try_write(bytes(limit + 1))


def test_large_messages_through_a_large_ring(shm_path):
    parent = SharedMemory.create(shm_path, 1 << 22, 1 << 12)
    worker = SharedMemory.open(shm_path)
    try:
        payload = os.urandom((1 << 21) - 8)
        for _ in range(5):
            assert parent.step_ring.try_write(payload)
            assert bytes(worker.step_ring.read()) == payload
    finally:
        worker.close()
        parent.close()


def checked_message(index: int, rng: random.Random) -> bytes:
    body = rng.randbytes(rng.randint(0, 3000))
    return struct.pack("<I", index) + body + struct.pack("<I", zlib.crc32(body))


def test_concurrent_producer_and_consumer_threads(pair):
    parent, worker = pair  # the 64 KiB result ring, written by the worker's mapping
    count = 20000
    received = []
    failures = []

    def produce():
        rng = random.Random(7)
        for i in range(count):
            message = checked_message(i, rng)
            while not worker.result_ring.try_write(message):
                time.sleep(0)  # hand the GIL over

    def consume():
        try:
            while len(received) < count:
                message = parent.result_ring.read()
                if message is None:
                    time.sleep(0)
                    continue
                index, body, crc = struct.unpack_from("<I", message)[0], message[4:-4], message[-4:]
                assert index == len(received), f"message {index} arrived as number {len(received)}"
                assert struct.unpack("<I", crc)[0] == zlib.crc32(body), f"message {index} is corrupt"
                received.append(index)
        except AssertionError as e:
            failures.append(e)

    threads = [threading.Thread(target=produce), threading.Thread(target=consume)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not failures
    assert received == list(range(count))


def test_concurrent_producer_and_consumer_processes(pair):
    parent, worker = pair
    count = 20000
    pid = os.fork()
    if pid == 0:  # the child writes through its own mapping, as a worker would
        try:
            child = SharedMemory.open(parent.path)
            rng = random.Random(9)
            for i in range(count):
                message = checked_message(i, rng)
                while not child.result_ring.try_write(message):
                    pass
        finally:
            os._exit(0)
    received = 0
    try:
        while received < count:
            message = parent.result_ring.read()
            if message is None:
                continue
            assert struct.unpack_from("<I", message)[0] == received
            assert struct.unpack("<I", message[-4:])[0] == zlib.crc32(message[4:-4])
            received += 1
    finally:
        os.waitpid(pid, 0)
