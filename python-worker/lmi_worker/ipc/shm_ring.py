"""A single-producer/single-consumer byte ring in shared memory, carrying length-prefixed messages."""

import platform
import sys
from typing import Optional

# Ring control block, relative to the ring's offset in the file. Head (producer-owned) and tail
# (consumer-owned) sit 128 bytes apart, not 64, because Intel's adjacent-line prefetcher pulls
# cache lines in pairs: two counters in one 128-byte pair would still bounce between the cores.
HEAD_OFFSET = 0
TAIL_OFFSET = 128
DATA_OFFSET = 256

RECORD_HEADER = 8  # u32 payload length, u32 reserved (0): keeps every payload 8-byte aligned
WRAP_MARKER = 0xFFFFFFFF
MIN_CAPACITY = 64
MAX_CAPACITY = 1 << 30

# CPython has no memory fences. On x86-64 (total store order) its plain 8-byte stores and loads
# of the counters are release stores and acquire loads; elsewhere they are not, and a consumer
# must not read a record before the doorbell that announced it (see docs/ipc-protocol.md).
RELEASE_STORES = platform.machine().lower() in ("x86_64", "amd64")

if sys.byteorder != "little":
    raise ImportError("the IPC protocol is little-endian; this CPU is not")


class MessageTooLarge(ValueError):
    """A message that can never fit the ring (more than half its capacity)."""


class RingCorrupt(RuntimeError):
    """The ring holds bytes no conforming producer writes."""


def check_capacity(capacity: int) -> None:
    """Raises ValueError unless `capacity` is a ring size this protocol allows."""
    if capacity & (capacity - 1) or not MIN_CAPACITY <= capacity <= MAX_CAPACITY:
        raise ValueError(f"ring capacity {capacity} must be a power of two in [{MIN_CAPACITY}, {MAX_CAPACITY}]")


def record_size(length: int) -> int:
    """Bytes a message of `length` payload bytes occupies in the ring."""
    return RECORD_HEADER + ((length + 7) & ~7)


class ShmRing:
    """One ring of the shared-memory file; a process uses it either as producer or as consumer.

    head and tail are monotonic byte counts; a record starts at count % capacity. A record never
    wraps: the producer writes WRAP_MARKER where the record would not fit and puts it at the start.
    A message may take at most half the ring, so that it always fits into an empty ring wherever
    head stands; the producer never has to publish a wrap marker on its own.
    """

    def __init__(self, buf: memoryview, offset: int, capacity: int):
        check_capacity(capacity)
        self.capacity = capacity
        self.max_message = capacity // 2 - RECORD_HEADER
        self._head = buf[offset + HEAD_OFFSET:offset + HEAD_OFFSET + 8].cast("Q")
        self._tail = buf[offset + TAIL_OFFSET:offset + TAIL_OFFSET + 8].cast("Q")
        self._data = buf[offset + DATA_OFFSET:offset + DATA_OFFSET + capacity]
        self._words = self._data.cast("I")
        # Each side caches its own counter (it is the only writer) and the last value seen of the other's.
        self._local_head = self._seen_head = self._head[0]
        self._local_tail = self._seen_tail = self._tail[0]

    def try_write(self, payload) -> bool:
        """Producer: copies one message in and publishes it; False when the ring has no room yet."""
        n = len(payload)
        if n > self.max_message:
            raise MessageTooLarge(f"a message of {n} bytes exceeds this ring's limit of {self.max_message} "
                                  f"(half of its {self.capacity} bytes, less the record header)")
        size = record_size(n)
        head = self._local_head
        pos = head & (self.capacity - 1)
        skip = self.capacity - pos if pos + size > self.capacity else 0
        if self.capacity - (head - self._seen_tail) < skip + size:
            self._seen_tail = self._tail[0]
            if self.capacity - (head - self._seen_tail) < skip + size:
                return False
        if skip:
            self._words[pos >> 2] = WRAP_MARKER
            pos = 0
        self._words[pos >> 2] = n
        self._words[(pos >> 2) + 1] = 0
        self._data[pos + RECORD_HEADER:pos + RECORD_HEADER + n] = payload
        head += skip + size
        self._head[0] = head  # the publish: one aligned 8-byte store after the bytes it covers
        self._local_head = head
        return True

    def has_data(self) -> bool:
        """Consumer: whether a published message is waiting (reads the shared head only when needed)."""
        if self._seen_head != self._local_tail:
            return True
        self._seen_head = self._head[0]
        return self._seen_head != self._local_tail

    def read(self) -> Optional[bytearray]:
        """Consumer: a private copy of the next message, or None; its space is free again on return.

        Copying lets the producer reuse the space at once and lets the caller keep views of the
        bytes (numpy.frombuffer) for as long as it likes.
        """
        if not self.has_data():
            return None
        tail = self._local_tail
        pos = tail & (self.capacity - 1)
        n = self._words[pos >> 2]
        if n == WRAP_MARKER:
            tail += self.capacity - pos
            pos = 0
            n = self._words[0]
        if n > self.max_message or tail + record_size(n) > self._seen_head:
            raise RingCorrupt(f"record at byte count {tail} claims {n} bytes; head is at {self._seen_head}")
        message = bytearray(self._data[pos + RECORD_HEADER:pos + RECORD_HEADER + n])
        tail += record_size(n)
        self._tail[0] = tail
        self._local_tail = tail
        return message

    def release(self) -> None:
        """Lets go of the views into the mapping so that it can be closed."""
        for view in (self._words, self._data, self._head, self._tail):
            view.release()
