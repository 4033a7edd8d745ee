"""Socket framing, both directions: one-byte doorbells and length-prefixed JSON control messages."""

import json
import math
import select
import socket
import struct
from collections import deque
from typing import Optional

DOORBELL = 0  # frame type: "look at your ring"; no body
CONTROL = 1  # frame type: u32 LE length, then that many bytes of UTF-8 JSON (an object with "type")
DOORBELL_FRAME = bytes([DOORBELL])
MAX_CONTROL_BYTES = 1 << 24
_CONTROL_HEADER = struct.Struct("<BI")
_RECV_BYTES = 1 << 16


class ProtocolError(RuntimeError):
    """The peer sent bytes this protocol version does not allow."""


def control_frame(message: dict) -> bytes:
    """The frame carrying one control message."""
    body = json.dumps(message, separators=(",", ":")).encode()
    if len(body) > MAX_CONTROL_BYTES:
        raise ValueError(f"control message of {len(body)} bytes exceeds {MAX_CONTROL_BYTES}")
    return _CONTROL_HEADER.pack(CONTROL, len(body)) + body


class FrameReader:
    """Reads frames off a blocking socket: counts doorbells, queues control messages, notices EOF."""

    def __init__(self, sock: socket.socket):
        self._sock = sock
        self._poll = select.poll()
        self._poll.register(sock, select.POLLIN)
        self._buf = bytearray()
        self._controls: deque = deque()
        self.doorbells = 0  # received since the start
        self.eof = False

    def pop(self) -> Optional[dict]:
        """The oldest control message not yet taken, or None."""
        return self._controls.popleft() if self._controls else None

    def fill(self, timeout: Optional[float]) -> None:
        """Takes in what the socket holds, first waiting up to `timeout` seconds (None: forever) for a byte."""
        if self.eof:
            return
        try:
            if timeout is None:
                data = self._sock.recv(_RECV_BYTES)
            elif timeout > 0 and not self._poll.poll(math.ceil(timeout * 1000)):
                return
            else:
                data = self._sock.recv(_RECV_BYTES, socket.MSG_DONTWAIT)
        except BlockingIOError:
            return
        except ConnectionResetError:
            data = b""
        if not data:
            self.eof = True
        elif not self._buf and data.count(DOORBELL) == len(data):
            self.doorbells += len(data)  # the common case: nothing but doorbells
        else:
            self._buf += data
            self._parse()

    def _parse(self) -> None:
        buf = self._buf
        at = 0
        while at < len(buf):
            kind = buf[at]
            if kind == DOORBELL:
                self.doorbells += 1
                at += 1
                continue
            if kind != CONTROL:
                raise ProtocolError(f"unknown frame type {kind}")
            if len(buf) - at < _CONTROL_HEADER.size:
                break
            _, length = _CONTROL_HEADER.unpack_from(buf, at)
            if length > MAX_CONTROL_BYTES:
                raise ProtocolError(f"control frame of {length} bytes exceeds {MAX_CONTROL_BYTES}")
            end = at + _CONTROL_HEADER.size + length
            if end > len(buf):
                break
            self._controls.append(_decode_control(bytes(buf[at + _CONTROL_HEADER.size:end])))
            at = end
        del buf[:at]


def _decode_control(body: bytes) -> dict:
    try:
        message = json.loads(body.decode())
    except ValueError as e:
        raise ProtocolError(f"control frame is not UTF-8 JSON: {e}") from None
    if not isinstance(message, dict) or not isinstance(message.get("type"), str):
        raise ProtocolError(f"control message must be a JSON object with a string \"type\": {body[:200]!r}")
    return message
