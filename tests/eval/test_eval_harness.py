"""`dopd-vl eval` on the synthetic shapes set: outputs, scores, and a missing benchmark's message."""

import json
from dataclasses import replace

import pytest

from dopd_vl.cli import main
from eval.harness import BENCHMARKS, EvalError, Doc, normalize_answer, run_eval
from lab.tiny import resolve_model


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory):
    from data_builders.synthetic import build_synthetic

    folder = tmp_path_factory.mktemp("eval-data")
    build_synthetic("shapes", folder / "shapes", 12, seed=5, show_progress=False)
    return folder


def test_shapes_scoring_rule():
    doc = Doc("d", [], "top left", {})
    assert BENCHMARKS["shapes"].score("Top left.", doc) == ("top left", {"exact_match": 1.0})
    assert BENCHMARKS["shapes"].score("<think>hmm</think>\ntop left\nbecause", doc) == ("top left",
                                                                                      {"exact_match": 1.0})
    assert BENCHMARKS["shapes"].score("bottom left", doc) == ("bottom left", {"exact_match": 0.0})
    # the worked answers the tiny pair writes: the words after the last answer cue, to the end of the sentence
    assert BENCHMARKS["shapes"].score("The red circle is in the top left. The answer is top left.", doc) == \
        ("top left", {"exact_match": 1.0})
    assert BENCHMARKS["shapes"].score("The red circle is in the top left. The answer is bottom left.", doc) == \
        ("bottom left", {"exact_match": 0.0})
    assert BENCHMARKS["shapes"].score("Answer: top left\nThe answer is", doc) == ("", {"exact_match": 0.0})
    assert BENCHMARKS["shapes"].score("The answer is top left, I think", doc)[1] == {"exact_match": 0.0}
    assert normalize_answer("") == ""


def test_eval_tiny_student_on_shapes(data_dir, tmp_path, capsys):
    output = tmp_path / "out"
    assert main(["eval", "--model", "tiny:student", "--benchmarks", "shapes", "--data-dir", str(data_dir),
                 "--limit", "8", "--batch-size", "4", "--max-new-tokens", "8", "--output", str(output)]) == 0
    results = json.loads((output / "results.json").read_text())
    entry = results["results"]["shapes"]
    assert entry["samples"] == 8 and 0.0 <= entry["metrics"]["exact_match"] <= 1.0
    assert entry["headline"] == "exact_match"
    assert entry["data_files"] == {"shapes/manifest.json": entry["data_files"]["shapes/manifest.json"]}
    assert results["config"]["greedy"] and len(results["config"]["model_hash"]) == 16
    samples = [json.loads(line) for line in (output / "samples_shapes.jsonl").read_text().splitlines()]
    assert len(samples) == 8
    assert set(samples[0]) == {"doc_id", "prompt", "target", "response", "extracted", "exact_match", "doc_hash"}
    assert sum(s["exact_match"] for s in samples) / 8 == entry["metrics"]["exact_match"]
    text = json.dumps(samples[0]["prompt"])
    assert "Privileged information" not in text and "bbox_2d" not in text  # the student view only
    row = f"shapes     exact_match  {100 * entry['metrics']['exact_match']:.1f}"
    assert row in capsys.readouterr().out
    # greedy and batched: the same responses with another batch size
    again = run_eval("tiny:student", ["shapes"], data_dir, tmp_path / "again", limit=8, batch_size=8,
                     max_new_tokens=8, location=resolve_model("tiny:student"))
    responses = [json.loads(line)["response"] for line in (tmp_path / "again" / "samples_shapes.jsonl")
                 .read_text().splitlines()]
    assert responses == [s["response"] for s in samples]
    assert again["results"]["shapes"]["metrics"] == entry["metrics"]


def test_missing_benchmark_files_name_the_layout(tmp_path, capsys):
    with pytest.raises(EvalError, match=r"benchmark 'shapes': its files are not in .*Expected layout under "
                                        r"--data-dir: shapes/ .*Public copy: generated"):
        run_eval("tiny:student", ["shapes"], tmp_path, tmp_path / "out")
    assert main(["eval", "--model", "tiny:student", "--benchmarks", "mmstarx", "--data-dir", str(tmp_path)]) == 2
    assert "unknown benchmark(s) ['mmstarx']; available: " in capsys.readouterr().err


def test_compare_reads_real_runs(data_dir, tmp_path):
    from eval.compare import compare

    runs = {role: tmp_path / role for role in ("teacher", "student")}
    scores = {role: run_eval(f"tiny:{role}", ["shapes"], data_dir, folder, limit=4, batch_size=4, max_new_tokens=4,
                             location=resolve_model(f"tiny:{role}"))["results"]["shapes"]["metrics"]["exact_match"]
              for role, folder in runs.items()}
    lines = compare([runs["teacher"], runs["student"]], tmp_path / "cmp").splitlines()
    assert lines[2].split()[:4] == ["teacher", "tiny:teacher", f"{100 * scores['teacher']:.1f}",
                                    f"{100 * scores['teacher']:.1f}"]
    assert lines[3].split()[:2] == ["student", "tiny:student"]
    assert (tmp_path / "cmp" / "compare.png").stat().st_size > 0


def test_each_benchmark_has_its_own_response_budget(data_dir, tmp_path):
    results = run_eval("tiny:student", ["shapes"], data_dir, tmp_path, limit=2, batch_size=2,
                       location=resolve_model("tiny:student"))
    assert results["results"]["shapes"]["max_new_tokens"] == BENCHMARKS["shapes"].max_new_tokens == 24
    assert results["config"]["max_new_tokens"] == "per benchmark"
    assert BENCHMARKS["math500"].max_new_tokens == 4096 and BENCHMARKS["chartqa"].max_new_tokens == 64


def test_scoring_modes_pick_the_benchmark_scorer(data_dir, tmp_path):
    shapes = BENCHMARKS["shapes"]
    assert shapes.scorer("official") is shapes.score and shapes.scorer("lenient") is shapes.score  # no departure kept
    assert shapes.scoring_used("lenient") == "official"
    with pytest.raises(EvalError, match="unknown scoring 'loose'; choose one of official, lenient"):
        shapes.scorer("loose")
    lenient = replace(shapes, lenient=lambda response, doc: ("x", {"exact_match": 1.0}))
    assert lenient.scorer("lenient")("anything", None) == ("x", {"exact_match": 1.0})
    assert lenient.scoring_used("lenient") == "lenient" and lenient.scorer("official") is shapes.score
    results = run_eval("tiny:student", ["shapes"], data_dir, tmp_path, limit=2, batch_size=2, max_new_tokens=2,
                       location=resolve_model("tiny:student"), scoring="lenient")
    assert results["config"]["scoring"] == "lenient" and results["results"]["shapes"]["scoring"] == "official"
    assert results["results"]["shapes"]["scorer_version"] == shapes.version == 1
    from dopd_vl.cli import build_parser

    args = ["eval", "--model", "m", "--benchmarks", "shapes", "--data-dir", "d"]
    assert build_parser().parse_args(args).scoring == "official"
    assert build_parser().parse_args(args + ["--scoring", "lenient"]).scoring == "lenient"
