#!/usr/bin/env python3
"""Sends malformed and hostile HTTP requests to every route of a running LMI server and checks each answer.

Standard library only; every request goes over a raw socket, so that invalid bytes, broken framing and
trickled bodies reach the server as written. Cases are drawn from ``--seed`` and their index alone, so
``--seed S --only I`` replays case I of a run exactly.

Oracle, per case (a violation is printed with the request that caused it, and the exit status is 1):

* Never a 5xx, never a hang: every exchange must end within ``--timeout`` seconds.
* An error is JSON ``{"code", "type", "message"}`` with ``code`` equal to the status (HEAD answers carry no
  body and are checked by status only).
* A request the fuzzer knows is valid gets a 2xx whose body is well formed: JSON for whole answers, a
  ``data: [DONE]``-terminated event stream or JSON lines for streams, and no in-band error.
* A request with a field the fuzzer knows is invalid (wrong type, out of range, required but missing) gets a
  4xx whose message contains that field's path as the server spells it (``parameters.temperature``,
  ``messages[0].content``, ``input[2]``). When validity is not known in advance (a mutation the fuzzer
  cannot judge, such as an in-range ``max_tokens`` that the prompt may leave no room for), a 2xx or such a
  4xx are both accepted, as is the answer the server gave the unmutated request when that was a 4xx (a
  model without a chat template refuses every chat request the same way).
* A body that is not JSON, or not an object, gets a 400 whose message names the request body.
* A path the server does not serve gets 404, a wrong method 405 with an ``Allow`` header, a body over
  ``--max-payload-bytes`` 413 (a connection the server closes while the fuzzer is still sending such a
  body counts as the 413 it wrote first, since the kernel may drop that answer once the peer resets).
* Broken HTTP framing (bad request line, bad or repeated Content-Length, bad chunked encoding, garbage
  bytes, a URI or headers past the server's limits): the server may answer a 4xx (in the error format)
  or close the connection without an answer; a 5xx, a hang, or a close in the middle of an answer are
  violations, and so is a 2xx, except for headers that a server with larger limits may accept. Where
  HTTP itself leaves the reading open (Content-Length beside Transfer-Encoding, an unknown coding, an
  odd header line, bare LF line ends, no Host), any answer but a 5xx, a hang or a cut one passes.
* Slow bodies (bytes trickled, or a body that stops before its declared length): a complete answer that
  passes the checks above, a 408, or a close; when nothing arrives within ``--stall`` seconds after the
  client stops sending, the client hangs up, and that is no violation (the client is the one stalling).
* Abandoned requests (the client hangs up before or while the answer streams) are not judged one by one.

After the cases: ``GET /ping`` must be 200, and within ``--settle`` seconds ``/metrics`` must show
``lmi_kv_cache_blocks_used``, ``lmi_requests_running`` and ``lmi_requests_waiting`` at 0.
"""

import argparse
import collections
import copy
import json
import math
import random
import re
import select
import socket
import sys
import threading
import time
import urllib.parse
from concurrent.futures import ThreadPoolExecutor

DEFAULT_MAX_PAYLOAD = 6 * 1024 * 1024
LONG_MAX = 2**63 - 1
INT_MAX = 2**31 - 1


# ---------------------------------------------------------------------------------------------------------
# JSON values the standard encoder cannot write: literal number text, and objects with repeated keys.


class Raw:
    """A JSON token written verbatim (``1e400``, ``NaN``); ``value`` is what it means, for the validity rules."""

    def __init__(self, text, value):
        self.text = text
        self.value = value

    def __repr__(self):
        return self.text


class Pairs(list):
    """An object written from (key, value) pairs, so that a key can repeat."""


def enc(value):
    """JSON text of ``value`` (str), Raw and Pairs included; non-ASCII kept as is."""
    if isinstance(value, Raw):
        return value.text
    if isinstance(value, Pairs):
        return "{" + ",".join(json.dumps(k, ensure_ascii=False) + ":" + enc(v) for k, v in value) + "}"
    if isinstance(value, dict):
        return "{" + ",".join(json.dumps(k, ensure_ascii=False) + ":" + enc(v) for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ",".join(enc(v) for v in value) + "]"
    text = json.dumps(value, ensure_ascii=False)
    # A lone surrogate is written as its escape: raw, it would be invalid UTF-8, which is another family's case.
    return text if not any(0xD800 <= ord(c) <= 0xDFFF for c in text) else json.dumps(value)


def plain(value):
    """``value`` with Raw tokens replaced by what they mean."""
    if isinstance(value, Raw):
        return value.value
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value


# ---------------------------------------------------------------------------------------------------------
# What each field accepts. valid() answers True (valid), False (invalid: the server must name the field) or
# None (cannot tell without the model: either answer is accepted).


def is_int(v):
    return isinstance(v, int) and not isinstance(v, bool)


def is_num(v):
    return (is_int(v) or isinstance(v, float)) and not isinstance(v, bool)


def as_integral(v):
    """The integer a JSON number stands for, as the server reads integers (5.0 is 5), else None."""
    if is_int(v):
        return v
    if isinstance(v, float) and math.isfinite(v) and v == math.floor(v) and abs(v) < 9.2e18:
        return int(v)
    return None


def as_double(v):
    try:
        return float(v)
    except OverflowError:
        return math.inf


class Kind:
    required = False

    def valid(self, v):
        if v is None:
            return not self.required
        return self.check(v)

    def check(self, v):
        raise NotImplementedError


class Bool(Kind):
    def check(self, v):
        return isinstance(v, bool)


class Int(Kind):
    def __init__(self, lo, hi=INT_MAX, only=None):
        self.lo, self.hi, self.only = lo, hi, only

    def check(self, v):
        if isinstance(v, float) and abs(v) >= 9.2e18 and math.isfinite(v):
            return None  # where a double stops being exactly a long
        n = as_integral(v)
        if n is None or not self.lo <= n <= self.hi:
            return False
        return self.only is None or n == self.only


class Long(Kind):
    def check(self, v):
        if isinstance(v, float) and 9.2e18 <= abs(v) < 9.3e18:
            return None
        n = as_integral(v)
        return n is not None and -(2**63) <= n <= LONG_MAX


class Num(Kind):
    def __init__(self, lo, lo_inclusive, hi=math.inf, hi_inclusive=False):
        self.lo, self.lo_inclusive, self.hi, self.hi_inclusive = lo, lo_inclusive, hi, hi_inclusive

    def check(self, v):
        if not is_num(v):
            return False
        d = as_double(v)
        if not math.isfinite(d):
            return False
        above = d >= self.lo if self.lo_inclusive else d > self.lo
        below = d <= self.hi if self.hi_inclusive else d < self.hi
        return above and below


class Text(Kind):
    def __init__(self, required=False):
        self.required = required

    def check(self, v):
        return isinstance(v, str) and v != ""


class Choice(Kind):
    def __init__(self, *values):
        self.values = values

    def check(self, v):
        return isinstance(v, str) and v in self.values


class Stop(Kind):
    """A string or a list of strings, none empty."""

    def check(self, v):
        if isinstance(v, str):
            return v != ""
        return isinstance(v, list) and all(isinstance(s, str) and s != "" for s in v)


class TokenIds(Kind):
    """A list of token ids: ids below 1000 are in every vocabulary here; past 2^31 in none."""

    def check(self, v):
        if not isinstance(v, list):
            return False
        known = True
        for x in v:
            n = as_integral(x)
            if n is None or n < 0 or n > INT_MAX:
                return False
            known &= n < 1000
        return True if known else None


class Obj(Kind):
    def __init__(self, fields):
        self.fields = fields

    def check(self, v):
        return isinstance(v, dict)


class Falsy(Kind):
    """A boolean that must be false (stream, for an embedding model)."""

    def check(self, v):
        return v is False


class Prompt(Kind):
    required = True

    def check(self, v):
        if isinstance(v, str):
            return v != ""
        if not isinstance(v, list) or not v:
            return False
        if isinstance(v[0], (str, list)):
            if len(v) != 1:
                return False
            return Text().check(v[0]) if isinstance(v[0], str) else bool(v[0]) and TokenIds().check(v[0])
        return TokenIds().check(v)


class Messages(Kind):
    required = True

    def check(self, v):
        if not isinstance(v, list) or not v:
            return False
        for m in v:
            if not isinstance(m, dict) or not isinstance(m.get("role"), str) or m["role"] == "":
                return False
            content = m.get("content")
            if content is None:
                if m["role"] != "assistant":
                    return False
            elif isinstance(content, list):
                for part in content:
                    if not isinstance(part, dict) or part.get("type") != "text":
                        return False
                    if not isinstance(part.get("text"), str):
                        return False
            elif not isinstance(content, str):
                return False
        return True


class Texts(Kind):
    """Embedding input: a string or a list of 1 to 2048 strings, none empty."""

    required = True

    def check(self, v):
        if isinstance(v, str):
            return v != ""
        return isinstance(v, list) and 1 <= len(v) <= 2048 and all(isinstance(s, str) and s != "" for s in v)


PENALTY = Num(-2, True, 2, True)
SAMPLING = {
    "temperature": Num(0, True),
    "top_k": Int(-1),
    "top_p": Num(0, False, 1, True),
    "min_p": Num(0, True, 1, True),
    "repetition_penalty": Num(0, False),
    "presence_penalty": PENALTY,
    "frequency_penalty": PENALTY,
    "seed": Long(),
    "stop": Stop(),
    "stop_token_ids": TokenIds(),
    "ignore_eos": Bool(),
}
OPENAI_COMMON = {"n": Int(1, only=1), "best_of": Int(1, only=1), "stream": Bool(),
                 "stream_options": Obj({"include_usage": Bool()})}
COMPLETIONS = {"prompt": Prompt(), "max_tokens": Int(1), "echo": Bool(), "logprobs": Int(0, 20),
               "return_tokens_as_token_ids": Bool(), **OPENAI_COMMON, **SAMPLING}
CHAT = {"messages": Messages(), "max_tokens": Int(1), "max_completion_tokens": Int(1), "logprobs": Bool(),
        "top_logprobs": Int(0, 20), **OPENAI_COMMON, **SAMPLING}
LMI_PARAMETERS = {"max_new_tokens": Int(1), "do_sample": Bool(), "details": Bool(), "decoder_input_details": Bool(),
                  "return_full_text": Bool(), "top_n_tokens": Int(0, 20), "stop_sequences": Stop(), **SAMPLING}
LMI = {"inputs": Text(required=True), "stream": Bool(), "parameters": Obj(LMI_PARAMETERS)}
OPENAI_EMBEDDINGS = {"input": Texts(), "encoding_format": Choice("float", "base64")}
LMI_EMBEDDINGS = {"inputs": Texts(), "stream": Falsy()}


# ---------------------------------------------------------------------------------------------------------
# Hostile values.

WORDS = ["Hello", "world", "the", "quick", "brown", "fox", "lorem", "ipsum", "model", "token", "über", "日本",
         "🦙", "\t", "\n", "   ", "<s>", "</s>", "[INST]", "{{ x }}", "{% if %}", "\\", "\"", "'"]
ODD_STRINGS = ["\u0000", "\ud800", "\udfff", "\ud83e", "\uffff", "\ufeff", "\u202e", "a\u0301\u0301\u0301",
               "\U0010ffff", "%s%n%x", "${jndi:ldap://x}", "<script>", "\r\n\r\n", "null", "NaN", "0x1p3"]
HUGE_NUMBERS = [
    Raw("1e400", math.inf), Raw("-1e400", -math.inf), Raw("9223372036854775808", 2**63),
    Raw("9223372036854775807", LONG_MAX), Raw("-9223372036854775809", -(2**63) - 1),
    Raw("18446744073709551616", 2**64), Raw("2147483648", 2**31), Raw("2147483647", INT_MAX),
    Raw("-2147483649", -(2**31) - 1), Raw("-1", -1), Raw("0", 0), Raw("-0", 0), Raw("-0.0", -0.0),
    Raw("1e308", 1e308), Raw("1.7976931348623157e308", 1.7976931348623157e308), Raw("5e-324", 5e-324),
    Raw("1e-300", 1e-300), Raw("4.9e-325", 0.0), Raw("123456789012345678901234567890", 123456789012345678901234567890),
    Raw("1" * 900, int("1" * 900)), Raw("0." + "0" * 400 + "1", 0.0), Raw("9007199254740993", 9007199254740993),
    Raw("1.0000000000000002", 1.0000000000000002), Raw("3.0", 3.0), Raw("1E2", 100.0), Raw("-1e-400", -0.0),
]
WRONG_TYPES = [True, False, 0, 1, -1, 1.5, "x", "", "1", "true", [], [1], ["a"], [None], [[]], {}, {"a": 1}]


def wrong_type(rng):
    """One of WRONG_TYPES, copied: a case may change what it put in its body."""
    return copy.deepcopy(rng.choice(WRONG_TYPES))


def random_text(rng, words=None):
    n = words if words is not None else rng.randint(1, 6)
    return " ".join(rng.choice(WORDS) for _ in range(n)).strip() or "Hello"


def hostile_value(rng):
    r = rng.random()
    if r < 0.25:
        return rng.choice(HUGE_NUMBERS)
    if r < 0.5:
        return wrong_type(rng)
    if r < 0.65:
        return rng.choice(ODD_STRINGS) * rng.choice([1, 3])
    if r < 0.75:
        return rng.choice(["a", "Hello ", "🦙"]) * rng.choice([100, 1000, 3000])
    if r < 0.85:
        return nested(rng.choice(["[", "{"]), rng.choice([2, 10, 100, 900]))
    if r < 0.95:
        return [wrong_type(rng) if rng.random() < 0.5 else rng.randint(-5, 40000) for _ in range(rng.randint(0, 50))]
    return None


def nested(opener, depth):
    """A well-formed value nested ``depth`` levels deep, as text; what it means is stood for by two levels."""
    if opener == "[":
        return Raw("[" * depth + "1" + "]" * depth, [[1]])
    return Raw('{"a":' * depth + "1" + "}" * depth, {"a": {"a": 1}})


# ---------------------------------------------------------------------------------------------------------
# Requests and answers over a raw socket.


class Case:
    """One request and what its answer must be."""

    def __init__(self, family, what, data, expect, method="POST", parts=None, stall=False, abandon=None):
        self.family = family
        self.what = what
        self.data = data  # the request's bytes, when sent in one go
        self.parts = parts  # else [(bytes, seconds to wait before sending them)]
        self.expect = expect
        self.method = method
        self.stall = stall  # the client stops sending early; it then waits --stall seconds at most
        self.abandon = abandon  # None, "after_send", "after_head", "mid_body"
        self.index = None

    def request_bytes(self):
        return self.data if self.parts is None else b"".join(p for p, _ in self.parts)


class Expect:
    """What a case's answer may be; see the module doc for the rules."""

    def __init__(self, kind, fields=(), ok=False, statuses=(), message=None, baseline=None, stream=None):
        self.kind = kind  # "field", "body", "status", "valid", "framing", "any"
        self.fields = list(fields)  # a 4xx must name one of them
        self.ok = ok  # a 2xx is acceptable
        self.statuses = set(statuses)  # for "status": the acceptable ones
        self.message = message  # for "status"/"body": text the message must contain
        self.baseline = baseline  # a 4xx message also acceptable (the unmutated request's refusal)
        self.stream = stream  # "sse" or "jsonlines" when a 2xx must be such a stream


class Outcome:
    def __init__(self, kind, status=None, headers=None, body=b"", seconds=0.0, note=""):
        self.kind = kind  # "response", "closed", "reset", "timeout", "stalled", "truncated", "abandoned"
        self.status = status
        self.headers = headers or {}
        self.body = body
        self.seconds = seconds
        self.note = note

    def label(self):
        return str(self.status) if self.kind == "response" else self.kind


class Connection:
    def __init__(self, host, port, timeout):
        self.sock = socket.create_connection((host, port), timeout=10)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.timeout = timeout
        self.buf = b""
        self.eof = False

    def send(self, data):
        """Sends ``data``, stopping early when the server has answered (e.g. 413 to a head): True if all sent."""
        view = memoryview(data)
        while view:
            _, writable, _ = select.select([], [self.sock], [], self.timeout)
            if not writable:
                raise TimeoutError("the server stopped reading")
            readable, _, _ = select.select([self.sock], [], [], 0)
            if readable:
                return False
            n = self.sock.send(view[:65536])
            view = view[n:]
        return True

    def fill(self, deadline):
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError()
        self.sock.settimeout(remaining)
        chunk = self.sock.recv(65536)
        if not chunk:
            self.eof = True
            return False
        self.buf += chunk
        return True

    def read_until(self, marker, deadline, limit=1 << 20):
        while marker not in self.buf:
            if len(self.buf) > limit or not self.fill(deadline):
                return None
        i = self.buf.index(marker) + len(marker)
        out, self.buf = self.buf[:i], self.buf[i:]
        return out

    def read_exactly(self, n, deadline):
        while len(self.buf) < n:
            if not self.fill(deadline):
                return None
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def read_response(self, deadline, head_request, head_only=False):
        """(status, headers, body); None when the connection closed before an answer began; raises on a cut one."""
        while True:
            head = self.read_until(b"\r\n\r\n", deadline)
            if head is None:
                if self.buf or not self.eof:
                    raise ValueError("answer cut in its head: %r" % self.buf[:200])
                return None
            lines = head.decode("iso-8859-1").split("\r\n")
            parts = lines[0].split(" ", 2)
            if len(parts) < 2 or not parts[0].startswith("HTTP/1.") or not parts[1].isdigit():
                raise ValueError("not an HTTP status line: %r" % lines[0])
            status = int(parts[1])
            headers = {}
            for line in lines[1:]:
                if ":" in line:
                    k, v = line.split(":", 1)
                    headers.setdefault(k.strip().lower(), v.strip())
            if status == 100:
                continue
            if head_only or head_request or status in (204, 304):
                return status, headers, b""
            if headers.get("transfer-encoding", "").lower() == "chunked":
                return status, headers, self.read_chunked(deadline)
            if "content-length" in headers:
                body = self.read_exactly(int(headers["content-length"]), deadline)
                if body is None:
                    raise ValueError("answer cut in its body (Content-Length %s)" % headers["content-length"])
                return status, headers, body
            while self.fill(deadline):
                pass
            body, self.buf = self.buf, b""
            return status, headers, body

    def read_chunked(self, deadline):
        body = b""
        while True:
            line = self.read_until(b"\r\n", deadline)
            if line is None:
                raise ValueError("chunked answer cut after %d bytes" % len(body))
            size = int(line.split(b";")[0].strip(), 16)
            if size == 0:
                while self.read_until(b"\r\n", deadline) not in (b"\r\n", None):
                    pass
                return body
            chunk = self.read_exactly(size + 2, deadline)
            if chunk is None:
                raise ValueError("chunked answer cut after %d bytes" % len(body))
            body += chunk[:-2]

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass


# Headers for every request (--header), e.g. the API key of a server that requires one.
EXTRA_HEADERS = []


def with_extra_headers(parts):
    """``parts`` with EXTRA_HEADERS after the request line of the first."""
    data, delay = parts[0]
    end = data.find(b"\r\n")
    if not EXTRA_HEADERS or end < 0:
        return parts
    extra = b"".join(h.encode("latin-1") + b"\r\n" for h in EXTRA_HEADERS)
    return [(data[:end + 2] + extra + data[end + 2:], delay)] + parts[1:]


def run_case(case, host, port, timeout, stall_seconds):
    start = time.monotonic()
    conn = None
    try:
        conn = Connection(host, port, timeout)
        parts = with_extra_headers(case.parts if case.parts is not None else [(case.data, 0)])
        fully_sent = True
        try:
            for data, delay in parts:
                if delay:
                    time.sleep(delay)
                if not conn.send(data):
                    fully_sent = False
                    break
        except (BrokenPipeError, ConnectionResetError):
            fully_sent = False
        if case.abandon == "after_send":
            return Outcome("abandoned", seconds=time.monotonic() - start)
        if case.abandon == "after_head":
            try:
                conn.read_response(time.monotonic() + timeout, False, head_only=True)
            except (OSError, ValueError):
                pass
            return Outcome("abandoned", seconds=time.monotonic() - start)
        waiting = stall_seconds if case.stall and fully_sent else timeout
        try:
            answer = conn.read_response(time.monotonic() + waiting, case.method == "HEAD")
        except TimeoutError:
            if case.stall and fully_sent:
                return Outcome("stalled", seconds=time.monotonic() - start)
            return Outcome("timeout", seconds=time.monotonic() - start)
        except ConnectionResetError:
            kind = "reset" if not conn.buf else "truncated"
            return Outcome(kind, seconds=time.monotonic() - start, note="" if fully_sent else "while sending")
        except ValueError as e:
            return Outcome("truncated", seconds=time.monotonic() - start, note=str(e))
        if answer is None:
            return Outcome("closed", seconds=time.monotonic() - start, note="" if fully_sent else "while sending")
        status, headers, body = answer
        return Outcome("response", status, headers, body, time.monotonic() - start)
    except socket.timeout:
        return Outcome("timeout", seconds=time.monotonic() - start)
    except OSError as e:
        return Outcome("reset", seconds=time.monotonic() - start, note=repr(e))
    finally:
        if conn is not None:
            conn.close()


def http(method, path, body=None, headers=(), content_type="application/json", version="HTTP/1.1"):
    """A well-formed request's bytes; ``body`` is str or bytes."""
    if isinstance(body, str):
        body = body.encode("utf-8", "surrogatepass")
    lines = ["%s %s %s" % (method, path, version), "Host: 127.0.0.1", "Connection: close"]
    if body is not None:
        if content_type:
            lines.append("Content-Type: " + content_type)
        lines.append("Content-Length: %d" % len(body))
    lines.extend(headers)
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + (body or b"")


# ---------------------------------------------------------------------------------------------------------
# The oracle.


def error_message(outcome):
    """The message of a well-formed error body, or an explanation of why it is not one (as ValueError)."""
    try:
        body = json.loads(outcome.body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise ValueError("error body is not JSON: %r" % outcome.body[:200])
    if not isinstance(body, dict) or not all(k in body for k in ("code", "type", "message")):
        raise ValueError("error body lacks code/type/message: %r" % outcome.body[:200])
    if body["code"] != outcome.status or not isinstance(body["message"], str) or not body["message"]:
        raise ValueError("error body does not match status %d: %r" % (outcome.status, outcome.body[:200]))
    return body["message"]


def check_success(case, outcome):
    """Why a 2xx body is malformed, or None."""
    text = outcome.body.decode("utf-8", "replace")
    if case.method == "HEAD" or case.family in ("method_path",) and case.what.startswith("GET /metrics"):
        return None
    ctype = outcome.headers.get("content-type", "")
    if "text/event-stream" in ctype:
        events = [line[6:] for line in text.split("\n") if line.startswith("data: ")]
        if not events or events[-1] != "[DONE]":
            return "event stream does not end with data: [DONE]"
        for event in events[:-1]:
            try:
                item = json.loads(event)
            except ValueError:
                return "event stream has an event that is not JSON: %r" % event[:200]
            choices = item.get("choices") or [{}] if isinstance(item, dict) else [{}]
            if "error" in item or any(isinstance(c, dict) and c.get("finish_reason") == "error" for c in choices):
                return "event stream carries an in-band error: %s" % event[:300]
        return None
    if "jsonlines" in ctype:
        for line in filter(None, text.split("\n")):
            try:
                item = json.loads(line)
            except ValueError:
                return "jsonlines answer has a line that is not JSON: %r" % line[:200]
            details = item.get("details") if isinstance(item, dict) else None
            if isinstance(item, dict) and ("error" in item or isinstance(details, dict)
                                           and details.get("finish_reason") == "error"):
                return "jsonlines stream carries an in-band error: %s" % line[:300]
        return None
    if "application/json" in ctype:
        try:
            json.loads(text)
        except ValueError:
            return "2xx body is not JSON: %r" % text[:200]
    return None


def verdict(case, outcome):
    """None when the answer passes the oracle, else why not."""
    e = case.expect
    if outcome.kind == "abandoned":
        return None
    if outcome.kind == "timeout":
        return "no answer within the per-request timeout (hang)"
    if outcome.kind == "truncated":
        return "answer cut short: " + outcome.note
    if outcome.kind == "stalled":
        return None if case.stall else "no answer"
    if outcome.kind in ("closed", "reset"):
        if e.kind in ("framing", "any") or case.stall or case.parts is not None:
            return None
        if e.kind == "status" and 413 in e.statuses and outcome.note == "while sending":
            return None
        return "connection %s without an answer" % outcome.kind
    status = outcome.status
    if status >= 500:
        return "server error %d: %r" % (status, outcome.body[:300])
    if 200 <= status < 300:
        if not (e.ok or e.kind == "any"):
            return "accepted (%d) a request that must be refused" % status
        return check_success(case, outcome)
    if status == 408 and (case.stall or case.parts is not None):
        return None
    if case.method == "HEAD":
        return None if status < 500 else "server error"
    if status < 400:
        return "unexpected status %d" % status
    try:
        message = error_message(outcome)
    except ValueError as err:
        return str(err)
    if e.kind == "any":
        return None
    if e.kind == "framing":
        return None
    if e.kind == "status":
        if e.statuses and status not in e.statuses:
            return "status %d, expected one of %s: %s" % (status, sorted(e.statuses), message[:200])
        if status == 405 and "allow" not in outcome.headers:
            return "405 without an Allow header"
        if e.message and e.message not in message:
            return "message does not name %r: %s" % (e.message, message[:300])
        return None
    if e.baseline is not None and message == e.baseline:
        return None
    if status == 413 and len(case.request_bytes()) > 1024 * 1024:
        return None
    if e.kind == "body":
        if status != 400 or "body" not in message:
            return "status %d with a message not naming the request body: %s" % (status, message[:300])
        return None
    if e.kind in ("field", "valid"):
        if status != 400:
            return "status %d for a body-field error: %s" % (status, message[:300])
        if not any(f in message for f in e.fields):
            return "message names none of %s: %s" % (e.fields, message[:300])
        return None
    return "no rule for expectation %s" % e.kind


# ---------------------------------------------------------------------------------------------------------
# The server's routes and schemas, and valid bodies for them.


class Target:
    """What is known about the server under test."""

    def __init__(self, task, model, max_payload, dimension=None, management_port=None):
        self.task = task
        self.management_port = management_port  # the management listener's, where /models is served
        self.model = model
        self.max_payload = max_payload
        self.dimension = dimension
        self.baselines = {}  # schema name -> the 4xx message its valid request gets, when it gets one

    def schemas(self):
        """(name, paths, fields, body maker)."""
        predictions = "/predictions/" + urllib.parse.quote(self.model, safe="")
        if self.task == "generation":
            return [
                ("completions", ["/v1/completions"], COMPLETIONS, valid_completion),
                ("chat", ["/v1/chat/completions", "/invocations", predictions], CHAT, valid_chat),
                ("lmi", ["/invocations", predictions], LMI, valid_lmi),
            ]
        embeddings = dict(OPENAI_EMBEDDINGS)
        embeddings["dimensions"] = Int(1, only=self.dimension)
        return [
            ("embeddings", ["/v1/embeddings"], embeddings, valid_embedding),
            ("lmi_embeddings", ["/invocations", predictions], LMI_EMBEDDINGS, valid_lmi_embedding),
        ]

    def other_task_routes(self):
        if self.task == "generation":
            return ["/v1/embeddings"]
        return ["/v1/completions", "/v1/chat/completions"]

    def get_routes(self):
        m = urllib.parse.quote(self.model, safe="")
        routes = ["/ping", "/v1/models", "/v1/models/" + m, "/metrics"]
        return routes + (["/models", "/models/" + m] if self.management_port else [])

    def port_for(self, case, port):
        """The management listener's port for a /models request, else the inference port."""
        request_line = case.request_bytes().split(b"\r\n", 1)[0].split(b" ")
        path = request_line[1] if len(request_line) > 1 else b""
        if self.management_port and (path == b"/models" or path.startswith(b"/models/")):
            return self.management_port
        return port

    def post_routes(self):
        return sorted({p for _, paths, _, _ in self.schemas() for p in paths} | set(self.other_task_routes()))


def small_sampling(rng, body):
    if rng.random() < 0.5:
        body["temperature"] = rng.choice([0, 0.5, 1.0])
    if rng.random() < 0.2:
        body["top_k"] = rng.choice([-1, 0, 5])
    if rng.random() < 0.2:
        body["top_p"] = rng.choice([0.5, 0.9, 1])
    if rng.random() < 0.15:
        body["seed"] = rng.randint(0, 1000)
    if rng.random() < 0.15:
        body["stop"] = rng.choice(["\n", ["the", "fox"]])
    if rng.random() < 0.1:
        body["repetition_penalty"] = 1.1
    if rng.random() < 0.1:
        body["stop_token_ids"] = [2]
    return body


def valid_completion(rng, target):
    prompt = rng.choice([random_text(rng), [1, 22557, 1526], [random_text(rng)]])
    body = {"model": target.model, "prompt": prompt, "max_tokens": rng.randint(1, 4)}
    small_sampling(rng, body)
    if rng.random() < 0.3:
        body["stream"] = True
        if rng.random() < 0.5:
            body["stream_options"] = {"include_usage": True}
    elif rng.random() < 0.2:
        body["echo"] = True
    if rng.random() < 0.2:
        body["logprobs"] = rng.randint(0, 3)
        body.pop("echo", None)
    return body


def valid_chat(rng, target):
    content = rng.choice([random_text(rng), [{"type": "text", "text": random_text(rng)}]])
    messages = [{"role": "user", "content": content}]
    if rng.random() < 0.3:
        messages.insert(0, {"role": "system", "content": random_text(rng)})
    key = rng.choice(["max_tokens", "max_completion_tokens"])
    body = {"model": target.model, "messages": messages, key: rng.randint(1, 4)}
    small_sampling(rng, body)
    if rng.random() < 0.3:
        body["stream"] = True
    if rng.random() < 0.2:
        body["logprobs"] = True
        body["top_logprobs"] = rng.randint(0, 3)
    return body


def valid_lmi(rng, target):
    parameters = small_sampling(rng, {"max_new_tokens": rng.randint(1, 4)})
    if rng.random() < 0.3:
        parameters["do_sample"] = rng.choice([True, False])
    if rng.random() < 0.2:
        parameters["details"] = True
    body = {"inputs": random_text(rng), "parameters": parameters}
    if rng.random() < 0.3:
        body["stream"] = True
    elif rng.random() < 0.2:
        parameters["decoder_input_details"] = True
    return body


def valid_embedding(rng, target):
    texts = [random_text(rng) for _ in range(rng.randint(1, 4))]
    body = {"model": target.model, "input": texts[0] if rng.random() < 0.4 else texts}
    if rng.random() < 0.3:
        body["encoding_format"] = rng.choice(["float", "base64"])
    if rng.random() < 0.2:
        body["dimensions"] = target.dimension
    return body


def valid_lmi_embedding(rng, target):
    texts = [random_text(rng) for _ in range(rng.randint(1, 4))]
    return {"inputs": texts[0] if rng.random() < 0.4 else texts}


def stream_kind(path, body):
    if not isinstance(body, dict) or body.get("stream") is not True:
        return None
    return "jsonlines" if "messages" not in body and not path.startswith("/v1/") else "sse"


# ---------------------------------------------------------------------------------------------------------
# Case families.


def pick_schema(rng, target):
    name, paths, fields, maker = rng.choice(target.schemas())
    return name, rng.choice(paths), fields, maker(rng, target)


def field_paths(fields, body, prefix=""):
    """(path as the server names it, container, key, kind) for every field of the schema, present or not."""
    out = []
    for key, kind in fields.items():
        out.append((prefix + key, body, key, kind))
        if isinstance(kind, Obj) and isinstance(body.get(key), dict):
            out.extend(field_paths(kind.fields, body[key], prefix + key + "."))
    return out


def element_paths(body):
    """Paths inside list-valued fields the server names by index (messages[0].content, input[1], prompt[0])."""
    out = []
    for key in ("messages", "input", "inputs", "prompt", "stop"):
        value = body.get(key)
        if isinstance(value, list):
            for i, item in enumerate(value):
                out.append(("%s[%d]" % (key, i), value, i))
                if key == "messages" and isinstance(item, dict):
                    out.append(("%s[%d].role" % (key, i), item, "role"))
                    out.append(("%s[%d].content" % (key, i), item, "content"))
                    if isinstance(item.get("content"), list):
                        for j, part in enumerate(item["content"]):
                            out.append(("%s[%d].content[%d]" % (key, i, j), item["content"], j))
                            if isinstance(part, dict):
                                out.append(("%s[%d].content[%d].text" % (key, i, j), part, "text"))
                                out.append(("%s[%d].content[%d].type" % (key, i, j), part, "type"))
    return out


def with_parents(fields):
    """The fields and the fields they are in: an error about messages[0].content may name messages[0] or messages."""
    out = []
    for f in fields:
        while f:
            out.append(f)
            cut = max(f.rfind("["), f.rfind("."))
            f = f[:cut] if cut > 0 else ""
    return out


def post_case(family, what, path, body, expect, target):
    text = enc(body)
    expect.stream = stream_kind(path, plain(body))
    return Case(family, "%s %s" % (path, what), http("POST", path, text), expect)


def fam_valid(rng, target):
    r = rng.random()
    if r < 0.25:
        path = rng.choice(target.get_routes())
        return Case("valid", "GET " + path, http("GET", path), Expect("valid", ok=True), method="GET")
    name, path, _, body = pick_schema(rng, target)
    return post_case("valid", name, path, body, Expect("valid", ok=True, baseline=target.baselines.get(name)), target)


def fam_wrong_type(rng, target):
    name, path, fields, body = pick_schema(rng, target)
    choices = field_paths(fields, body)
    if rng.random() < 0.3:
        choices = [(p, c, k, None) for p, c, k in element_paths(body)] or choices
    fpath, container, key, kind = rng.choice(choices)
    wrong = [v for v in WRONG_TYPES + [None] if kind is None or kind.valid(v) is False]
    if not wrong:
        return fam_valid(rng, target)
    value = copy.deepcopy(rng.choice(wrong))
    container[key] = value
    valid = False if kind is not None else known_validity(name, body, target)
    return post_case("wrong_type", "%s %s=%s" % (name, fpath, enc(value)[:40]), path, body,
                     field_expect(valid, [fpath], name, target), target)


def schema_fields(target, name):
    return next(fields for n, _, fields, _ in target.schemas() if n == name)


def known_validity(name, body, target):
    """Validity of a whole body after a change inside a list field, as far as the schema's kinds can tell."""
    fields = schema_fields(target, name)
    for key in ("messages", "input", "inputs", "prompt", "stop"):
        if key in fields and key in body:
            result = fields[key].valid(plain(body[key]))
            if result is not True:
                return result
    return True


def field_expect(valid, fields, name, target):
    fields = with_parents(fields)
    if valid is False:
        return Expect("field", fields)
    return Expect("field", fields, ok=True, baseline=target.baselines.get(name))


def fam_huge_number(rng, target):
    name, path, fields, body = pick_schema(rng, target)
    numeric = [f for f in field_paths(fields, body) if isinstance(f[3], (Int, Long, Num))]
    if not numeric:
        numeric = field_paths(fields, body)
    fpath, container, key, kind = rng.choice(numeric)
    value = rng.choice(HUGE_NUMBERS)
    container[key] = value
    return post_case("huge_number", "%s %s=%s" % (name, fpath, value.text[:40]), path, body,
                     field_expect(kind.valid(value.value), [fpath], name, target), target)


def fam_nan_inf(rng, target):
    name, path, fields, body = pick_schema(rng, target)
    fpath, container, key, kind = rng.choice(field_paths(fields, body))
    token = rng.choice(["NaN", "Infinity", "-Infinity", "+Infinity", "nan", "inf", "-inf", "+1", ".5", "1.", "01",
                        "0x10", "1e", "--1", "1_000"])
    container[key] = Raw(token, None)
    return post_case("nan_inf", "%s %s=%s" % (name, fpath, token), path, body, Expect("body"), target)


def fam_mutation(rng, target):
    name, path, fields, body = pick_schema(rng, target)
    named = []
    touched = []
    for _ in range(rng.randint(1, 3)):
        choices = field_paths(fields, body)
        if rng.random() < 0.3:
            choices = [(p, c, k, None) for p, c, k in element_paths(body)] or choices
        fpath, container, key, kind = rng.choice(choices)
        op = rng.choice(["remove", "replace", "replace", "swap", "add_unknown", "null"])
        if op == "remove":
            if isinstance(container, list):
                if key < len(container):
                    container.pop(key)
            else:
                container.pop(key, None)
        elif op == "null":
            container[key] = None
        elif op == "add_unknown":
            fpath = key = rng.choice(["tools", "response_format", "functions", "logit_bias", "guided_json",
                                      "__proto__", "suffix", "user", "x" * 300, "", "\U0001f600"])
            container, kind = body, None
            container[key] = hostile_value(rng)
        elif op == "swap":
            others = [v for v in body.values() if v is not container]
            container[key] = copy.deepcopy(rng.choice(others)) if others else hostile_value(rng)
        else:
            container[key] = hostile_value(rng)
        named.append(fpath)
        if kind is not None:
            touched.append((fpath, kind))
    # Judged once all changes are made: a later change may undo or detach an earlier one.
    valid = True
    for fpath, kind in touched:
        v = kind.valid(plain(lookup(body, fpath)))
        valid = False if v is False or valid is False else (None if v is None else valid)
    whole = known_validity(name, body, target)
    valid = False if whole is False or valid is False else (None if whole is None else valid)
    # Removing a field can turn the body into another schema (a chat body without messages is an LMI one), where a
    # field left as it was is the unknown one: every field of the body may be the one named.
    parameters = body.get("parameters")
    present = [shown_name(k) for k in body] + [shown_name(k) for k in
                                               (parameters if isinstance(parameters, dict) else {})]
    return post_case("mutation", "%s %s" % (name, ",".join(n[:40] for n in named)), path, body,
                     field_expect(valid, [shown_name(n) for n in named] + present, name, target), target)


def shown_name(name):
    """A field name as the server's messages show it: plain ones as they are, others JSON-quoted and cut short."""
    if re.fullmatch(r"[A-Za-z0-9_.\[\]]{1,64}", name):
        return name
    return json.dumps(name[:64] + ("..." if len(name) > 64 else ""), ensure_ascii=False)


def lookup(body, fpath):
    """The value at a dotted field path, None when it or an object on the way is absent."""
    value = body
    for key in fpath.split("."):
        if not isinstance(value, dict):
            return None
        value = value.get(key)
    return value


def fam_bad_json(rng, target):
    name, path, _, body = pick_schema(rng, target)
    text = enc(body)
    r = rng.randrange(12)
    if r == 0:
        bad, what = text[: rng.randrange(len(text))], "truncated"
    elif r == 1:
        bad, what = text + rng.choice(["}", " x", ",", " {}", "\x00", "]"]), "trailing garbage"
    elif r == 2:
        bad, what = text.replace('"', "'"), "single quotes"
    elif r == 3:
        bad, what = text[:-1] + ",}", "trailing comma"
    elif r == 4:
        bad, what = "/* c */" + text, "comment"
    elif r == 5:
        bad = rng.choice(["", " ", "\r\n", "null", "[]", "[1,2]", '"s"', "5", "true", "{", "}", "{{}}"])
        what = "not an object"
    elif r == 6:
        i = rng.randrange(len(text))
        bad, what = text[:i] + rng.choice(["\x01", "\x1f", "\\x", "\\uzzzz"]) + text[i:], "bad character"
    elif r == 7:
        key = rng.choice(list(body))
        bad, what = text[:-1] + ',"%s":' % key + "}", "missing value"
    elif r == 8:
        bad, what = text.replace(":", "", 1), "missing colon"
    elif r == 9:
        bad, what = text.replace('"', "", 2), "unquoted key"
    elif r == 10:
        bad, what = "\ufeff" + text, "byte-order mark"
        return post_case("bad_json", "%s %s" % (name, what), path, Raw(bad, None),
                         Expect("body", ok=True, baseline=target.baselines.get(name)), target)
    else:
        key = rng.choice(list(body))
        dup = Pairs(list(body.items()) + [(key, wrong_type(rng))])
        kind = schema_fields(target, name).get(key)
        valid = None if kind is None else kind.valid(plain(dup[-1][1]))
        return post_case("bad_json", "%s duplicate key %s" % (name, key), path, dup,
                         field_expect(valid, [key], name, target), target)
    return post_case("bad_json", "%s %s" % (name, what), path, Raw(bad, None), Expect("body"), target)


def fam_deep_nesting(rng, target):
    name, path, fields, body = pick_schema(rng, target)
    r = rng.random()
    if r < 0.4:
        opener = rng.choice(["[", "{\"a\":", "[{\"a\":"])
        depth = rng.choice([1001, 5000, 100000])
        data = opener * depth
        if rng.random() < 0.5:
            closer = {"[": "]", "{\"a\":": "}", "[{\"a\":": "}]"}[opener]
            data = data + "1" + closer * depth
        return post_case("deep_nesting", "%s %s x%d" % (name, opener, depth), path, Raw(data, None), Expect("body"),
                         target)
    fpath, container, key, kind = rng.choice(field_paths(fields, body))
    depth = rng.choice([5, 100, 999, 1500, 20000])
    container[key] = nested(rng.choice(["[", "{"]), depth)
    valid = kind.valid(plain(container[key]))
    expect = Expect("field", [fpath, "body"], ok=valid is not False, baseline=target.baselines.get(name))
    return post_case("deep_nesting", "%s %s nested %d" % (name, fpath, depth), path, body, expect, target)


BAD_UTF8 = [b"\xff", b"\xfe", b"\xc3\x28", b"\xa0\xa1", b"\xe2\x28\xa1", b"\xf0\x28\x8c\x28", b"\xc0\xaf",
            b"\xe0\x80\xaf", b"\xed\xa0\x80", b"\xf4\x90\x80\x80", b"\xf8\x88\x80\x80\x80", b"\xc3", b"\xe2\x82"]


def fam_bad_utf8(rng, target):
    name, path, fields, body = pick_schema(rng, target)
    r = rng.random()
    if r < 0.6:
        marker = "\u2603MARK\u2603"
        strings = [p for p in field_paths(fields, body) if isinstance(plain(p[1].get(p[2])), str)]
        if strings:
            fpath, container, key, _ = rng.choice(strings)
            container[key] = container[key] + marker
        else:
            body["user"] = marker
        raw = enc(body).encode("utf-8").replace(marker.encode("utf-8"), rng.choice(BAD_UTF8))
        return Case("bad_utf8", "%s %s invalid UTF-8 in a string" % (path, name), http("POST", path, raw),
                    Expect("body"))
    if r < 0.75:
        raw = enc(body).encode("utf-8")
        i = rng.randrange(len(raw))
        raw = raw[:i] + rng.choice(BAD_UTF8) + raw[i:]
        return Case("bad_utf8", "%s %s invalid UTF-8 between tokens" % (path, name), http("POST", path, raw),
                    Expect("any"))
    # Valid JSON escapes that are not valid Unicode (lone surrogates), and other odd text.
    strings = [p for p in field_paths(fields, body) if isinstance(plain(p[1].get(p[2])), str)]
    strings += [(p, c, k, None) for p, c, k in element_paths(body) if isinstance(c[k], str)]
    if not strings:
        return fam_valid(rng, target)
    fpath, container, key, kind = rng.choice(strings)
    odd = rng.choice(ODD_STRINGS + ["\\ud800", "\\udc00\\ud800", "\\u0000"])
    if odd.startswith("\\u"):
        container[key] = Raw(json.dumps(container[key])[:-1] + odd + '"', container[key] + "?")
    else:
        container[key] = Raw(json.dumps(container[key] + odd), container[key] + odd)
    expect = Expect("field", [fpath], ok=True, baseline=target.baselines.get(name))
    return Case("bad_utf8", "%s %s %s+%r" % (path, name, fpath, odd),
                http("POST", path, enc(body).encode("utf-8", "surrogatepass")), expect)


def fam_oversized(rng, target):
    name, path, fields, body = pick_schema(rng, target)
    limit = target.max_payload
    r = rng.random()
    text = enc(dict(body, user="a " * ((limit + 1024) // 2))).encode()
    too_large = Expect("status", statuses={413}, message="max_payload_bytes")
    if r < 0.35:
        return Case("oversized", "%s Content-Length %d" % (path, len(text)), http("POST", path, text), too_large)
    if r < 0.6:
        head = ("POST %s HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
                % path)
        chunks = b"".join(b"%x\r\n%s\r\n" % (len(text[i:i + 65536]), text[i:i + 65536])
                          for i in range(0, len(text), 65536)) + b"0\r\n\r\n"
        return Case("oversized", "%s chunked %d" % (path, len(text)), head.encode() + chunks, too_large)
    if r < 0.8:
        head = ("POST %s HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nExpect: 100-continue\r\n"
                "Content-Length: %d\r\n\r\n" % (path, rng.choice([limit + 1, 2**40, 2**62])))
        return Case("oversized", "%s Expect: 100-continue, large Content-Length" % path, head.encode(), too_large)
    # Just under the limit: a valid JSON body with a long string field is read and judged on its fields.
    room = limit - len(enc(body).encode()) - 64
    body["user"] = "a " * (room // 2)
    return post_case("oversized", "%s %d bytes, under the limit" % (path, len(enc(body))), path, body,
                     Expect("field", ["user"], ok=True, baseline=target.baselines.get(name)), target)


def fam_slow_body(rng, target):
    name, path, _, body = pick_schema(rng, target)
    data = http("POST", path, enc(body))
    head_end = data.index(b"\r\n\r\n") + 4
    r = rng.random()
    expect = Expect("valid", ok=True, baseline=target.baselines.get(name), stream=stream_kind(path, body))
    if r < 0.4:
        step = max(1, (len(data) - head_end) // 8)
        parts = [(data[:head_end], 0)] + [(data[i:i + step], 0.1) for i in range(head_end, len(data), step)]
        return Case("slow_body", "%s body trickled" % path, None, expect, parts=parts)
    if r < 0.6:
        parts = [(data[i:min(i + 16, head_end)], 0.02) for i in range(0, head_end, 16)] + [(data[head_end:], 0)]
        return Case("slow_body", "%s head trickled" % path, None, expect, parts=parts)
    cut = rng.randrange(head_end, len(data)) if rng.random() < 0.7 else rng.randrange(1, head_end)
    return Case("slow_body", "%s stops after %d of %d bytes" % (path, cut, len(data)), None, Expect("framing"),
                parts=[(data[:cut], 0)], stall=True)


def fam_headers(rng, target):
    name, path, _, body = pick_schema(rng, target)
    text = enc(body).encode("utf-8")
    valid = Expect("valid", ok=True, baseline=target.baselines.get(name), stream=stream_kind(path, body))
    framing = Expect("framing")
    r = rng.randrange(22)
    if r == 0:
        size = rng.choice([9000, 65536, 1 << 20])
        return Case("headers", "%s header of %d bytes" % (path, size),
                    http("POST", path, text, headers=["X-Big: " + "a" * size]), Expect("framing", ok=True))
    if r == 1:
        n = rng.choice([200, 2000, 10000])
        return Case("headers", "%s %d headers" % (path, n),
                    http("POST", path, text, headers=["X-H%d: v" % i for i in range(n)]), Expect("framing", ok=True))
    if r == 2:
        cl = rng.choice(["abc", "-1", "1,2", "", " ", "0x10", "99999999999999999999", "+5", "1 2"])
        head = ("POST %s HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: %s\r\n\r\n"
                % (path, cl))
        return Case("headers", "%s Content-Length %r" % (path, cl), head.encode() + text, framing)
    if r == 3:
        head = ("POST %s HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: %d\r\n"
                "Content-Length: %d\r\n\r\n" % (path, len(text), len(text) + rng.choice([-3, 5])))
        return Case("headers", "%s two Content-Length values" % path, head.encode() + text, framing)
    if r == 4:
        chunked = b"%x\r\n%s\r\n0\r\n\r\n" % (len(text), text)
        head = ("POST %s HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: %d\r\n"
                "Transfer-Encoding: chunked\r\n\r\n" % (path, rng.choice([len(text), 3, len(chunked)])))
        return Case("headers", "%s Content-Length and Transfer-Encoding" % path, head.encode() + chunked,
                    Expect("any"))
    if r == 5:
        bad = rng.choice([b"zz\r\n", b"%x\r\n" % (len(text) + 10), b"-1\r\n", b"ffffffffffffffffffff\r\n",
                          b"%x;ext=\x00\r\n" % len(text), b"%x" % len(text)])
        data = ("POST %s HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
                % path).encode() + bad + text + b"\r\n0\r\n\r\n"
        return Case("headers", "%s bad chunk size %r" % (path, bad[:20]), data, framing, stall=True)
    if r == 6:
        te = rng.choice(["gzip", "identity", "chunked, identity", "xchunked", "chunked\x00", "Chunked",
                         "deflate, chunked"])
        data = ("POST %s HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: %s\r\n\r\n"
                % (path, te)).encode() + b"%x\r\n%s\r\n0\r\n\r\n" % (len(text), text)
        return Case("headers", "%s Transfer-Encoding %r" % (path, te), data, Expect("any"), stall=True)
    if r == 7:
        ctype = rng.choice(["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x",
                            "application/json; charset=latin-1", "image/png", "", "application/xml", "*/*"])
        return Case("headers", "%s Content-Type %r" % (path, ctype),
                    http("POST", path, text, content_type=ctype or None), valid)
    if r == 8:
        line = rng.choice([b"X-Bad\r\n", b"X Bad: v\r\n", b"X-Bad : v\r\n", b": v\r\n", b"X-Bad: \x00\x01\r\n",
                           b" folded: v\r\n", b"X-Ctl\x7f: v\r\n", b"X-Bin: \xff\xfe\r\n", b"X-Bad:\tv\r\n \tcont\r\n"])
        data = http("POST", path, text)
        i = data.index(b"\r\n") + 2
        return Case("headers", "%s header line %r" % (path, line[:20]), data[:i] + line + data[i:], Expect("any"))
    if r == 9:
        line = rng.choice([b"GARBAGE\r\n\r\n", b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" + bytes(64),
                           b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", b"POST\r\n\r\n", b"POST  HTTP/1.1\r\n\r\n",
                           b"GET / HTTP/9.9\r\n\r\n", b"GET /ping HTTP/1.1 extra\r\n\r\n", b"\r\n\r\n\r\n",
                           b"G\x00T /ping HTTP/1.1\r\n\r\n", bytes(rng.randrange(256) for _ in range(200))])
        return Case("headers", "garbage request line %r" % line[:20], line, framing, stall=True)
    if r == 10:
        uri = "/" + "a" * rng.choice([5000, 70000])
        return Case("headers", "URI of %d bytes" % len(uri), http("GET", uri), framing)
    if r == 11:
        data = http("POST", path, text).replace(b"Host: 127.0.0.1\r\n", b"")
        return Case("headers", "%s no Host" % path, data, Expect("any"))
    if r == 12:
        return Case("headers", "%s HTTP/1.0" % path, http("POST", path, text, version="HTTP/1.0"), valid)
    if r == 13:
        expectation = rng.choice(["100-continue", "200-ok", "foo", "100-continue, x"])
        return Case("headers", "%s Expect: %s" % (path, expectation),
                    http("POST", path, text, headers=["Expect: " + expectation]), Expect("any"))
    if r == 14:
        data = http("POST", path, text).replace(b"\r\n", b"\n")
        return Case("headers", "%s bare LF line ends" % path, data, Expect("any"))
    if r == 15:
        # A second request smuggled after a short Content-Length: the first answer is for the cut body.
        smuggled = http("GET", "/ping")
        head = ("POST %s HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n"
                % (path, len(text) // 2)).encode()
        return Case("headers", "%s Content-Length shorter than the body" % path, head + text + smuggled,
                    Expect("body"))
    if r == 16:
        head = ("POST %s HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n"
                % (path, len(text) + rng.choice([1, 100, 100000]))).encode()
        return Case("headers", "%s Content-Length longer than the body" % path, None, framing,
                    parts=[(head + text, 0)], stall=True)
    if r == 17:
        return Case("headers", "%s Connection: keep-alive, Upgrade" % path,
                    http("POST", path, text, headers=["Upgrade: websocket", "Connection: Upgrade"]), valid)
    if r == 18:
        return Case("headers", "%s Accept-Encoding/Authorization junk" % path,
                    http("POST", path, text, headers=["Accept-Encoding: gzip, br, zstd, *;q=0", "X-Api: " + "x" * 4000,
                                                      "Cookie: " + "a=b; " * 500, "X-Forwarded-For: ::1, " * 20]),
                    valid)
    if r == 19:
        data = http("GET", "/ping", headers=["Transfer-Encoding: chunked"]) + b"0\r\n\r\n"
        return Case("headers", "GET /ping chunked", data, Expect("any"), method="GET")
    if r == 20:
        # Two requests in one write: the first must be answered (and, with Connection: close, only it).
        first = http("POST", path, text).replace(b"Connection: close", b"Connection: keep-alive")
        return Case("headers", "%s pipelined" % path, first + http("GET", "/ping"), valid)
    data = http("POST", path, text)
    i = data.index(b"\r\n") + 2
    return Case("headers", "%s header with non-ASCII name" % path, data[:i] + "X-Ünï: v\r\n".encode() + data[i:],
                Expect("any"))


def fam_method_path(rng, target):
    r = rng.randrange(8)
    if r == 0:
        path = rng.choice(target.get_routes() + target.post_routes())
        allowed = "GET" if path in target.get_routes() else "POST"
        method = rng.choice([m for m in ["GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "TRACE", "HEAD", "FOO",
                                         "CONNECT"] if m != allowed])
        if method == "HEAD" and allowed == "GET":
            return Case("method_path", "HEAD " + path, http("HEAD", path), Expect("any"), method="HEAD")
        body = "{}" if method in ("POST", "PUT", "PATCH") else None
        return Case("method_path", "%s %s" % (method, path), http(method, path, body),
                    Expect("status", statuses={405}, message=method), method=method)
    if r == 1:
        path = rng.choice(["/", "/v2/completions", "/v1", "/v1/", "/ping/extra", "/metrics/x", "/v1/models/a/b",
                           "/predictions", "/predictions/%s/x" % target.model, "/models/a/b/c", "/invocations/x",
                           "/.env", "/admin", "/v1/completions/../ping", "/..", "/" + "x/" * 300])
        method = rng.choice(["GET", "POST"])
        return Case("method_path", "%s %s" % (method, path), http(method, path, "{}" if method == "POST" else None),
                    Expect("status", statuses={404, 405}), method=method)
    if r == 2:
        name = rng.choice(["nope", "a" * 3000, "%20", "..", "%2e%2e", "tiny%20llama", "%F0%9F%A6%99", "%00", "%FF%FE",
                           target.model.upper(), target.model + "x", "%25"])
        route = rng.choice(["/v1/models/", "/models/"])
        decoded = urllib.parse.unquote(name, errors="replace")
        plain_name = decoded.isascii() and decoded.isprintable() and decoded.strip() and ".." not in decoded
        message = decoded if plain_name else None
        return Case("method_path", "GET %s%s" % (route, name[:40]), http("GET", route + name),
                    Expect("status", statuses={404}, message=message), method="GET")
    if r == 3:
        name = rng.choice(["nope", "%zz", "%", "%2", "a%2Fb", "%00", "x" * 5000, target.model + "%20"])
        _, _, _, body = pick_schema(rng, target)
        return Case("method_path", "POST /predictions/%s" % name[:40], http("POST", "/predictions/" + name, enc(body)),
                    Expect("status", statuses={400, 404}), method="POST")
    if r == 4:
        path = rng.choice(target.get_routes())
        query = rng.choice(["?a=1", "?%zz", "?" + "a=b&" * 2000, "?x=%ff", "#frag", "?;", "??", "?=&=&"])
        return Case("method_path", "GET %s%s" % (path, query[:30]), http("GET", path + query), Expect("any"),
                    method="GET")
    if r == 5:
        for_route = rng.choice(target.other_task_routes())
        _, _, _, body = pick_schema(rng, target)
        return Case("method_path", "POST %s (other task)" % for_route, http("POST", for_route, enc(body)),
                    Expect("status", statuses={400}, message=for_route), method="POST")
    if r == 6:
        path = rng.choice(target.get_routes() + target.post_routes())
        variant = rng.choice([path + "/", "/" + path, path.replace("/", "//"), path + "?", path.upper(),
                              urllib.parse.quote(path, safe=""), path.replace("/", "/%2F", 1)])
        method = "GET" if path in target.get_routes() else "POST"
        body = "{}" if method == "POST" else None
        return Case("method_path", "%s %s" % (method, variant), http(method, variant, body), Expect("any"),
                    method=method)
    path = rng.choice(target.get_routes())
    body = rng.choice(['{"a": 1}', "garbage", "\xff"])
    return Case("method_path", "GET %s with a body" % path, http("GET", path, body), Expect("valid", ok=True),
                method="GET")


def fam_abandon(rng, target):
    name, path, _, body = pick_schema(rng, target)
    # Long enough to still run when the client goes: a stream of 64 tokens, or a batch of embeddings.
    if name == "lmi":
        body["parameters"]["max_new_tokens"] = 64
        body["parameters"].pop("decoder_input_details", None)
        body["stream"] = True
    elif name in ("completions", "chat"):
        body.pop("max_completion_tokens", None)
        body["max_tokens"] = 64
        body["stream"] = True
    else:
        body["input" if name == "embeddings" else "inputs"] = [random_text(rng, 50) for _ in range(16)]
    how = rng.choice(["after_send", "after_head"])
    return Case("abandon", "%s %s" % (path, how), http("POST", path, enc(body)), Expect("any"), abandon=how)


FAMILIES = [
    ("valid", 8, fam_valid),
    ("mutation", 20, fam_mutation),
    ("wrong_type", 14, fam_wrong_type),
    ("huge_number", 10, fam_huge_number),
    ("nan_inf", 3, fam_nan_inf),
    ("bad_json", 9, fam_bad_json),
    ("deep_nesting", 3, fam_deep_nesting),
    ("bad_utf8", 6, fam_bad_utf8),
    ("oversized", 1, fam_oversized),
    ("slow_body", 1.5, fam_slow_body),
    ("headers", 10, fam_headers),
    ("method_path", 12, fam_method_path),
    ("abandon", 2.5, fam_abandon),
]


def make_case(seed, index, target):
    rng = random.Random("%s/%d" % (seed, index))
    names = [f[0] for f in FAMILIES]
    weights = [f[1] for f in FAMILIES]
    family = rng.choices(names, weights)[0]
    case = dict((f[0], f[2]) for f in FAMILIES)[family](rng, target)
    case.index = index
    return case


# ---------------------------------------------------------------------------------------------------------
# Discovery, health and the run.


def simple(host, port, method, path, body=None, timeout=30):
    case = Case("probe", path, http(method, path, body), Expect("any"), method=method)
    return run_case(case, host, port, timeout, 0)


def discover(host, port, task, max_payload, management_port):
    models = simple(host, port, "GET", "/v1/models")
    if models.status != 200:
        sys.exit("GET /v1/models answered %s; is an LMI server on %s:%d?" % (models.label(), host, port))
    model = json.loads(models.body)["data"][0]["id"]
    if task is None:
        probe = simple(host, port, "POST", "/v1/embeddings", '{"input": "hello"}')
        task = "embedding" if probe.status == 200 else "generation"
    target = Target(task, model, max_payload, management_port=management_port)
    if task == "embedding":
        answer = simple(host, port, "POST", "/v1/embeddings", '{"input": "hello"}')
        target.dimension = len(json.loads(answer.body)["data"][0]["embedding"])
    for name, paths, _, maker in target.schemas():
        body = maker(random.Random(0), target)
        body.pop("stream", None)
        body.pop("stream_options", None)
        answer = simple(host, port, "POST", paths[0], enc(body))
        if answer.kind == "response" and 400 <= answer.status < 500:
            target.baselines[name] = error_message(answer)
        elif answer.kind != "response" or answer.status != 200:
            sys.exit("the valid %s request %s got %s: %r" % (name, enc(body), answer.label(), answer.body[:300]))
    return target


def metric(text, name):
    for line in text.splitlines():
        if line.startswith(name + " "):
            return float(line.split()[1])
    return None


def check_health(host, port, settle):
    """Problems with the server after the run, empty when healthy."""
    problems = []
    ping = simple(host, port, "GET", "/ping")
    if ping.status != 200:
        problems.append("GET /ping answered %s after the run" % ping.label())
    names = ("lmi_kv_cache_blocks_used", "lmi_requests_running", "lmi_requests_waiting")
    deadline = time.monotonic() + settle
    while True:
        answer = simple(host, port, "GET", "/metrics")
        values = {n: metric(answer.body.decode("utf-8", "replace"), n) for n in names} if answer.status == 200 else {}
        if values and all(v == 0 for v in values.values()):
            print("after the run: /ping %s, %s" % (ping.label(), ", ".join("%s %g" % kv for kv in values.items())))
            return problems
        if time.monotonic() > deadline:
            problems.append("after %g s: %s" % (settle, values or "GET /metrics answered " + answer.label()))
            return problems
        time.sleep(0.2)


def excerpt(data, limit=300):
    text = repr(data[:limit])
    return text + (" ... (%d bytes)" % len(data) if len(data) > limit else "")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", default="http://127.0.0.1:8080", help="the server (127.0.0.1 only)")
    parser.add_argument("--management-url", help="its management listener (management_address), where /models is "
                        "fuzzed too; without it /models is left out")
    parser.add_argument("--seed", default="1")
    parser.add_argument("--requests", type=int, default=10000)
    parser.add_argument("--task", choices=["generation", "embedding"], help="default: ask the server")
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--timeout", type=float, default=60, help="seconds an answer may take (default 60)")
    parser.add_argument("--stall", type=float, default=2, help="seconds to wait for an answer to a stalled body")
    parser.add_argument("--settle", type=float, default=30, help="seconds for KV blocks and queues to drain after")
    parser.add_argument("--max-payload-bytes", type=int, default=DEFAULT_MAX_PAYLOAD,
                        help="the server's max_payload_bytes (default 6 MiB)")
    parser.add_argument("--only", type=int, action="append", help="run only this case index (repeatable)")
    parser.add_argument("--header", action="append", default=[],
                        help="'Name: value' to send with every request (repeatable), e.g. an API key")
    args = parser.parse_args()
    EXTRA_HEADERS.extend(args.header)

    url = urllib.parse.urlsplit(args.url)
    if url.scheme != "http" or url.hostname not in ("127.0.0.1", "localhost"):
        sys.exit("--url must be http://127.0.0.1:PORT")
    host, port = "127.0.0.1", url.port or 80
    management_port = None
    if args.management_url:
        management = urllib.parse.urlsplit(args.management_url)
        if management.scheme != "http" or management.hostname not in ("127.0.0.1", "localhost"):
            sys.exit("--management-url must be http://127.0.0.1:PORT")
        management_port = management.port or 80
    target = discover(host, port, args.task, args.max_payload_bytes, management_port)
    print("fuzzing %s (%s, model %s) with seed %s: %d requests, concurrency %d" % (
        args.url, target.task, target.model, args.seed, len(args.only or []) or args.requests, args.concurrency))
    for name, message in target.baselines.items():
        print("  a valid %s request is refused: %s" % (name, message[:200]))

    indices = args.only or range(args.requests)
    by_status = collections.Counter()
    by_family = collections.defaultdict(collections.Counter)
    violations = []
    lock = threading.Lock()
    start = time.monotonic()

    def one(index):
        case = make_case(args.seed, index, target)
        outcome = run_case(case, host, target.port_for(case, port), args.timeout, args.stall)
        problem = verdict(case, outcome)
        with lock:
            by_status[outcome.label()] += 1
            by_family[case.family][outcome.label()] += 1
            if problem:
                violations.append((case, outcome, problem))

    with ThreadPoolExecutor(max_workers=args.concurrency) as pool:
        for future in [pool.submit(one, i) for i in indices]:
            future.result()
    seconds = time.monotonic() - start

    print("\n%d requests in %.1f s" % (sum(by_status.values()), seconds))
    print("by status: " + ", ".join("%s %d" % kv for kv in sorted(by_status.items())))
    print("by family:")
    for family, counts in sorted(by_family.items()):
        statuses = ", ".join("%s %d" % kv for kv in sorted(counts.items()))
        print("  %-13s %5d  %s" % (family, sum(counts.values()), statuses))
    problems = check_health(host, port, args.settle)
    for case, outcome, problem in sorted(violations, key=lambda v: v[0].index):
        print("\nVIOLATION case %d (--seed %s --only %d), %s: %s"
              % (case.index, args.seed, case.index, case.family, problem))
        print("  case: %s" % case.what)
        print("  request: %s" % excerpt(case.request_bytes()))
        if outcome.kind == "response":
            print("  answer: %s %s" % (outcome.status, excerpt(outcome.body)))
    for problem in problems:
        print("\nVIOLATION after the run: " + problem)
    total = len(violations) + len(problems)
    print("\nviolations: %d" % total)
    return 1 if total else 0


if __name__ == "__main__":
    sys.exit(main())
