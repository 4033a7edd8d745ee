"""A minimal HTTP/1.1 client on asyncio streams: the soak needs to close a socket mid-request or mid-stream, which
urllib cannot do, and to keep 64 requests in flight from one thread."""

import asyncio
import json

# The longest header block or chunk-size line accepted; a longer one means a broken response.
STREAM_LIMIT = 1024 * 1024


class ProtocolError(Exception):
    """The server's bytes are not a well-formed HTTP/1.1 response."""


class ConnectionLost(Exception):
    """The server closed the connection before the response ended; `received` says whether any of it came."""

    def __init__(self, message, received):
        super().__init__(message)
        self.received = received


class Response:
    """Status and headers of one response; its body is read with `read_all` or `chunks`."""

    def __init__(self, connection, status, headers):
        self._connection = connection
        self.status = status
        self.headers = headers
        self.complete = False

    @property
    def keep_alive(self):
        return self.headers.get("connection", "").lower() != "close"

    async def chunks(self):
        """The body as it arrives, one transfer chunk (or read) at a time."""
        reader = self._connection.reader
        try:
            if self.headers.get("transfer-encoding", "").lower() == "chunked":
                while True:
                    size_line = await reader.readuntil(b"\r\n")
                    size = int(size_line.split(b";")[0].strip(), 16)
                    if size == 0:
                        await reader.readuntil(b"\r\n")
                        break
                    data = await reader.readexactly(size + 2)
                    yield data[:-2]
            else:
                remaining = int(self.headers.get("content-length", "0"))
                while remaining > 0:
                    data = await reader.read(min(remaining, 65536))
                    if not data:
                        raise ConnectionLost("connection closed with %d body bytes unread" % remaining, True)
                    remaining -= len(data)
                    yield data
        except (asyncio.IncompleteReadError, ConnectionError) as error:
            raise ConnectionLost("connection lost mid-body: %s" % error, True) from error
        except ValueError as error:
            raise ProtocolError("bad chunk size: %s" % error) from error
        self.complete = True

    async def read_all(self):
        parts = [part async for part in self.chunks()]
        return b"".join(parts)

    async def read_json(self):
        body = await self.read_all()
        try:
            return json.loads(body)
        except ValueError as error:
            raise ProtocolError("body is not JSON (%s): %r" % (error, body[:200])) from error


class Connection:
    """One TCP connection to the server, reused across requests while the server keeps it alive."""

    def __init__(self, reader, writer):
        self.reader = reader
        self.writer = writer

    @classmethod
    async def open(cls, host, port):
        reader, writer = await asyncio.open_connection(host, port, limit=STREAM_LIMIT)
        return cls(reader, writer)

    def close(self):
        """Drops the connection at once (RST-free close): what a client that gives up does."""
        self.writer.close()

    async def send(self, method, path, body, headers, body_bytes_to_send=None):
        """Sends the request; with body_bytes_to_send, only that much of the body (a client that stops mid-body)."""
        head = ["%s %s HTTP/1.1" % (method, path), "Host: 127.0.0.1", "Content-Length: %d" % len(body)]
        head += ["%s: %s" % item for item in headers.items()]
        sent = body if body_bytes_to_send is None else body[:body_bytes_to_send]
        self.writer.write(("\r\n".join(head) + "\r\n\r\n").encode("ascii") + sent)
        await self.writer.drain()

    async def response(self):
        """Reads the status line and headers of the next response."""
        try:
            head = await self.reader.readuntil(b"\r\n\r\n")
        except asyncio.IncompleteReadError as error:
            raise ConnectionLost("connection closed before a response", bool(error.partial)) from error
        except asyncio.LimitOverrunError as error:
            raise ProtocolError("response headers over %d bytes" % STREAM_LIMIT) from error
        except ConnectionError as error:
            raise ConnectionLost("connection lost before a response: %s" % error, False) from error
        lines = head.decode("iso-8859-1").split("\r\n")
        parts = lines[0].split(" ", 2)
        if len(parts) < 2 or not parts[0].startswith("HTTP/1.") or not parts[1].isdigit():
            raise ProtocolError("bad status line %r" % lines[0])
        headers = {}
        for line in lines[1:]:
            if line:
                name, _, value = line.partition(":")
                headers[name.strip().lower()] = value.strip()
        return Response(self, int(parts[1]), headers)


def sse_events(buffer):
    """Splits complete server-sent events off `buffer` (bytes); returns (the events' data strings, the rest)."""
    events = []
    while True:
        end = buffer.find(b"\n\n")
        if end < 0:
            return events, buffer
        block, buffer = buffer[:end], buffer[end + 2:]
        data = [line[5:].strip() for line in block.split(b"\n") if line.startswith(b"data:")]
        if data:
            events.append(b"\n".join(data).decode("utf-8"))


def json_lines(buffer):
    """Splits complete lines off `buffer` (bytes); returns (the non-empty lines as strings, the rest)."""
    *lines, rest = buffer.split(b"\n")
    return [line.decode("utf-8") for line in lines if line.strip()], rest
