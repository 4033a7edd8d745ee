"""Carries out one planned request on a client's keep-alive connection and classifies how it ended."""

import asyncio

from http_client import Connection, ConnectionLost, ProtocolError, json_lines, sse_events
from traffic import BadAnswer, StreamState, whole_answer_tokens

OK, CANCELLED, DISCONNECTED, ERROR = "ok", "cancelled", "disconnected", "error"


class Outcome:
    """How a request ended: a category, for errors a label (`http 503`, `bad answer`, ...) and what went wrong."""

    def __init__(self, category, tokens=0, label=None, detail=None):
        self.category = category
        self.tokens = tokens
        self.label = label
        self.detail = detail

    @property
    def key(self):
        return self.category if self.label is None else "%s: %s" % (self.category, self.label)


class Client:
    """One closed-loop client: a connection kept alive between requests, replaced when a request ends it."""

    def __init__(self, host, port, headers):
        self.host = host
        self.port = port
        self.headers = dict(headers, **{"Content-Type": "application/json"})
        self.connection = None

    def drop_connection(self):
        if self.connection is not None:
            self.connection.close()
            self.connection = None

    async def _connection(self):
        if self.connection is None:
            self.connection = await Connection.open(self.host, self.port)
        return self.connection

    async def run(self, plan):
        try:
            if plan.ending.startswith("disconnect"):
                return await self._disconnect(plan)
            return await self._exchange(plan)
        except BadAnswer as error:
            return self._failed("bad answer", error)
        except ProtocolError as error:
            return self._failed("protocol error", error)
        except ConnectionLost as error:
            return self._failed("connection lost", error)
        except OSError as error:
            return self._failed("connection error", error)

    def _failed(self, label, error):
        self.drop_connection()
        return Outcome(ERROR, label=label, detail=str(error))

    async def _disconnect(self, plan):
        """Sends the request, or half its body, then hangs up without reading the answer."""
        connection = await self._connection()
        partial = len(plan.body) // 2 if plan.ending == "disconnect-mid-body" else None
        await connection.send("POST", plan.route, plan.body, self.headers, body_bytes_to_send=partial)
        if plan.send_delay:
            await asyncio.sleep(plan.send_delay)
        self.drop_connection()
        return Outcome(DISCONNECTED)

    async def _exchange(self, plan):
        reused = self.connection is not None
        connection = await self._connection()
        await connection.send("POST", plan.route, plan.body, self.headers)
        try:
            response = await connection.response()
        except ConnectionLost as error:
            if not (reused and not error.received):
                raise
            # The server closed the idle keep-alive connection as this request went out: send it again, once.
            self.drop_connection()
            connection = await self._connection()
            await connection.send("POST", plan.route, plan.body, self.headers)
            response = await connection.response()
        if response.status != 200:
            body = await response.read_all()
            self._keep_or_drop(response)
            return Outcome(ERROR, label="http %d" % response.status, detail=body[:300].decode("utf-8", "replace"))
        if not plan.stream:
            tokens = whole_answer_tokens(plan, await response.read_json())
            self._keep_or_drop(response)
            return Outcome(OK, tokens=tokens)
        return await self._follow_stream(plan, response)

    async def _follow_stream(self, plan, response):
        state = StreamState(plan)
        split = json_lines if plan.api == "invocations" else sse_events
        buffer = b""
        async for chunk in response.chunks():
            events, buffer = split(buffer + chunk)
            for event in events:
                state.on_event(event)
            if plan.ending == "cancel" and not state.finished and state.token_events >= plan.cancel_after:
                self.drop_connection()
                return Outcome(CANCELLED, tokens=state.token_events)
        if not state.finished or buffer.strip():
            raise BadAnswer("the stream ended without its final event (%d token events, %r left)"
                            % (state.token_events, buffer[:200]))
        self._keep_or_drop(response)
        return Outcome(OK, tokens=state.tokens)

    def _keep_or_drop(self, response):
        if not (response.complete and response.keep_alive):
            self.drop_connection()
