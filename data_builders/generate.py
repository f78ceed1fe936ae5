"""Privileged input written by a model: step-wise hints and query-related boxes for records of any reader, the rule
checks on every item, the judge's recheck, and a cache that makes a killed build resumable.

The paper's privileged inputs were written by a strong model (hints without executed computation or final answer on
the language side, boxes with object labels on the vision side), rechecked by a second pass of the model, and
low-quality items were discarded. Here:

    plain records (any reader, no privileged input)
      -> generation prompt (configs/prompts/hints.yaml | boxes.yaml, versioned) -> generator -> reply
      -> rule checks (data_builders/checks.py) -> [judge prompt -> judge -> score >= --min-score] -> records

A generator is a local model (a folder, a hub id or PAIR:teacher / PAIR:student, loaded and run by the code
training and evaluation use, in batches) or an OpenAI-compatible chat-completions endpoint (vLLM, SGLang, hosted
APIs) through the `openai` client with `concurrency` requests in flight, retries with exponential backoff on 429,
5xx, timeouts, dropped connections and malformed bodies, and a stop at once on 401 / 403 / 404 (wrong key or model).

Every reply is appended to `<out>.cache/generations.jsonl` the moment it arrives, keyed by record id, stage,
generator, prompt version, sampling settings and a hash of the prompt's fields; a rerun of the same command (after
a crash or SIGKILL) sends no request whose reply is cached, and builds the same data set. Failed requests are not
cached: a rerun asks again.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import math
import mimetypes
import multiprocessing
import os
import random
import signal
import sys
import time
from collections import Counter
from dataclasses import asdict, dataclass, field, replace
from importlib import resources
from pathlib import Path
from typing import Callable, Iterable, Iterator

import yaml

from data_builders.build import Reject, Source, check_images, where_of
from data_builders.checks import CheckFailed, check_boxes, check_hints, judge_score
from dopd_vl.errors import DopdError
from dopd_vl.records import Privileged, Record, RecordError, box_json, image_size, resolve_image

JSON_CONTENT = {"headers": {"Content-Type": "application/json"}}
WORKER_SLOTS = 16  # endpoint requests in flight per worker process (see EndpointGenerator.replies)
CACHE_FILE = "generations.jsonl"


class GeneratorError(DopdError):
    """A generator that cannot be used at all (wrong key, unknown model, unreachable server): the build stops."""


# ---------------------------------------------------------------------------------------------------------------
# Prompts
# ---------------------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class PromptTemplate:
    """A versioned prompt of `configs/prompts/`: `user` is a format string over `question`, `answer_block` (the
    template's own `answer_block` filled with the record's answer, empty when it has none) and `privileged` (the
    generated item, for judge prompts)."""
    name: str
    version: str
    system: str
    user: str
    answer_block: str
    max_new_tokens: int


def load_prompt(name: str) -> PromptTemplate:
    text = resources.files("dopd_vl.configs").joinpath("prompts", f"{name}.yaml").read_text(encoding="utf-8")
    raw = yaml.safe_load(text)
    return PromptTemplate(name=name, version=raw["version"], system=raw.get("system") or "", user=raw["user"],
                          answer_block=raw.get("answer_block") or "", max_new_tokens=int(raw["max_new_tokens"]))


def prompt_messages(record: Record, template: PromptTemplate, image_root, privileged: str = "") -> list[dict]:
    """The chat messages that ask for one record's item (or, with `privileged`, for the judge's grade of it): the
    record's images first, then the template's text. The record's tests and other metadata never enter."""
    answer_block = template.answer_block.format(answer=record.answer) if record.answer else ""
    text = template.user.format(question=record.question, answer_block=answer_block, privileged=privileged)
    images = [resolve_image(path, image_root) for path in record.images]
    content = text if not images else [{"type": "image", "image": path} for path in images] + \
        [{"type": "text", "text": text}]
    system = [{"role": "system", "content": template.system}] if template.system else []
    return system + [{"role": "user", "content": content}]


# ---------------------------------------------------------------------------------------------------------------
# Generators
# ---------------------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Sampling:
    temperature: float = 0.0  # greedy: the same data set from the same model, and the judge grades deterministically
    top_p: float = 1.0
    max_new_tokens: int | None = None  # None: the prompt template's own budget
    seed: int | None = 0


@dataclass(frozen=True)
class Request:
    key: str
    record_id: str
    messages: list = field(hash=False)
    max_new_tokens: int


@dataclass(frozen=True)
class Reply:
    text: str
    finish_reason: str  # "stop", or "length" when cut at max_new_tokens


@dataclass(frozen=True)
class RequestFailed:
    """A request that got no reply after every retry, or that the server refused (400): the item is rejected with
    `reason` and, since nothing is cached, asked again by a rerun."""
    reason: str
    detail: str


class LocalGenerator:
    """A model on this machine, run in batches through `dopd_vl.rollout.generate_replies` (what evaluation uses)."""

    def __init__(self, reference: str, sampling: Sampling, batch_size: int = 8, device: str = "cpu"):
        from dopd_vl.models import load_model, resolve_model

        self.name = reference
        self.sampling, self.batch_size = sampling, batch_size
        location, family = resolve_model(reference)
        self.model, self.processor = load_model(location, family, device)

    def replies(self, requests: list[Request]) -> Iterator[tuple[Request, Reply | RequestFailed]]:
        import torch

        from dopd_vl.rollout import generate_replies

        if self.sampling.seed is not None:
            torch.manual_seed(self.sampling.seed)
        for start in range(0, len(requests), self.batch_size):
            batch = requests[start:start + self.batch_size]
            replies = generate_replies(self.model, self.processor, [r.messages for r in batch],
                                       max(r.max_new_tokens for r in batch), self.sampling.temperature,
                                       self.sampling.top_p)
            for request, (text, finish_reason) in zip(batch, replies):
                yield request, Reply(text, finish_reason)


def image_data_url(path: str) -> str:
    mime = mimetypes.guess_type(path)[0] or "image/png"
    with open(path, "rb") as handle:
        return f"data:{mime};base64,{base64.b64encode(handle.read()).decode('ascii')}"


def openai_messages(messages: list[dict]) -> list[dict]:
    """The project's chat messages in the chat-completions form: images as base64 data URLs."""
    converted = []
    for message in messages:
        content = message["content"]
        if not isinstance(content, str):
            content = [{"type": "image_url", "image_url": {"url": image_data_url(str(part["image"]))}}
                       if "image" in part else {"type": "text", "text": part["text"]} for part in content]
        converted.append({"role": message["role"], "content": content})
    return converted


class EndpointGenerator:
    """An OpenAI-compatible chat-completions endpoint (`http://HOST:PORT/v1`) through the `openai` client."""

    def __init__(self, url: str, model: str | None, sampling: Sampling, *, api_key_env: str = "OPENAI_API_KEY",
                 concurrency: int = 8, max_retries: int = 5, timeout: float = 600.0, retry_delay: float = 1.0):
        try:
            import openai  # noqa: F401
        except ImportError:
            raise GeneratorError("an endpoint generator needs the openai package: pip install -e \".[generate]\" "
                                 "(or pip install openai)") from None
        if concurrency < 1 or max_retries < 0:
            raise GeneratorError(f"--concurrency must be at least 1 and --max-retries at least 0 (got {concurrency}, "
                                 f"{max_retries})")
        self.url, self.sampling = url.rstrip("/"), sampling
        self.api_key_env = api_key_env
        self.api_key = os.environ.get(api_key_env) or "EMPTY"  # vLLM and SGLang accept any key unless started with one
        self.concurrency, self.max_retries, self.timeout, self.retry_delay = concurrency, max_retries, timeout, \
            retry_delay
        self.model = model or self.only_served_model()
        self.name = f"{self.url}#{self.model}"

    def client(self, asynchronous: bool):
        import openai

        client_class = openai.AsyncOpenAI if asynchronous else openai.OpenAI
        return client_class(base_url=self.url, api_key=self.api_key, max_retries=0, timeout=self.timeout)

    def only_served_model(self) -> str:
        """The model name when the endpoint serves exactly one (as `vllm serve` does); otherwise an error listing
        them."""
        import openai

        try:
            served = [model.id for model in self.client(asynchronous=False).models.list()]
        except openai.AuthenticationError:
            raise GeneratorError(self.refusal("401 Unauthorized")) from None
        except (openai.APIError, OSError) as error:
            raise GeneratorError(f"{self.url}: cannot list the served models ({error.__class__.__name__}: {error}); "
                                 f"is the server running? name the model with --generator-model") from None
        if len(served) != 1:
            raise GeneratorError(f"{self.url} serves {len(served)} models ({', '.join(served) or 'none'}); name one "
                                 f"with --generator-model")
        return served[0]

    def refusal(self, status: str) -> str:
        if status.startswith("404"):
            return (f"{self.url} answered {status} for model {getattr(self, 'model', None)!r}: check --generator-model "
                    f"against the server's model list ({self.url}/models); the build stopped")
        return (f"{self.url} answered {status}: check the API key in the environment variable {self.api_key_env} "
                f"(set: {'yes' if os.environ.get(self.api_key_env) else 'no'}; --api-key-env names another); the "
                f"build stopped")

    async def complete(self, client, request: Request) -> Reply | RequestFailed:
        """One chat completion with retries. The body is posted and parsed here (`client.post(..., cast_to=str)`,
        the client's documented route for raw requests) rather than through `chat.completions.create`: the client's
        status errors, timeouts and connection handling are the same, and the typed request and response models,
        which cost more CPU per request than the whole rest of the build, are skipped."""
        import openai

        body = dict(model=self.model, messages=openai_messages(request.messages), max_tokens=request.max_new_tokens,
                    temperature=self.sampling.temperature, top_p=self.sampling.top_p)
        if self.sampling.seed is not None:
            body["seed"] = self.sampling.seed
        payload = json.dumps(body, ensure_ascii=False).encode("utf-8")  # bytes: the client copies a dict body deeply
        for attempt in range(self.max_retries + 1):
            retry_after = None
            try:
                reply = await client.post("/chat/completions", content=payload, cast_to=str, options=JSON_CONTENT)
                choice = json.loads(reply)["choices"][0]
                if not isinstance(choice["message"]["content"], str):
                    raise ValueError("the reply has no message content")
                return Reply(choice["message"]["content"], choice.get("finish_reason") or "stop")
            except (openai.AuthenticationError, openai.PermissionDeniedError, openai.NotFoundError) as error:
                raise GeneratorError(self.refusal(f"{error.status_code} {error.__class__.__name__}")) from None
            except (openai.RateLimitError, openai.InternalServerError) as error:
                problem = f"{error.status_code} {error.__class__.__name__}"
                retry_after = error.response.headers.get("retry-after")
            except openai.APIStatusError as error:  # 400, 413, 422, ...: this request will not succeed as it is
                if error.status_code not in (408, 409):  # 408 request timeout and 409 conflict are worth a retry
                    return RequestFailed("request_refused", f"{error.status_code}: {error.message}")
                problem = f"{error.status_code} {error.__class__.__name__}"
            except openai.APIConnectionError as error:  # APITimeoutError included
                problem = error.__class__.__name__
            except (ValueError, KeyError, IndexError, TypeError) as error:  # not JSON, no choices, no message
                problem = f"malformed reply ({error.__class__.__name__}: {str(error)[:120]})"
            if attempt == self.max_retries:
                return RequestFailed("request_failed", f"{problem} after {self.max_retries + 1} attempt(s)")
            await asyncio.sleep(self.backoff(attempt, retry_after))
        raise AssertionError("unreachable")

    def backoff(self, attempt: int, retry_after: str | None) -> float:
        """Seconds before retry `attempt + 1`: the server's Retry-After when it gives one, else exponential with
        jitter (1, 2, 4, ... times `retry_delay`, at most 60 s)."""
        try:
            if retry_after is not None:
                return min(float(retry_after), 60.0)
        except ValueError:
            pass
        return min(self.retry_delay * 2 ** attempt, 60.0) * (0.5 + random.random() / 2)

    def replies(self, requests: list[Request]) -> Iterator[tuple[Request, Reply | RequestFailed]]:
        """Replies in the order they arrive, `concurrency` requests in flight; raises GeneratorError at once when
        the server refuses the key or the model.

        The requests are shared out among worker processes, WORKER_SLOTS requests in flight each (at most one per
        core): the client spends about 2 ms of CPU on each request, so one process tops out near 500 requests/s, under
        what a fast server gives at 32 in flight. Workers die with this process (SIGKILL included), so a killed
        build leaves no requests going out behind it."""
        if not requests:
            return
        context = multiprocessing.get_context("fork" if sys.platform == "linux" else "spawn")
        results = context.Queue()
        count = min(os.cpu_count() or 1, math.ceil(self.concurrency / WORKER_SLOTS), len(requests))
        slots = [self.concurrency // count + (k < self.concurrency % count) for k in range(count)]
        workers = [context.Process(target=self.work, args=(requests[k::count], slots[k], results, os.getpid()),
                                   daemon=True) for k in range(count)]
        by_key = {request.key: request for request in requests}
        for worker in workers:
            worker.start()
        try:
            finished = 0
            while finished < count:
                item = results.get()
                if item is None:
                    finished += 1
                elif isinstance(item, str):
                    raise GeneratorError(item)
                else:
                    yield by_key[item[0]], item[1]
        finally:
            for worker in workers:
                if worker.is_alive():
                    worker.terminate()
                worker.join()

    def work(self, requests: list[Request], concurrency: int, results, parent: int) -> None:
        """A worker process: `concurrency` requests in flight; each outcome goes to `results` as (key, reply), a
        refusal as its message (after which no request is sent), and None at the end."""
        die_with_parent(parent)

        async def run():
            semaphore = asyncio.Semaphore(concurrency)
            stopped = False  # set by the first refusal (401, 403, 404)

            async def one(request: Request):
                nonlocal stopped
                async with semaphore:
                    if stopped:
                        return
                    try:
                        results.put((request.key, await self.complete(client, request)))
                    except GeneratorError as error:
                        if not stopped:
                            results.put(str(error))
                        stopped = True
            async with self.client(asynchronous=True) as client:
                await asyncio.gather(*(one(request) for request in requests))
        try:
            asyncio.run(run())
        finally:
            results.put(None)
            results.close()
            results.join_thread()


def die_with_parent(parent: int) -> None:
    """Have the kernel kill this process when its parent dies (Linux); exit now if it already has."""
    try:
        import ctypes

        ctypes.CDLL(None).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass  # not Linux: a killed build's workers finish the requests they hold
    if os.getppid() != parent:
        os._exit(0)


def make_generator(reference: str, model: str | None, sampling: Sampling, *, api_key_env: str = "OPENAI_API_KEY",
                   concurrency: int = 8, max_retries: int = 5, timeout: float = 600.0, batch_size: int = 8,
                   device: str = "cpu"):
    if reference.startswith(("http://", "https://")):
        return EndpointGenerator(reference, model, sampling, api_key_env=api_key_env, concurrency=concurrency,
                                 max_retries=max_retries, timeout=timeout)
    return LocalGenerator(reference, sampling, batch_size=batch_size, device=device)


# ---------------------------------------------------------------------------------------------------------------
# The cache
# ---------------------------------------------------------------------------------------------------------------

class GenerationCache:
    """`generations.jsonl` in the cache folder: one line per reply, appended and flushed the moment it arrives, so a
    build killed at any point keeps every reply it had received (a line cut by the kill is ignored)."""

    def __init__(self, folder: Path):
        folder.mkdir(parents=True, exist_ok=True)
        self.path = folder / CACHE_FILE
        self.entries: dict[str, dict] = {}
        if self.path.is_file():
            with open(self.path, "rb") as handle:
                for line in handle:
                    try:
                        entry = json.loads(line)
                        self.entries[entry["key"]] = entry
                    except (ValueError, KeyError, TypeError):
                        continue  # the line the kill cut short
        self.handle = open(self.path, "ab")
        if self.handle.tell() and not self.path.read_bytes().endswith(b"\n"):
            self.handle.write(b"\n")  # end the cut line, so the next entry starts on its own

    def get(self, key: str) -> dict | None:
        return self.entries.get(key)

    def put(self, entry: dict) -> None:
        self.entries[entry["key"]] = entry
        self.handle.write(json.dumps(entry, ensure_ascii=False).encode("utf-8") + b"\n")
        self.handle.flush()

    def close(self) -> None:
        self.handle.close()


def cache_folder(out: Path) -> Path:
    return out.parent / f"{out.name}.cache"


def cache_key(stage: str, record: Record, generator: str, template: PromptTemplate, sampling: Sampling,
              privileged: str = "") -> str:
    """Record id, stage, generator, prompt version and sampling settings, and a hash of what the prompt is made of
    (question, answer, image paths as the record gives them, the judged item), so a changed record is asked anew."""
    fields = {"id": record.id, "stage": stage, "generator": generator, "prompt": template.version,
              "sampling": asdict(sampling), "question": record.question, "answer": record.answer,
              "images": list(record.images), "privileged": privileged}
    return hashlib.sha256(json.dumps(fields, sort_keys=True).encode("utf-8")).hexdigest()[:32]


# ---------------------------------------------------------------------------------------------------------------
# The generation stage of a build
# ---------------------------------------------------------------------------------------------------------------

@dataclass
class GenerationSettings:
    kind: str                        # hints | boxes
    generator: object                # LocalGenerator | EndpointGenerator (anything with .name and .replies)
    sampling: Sampling
    cache: Path                      # the cache folder
    judge: object | None = None      # set: --recheck
    judge_sampling: Sampling = Sampling()
    min_score: int = 4
    max_privileged_tokens: int | None = 1024
    show_progress: bool | None = None


def item_text(record: Record, kind: str, image_root=None) -> str:
    """A record's hints or boxes written as a generator should write them (and as the judge reads them): numbered
    hints one per line, or one JSON list of Qwen3-VL grounding objects on the 0-1000 scale."""
    if kind == "hints":
        return "\n".join(f"{i}. {hint}" for i, hint in enumerate(record.privileged.hints, 1))
    size = image_size(resolve_image(record.images[0], image_root))
    return "[" + ", ".join(box_json(box.label, box.bbox_xyxy_px, size) for box in record.privileged.boxes) + "]"


def reject(record: Record, kind: str, reason: str, detail: str, **details) -> Reject:
    field_name = f"privileged.{kind}"
    return Reject(record.id, where_of(record), field_name, reason, f"record {record.id!r} ({where_of(record)}), "
                  f"field '{field_name}': generated {kind} rejected ({reason}): {detail}", details=details)


def accept_reply(record: Record, reply: Reply, settings: GenerationSettings, image_root) -> Record | Reject:
    """The record with the generated item, or the Reject naming the first check the reply fails."""
    if reply.finish_reason == "length":
        return reject(record, settings.kind, "cut_at_limit", "the reply stopped at the generation limit "
                      "(finish_reason 'length'): raise --max-new-tokens if replies are long, or the model loops",
                      raw=reply.text)
    try:
        if settings.kind == "hints":
            hints = check_hints(reply.text, record.answer, record.question, settings.max_privileged_tokens)
            privileged = Privileged(hints=tuple(hints))
        else:
            size = image_size(resolve_image(record.images[0], image_root))
            privileged = Privileged(boxes=check_boxes(reply.text, size))
    except CheckFailed as failure:
        return reject(record, settings.kind, failure.reason, failure.detail, raw=reply.text)
    return replace(record, privileged=privileged)


def generated_source(make_plain: Callable[[Path], Source], settings: GenerationSettings) -> Callable[[Path], Source]:
    """Wrap a reader's Source (plain records) into one whose records carry generated, checked (and, with a judge,
    rechecked) privileged input, in the reader's order; every record that fails is a Reject with its reason."""
    def make_source(work: Path) -> Source:
        plain = make_plain(work)
        image_root = plain.image_root if plain.image_root is not None else work
        items = list(plain.items)
        stats = generation_stats(settings)
        plain.details["generation"] = stats
        cache = GenerationCache(settings.cache)
        started = time.perf_counter()
        try:
            outcomes = run_stage("generate", items, settings, cache, stats, image_root)
            if settings.judge is not None:
                outcomes.update(run_stage("judge", [outcomes[item.id] for item in items if isinstance(item, Record)
                                                    and isinstance(outcomes[item.id], Record)],
                                          settings, cache, stats, image_root))
        finally:
            cache.close()
        stats["seconds"] = round(time.perf_counter() - started, 3)
        ordered = [outcomes[item.id] if isinstance(item, Record) else item for item in items]
        return Source(items=ordered, files=plain.files, image_root=plain.image_root, total=len(ordered),
                      details=plain.details)
    return make_source


def generation_stats(settings: GenerationSettings) -> dict:
    judge = settings.judge
    return {
        "kind": settings.kind, "generator": settings.generator.name,
        "prompt_version": load_prompt(settings.kind).version, "sampling": asdict(settings.sampling),
        "judge": judge.name if judge is not None else None,
        "judge_prompt_version": load_prompt(f"judge_{settings.kind}").version if judge is not None else None,
        "judge_sampling": asdict(settings.judge_sampling) if judge is not None else None,
        "min_score": settings.min_score if judge is not None else None,
        "requests": {"generate": {"sent": 0, "cached": 0}, "judge": {"sent": 0, "cached": 0}},
        "kept": 0, "rejected_by_reason": {}, "judge_scores": {},
    }


def run_stage(stage: str, items: Iterable, settings: GenerationSettings, cache: GenerationCache, stats: dict,
              image_root) -> dict[str, Record | Reject]:
    """One pass over the records: `generate` (reply -> rule checks) or `judge` (reply -> score >= min_score).
    Returns the outcome per record id; replies are cached as they arrive, cached ones are not asked again."""
    from tqdm.auto import tqdm

    judging = stage == "judge"
    generator = settings.judge if judging else settings.generator
    sampling = settings.judge_sampling if judging else settings.sampling
    template = load_prompt(f"judge_{settings.kind}" if judging else settings.kind)
    budget = sampling.max_new_tokens or template.max_new_tokens
    outcomes: dict[str, Record | Reject] = {}
    requests, cached, by_key = [], [], {}
    kept, rejected, seen = 0, Counter(), set()
    for record in (item for item in items if isinstance(item, Record)):
        if record.id in seen:
            continue  # a duplicate id: asked once, and the build loop rejects the duplicate
        seen.add(record.id)
        if settings.kind == "boxes" and not record.images:
            outcomes[record.id] = reject(record, "boxes", "no_image", "boxes need an image record; this record has "
                                         "no image (use --task hints for text records)")
            rejected["no_image"] += 1
            continue
        try:
            check_images(record, image_root)  # a missing or unreadable image is rejected before any request
        except RecordError as error:
            outcomes[record.id] = Reject.from_error(error, where_of(record))
            rejected[error.reason] += 1
            continue
        item = item_text(record, settings.kind, image_root) if judging else ""
        key = cache_key(stage, record, generator.name, template, sampling, item)
        by_key[key] = record
        if (entry := cache.get(key)) is not None:
            cached.append((key, Reply(entry["text"], entry["finish_reason"])))
        else:
            requests.append(Request(key, record.id, prompt_messages(record, template, image_root, item), budget))
    stats["requests"][stage] = {"sent": len(requests), "cached": len(cached)}
    scores: Counter = Counter()

    def outcome(record: Record, reply: Reply | RequestFailed) -> Record | Reject:
        if isinstance(reply, RequestFailed):
            return reject(record, settings.kind, reply.reason, f"{'the judge' if judging else 'the generator'} "
                          f"{generator.name}: {reply.detail}; run the same command again to retry")
        if not judging:
            return accept_reply(record, reply, settings, image_root)
        try:
            score = judge_score(reply.text)
        except CheckFailed as failure:
            return reject(record, settings.kind, failure.reason, failure.detail, judge=reply.text)
        scores[score] += 1
        if score < settings.min_score:
            return reject(record, settings.kind, "judge_score", f"the judge gave {score} (below --min-score "
                          f"{settings.min_score})", score=score, judge=reply.text)
        return replace(record, source={**record.source, "judge_score": score})

    settings_of_entry = {"stage": stage, "generator": generator.name, "prompt_version": template.version,
                         "sampling": asdict(sampling)}

    def arrivals():
        for key, reply in cached:
            yield key, reply
        for request, reply in generator.replies(requests):
            if isinstance(reply, Reply):
                cache.put({"key": request.key, "id": request.record_id, **settings_of_entry, "text": reply.text,
                           "finish_reason": reply.finish_reason})
            yield request.key, reply

    with tqdm(total=len(by_key), desc=f"{stage} {settings.kind}", unit=" item", dynamic_ncols=True, mininterval=0.5,
              disable=None if settings.show_progress is None else not settings.show_progress) as bar:
        for key, reply in arrivals():
            record = by_key[key]
            outcomes[record.id] = result = outcome(record, reply)
            if isinstance(result, Record):
                kept += 1
            else:
                rejected[result.reason] += 1
            bar.update()
            bar.set_postfix(kept=kept, rejected=sum(rejected.values()), refresh=False)
    for key, record in by_key.items():  # a worker that died (killed, out of memory) left these without a reply
        if record.id not in outcomes:
            outcomes[record.id] = reject(record, settings.kind, "request_failed", f"no reply from {generator.name} "
                                         f"(its worker stopped); run the same command again to retry")
            rejected["request_failed"] += 1
    stats["kept"] = kept
    stats["rejected_by_reason"] = dict(Counter(stats["rejected_by_reason"]) + rejected)
    if judging:
        stats["judge_scores"] = {str(k): scores[k] for k in sorted(scores)}
    return outcomes

