"""A real, scriptable OpenAI-compatible chat-completions server for tests and benchmarks.

Stdlib only: an asyncio-streams HTTP/1.1 server (keep-alive, Content-Length and chunked
request bodies) running its own event loop in a background thread, so a test, or a
subprocess the test starts, talks to it over real TCP on 127.0.0.1.

Endpoints
---------
``POST /v1/chat/completions``  body ``{"model", "messages", "max_tokens" |
"max_completion_tokens", "temperature", "top_p", "seed", "n", ...}``; message ``content``
is a string or a list of parts ``{"type": "text", "text": ...}`` /
``{"type": "image_url", "image_url": {"url": "data:image/png;base64,..."}}``. Answers a
``chat.completion`` object that ``openai`` parses.
``GET /v1/models``  lists the served model names.

Both check ``Authorization: Bearer KEY`` when the server has an ``api_key`` (401 with an
OpenAI-style error body otherwise); an unknown ``model`` gets the vLLM-style 404
``{"error": {"message": "The model `x` does not exist.", "type": "NotFoundError",
"code": 404}}``. A body that is not JSON, or lacks ``model`` / ``messages``, gets 400.
``"stream": true`` is not supported (400).

Scripting
---------
``reply(request) -> Action`` is called once per authorised chat request for a served
model (in the server thread; it may also be ``async def``). ``request`` is a
:class:`ChatRequest`: the JSON body as a ``dict``, plus attributes ``text`` (the text of
the last user message), ``call`` (1 for the first request with that text, 2 for the
second, ...), ``index`` (0-based over all chat requests) and ``headers``. Actions:

* ``Reply(content, finish_reason="stop")``: a normal completion (``content`` may be a
  list, one string per choice, when the request asks for ``n`` > 1);
* ``Error(status, message=None, retry_after=None)``: an HTTP error with an OpenAI-style
  body, e.g. ``Error(429, retry_after=0.05)`` (sent as ``Retry-After: 0.05``);
* ``Malformed(body, status=200)``: raw bytes; ``Malformed.invalid_json()``,
  ``Malformed.no_choices()``, ``Malformed.json(obj)``;
* ``Drop()``: close the connection without answering.

Every action takes ``delay=`` (seconds slept before answering, added to the server-wide
``delay``) and ``headers=`` (extra response headers, e.g. ``{"x-should-retry": "false"}``).
A plain ``str`` returned by ``reply`` means ``Reply(str)``, an ``int`` means ``Error(int)``.
Helpers: :func:`echo` (the default: a deterministic numbered list made from the user
text, truncated with ``finish_reason="length"`` past ``max_tokens`` words),
:func:`script` (per-text sequences: ``script({"q": [429, "ok"]})`` answers the first
"q" with a 429 and every later one with "ok"), :func:`sequence` (by arrival order) and
:func:`always`. An exception raised by ``reply`` becomes a 500 and is kept in
``server.errors``.

Counting
--------
``server.count()`` (all chat-completion POSTs received, rejected ones included),
``server.count(text)`` (those whose last user message is ``text``), ``server.requests``
(a copy of the request bodies, in arrival order), ``server.records`` (``Record`` objects
with ``body``, ``text``, ``call``, ``status``, ``headers``), ``server.statuses``,
``server.in_flight`` / ``server.max_in_flight`` (peak concurrency) and ``server.reset()``.
All are thread-safe.

How the ``openai`` client (3.x on httpx2, as installed here) sees each failure mode
-------------------------------------------------------------------------------------
(every row is checked by ``tests/test_chat_server.py``; "retried" means the client's own
retry loop, ``max_retries``, default 2, retries it before raising)

===================================  ===================================  =======
server action                        the client raises                    retried
===================================  ===================================  =======
``Error(400)``                       ``openai.BadRequestError``           no
wrong / missing key (401)            ``openai.AuthenticationError``       no
``Error(403)``                       ``openai.PermissionDeniedError``     no
unknown model (404)                  ``openai.NotFoundError``             no
``Error(408)``                       ``openai.APIStatusError`` (base)     yes
``Error(409)``                       ``openai.ConflictError``             yes
``Error(422)``                       ``openai.UnprocessableEntityError``  no
``Error(429)``                       ``openai.RateLimitError``            yes
``Error(500)`` / 502 / 503 / 504     ``openai.InternalServerError``       yes
delay beyond the client's timeout    ``openai.APITimeoutError``           yes
``Drop()``                           ``openai.APIConnectionError``        yes
``Malformed.invalid_json()``         ``json.JSONDecodeError``             no
``Malformed.no_choices()``           nothing: ``ChatCompletion`` with     no
                                     ``choices=None``
``Malformed(..., content_type=       nothing: ``create()`` returns the    no
"text/html")``                       body as a ``str``
===================================  ===================================  =======

The status errors all subclass ``openai.APIStatusError`` (``.status_code``, ``.body`` =
the unwrapped ``error`` object, ``.response.headers``); ``openai.APITimeoutError``
subclasses ``openai.APIConnectionError``; both subclass ``openai.APIError``. A
``Retry-After`` / ``retry-after-ms`` header with 0 < value <= 120 s sets the client's wait
before its retry (otherwise 0.5 s x 2^k, at most 8 s, minus up to 25 % jitter); a larger
one makes it not retry at all; ``x-should-retry: true|false`` overrides its choice.

The malformed-body cases are *not* ``openai.APIError``s: the body is parsed after the
retry loop, so invalid JSON under ``content-type: application/json`` surfaces as the bare
``json.JSONDecodeError`` (a ``ValueError``) and is never retried; a JSON object without
``choices`` is accepted (the client does not validate unless constructed with
``_strict_response_validation=True``, which raises ``openai.APIResponseValidationError``
instead); and a non-JSON content type makes ``create()`` return ``str``. A builder must
treat ``ValueError``, a result that is not a ``ChatCompletion`` and ``choices`` that is
``None`` or empty as retryable "malformed" failures itself.

Standalone
----------
``python tests/chat_server.py --port 8000 --delay 0.05 --echo`` prints its URL and serves
until interrupted; see ``--help``. ``python tests/test_chat_server.py`` measures
replies/s.
"""

from __future__ import annotations

import argparse
import asyncio
import inspect
import json
import os
import signal
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Mapping, Sequence, Union

__all__ = [
    "Action",
    "ChatRequest",
    "ChatServer",
    "Drop",
    "Error",
    "Malformed",
    "Record",
    "Reply",
    "always",
    "echo",
    "last_user_text",
    "script",
    "sequence",
]


# ----------------------------------------------------------------------------- actions


@dataclass
class Reply:
    """A normal completion. ``content`` is one string for every choice, or one per choice."""

    content: Union[str, Sequence[str]] = "ok"
    finish_reason: str = "stop"
    delay: float = 0.0
    headers: Mapping[str, str] = field(default_factory=dict)
    usage: Mapping[str, int] | None = None  # default: word counts


@dataclass
class Error:
    """An HTTP error with an OpenAI-style ``{"error": {...}}`` body."""

    status: int = 500
    message: str | None = None
    type: str | None = None
    code: Any = None
    retry_after: float | str | None = None  # sent as the Retry-After header
    delay: float = 0.0
    headers: Mapping[str, str] = field(default_factory=dict)


@dataclass
class Malformed:
    """A raw body (by default 200, ``application/json``) that is not a valid completion."""

    body: Union[bytes, str] = b"{"
    status: int = 200
    content_type: str = "application/json"
    delay: float = 0.0
    headers: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def invalid_json(cls, **kw) -> "Malformed":
        return cls(b'{"id": "chatcmpl-broken", "object": "chat.completion", "choices": [', **kw)

    @classmethod
    def no_choices(cls, **kw) -> "Malformed":
        body = {"id": "chatcmpl-nochoices", "object": "chat.completion", "created": int(time.time()), "model": "x"}
        return cls(json.dumps(body), **kw)

    @classmethod
    def json(cls, obj: Any, **kw) -> "Malformed":
        return cls(json.dumps(obj), **kw)


@dataclass
class Drop:
    """Close the connection without sending a response."""

    delay: float = 0.0
    headers: Mapping[str, str] = field(default_factory=dict)


Action = Union[Reply, Error, Malformed, Drop]
ReplyFn = Callable[["ChatRequest"], Any]


class ChatRequest(dict):
    """The request body (a ``dict``) with ``text``, ``call``, ``index`` and ``headers``."""

    text: str
    call: int
    index: int
    headers: dict

    def __init__(self, body: dict, *, text: str, call: int, index: int, headers: dict):
        super().__init__(body)
        self.text, self.call, self.index, self.headers = text, call, index, headers


@dataclass
class Record:
    body: Any
    text: str | None
    call: int
    headers: dict
    status: int | None = None  # None until answered (or when dropped)


# ----------------------------------------------------------------------------- helpers


def _content_text(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "\n".join(
            p.get("text", "") for p in content if isinstance(p, dict) and p.get("type") == "text"
        )
    return ""


def last_user_text(body: Any) -> str | None:
    """Text of the last ``user`` message (text parts joined by newlines), or None."""
    if not isinstance(body, dict) or not isinstance(body.get("messages"), list):
        return None
    for message in reversed(body["messages"]):
        if isinstance(message, dict) and message.get("role") == "user":
            return _content_text(message.get("content"))
    return None


def _count_images(body: dict) -> int:
    n = 0
    for message in body.get("messages") or []:
        content = message.get("content") if isinstance(message, dict) else None
        if isinstance(content, list):
            n += sum(1 for p in content if isinstance(p, dict) and p.get("type") == "image_url")
    return n


def _max_tokens(body: dict) -> int | None:
    for key in ("max_completion_tokens", "max_tokens"):
        value = body.get(key)
        if isinstance(value, int) and not isinstance(value, bool):
            return value
    return None


def echo(request: Mapping) -> Reply:
    """Deterministic reply: one numbered line per word of the last user text.

    ``"a b"`` -> ``"1. a\\n2. b"``; words past ``max_tokens`` are cut with
    ``finish_reason="length"``; messages with images append ``"(N images)"``.
    """
    text = last_user_text(request) or ""
    words = text.split() or ["(empty)"]
    images = _count_images(request)  # type: ignore[arg-type]
    lines = [f"{i}. {w}" for i, w in enumerate(words, 1)]
    if images:
        lines.append(f"({images} image{'s' if images != 1 else ''})")
    limit = _max_tokens(request)  # type: ignore[arg-type]
    if limit is not None and len(lines) > limit:
        return Reply("\n".join(lines[: max(limit, 0)]), finish_reason="length")
    return Reply("\n".join(lines))


def _as_action(value: Any, request: "ChatRequest") -> Any:
    if callable(value) and not isinstance(value, type):
        return value(request)
    return value


def script(by_text: Mapping[str, Sequence[Any]], default: ReplyFn = echo) -> ReplyFn:
    """Per-text scripts: the k-th request whose last user text is ``text`` gets
    ``by_text[text][k-1]``; past the end of the list the last entry repeats. Entries are
    actions, ``str`` (Reply), ``int`` (Error status) or callables ``request -> action``.
    Texts not in ``by_text`` go to ``default``."""
    table = {k: list(v) for k, v in by_text.items()}
    for key, actions in table.items():
        if not actions:
            raise ValueError(f"script for {key!r} is empty")

    def reply(request: ChatRequest):
        actions = table.get(request.text)
        if actions is None:
            return default(request)
        return _as_action(actions[min(request.call, len(actions)) - 1], request)

    return reply


def sequence(actions: Sequence[Any], default: ReplyFn = echo) -> ReplyFn:
    """The i-th chat request (in arrival order) gets ``actions[i]``; later ones ``default``."""
    actions = list(actions)

    def reply(request: ChatRequest):
        if request.index < len(actions):
            return _as_action(actions[request.index], request)
        return default(request)

    return reply


def always(action: Any) -> ReplyFn:
    return lambda request: _as_action(action, request)


# ----------------------------------------------------------------------------- HTTP


_REASONS = {
    200: "OK", 400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found",
    405: "Method Not Allowed", 408: "Request Timeout", 409: "Conflict", 413: "Payload Too Large",
    422: "Unprocessable Entity", 429: "Too Many Requests", 500: "Internal Server Error",
    502: "Bad Gateway", 503: "Service Unavailable", 504: "Gateway Timeout",
}
_ERROR_TYPES = {
    400: "BadRequestError", 401: "invalid_request_error", 403: "PermissionDeniedError",
    404: "NotFoundError", 409: "ConflictError", 422: "UnprocessableEntityError",
    429: "rate_limit_exceeded", 500: "InternalServerError", 502: "BadGatewayError",
    503: "ServiceUnavailableError", 504: "GatewayTimeoutError",
}
_MAX_HEAD = 64 * 1024
_MAX_BODY = 256 * 1024 * 1024


class _BadRequest(Exception):
    pass


def _error_body(status: int, message: str | None = None, type_: str | None = None, code: Any = None) -> bytes:
    return json.dumps(
        {
            "error": {
                "message": message or f"{status} {_REASONS.get(status, 'Error')}",
                "type": type_ or _ERROR_TYPES.get(status, "APIError"),
                "param": None,
                "code": status if code is None else code,
            }
        }
    ).encode()


def _words(text: str) -> int:
    return len(text.split())


class ChatServer:
    """OpenAI-compatible chat-completions server on 127.0.0.1, in a background thread.

    ``ChatServer(reply=echo, api_key=None, models=("test-model",), delay=0.0, port=0,
    host="127.0.0.1")``; ``models=None`` accepts any model name. Use as a context
    manager, or ``start()`` / ``stop()``. ``url`` is ``"http://127.0.0.1:PORT/v1"``.
    """

    def __init__(
        self,
        reply: ReplyFn | None = None,
        *,
        api_key: str | None = None,
        models: Iterable[str] | None = ("test-model",),
        delay: float = 0.0,
        port: int = 0,
        host: str = "127.0.0.1",
    ):
        self.reply = reply or echo
        self.api_key = api_key
        self.models = list(models) if models is not None else None
        self.delay = float(delay)
        self.host = host
        self.port = port
        self._lock = threading.Lock()
        self._records: list[Record] = []
        self._by_text: Counter = Counter()
        self._errors: list[BaseException] = []
        self._in_flight = 0
        self._max_in_flight = 0
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._server: asyncio.base_events.Server | None = None
        self._tasks: set[asyncio.Task] = set()
        self._ready = threading.Event()
        self._startup_error: BaseException | None = None

    # ------------------------------------------------------------------ public state

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}/v1"

    @property
    def records(self) -> list[Record]:
        with self._lock:
            return list(self._records)

    @property
    def requests(self) -> list[Any]:
        with self._lock:
            return [r.body for r in self._records]

    @property
    def statuses(self) -> list[int | None]:
        with self._lock:
            return [r.status for r in self._records]

    @property
    def errors(self) -> list[BaseException]:
        """Exceptions raised by the ``reply`` callable (each answered with a 500)."""
        with self._lock:
            return list(self._errors)

    @property
    def in_flight(self) -> int:
        """Chat requests received and not yet answered (or dropped)."""
        with self._lock:
            return self._in_flight

    @property
    def max_in_flight(self) -> int:
        """The most chat requests that were in flight at once (since start or ``reset()``)."""
        with self._lock:
            return self._max_in_flight

    def count(self, text: str | None = None) -> int:
        """Chat-completion requests received, all of them or those whose last user text is ``text``."""
        with self._lock:
            return len(self._records) if text is None else self._by_text[text]

    def reset(self) -> None:
        with self._lock:
            self._records.clear()
            self._by_text.clear()
            self._errors.clear()
            self._max_in_flight = self._in_flight

    # ------------------------------------------------------------------ lifecycle

    def start(self) -> "ChatServer":
        if self._thread is not None:
            raise RuntimeError("already started")
        self._thread = threading.Thread(target=self._run, name=f"ChatServer:{self.port}", daemon=True)
        self._thread.start()
        self._ready.wait()
        if self._startup_error is not None:
            self._thread.join()
            self._thread = None
            raise self._startup_error
        return self

    def stop(self) -> None:
        if self._thread is None:
            return
        loop = self._loop
        if loop is not None and loop.is_running():
            asyncio.run_coroutine_threadsafe(self._shutdown(), loop)
        self._thread.join(timeout=10)
        self._thread = None

    def __enter__(self) -> "ChatServer":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def _run(self) -> None:
        loop = asyncio.new_event_loop()
        self._loop = loop
        try:
            self._server = loop.run_until_complete(
                asyncio.start_server(self._handle, self.host, self.port, backlog=1024, limit=_MAX_HEAD)
            )
            self.port = self._server.sockets[0].getsockname()[1]
        except BaseException as exc:  # noqa: BLE001 - surfaced in start()
            self._startup_error = exc
            self._ready.set()
            loop.close()
            return
        self._ready.set()
        try:
            loop.run_forever()
        finally:
            loop.close()

    async def _shutdown(self) -> None:
        assert self._server is not None
        self._server.close()
        for task in list(self._tasks):
            task.cancel()
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
        await self._server.wait_closed()
        asyncio.get_running_loop().stop()

    # ------------------------------------------------------------------ connection

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        try:
            while True:
                try:
                    request = await self._read_request(reader, writer)
                except _BadRequest as exc:
                    writer.write(self._response(400, _error_body(400, str(exc)), keep_alive=False))
                    await writer.drain()
                    break
                if request is None:
                    break
                method, path, headers, body = request
                keep_alive = headers.get("connection", "").lower() != "close"
                response = await self._dispatch(method, path, headers, body)
                if response is None:  # Drop
                    break
                status, payload, extra, content_type = response
                writer.write(self._response(status, payload, extra, content_type, keep_alive))
                await writer.drain()
                if not keep_alive:
                    break
        except (ConnectionError, asyncio.IncompleteReadError, asyncio.CancelledError):
            pass
        finally:
            self._tasks.discard(task)
            try:
                writer.close()
            except Exception:  # noqa: BLE001
                pass

    async def _read_request(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter):
        try:
            head = await reader.readuntil(b"\r\n\r\n")
        except asyncio.IncompleteReadError:
            return None  # peer closed between requests
        except asyncio.LimitOverrunError as exc:
            raise _BadRequest("request head too large") from exc
        lines = head.decode("latin-1").split("\r\n")
        try:
            method, target, _version = lines[0].split(" ", 2)
        except ValueError as exc:
            raise _BadRequest(f"bad request line {lines[0]!r}") from exc
        headers: dict[str, str] = {}
        for line in lines[1:]:
            if not line:
                continue
            name, sep, value = line.partition(":")
            if not sep:
                raise _BadRequest(f"bad header line {line!r}")
            headers[name.strip().lower()] = value.strip()
        if headers.get("expect", "").lower() == "100-continue":
            writer.write(b"HTTP/1.1 100 Continue\r\n\r\n")
        if "chunked" in headers.get("transfer-encoding", "").lower():
            body = bytearray()
            while True:
                size_line = await reader.readuntil(b"\r\n")
                try:
                    size = int(size_line.split(b";")[0].strip(), 16)
                except ValueError as exc:
                    raise _BadRequest("bad chunk size") from exc
                if size == 0:
                    while (await reader.readuntil(b"\r\n")) != b"\r\n":  # trailers
                        pass
                    break
                body += await reader.readexactly(size)
                await reader.readexactly(2)
                if len(body) > _MAX_BODY:
                    raise _BadRequest("body too large")
            data = bytes(body)
        else:
            try:
                length = int(headers.get("content-length", "0"))
            except ValueError as exc:
                raise _BadRequest("bad Content-Length") from exc
            if length < 0 or length > _MAX_BODY:
                raise _BadRequest("bad Content-Length")
            data = await reader.readexactly(length) if length else b""
        path = target.split("?", 1)[0]
        return method.upper(), path, headers, data

    @staticmethod
    def _response(
        status: int,
        payload: bytes,
        extra: Mapping[str, str] | None = None,
        content_type: str = "application/json",
        keep_alive: bool = True,
    ) -> bytes:
        head = [
            f"HTTP/1.1 {status} {_REASONS.get(status, 'Status')}",
            f"content-type: {content_type}",
            f"content-length: {len(payload)}",
            f"connection: {'keep-alive' if keep_alive else 'close'}",
        ]
        for name, value in (extra or {}).items():
            head.append(f"{name}: {value}")
        return ("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + payload

    # ------------------------------------------------------------------ routing

    def _authorised(self, headers: Mapping[str, str]) -> bool:
        return self.api_key is None or headers.get("authorization") == f"Bearer {self.api_key}"

    async def _dispatch(self, method: str, path: str, headers: dict, data: bytes):
        path = path.rstrip("/")
        if path in ("/v1/models", "/models"):
            if method != "GET":
                return 405, _error_body(405), {"allow": "GET"}, "application/json"
            if not self._authorised(headers):
                return self._unauthorised()
            names = self.models if self.models is not None else ["test-model"]
            body = {
                "object": "list",
                "data": [{"id": n, "object": "model", "created": 0, "owned_by": "chat_server"} for n in names],
            }
            return 200, json.dumps(body).encode(), None, "application/json"
        if path in ("/v1/chat/completions", "/chat/completions"):
            if method != "POST":
                return 405, _error_body(405), {"allow": "POST"}, "application/json"
            return await self._chat(headers, data)
        return 404, _error_body(404, f"no route {method} {path}"), None, "application/json"

    def _unauthorised(self):
        return (
            401,
            _error_body(401, "Incorrect API key provided.", "invalid_request_error", "invalid_api_key"),
            None,
            "application/json",
        )

    async def _chat(self, headers: dict, data: bytes):
        with self._lock:
            self._in_flight += 1
            self._max_in_flight = max(self._max_in_flight, self._in_flight)
        try:
            return await self._chat_inner(headers, data)
        finally:
            with self._lock:
                self._in_flight -= 1

    async def _chat_inner(self, headers: dict, data: bytes):
        try:
            body = json.loads(data)
        except ValueError:
            body = None
        text = last_user_text(body)
        record = Record(body=body if body is not None else data, text=text, call=0, headers=dict(headers))
        with self._lock:
            index = len(self._records)
            self._records.append(record)
            if text is not None:
                self._by_text[text] += 1
                record.call = self._by_text[text]

        def done(status, payload, extra=None, content_type="application/json"):
            record.status = status
            return status, payload, extra, content_type

        if not self._authorised(headers):
            return done(*self._unauthorised())
        if not isinstance(body, dict):
            return done(400, _error_body(400, "request body is not a JSON object"))
        model = body.get("model")
        if not isinstance(model, str) or not isinstance(body.get("messages"), list):
            return done(400, _error_body(400, "`model` (string) and `messages` (list) are required"))
        if self.models is not None and model not in self.models:
            return done(404, _error_body(404, f"The model `{model}` does not exist.", "NotFoundError", 404))
        if body.get("stream"):
            return done(400, _error_body(400, "stream=true is not supported by this test server"))

        request = ChatRequest(body, text=text or "", call=record.call, index=index, headers=record.headers)
        try:
            action = self.reply(request)
            if inspect.isawaitable(action):
                action = await action
            if isinstance(action, str):
                action = Reply(action)
            elif isinstance(action, int) and not isinstance(action, bool):
                action = Error(action)
            if not isinstance(action, (Reply, Error, Malformed, Drop)):
                raise TypeError(f"reply() returned {action!r}, not an Action")
        except Exception as exc:  # noqa: BLE001 - a script bug becomes a visible 500
            with self._lock:
                self._errors.append(exc)
            return done(500, _error_body(500, f"reply() raised {type(exc).__name__}: {exc}"))

        wait = self.delay + action.delay
        if wait > 0:
            await asyncio.sleep(wait)
        extra = dict(action.headers)
        if isinstance(action, Drop):
            return None
        if isinstance(action, Malformed):
            payload = action.body.encode() if isinstance(action.body, str) else action.body
            return done(action.status, payload, extra, action.content_type)
        if isinstance(action, Error):
            if action.retry_after is not None:
                extra.setdefault("retry-after", str(action.retry_after))
            return done(action.status, _error_body(action.status, action.message, action.type, action.code), extra)
        return done(200, self._completion(body, action), extra)

    def _completion(self, body: dict, action: Reply) -> bytes:
        n = body.get("n") or 1
        if not isinstance(n, int) or n < 1:
            n = 1
        contents = [action.content] * n if isinstance(action.content, str) else list(action.content)
        prompt_tokens = sum(
            _words(_content_text(m.get("content"))) for m in body["messages"] if isinstance(m, dict)
        ) + 16 * _count_images(body)
        completion_tokens = sum(_words(c) for c in contents)
        usage = dict(action.usage) if action.usage is not None else {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": completion_tokens,
            "total_tokens": prompt_tokens + completion_tokens,
        }
        return json.dumps(
            {
                "id": f"chatcmpl-{os.urandom(12).hex()}",
                "object": "chat.completion",
                "created": int(time.time()),
                "model": body["model"],
                "choices": [
                    {
                        "index": i,
                        "message": {"role": "assistant", "content": c},
                        "logprobs": None,
                        "finish_reason": action.finish_reason,
                    }
                    for i, c in enumerate(contents)
                ],
                "usage": usage,
            }
        ).encode()


# ----------------------------------------------------------------------------- CLI


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Scriptable OpenAI-compatible chat-completions test server.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    parser.add_argument("--delay", type=float, default=0.0, help="seconds added before every reply")
    parser.add_argument("--api-key", default=None, help="require 'Authorization: Bearer KEY'")
    parser.add_argument("--model", action="append", dest="models", help="served model name (repeatable)")
    parser.add_argument("--any-model", action="store_true", help="accept any model name")
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--echo", action="store_true", help="numbered list made from the user text (default)")
    mode.add_argument("--reply", default=None, help="answer every request with this text")
    parser.add_argument("--fail-first", type=int, default=0, help="fail the first K requests of every text")
    parser.add_argument("--fail-status", type=int, default=429, help="status for --fail-first (default 429)")
    args = parser.parse_args(argv)

    base: ReplyFn = always(Reply(args.reply)) if args.reply is not None else echo

    def reply(request: ChatRequest):
        if request.call <= args.fail_first:
            return Error(args.fail_status, retry_after=0 if args.fail_status == 429 else None)
        return base(request)

    models = None if args.any_model else (args.models or ["test-model"])
    stop = threading.Event()
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    with ChatServer(reply, api_key=args.api_key, models=models, delay=args.delay, port=args.port, host=args.host) as server:
        print(server.url, flush=True)
        stop.wait()
        print(f"served {server.count()} chat requests", flush=True)


if __name__ == "__main__":
    main()
