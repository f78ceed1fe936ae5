"""`zebralogic` scores exactly as ZeroEval's `zebra_grid_eval.py`, case for case and in aggregate.

zebralogic_official_verdicts.json holds generated responses over small puzzles written in code and ZeroEval's own
verdicts (`eval_model`, single mode, at the pinned commit), written by make_zebralogic_verdicts.py with the reference
code in a temporary folder; these tests need neither ZeroEval nor the network. The puzzles go through the project's
loader (the grid_mode Parquet layout), each response through the default (official) scorer and the lenient one.
Where ZeroEval stops with an error, the case records it and the project's verdict is ZeroEval's on the same solution
with the unreadable values set to null (`sanitized`).
"""

import json
from pathlib import Path

import pytest

from eval.benchmarks import BENCHMARKS
from eval.benchmarks.logic import ZEBRA_SIZE_GROUPS, zebra_prediction

ZEBRALOGIC = BENCHMARKS["zebralogic"]
VERDICTS = json.loads(Path(__file__).with_name("zebralogic_official_verdicts.json").read_text(encoding="utf-8"))
CASES = VERDICTS["cases"]
SUMMARY_KEYS = {"Puzzle Acc": "puzzle_accuracy", "Cell Acc": "cell_accuracy",
                **{f"{group.capitalize() if group != 'xl' else 'XL'} Puzzle Acc": f"puzzle_accuracy/{group}"
                   for group in ZEBRA_SIZE_GROUPS}}


@pytest.fixture(scope="module")
def docs(tmp_path_factory):
    """The verdict file's puzzles written as the grid_mode Parquet and read back by the project's loader."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    folder = tmp_path_factory.mktemp("zebralogic-official")
    path = folder / "zebralogic" / "grid_mode" / "test-00000-of-00001.parquet"
    path.parent.mkdir(parents=True)
    rows = [{"id": p["id"], "size": p["size"], "puzzle": p["puzzle"],
             "solution": {"header": p["header"], "rows": p["rows"]}, "created_at": "2024-07-03T21:21:27"}
            for p in VERDICTS["puzzles"]]
    pq.write_table(pa.Table.from_pylist(rows), path)
    loaded = {doc.doc_id: doc for doc in ZEBRALOGIC.load(folder, None)}
    assert set(loaded) == {p["id"] for p in VERDICTS["puzzles"]}
    return loaded


def expected(case: dict, doc) -> dict[str, float]:
    verdict = case.get("official") or case["sanitized"]
    total = len(doc.document["rows"]) * (len(doc.document["header"]) - 1)
    return {"puzzle_accuracy": float(verdict["solved"]), "cell_accuracy": verdict["correct_cells"] / total}


def test_the_verdicts_come_from_zeroeval():
    reference = VERDICTS["reference"]
    assert reference["repository"] == "WildEval/ZeroEval" and len(reference["commit"]) == 40
    assert set(reference["files"]) == {"src/evaluation/zebra_grid_eval.py", "src/evaluation/eval_utils.py"}
    assert all(len(digest) == 64 for digest in reference["files"].values())
    assert len(CASES) >= 100 and len({case["id"] for case in CASES}) == len(CASES)
    solved = [case for case in CASES if "official" in case and case["official"]["solved"]]
    assert 0 < len(solved) < len(CASES)
    assert {p["size"] for p in VERDICTS["puzzles"]} >= {"2*2", "4*2", "3*4", "4*5", "5*5"}  # every size group


@pytest.mark.parametrize("case", CASES, ids=[case["id"] for case in CASES])
def test_each_verdict_equals_zeroevals(docs, case):
    doc = docs[case["puzzle"]]
    extracted, score = ZEBRALOGIC.score(case["response"], doc)
    assert score == pytest.approx(expected(case, doc)), case["note"]
    if "official" in case:  # ZeroEval's "No answer": nothing extracted
        assert (extracted != "") == case["official"]["parsed"], case["note"]
        if case["official"]["parsed"]:
            assert json.loads(extracted) == zebra_prediction(case["response"])


def test_the_summary_equals_zeroevals(docs):
    """One `eval_model` run over every case ZeroEval scores without an error: puzzle accuracy, cell accuracy over
    all cells, and the easy/hard and small/medium/large/XL puzzle accuracies, as ZeroEval prints them."""
    scored = [case for case in CASES if "official" in case]
    documents = [docs[case["puzzle"]] for case in scored]
    summary = ZEBRALOGIC.summarize(documents, [ZEBRALOGIC.score(case["response"], doc)[1]
                                               for case, doc in zip(scored, documents)])
    assert VERDICTS["summary"]["Total Puzzles"] == len(scored)
    assert set(summary) == set(SUMMARY_KEYS.values())
    for reference, ours in SUMMARY_KEYS.items():
        assert f"{summary[ours] * 100:.2f}" == VERDICTS["summary"][reference], reference
    cells = sum(case["official"]["correct_cells"] for case in scored)
    assert summary["cell_accuracy"] == cells / sum(case["official"]["total_cells"] for case in scored)
    assert summary["puzzle_accuracy"] == sum(case["official"]["solved"] for case in scored) / len(scored)


@pytest.mark.parametrize("case", CASES, ids=[case["id"] for case in CASES])
def test_lenient_scoring_keeps_the_old_verdicts(docs, case):
    """`--scoring lenient` keeps the project's earlier scorer: the cases marked ``lenient`` are where it departs
    (thinking removed first; a number cell compared by its text)."""
    doc = docs[case["puzzle"]]
    _, score = ZEBRALOGIC.scorer("lenient")(case["response"], doc)
    assert score == pytest.approx(expected({**case, "official": case.get("lenient") or case.get("official")}, doc))


def test_where_lenient_departs():
    departures = [case for case in CASES if "lenient" in case]
    assert ZEBRALOGIC.scoring_used("lenient") == "lenient" and ZEBRALOGIC.scorer("official") is ZEBRALOGIC.score
    assert ZEBRALOGIC.version == 2
    thinking = [case for case in departures if "think" in case["response"].lower()]
    numbers = [case for case in departures if "official_error" in case]
    assert thinking and numbers and len(thinking) + len(numbers) == len(departures)
    assert all("int" in case["official_error"] for case in numbers)
    # an answer only inside the thinking counts officially, not in lenient; a number cell counts only in lenient
    assert any(case["official"]["solved"] and not case["lenient"]["solved"] for case in thinking)
    assert any(not case["official"]["solved"] and case["lenient"]["solved"] for case in thinking)
    assert all(case["lenient"]["correct_cells"] > case["sanitized"]["correct_cells"] for case in numbers)
