"""Privileged input written by a model (data_builders/generate.py): an OpenAI-compatible endpoint (a real HTTP server
on 127.0.0.1, tests/chat_server.py) with scripted replies for every rejection reason, retries, the stop on 401 / 404,
the resumable cache (a build killed with SIGKILL and run again), the judge's recheck, boxes, and the tiny pairs'
teachers as local generators."""

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parents[1]))

from chat_server import ChatServer, Error, Malformed, Reply  # noqa: E402

from data_builders.build import REJECTS  # noqa: E402
from data_builders.checks import check_boxes, check_hints  # noqa: E402
from data_builders.generate import CACHE_FILE, GeneratorError, cache_folder  # noqa: E402
from data_builders.tasks import BuildOptions, build_data  # noqa: E402
from dopd_vl.records import image_size, load_records, relative_box, render_messages  # noqa: E402
from lab.tiny import resolve_model  # noqa: E402

GOOD = "1. Find how many clips were sold in May from the April count.\n2. Add the April and May counts."
LONG = "1. " + "Look again at every quantity the problem gives before you go on. " * 120 + "\n2. Add them."
# case -> the replies to its 1st, 2nd, ... request (the last repeats)
CASES = {
    "good": [GOOD],
    "states-answer": ["1. Find May's count.\n2. The total is 1,072 clips."],
    "executed": ["1. Compute 48/2 = 24 for May.\n2. Add the two months."],
    "too-few": ["1. Add everything up carefully."],
    "too-many": ["\n".join(f"{i}. Do part {i} of the plan." for i in range(1, 8))],
    "bad-format": ["Just add the two months together and you are done."],
    "over-budget": [LONG],
    "cut": [Reply("1. Find May's count.\n2. Add the", finish_reason="length")],
    "rate-limited": [Error(429, retry_after=0), GOOD],
    "server-error": [Error(500, retry_after=0)],
    "timeout": [Reply(GOOD, delay=2.0), GOOD],
    "malformed": [Malformed.invalid_json(), GOOD],
    "no-choices": [Malformed.no_choices()],
}
REASONS = {"states-answer": "states_answer", "executed": "executed_result", "too-few": "too_few_hints",
           "too-many": "too_many_hints", "bad-format": "bad_format", "over-budget": "over_budget",
           "cut": "cut_at_limit", "server-error": "request_failed", "no-choices": "request_failed"}


def case_of(text: str) -> str:
    return re.search(r"case ([\w-]+):", text).group(1)


def scripted(request):
    if "Grade the hints" in request.text:  # the judge
        return judge(request)
    replies = CASES[case_of(request.text)]
    return replies[min(request.call, len(replies)) - 1]


def judge(request):
    case = case_of(request.text)
    return {"good": "Clear plan, no answer.\nScore: 5", "rate-limited": "Vague.\nScore: 3"}.get(
        case, "I cannot grade this.")


def write_verl(path: Path, cases, images: list[bytes] | None = None) -> Path:
    """A verl-layout Parquet file (DAPO-Math-17K's columns), one row per case; answer 1072 for every row."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    rows = []
    for index, case in enumerate(cases):
        question = f"Problem case {case}: Natalia sold clips to 48 of her friends in April, and then she sold half " \
                   f"as many clips in May. How many clips did she sell altogether, times ten plus 352?"
        row = {"data_source": "test", "ability": "math",
               "prompt": [{"role": "user", "content": ("<image>" if images else "") + question}],
               "reward_model": {"ground_truth": "1072", "style": "rule"}, "extra_info": {"index": index}}
        if images:
            row["images"] = [{"bytes": images[index % len(images)], "path": None}]
        rows.append(row)
    pq.write_table(pa.Table.from_pylist(rows), path)
    return path


def options(source, out, url, **extra) -> BuildOptions:
    settings = {"task": "hints", "generator_model": "test-model", "request_timeout": 0.5, "max_retries": 2, **extra}
    return BuildOptions(source=source, out=out, generator=url, **settings)


def rejects_of(out: Path) -> dict:
    return {line["id"]: line for line in map(json.loads, (out / REJECTS).read_text().splitlines())}


def test_endpoint_build_keeps_good_hints_and_names_every_rejection(tmp_path):
    source = write_verl(tmp_path / "train.parquet", CASES)
    out = tmp_path / "hints"
    with ChatServer(reply=scripted) as server:
        result = build_data(options(source, out, server.url, concurrency=4), show_progress=False)
        first_run = server.count()
        assert server.max_in_flight >= 2  # requests really overlap
        # retried: 429, then OK; a reply slower than the timeout, then OK; invalid JSON, then OK
        for case in ("rate-limited", "timeout", "malformed"):
            assert sum(case_of(r.text) == case for r in server.records) == 2
        # retried up to --max-retries 2, then rejected: three attempts each
        for case in ("server-error", "no-choices"):
            assert sum(case_of(r.text) == case for r in server.records) == 3
        sent = server.requests[0]
        assert sent["model"] == "test-model" and sent["temperature"] == 0.0 and sent["max_tokens"] == 512
        assert "Verified final answer" in sent["messages"][-1]["content"] and "1072" in sent["messages"][-1]["content"]

        records = {r.id.split("-")[-1]: r for r in load_records(out)}
        kept = {case_of(r.question) for r in records.values()}
        assert kept == {"good", "rate-limited", "timeout", "malformed"} and result.kept == 4
        for record in records.values():
            assert list(record.privileged.hints) == check_hints(GOOD, "1072", record.question, 1024)
            assert "Find how many clips" not in str(render_messages(record, "student"))
        rejects = rejects_of(out)
        case_by_id = {f"train-{index}": case for index, case in enumerate(CASES)}
        assert {case_by_id[i]: line["reason"] for i, line in rejects.items()} == REASONS
        for line in rejects.values():
            assert line["field"] == "privileged.hints" and re.search(r"train\.parquet:row \d+", line["where"])
            if line["reason"] not in ("request_failed",):
                assert "raw" in line  # the generated text, to read why
        manifest = json.loads((out / "manifest.json").read_text())
        generation = manifest["source"]["generation"]
        assert generation["generator"] == f"{server.url}#test-model" and generation["prompt_version"] == "hints-v1"
        assert generation["requests"]["generate"] == {"sent": 13, "cached": 0}
        assert generation["rejected_by_reason"] == {reason: list(REASONS.values()).count(reason)
                                                    for reason in set(REASONS.values())}
        assert manifest["counts"]["kept"] == 4 and manifest["counts"]["rejected"] == 9
        cache = (cache_folder(out) / CACHE_FILE).read_text().splitlines()
        assert len(cache) == 11  # every reply that arrived; the two failed requests are not cached

        # the same command again: every reply comes from the cache, failed items are asked again, same data set
        build_data(options(source, out, server.url, overwrite=True), show_progress=False)
        again = [case_of(r.text) for r in server.records[first_run:]]
        assert sorted(again) == ["no-choices"] * 3 + ["server-error"] * 3
        assert {r.id: r for r in load_records(out)} == {r.id: r for r in records.values()}


def test_a_wrong_key_or_model_stops_the_build_at_once(tmp_path, monkeypatch):
    source = write_verl(tmp_path / "train.parquet", ["good"] * 30)
    with ChatServer(reply=scripted, api_key="secret") as server:
        monkeypatch.delenv("OPENAI_API_KEY", raising=False)
        with pytest.raises(GeneratorError, match=r"401.*OPENAI_API_KEY \(set: no"):
            build_data(options(source, tmp_path / "a", server.url, concurrency=2), show_progress=False)
        assert server.count() <= 2 and not (tmp_path / "a").exists()
        monkeypatch.setenv("MY_KEY", "secret")
        with pytest.raises(GeneratorError, match=r"404.*'nonesuch'.*--generator-model"):
            build_data(options(source, tmp_path / "b", server.url, api_key_env="MY_KEY", generator_model="nonesuch"),
                       show_progress=False)
        assert not (tmp_path / "b").exists()
        # the key in the named variable, and the one served model found by itself
        result = build_data(options(source, tmp_path / "c", server.url, api_key_env="MY_KEY", generator_model=None),
                            show_progress=False)
        assert result.kept == 30
    assert server.statuses.count(401) >= 1


def test_recheck_rejects_low_scores_and_keeps_the_histogram(tmp_path):
    source = write_verl(tmp_path / "train.parquet", ["good", "rate-limited", "states-answer", "malformed"])
    out = tmp_path / "hints"
    with ChatServer(reply=scripted) as server:
        build_data(options(source, out, server.url, recheck=True), show_progress=False)
        judged = [r for r in server.records if "Grade the hints" in r.text]
        assert len(judged) == 3  # only items that passed the rule checks are judged
        assert "1. Find how many clips" in judged[0].text and "Verified final answer: 1072" in judged[0].text
    [kept] = load_records(out)
    assert case_of(kept.question) == "good" and kept.source["judge_score"] == 5
    cases = ["good", "rate-limited", "states-answer", "malformed"]
    rejects = {cases[int(i.split("-")[-1])]: line for i, line in rejects_of(out).items()}
    assert rejects["rate-limited"]["reason"] == "judge_score" and rejects["rate-limited"]["score"] == 3
    assert rejects["malformed"]["reason"] == "judge_unparsed"
    assert rejects["states-answer"]["reason"] == "states_answer"
    generation = json.loads((out / "manifest.json").read_text())["source"]["generation"]
    assert generation["judge_scores"] == {"3": 1, "5": 1} and generation["min_score"] == 4
    assert generation["judge_prompt_version"] == "judge-hints-v1"


def png(width, height, colour) -> bytes:
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (width, height), colour).save(buffer, format="PNG")
    return buffer.getvalue()


def test_boxes_from_an_endpoint_are_scaled_to_each_image(tmp_path):
    source = write_verl(tmp_path / "vqa.parquet", ["good", "bad-box", "repeat"],
                        images=[png(200, 100, "red"), png(64, 64, "blue"), png(50, 40, "green")])
    replies = {"good": '[{"bbox_2d": [0, 0, 500, 1000], "label": "clips"}]',
               "bad-box": '[{"bbox_2d": [0, 0, 500, 1200], "label": "clips"}]',
               "repeat": '[{"bbox_2d": [0, 0, 500, 500], "label": "a"}, {"bbox_2d": [0, 0, 500, 500], "label": "b"}]'}
    with ChatServer(reply=lambda request: replies[case_of(request.text)]) as server:
        build_data(options(source, tmp_path / "boxes", server.url, task="boxes", privileged="crops"),
                   show_progress=False)
        content = server.requests[0]["messages"][-1]["content"]
        assert content[0]["image_url"]["url"].startswith("data:image/png;base64,")
        assert "Locate every object" in content[1]["text"]
    [record] = load_records(tmp_path / "boxes")
    assert [(b.label, b.bbox_xyxy_px) for b in record.privileged.boxes] == [("clips", (0.0, 0.0, 100.0, 100.0))]
    assert {line["reason"] for line in rejects_of(tmp_path / "boxes").values()} == {"box_outside_image",
                                                                                    "repeated_box"}
    assert json.loads((tmp_path / "boxes" / "manifest.json").read_text())["options"]["privileged"] == "crops"


def test_a_build_killed_with_sigkill_resumes_without_repeating_a_request(tmp_path):
    cases = [f"item{i}" for i in range(40)]
    source = write_verl(tmp_path / "train.parquet", cases)
    out = tmp_path / "hints"
    cache = cache_folder(out) / CACHE_FILE
    command = [sys.executable, "-m", "dopd_vl.cli", "build-data", "--task", "hints", "--source", str(source),
               "--out", str(out), "--generator-model", "test-model", "--concurrency", "2"]
    with ChatServer(reply=lambda request: GOOD, delay=0.05) as server:
        process = subprocess.Popen(command + ["--generator", server.url], stdout=subprocess.PIPE,
                                   stderr=subprocess.PIPE)
        deadline = time.monotonic() + 120
        while (not cache.exists() or len(cache.read_bytes().splitlines()) < 10) and time.monotonic() < deadline:
            time.sleep(0.02)
        process.send_signal(signal.SIGKILL)
        process.wait()
        assert process.returncode == -signal.SIGKILL and not out.exists()
        cached_ids = {json.loads(line)["id"] for line in cache.read_bytes().splitlines() if line.strip()}
        assert 10 <= len(cached_ids) < 40
        before = server.count()
        subprocess.run(command + ["--generator", server.url], check=True, capture_output=True)
        rerun = [case_of(r.text) for r in server.records[before:]]
    rerun_ids = {f"train-{cases.index(case)}" for case in rerun}
    assert not rerun_ids & cached_ids  # no request for an item already cached
    assert rerun_ids | cached_ids == {f"train-{i}" for i in range(40)}
    assert len(rerun) == len(set(rerun))
    assert sorted(r.id for r in load_records(out)) == sorted(f"train-{i}" for i in range(40))


def test_command_line_build_prints_the_generation_summary(tmp_path):
    source = write_verl(tmp_path / "train.parquet", ["good", "executed", "rate-limited"])
    with ChatServer(reply=scripted) as server:
        done = subprocess.run([sys.executable, "-m", "dopd_vl.cli", "build-data", "--task", "hints", "--source",
                               str(source), "--out", str(tmp_path / "out"), "--generator", server.url,
                               "--generator-model", "test-model", "--recheck"], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert "wrote 1 records" in done.stdout and "executed_result 1" in done.stdout
    assert "judge scores: 3: 1, 5: 1" in done.stdout and "2 requests sent" in done.stdout


# ---------------------------------------------------------------------------------------------------------------
# The tiny pairs' teachers as local generators
# ---------------------------------------------------------------------------------------------------------------

KNOWN = {"bad_format", "too_few_hints", "too_many_hints", "states_answer", "executed_result", "over_budget",
         "cut_at_limit", "no_boxes", "box_outside_image", "degenerate_box", "empty_label", "repeated_box"}


def test_tiny_text_teacher_writes_hints_that_pass_every_check(tmp_path):
    from data_builders.synthetic import build_synthetic

    plain = build_synthetic("arith", tmp_path / "arith", n=24, seed=5, privileged="none")
    rows = [{"question": r.question, "answer": f"{r.source['solution']}\n#### {r.answer}"} for r in load_records(plain)]
    source = tmp_path / "problems.jsonl"
    source.write_text("".join(json.dumps({"question": row["question"], "answer": row["answer"]}) + "\n"
                              for row in rows))
    out = tmp_path / "hints"
    result = build_data(BuildOptions(task="hints", source=source, out=out, generator=resolve_model("tiny-text:teacher"),
                                     format="gsm8k"), show_progress=False)
    records = load_records(out)
    assert result.kept == len(records) >= 1
    for record in records:  # what was kept passes every rule again
        assert check_hints("\n".join(f"{i}. {h}" for i, h in enumerate(record.privileged.hints, 1)),
                           record.answer, record.question, 1024)
    assert set(result.rejected) <= KNOWN
    assert all(line["raw"] is not None for line in rejects_of(out).values())


def test_tiny_teacher_writes_boxes_for_image_records(tmp_path):
    from data_builders.synthetic import build_synthetic

    shapes = load_records(build_synthetic("shapes", tmp_path / "shapes", n=12, seed=5, privileged="none"))
    rows = [{"qid": r.id, "question": "<image>" + r.question, "answer": f"\\boxed{{{r.answer}}}",
             "image": [os.path.relpath(r.images[0], tmp_path)], "category": "shapes", "source": "test",
             "PassRate_32BTrained": 0.5, "PassRate_7BBase": 0.5} for r in shapes]
    import pyarrow as pa
    import pyarrow.parquet as pq

    pq.write_table(pa.Table.from_pylist(rows), tmp_path / "virl.parquet")
    out = tmp_path / "boxes"
    result = build_data(BuildOptions(task="boxes", source=tmp_path / "virl.parquet", out=out,
                                     generator=resolve_model("tiny:teacher")), show_progress=False)
    records = load_records(out)
    assert result.kept == len(records) >= 1
    for record in records:  # what was kept passes every rule again
        size = image_size(record.images[0])
        assert check_boxes(json.dumps([{"bbox_2d": relative_box(b.bbox_xyxy_px, size), "label": b.label}
                                       for b in record.privileged.boxes]), size)
    assert set(result.rejected) <= KNOWN
    assert all(line["raw"] is not None for line in rejects_of(out).values())


def test_a_record_whose_image_is_missing_is_rejected_before_any_request(tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    rows = [{"prompt": [{"role": "user", "content": f"<image>Problem case {case}: where is the clip?"}],
             "images": [image], "reward_model": {"ground_truth": "left"}, "extra_info": {"index": index},
             "data_source": "test", "ability": "vqa"}
            for index, (case, image) in enumerate([("good", {"bytes": png(64, 64, "red"), "path": None}),
                                                   ("gone", {"bytes": None, "path": "nowhere.png"})])]
    pq.write_table(pa.Table.from_pylist(rows), tmp_path / "vqa.parquet")
    with ChatServer(reply=lambda request: '[{"bbox_2d": [0, 0, 500, 500], "label": "clip"}]') as server:
        result = build_data(options(tmp_path / "vqa.parquet", tmp_path / "boxes", server.url, task="boxes"),
                            show_progress=False)
        assert [case_of(r.text) for r in server.records] == ["good"]
    assert result.kept == 1 and dict(result.rejected) == {"missing_image": 1}
    assert rejects_of(tmp_path / "boxes")["vqa-1"]["field"] == "images[0]"
