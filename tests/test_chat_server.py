"""Tests for tests/chat_server.py, the scriptable OpenAI-compatible test server.

CPU, offline, fast. Run as a script it is a throughput benchmark instead::

    python tests/test_chat_server.py --concurrency 1 8 32 --delay 0.05 --seconds 3

which starts ``python tests/chat_server.py --delay 0.05 --echo`` as a subprocess and has
N ``openai.AsyncOpenAI`` workers (one shared client, ``--client httpx`` for bare httpx
requests, ``--in-thread`` to run the server in this process) send requests back to back,
printing replies/s for each N. The ceiling is N / delay (640/s for N=32 at 50 ms).
"""

from __future__ import annotations

import asyncio
import http.client
import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from chat_server import (  # noqa: E402
    ChatServer,
    Drop,
    Error,
    Malformed,
    Reply,
    always,
    echo,
    last_user_text,
    script,
    sequence,
)

openai = pytest.importorskip("openai") if __name__ != "__main__" else None

MODEL = "test-model"
KEY = "sk-test"
PNG = "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="


def user(text: str) -> list[dict]:
    return [{"role": "user", "content": text}]


def client(server: ChatServer, **kw):
    kw.setdefault("api_key", KEY)
    kw.setdefault("max_retries", 0)
    kw.setdefault("timeout", 5.0)
    return openai.OpenAI(base_url=server.url, **kw)


def ask(server: ChatServer, text: str, **kw):
    create = kw.pop("create", {})
    return client(server, **kw).chat.completions.create(model=MODEL, messages=user(text), **create)


# ----------------------------------------------------------------------------- happy path


def test_sync_client_parses_completion_and_lists_models():
    with ChatServer(api_key=KEY, models=[MODEL, "other"]) as server:
        assert server.url.startswith("http://127.0.0.1:") and server.url.endswith("/v1")
        assert server.port > 0
        c = client(server)
        out = c.chat.completions.create(
            model=MODEL, messages=user("alpha beta gamma"), max_tokens=64, temperature=0.7, top_p=0.9, seed=3
        )
        assert out.object == "chat.completion" and out.model == MODEL and out.id.startswith("chatcmpl-")
        assert len(out.choices) == 1
        choice = out.choices[0]
        assert choice.index == 0 and choice.finish_reason == "stop"
        assert choice.message.role == "assistant"
        assert choice.message.content == "1. alpha\n2. beta\n3. gamma"
        assert out.usage.prompt_tokens == 3 and out.usage.completion_tokens == 6
        assert out.usage.total_tokens == 9
        assert [m.id for m in c.models.list()] == [MODEL, "other"]
        body = server.requests[0]
        assert body["temperature"] == 0.7 and body["top_p"] == 0.9 and body["seed"] == 3
        assert server.count() == 1 and server.count("alpha beta gamma") == 1 and server.count("x") == 0


def test_echo_truncates_at_max_tokens_and_handles_parts_and_n():
    with ChatServer(models=None) as server:  # no key, any model
        c = openai.OpenAI(base_url=server.url, api_key="anything", max_retries=0)
        out = c.chat.completions.create(model="whatever", messages=user("a b c d"), max_completion_tokens=2)
        assert out.choices[0].message.content == "1. a\n2. b"
        assert out.choices[0].finish_reason == "length"
        messages = [
            {"role": "system", "content": "be brief"},
            {"role": "user", "content": "ignored earlier turn"},
            {"role": "assistant", "content": "ok"},
            {
                "role": "user",
                "content": [
                    {"type": "image_url", "image_url": {"url": PNG}},
                    {"type": "text", "text": "what is"},
                    {"type": "text", "text": "this"},
                ],
            },
        ]
        out = c.chat.completions.create(model="whatever", messages=messages, n=2)
        assert [ch.index for ch in out.choices] == [0, 1]
        assert out.choices[1].message.content == "1. what\n2. is\n3. this\n(1 image)"
        assert server.count("what is\nthis") == 1
        assert last_user_text(server.requests[-1]) == "what is\nthis"


def test_async_client_parses_completion():
    async def main(url):
        c = openai.AsyncOpenAI(base_url=url, api_key=KEY, max_retries=0, timeout=5.0)
        try:
            return await c.chat.completions.create(model=MODEL, messages=user("hello async"))
        finally:
            await c.close()

    with ChatServer(reply=always(Reply("fixed", finish_reason="length")), api_key=KEY) as server:
        out = asyncio.run(main(server.url))
        assert out.choices[0].message.content == "fixed"
        assert out.choices[0].finish_reason == "length"
        assert server.count("hello async") == 1


# ----------------------------------------------------------------------------- failures


def test_wrong_or_missing_key_is_401():
    with ChatServer(api_key=KEY) as server:
        with pytest.raises(openai.AuthenticationError) as info:
            ask(server, "hi", api_key="sk-wrong", max_retries=2)
        assert info.value.status_code == 401
        assert info.value.body["code"] == "invalid_api_key"  # the client unwraps {"error": ...}
        with pytest.raises(openai.AuthenticationError):
            client(server, api_key="sk-wrong").models.list()
        assert server.count() == 1 and server.statuses == [401]  # 401 is not retried
        conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=5)
        conn.request("POST", "/v1/chat/completions", json.dumps({"model": MODEL, "messages": user("x")}))
        resp = conn.getresponse()
        assert resp.status == 401 and "error" in json.loads(resp.read())


def test_unknown_model_is_404():
    with ChatServer(api_key=KEY, models=[MODEL]) as server:
        c = client(server, max_retries=2)
        with pytest.raises(openai.NotFoundError) as info:
            c.chat.completions.create(model="nope", messages=user("hi"))
        assert info.value.status_code == 404
        assert info.value.body == {
            "message": "The model `nope` does not exist.",
            "type": "NotFoundError",
            "param": None,
            "code": 404,
        }
        assert server.count() == 1  # not retried


def test_429_then_ok_is_retried_by_the_client():
    reply = script({"q": [Error(429, "slow down", retry_after=0.05), Reply("done")]})
    with ChatServer(reply=reply, api_key=KEY) as server:
        out = ask(server, "q", max_retries=1)
        assert out.choices[0].message.content == "done"
        assert server.count("q") == 2 and server.count() == 2
        assert server.statuses == [429, 200]
        assert [r.call for r in server.records] == [1, 2]


def test_429_headers_reach_the_client():
    with ChatServer(reply=always(Error(429, retry_after=7)), api_key=KEY) as server:
        with pytest.raises(openai.RateLimitError) as info:
            ask(server, "q")
        assert info.value.response.headers["retry-after"] == "7"
        assert info.value.message.startswith("Error code: 429")


@pytest.mark.parametrize(
    "status, exc, retried",
    [
        (400, "BadRequestError", False),
        (403, "PermissionDeniedError", False),
        (408, "APIStatusError", True),
        (409, "ConflictError", True),
        (422, "UnprocessableEntityError", False),
        (429, "RateLimitError", True),
        (500, "InternalServerError", True),
        (502, "InternalServerError", True),
        (503, "InternalServerError", True),
        (504, "InternalServerError", True),
    ],
)
def test_error_status_raises(status, exc, retried):
    with ChatServer(reply=always(Error(status, retry_after=0.01)), api_key=KEY) as server:
        with pytest.raises(getattr(openai, exc)) as info:
            ask(server, "boom", max_retries=0)
        assert type(info.value) is getattr(openai, exc)
        assert info.value.status_code == status
        assert server.count("boom") == 1
        with pytest.raises(getattr(openai, exc)):
            ask(server, "again", max_retries=1)
        assert server.count("again") == (2 if retried else 1)


def test_5xx_is_retried_but_x_should_retry_false_stops_it():
    reply = script({"a": [Error(503, retry_after=0.01)], "b": [Error(503, headers={"x-should-retry": "false"})]})
    with ChatServer(reply=reply, api_key=KEY) as server:
        with pytest.raises(openai.InternalServerError):
            ask(server, "a", max_retries=2)
        assert server.count("a") == 3
        with pytest.raises(openai.InternalServerError):
            ask(server, "b", max_retries=2)
        assert server.count("b") == 1


def test_delay_beyond_client_timeout_raises_timeout():
    with ChatServer(reply=always(Reply("late", delay=3.0)), api_key=KEY) as server:
        start = time.monotonic()
        with pytest.raises(openai.APITimeoutError):
            ask(server, "slow", timeout=0.2, max_retries=0)
        assert time.monotonic() - start < 1.5
        assert server.count("slow") == 1
        assert issubclass(openai.APITimeoutError, openai.APIConnectionError)
        start = time.monotonic()
    assert time.monotonic() - start < 1.0  # stop() cancels the pending sleep


def test_timeout_is_retried_by_the_client():
    reply = script({"t": [Reply("late", delay=3.0), Reply("in time")]})
    with ChatServer(reply=reply, api_key=KEY) as server:
        out = ask(server, "t", timeout=0.2, max_retries=1)
        assert out.choices[0].message.content == "in time"
        assert server.count("t") == 2


def test_server_wide_delay_applies_to_every_reply():
    with ChatServer(api_key=KEY, delay=0.2) as server:
        c = client(server)
        start = time.monotonic()
        c.chat.completions.create(model=MODEL, messages=user("x"))
        assert time.monotonic() - start >= 0.2
        with pytest.raises(openai.APITimeoutError):
            c.with_options(timeout=0.05).chat.completions.create(model=MODEL, messages=user("y"))


def test_invalid_json_body_raises_json_decode_error_not_retried():
    with ChatServer(reply=always(Malformed.invalid_json()), api_key=KEY) as server:
        with pytest.raises(json.JSONDecodeError) as info:
            ask(server, "bad", max_retries=2)
        assert not isinstance(info.value, openai.OpenAIError)
        assert isinstance(info.value, ValueError)
        assert server.count("bad") == 1  # the client's retry loop never sees it


def test_json_without_choices_is_not_detected_by_default():
    with ChatServer(reply=always(Malformed.no_choices()), api_key=KEY) as server:
        out = ask(server, "empty", max_retries=2)
        assert out.choices is None
        assert server.count("empty") == 1
        with pytest.raises(openai.APIResponseValidationError):
            ask(server, "empty", max_retries=2, _strict_response_validation=True)
        assert server.count("empty") == 2


def test_malformed_bodies_with_async_client():
    async def main(url, text):
        c = openai.AsyncOpenAI(base_url=url, api_key=KEY, max_retries=2, timeout=5.0)
        try:
            return await c.chat.completions.create(model=MODEL, messages=user(text))
        finally:
            await c.close()

    reply = script({"bad": [Malformed.invalid_json()], "empty": [Malformed.no_choices()]})
    with ChatServer(reply=reply, api_key=KEY) as server:
        with pytest.raises(json.JSONDecodeError):
            asyncio.run(main(server.url, "bad"))
        assert asyncio.run(main(server.url, "empty")).choices is None
        assert server.count() == 2


def test_non_json_content_type_returns_a_string():
    with ChatServer(reply=always(Malformed("<html>bad gateway</html>", content_type="text/html")), api_key=KEY) as server:
        out = ask(server, "html")
        assert out == "<html>bad gateway</html>"


def test_dropped_connection_raises_connection_error_and_is_retried():
    reply = script({"d": [Drop(), "back"], "gone": [Drop()]})
    with ChatServer(reply=reply, api_key=KEY) as server:
        with pytest.raises(openai.APIConnectionError) as info:
            ask(server, "gone", max_retries=0)
        assert not isinstance(info.value, openai.APITimeoutError)
        assert server.statuses == [None]
        assert ask(server, "d", max_retries=1).choices[0].message.content == "back"
        assert server.count("d") == 2


# ----------------------------------------------------------------------------- concurrency


def test_32_concurrent_requests_with_a_delay_overlap():
    async def main(url):
        c = openai.AsyncOpenAI(base_url=url, api_key=KEY, max_retries=0, timeout=10.0)
        try:
            await c.chat.completions.create(model=MODEL, messages=user("warm up"))
            start = time.monotonic()
            outs = await asyncio.gather(
                *(c.chat.completions.create(model=MODEL, messages=user(f"q {i}")) for i in range(32))
            )
            return time.monotonic() - start, outs
        finally:
            await c.close()

    with ChatServer(api_key=KEY, delay=0.15) as server:
        elapsed, outs = asyncio.run(main(server.url))
        assert [o.choices[0].message.content for o in outs] == [f"1. q\n2. {i}" for i in range(32)]
        assert server.count() == 33
        print(f"32 requests in {elapsed:.3f} s, peak {server.max_in_flight} in flight")
        assert elapsed < 2.4, elapsed  # serial: 32 x 150 ms = 4.8 s; overlapping: about 0.4 s, 1.2 s seen on a busy one
        assert server.max_in_flight >= 16  # the requests really overlapped on the server
        assert server.in_flight == 0


# ----------------------------------------------------------------------------- scripting


def test_script_sequence_and_shorthands():
    reply = script(
        {
            "flaky": [429, 500, "third time lucky"],
            "dyn": [lambda r: Reply(f"call {r.call} of {r.text} #{r.index}")],
        },
        default=always(Reply("default")),
    )
    with ChatServer(reply=reply, api_key=KEY) as server:
        c = client(server)
        for status in (429, 500):
            with pytest.raises(openai.APIStatusError) as info:
                c.chat.completions.create(model=MODEL, messages=user("flaky"))
            assert info.value.status_code == status
        for _ in range(2):  # past the end of the list the last entry repeats
            out = c.chat.completions.create(model=MODEL, messages=user("flaky"))
            assert out.choices[0].message.content == "third time lucky"
        out = c.chat.completions.create(model=MODEL, messages=user("dyn"))
        assert out.choices[0].message.content == "call 1 of dyn #4"
        out = c.chat.completions.create(model=MODEL, messages=user("other"))
        assert out.choices[0].message.content == "default"
        assert server.count("flaky") == 4 and server.count("dyn") == 1 and server.count() == 6
        server.reset()
        assert server.count() == 0 and server.requests == []

    with ChatServer(reply=sequence([503, Reply("x")]), api_key=KEY) as server:
        c = client(server)
        with pytest.raises(openai.InternalServerError):
            c.chat.completions.create(model=MODEL, messages=user("a"))
        assert c.chat.completions.create(model=MODEL, messages=user("b")).choices[0].message.content == "x"
        assert c.chat.completions.create(model=MODEL, messages=user("c")).choices[0].message.content == "1. c"


def test_async_reply_and_reply_errors():
    async def slow_reply(request):
        await asyncio.sleep(0.01)
        if request.text == "crash":
            raise KeyError("oops")
        return Reply(request.text.upper())

    with ChatServer(reply=slow_reply, api_key=KEY) as server:
        assert ask(server, "up").choices[0].message.content == "UP"
        with pytest.raises(openai.InternalServerError) as info:
            ask(server, "crash")
        assert "KeyError" in str(info.value)
        assert len(server.errors) == 1 and isinstance(server.errors[0], KeyError)


def test_custom_usage_and_per_choice_content():
    usage = {"prompt_tokens": 10, "completion_tokens": 2, "total_tokens": 12}
    with ChatServer(reply=always(Reply(["one", "two"], usage=usage)), api_key=KEY) as server:
        out = ask(server, "x", create={"n": 2})
        assert [ch.message.content for ch in out.choices] == ["one", "two"]
        assert out.usage.total_tokens == 12


def test_echo_is_deterministic():
    body = {"model": MODEL, "messages": user("x y")}
    assert echo(body) == echo(dict(body)) == Reply("1. x\n2. y")


# ----------------------------------------------------------------------------- raw HTTP


def test_raw_http_keep_alive_chunked_and_errors():
    with ChatServer(api_key=KEY) as server:
        conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=5)
        auth = {"Authorization": f"Bearer {KEY}", "Content-Type": "application/json"}
        for i in range(3):  # one connection, several requests
            conn.request("POST", "/v1/chat/completions", json.dumps({"model": MODEL, "messages": user(f"k{i}")}), auth)
            resp = conn.getresponse()
            assert resp.status == 200 and json.loads(resp.read())["choices"][0]["message"]["content"] == f"1. k{i}"

        def chunks():
            yield json.dumps({"model": MODEL, "messages": user("chunked body")}).encode()

        conn.request("POST", "/v1/chat/completions", chunks(), auth, encode_chunked=True)
        resp = conn.getresponse()
        assert resp.status == 200 and "chunked" in resp.read().decode()

        conn.request("POST", "/v1/chat/completions", b"{not json", auth)
        resp = conn.getresponse()
        assert resp.status == 400 and "error" in json.loads(resp.read())
        conn.request("POST", "/v1/chat/completions", json.dumps({"model": MODEL}), auth)
        resp = conn.getresponse()
        assert resp.status == 400 and resp.read()
        conn.request("GET", "/v1/chat/completions", headers=auth)
        resp = conn.getresponse()
        assert resp.status == 405 and resp.read()
        conn.request("GET", "/v1/nothing", headers=auth)
        resp = conn.getresponse()
        assert resp.status == 404 and resp.read()
        conn.request("GET", "/v1/models", headers=auth)
        resp = conn.getresponse()
        assert json.loads(resp.read())["data"][0]["id"] == MODEL
        assert server.count() == 6 and server.statuses == [200, 200, 200, 200, 400, 400]


def test_half_sent_request_and_killed_peer_do_not_break_the_server():
    with ChatServer(api_key=KEY, delay=0.2) as server:
        s = socket.create_connection(("127.0.0.1", server.port))
        s.sendall(b"POST /v1/chat/completions HTTP/1.1\r\nContent-Length: 100\r\n\r\n{")
        s.close()
        # a peer that disconnects while its reply is being delayed
        s = socket.create_connection(("127.0.0.1", server.port))
        body = json.dumps({"model": MODEL, "messages": user("gone")}).encode()
        s.sendall(
            b"POST /v1/chat/completions HTTP/1.1\r\nAuthorization: Bearer " + KEY.encode()
            + b"\r\nContent-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body
        )
        s.close()
        assert ask(server, "still here").choices[0].message.content == "1. still\n2. here"
        assert server.count("gone") == 1


def test_cli_standalone_server():
    cmd = [sys.executable, str(Path(__file__).with_name("chat_server.py")), "--port", "0", "--delay", "0.01",
           "--echo", "--api-key", KEY, "--model", MODEL, "--fail-first", "1", "--fail-status", "503"]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)
    try:
        url = proc.stdout.readline().strip()
        assert url.startswith("http://127.0.0.1:") and url.endswith("/v1")
        c = openai.OpenAI(base_url=url, api_key=KEY, max_retries=0, timeout=5.0)
        with pytest.raises(openai.InternalServerError):
            c.chat.completions.create(model=MODEL, messages=user("one two"))
        out = c.chat.completions.create(model=MODEL, messages=user("one two"))
        assert out.choices[0].message.content == "1. one\n2. two"
    finally:
        proc.terminate()
        out, _ = proc.communicate(timeout=10)
    assert proc.returncode == 0 and "served 2 chat requests" in out


def test_port_in_use_raises_on_start():
    with ChatServer() as first:
        with pytest.raises(OSError):
            ChatServer(port=first.port).start()


# ----------------------------------------------------------------------------- benchmark


def _bench(argv=None) -> None:
    import argparse

    import openai as oa

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 8, 32])
    parser.add_argument("--delay", type=float, default=0.05)
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--client", choices=["openai", "httpx", "raw"], default="openai",
                        help="raw: a minimal asyncio HTTP/1.1 client, to measure the server alone")
    parser.add_argument("--in-thread", action="store_true", help="run the server in this process")
    args = parser.parse_args(argv)

    async def run_level(url: str, n: int) -> tuple[int, float]:
        if args.client == "openai":
            c = oa.AsyncOpenAI(base_url=url, api_key=KEY, max_retries=0, timeout=30.0)

            async def one(text):
                out = await c.chat.completions.create(model=MODEL, messages=user(text), max_tokens=32)
                assert out.choices[0].message.content
        elif args.client == "raw":
            host, port = url.split("//")[1].split("/")[0].split(":")
            pool: list = []

            class c:  # noqa: N801 - a stand-in with the clients' close()
                @staticmethod
                async def close():
                    for _, w in pool:
                        w.close()

            async def one(text):
                conn = pool.pop() if pool else await asyncio.open_connection(host, int(port))
                reader, writer = conn
                body = json.dumps({"model": MODEL, "messages": user(text), "max_tokens": 32}).encode()
                writer.write(
                    f"POST /v1/chat/completions HTTP/1.1\r\nhost: {host}\r\nauthorization: Bearer {KEY}\r\n"
                    f"content-type: application/json\r\ncontent-length: {len(body)}\r\n\r\n".encode() + body
                )
                head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1").lower()
                assert head.startswith("http/1.1 200")
                length = int(head.split("content-length:")[1].split("\r\n")[0])
                assert json.loads(await reader.readexactly(length))["choices"]
                pool.append(conn)
        else:
            import httpx2 as httpx  # the transport openai uses in this environment

            c = httpx.AsyncClient(base_url=url, headers={"Authorization": f"Bearer {KEY}"}, timeout=30.0,
                                  limits=httpx.Limits(max_connections=1000, max_keepalive_connections=1000))

            async def one(text):
                r = await c.post("/chat/completions", json={"model": MODEL, "messages": user(text), "max_tokens": 32})
                assert r.status_code == 200 and r.json()["choices"]

        done = 0
        stop_at = 0.0

        async def worker(w):
            nonlocal done
            i = 0
            while time.monotonic() < stop_at:
                await one(f"worker {w} request {i}")
                done += 1
                i += 1

        await asyncio.gather(*(one("warm up") for _ in range(n)))  # open the connections
        start = time.monotonic()
        stop_at = start + args.seconds
        await asyncio.gather(*(worker(w) for w in range(n)))
        elapsed = time.monotonic() - start
        await (c.aclose() if args.client == "httpx" else c.close())
        return done, elapsed

    proc = None
    server = None
    if args.in_thread:
        server = ChatServer(api_key=KEY, delay=args.delay).start()
        url = server.url
    else:
        cmd = [sys.executable, str(Path(__file__).with_name("chat_server.py")), "--delay", str(args.delay),
               "--echo", "--api-key", KEY, "--model", MODEL]
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)
        url = proc.stdout.readline().strip()
    try:
        print(f"server {url} ({'thread' if args.in_thread else 'subprocess'}), delay {args.delay * 1000:.0f} ms, "
              f"client {args.client}, {os.cpu_count()} CPUs")
        for n in args.concurrency:
            done, elapsed = asyncio.run(run_level(url, n))
            ceiling = n / args.delay if args.delay > 0 else float("inf")
            print(f"concurrency {n:3d}: {done:6d} replies in {elapsed:.2f} s = {done / elapsed:7.1f} replies/s "
                  f"(ceiling {ceiling:.0f}/s, {done / elapsed / ceiling:.0%})", flush=True)
    finally:
        if server is not None:
            server.stop()
        if proc is not None:
            proc.terminate()
            proc.wait(timeout=10)


if __name__ == "__main__":
    _bench()
