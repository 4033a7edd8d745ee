"""The shared-memory file: a header naming the protocol and where the two rings lie, then the rings."""

import mmap
import os
import struct

from . import PROTOCOL_VERSION
from .shm_ring import DATA_OFFSET, ShmRing, check_capacity

MAGIC = b"LMIW"
PAGE = 4096
# magic, protocol version, file size, step ring offset and capacity, result ring offset and capacity
_HEADER = struct.Struct("<4sIQQQQQ")


class ShmLayoutError(ValueError):
    """The file is not a shared-memory file of this protocol version."""


def _page_align(n: int) -> int:
    return (n + PAGE - 1) & ~(PAGE - 1)


class SharedMemory:
    """A mapped shared-memory file with its step ring (parent to worker) and result ring (worker to parent)."""

    def __init__(self, path: str, mapping: mmap.mmap):
        magic, version, size, step_off, step_cap, result_off, result_cap = _HEADER.unpack_from(mapping)
        if magic != MAGIC:
            raise ShmLayoutError(f"{path}: magic {magic!r} is not {MAGIC!r}")
        if version != PROTOCOL_VERSION:
            raise ShmLayoutError(f"{path}: protocol version {version}, this side speaks {PROTOCOL_VERSION}")
        if size != len(mapping) or max(step_off + step_cap, result_off + result_cap) + DATA_OFFSET > size:
            raise ShmLayoutError(f"{path}: header describes rings beyond the file's {len(mapping)} bytes")
        if step_off + DATA_OFFSET + step_cap > result_off and result_off + DATA_OFFSET + result_cap > step_off:
            raise ShmLayoutError(f"{path}: the rings overlap")
        if step_off % PAGE or result_off % PAGE or not step_off or not result_off:
            raise ShmLayoutError(f"{path}: ring offsets {step_off} and {result_off} must be nonzero multiples "
                                 f"of {PAGE} (the header's page)")
        for capacity in (step_cap, result_cap):
            try:
                check_capacity(capacity)
            except ValueError as e:
                raise ShmLayoutError(f"{path}: {e}") from None
        self.path = path
        self._mmap = mapping
        self._view = memoryview(mapping)
        self.step_ring = ShmRing(self._view, step_off, step_cap)
        self.result_ring = ShmRing(self._view, result_off, result_cap)

    @classmethod
    def create(cls, path: str, step_capacity: int, result_capacity: int) -> "SharedMemory":
        """The parent's side: a new file (never an existing one), zeroed counters, header written."""
        check_capacity(step_capacity)
        check_capacity(result_capacity)
        step_off = PAGE
        result_off = _page_align(step_off + DATA_OFFSET + step_capacity)
        size = _page_align(result_off + DATA_OFFSET + result_capacity)
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            os.ftruncate(fd, size)
            mapping = mmap.mmap(fd, size)
        except BaseException:
            os.unlink(path)
            raise
        finally:
            os.close(fd)
        _HEADER.pack_into(mapping, 0, MAGIC, PROTOCOL_VERSION, size, step_off, step_capacity,
                          result_off, result_capacity)
        try:
            return cls(path, mapping)
        except BaseException:
            mapping.close()
            os.unlink(path)
            raise

    @classmethod
    def open(cls, path: str) -> "SharedMemory":
        """The worker's side: maps the file the parent created and checks its header."""
        fd = os.open(path, os.O_RDWR)
        try:
            if os.fstat(fd).st_size < _HEADER.size:
                raise ShmLayoutError(f"{path}: {os.fstat(fd).st_size} bytes is too short for the header")
            mapping = mmap.mmap(fd, 0)
        finally:
            os.close(fd)
        try:
            return cls(path, mapping)
        except BaseException:
            mapping.close()
            raise

    def close(self) -> None:
        """Unmaps the file; the rings are unusable afterwards."""
        if self._mmap.closed:
            return
        self.step_ring.release()
        self.result_ring.release()
        self._view.release()
        self._mmap.close()
