"""Score generated responses with the official scorers of ChartQA, DocVQA, VSI-Bench and RefCOCO, and with
lmms-eval 0.7.3's tasks, into docs_video_grounding_verdicts.json (read by test_docs_video_grounding_official.py).

Not run by the tests: run it by hand in a separate environment, never the project's (lmms-eval is not a project
dependency):

    python3 -m venv /tmp/venv-lmms2
    /tmp/venv-lmms2/bin/pip install --no-deps lmms-eval==0.7.3
    /tmp/venv-lmms2/bin/pip install numpy pandas pyyaml loguru sacrebleu
    /tmp/venv-lmms2/bin/python tests/eval/official/make_docs_video_grounding_verdicts.py \\
        --pix2struct PIX2STRUCT/pix2struct/metrics.py --rrc QWEN_VL/eval_mm/infographicsvqa_eval.py \\
        --thinking-in-space THINKING_IN_SPACE/lmms_eval/tasks/vsibench

The references (each recorded in the JSON with its repository, commit, path and SHA-256):
- ChartQA: `relaxed_correctness` of google-research/pix2struct `pix2struct/metrics.py` (the function alone is read
  from the file; the module imports TensorFlow-era packages);
- DocVQA: `evaluate_method` of the RRC script (QwenLM/Qwen-VL `eval_mm/infographicsvqa_eval.py`), run on JSON files;
- VSI-Bench: `vsibench_process_results` and `vsibench_aggregate_results` of vision-x-nyu/thinking-in-space
  `lmms_eval/tasks/vsibench/utils.py` (with its `vsibench.yaml` beside it);
- RefCOCO: the first box of the response, lmms-eval 0.7.3's own parser, scaling and IoU (`_parse_pred_boxes`,
  `_scale_pred_to_pixel`, `_compute_accuracy` of `tasks/refcoco_grounding/utils.py`), IoU >= 0.5: the one-box
  protocol of the Qwen-VL grounding evaluation on Qwen3-VL's 0-1000 grid.
Each response first goes through lmms-eval 0.7.3's evaluator pre-step (`api/reasoning.py`
`strip_reasoning_tags` with its default tags), as lmms-eval scores it; the generated responses keep thinking blocks
well formed, where that pre-step and the harness's `strip_think` agree. `datasets`, `evaluate` and lmms-eval's
metric registry (which imports torch) are replaced by stubs: the scorers read none of them.
"""

from __future__ import annotations

import argparse
import ast
import hashlib
import importlib.util
import json
import random
import sys
import tempfile
import types
from pathlib import Path

HERE = Path(__file__).resolve().parent
OUT = HERE / "docs_video_grounding_verdicts.json"
SOURCES = {  # the commits the reference files were taken from
    "pix2struct": ("google-research/pix2struct", "945f27e936c9464d9d7c133f1bd1f4f383be9e99", "pix2struct/metrics.py"),
    "rrc": ("QwenLM/Qwen-VL", "aa00ed04091eea5fcdd32985e7915f1c53e7d599", "eval_mm/infographicsvqa_eval.py"),
    "thinking-in-space": ("vision-x-nyu/thinking-in-space", "51e089c3ae69b9435e9489058610f5b3964c56a8",
                          "lmms_eval/tasks/vsibench/utils.py"),
}


def load_module(name: str, path: Path):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def stub_modules() -> None:
    for name in ("datasets", "evaluate"):
        module = types.ModuleType(name)
        module.Dataset = object
        sys.modules[name] = module
    registry = types.ModuleType("lmms_eval.api.registry")
    registry.register_aggregation = registry.register_metric = lambda *args, **kwargs: (lambda function: function)
    sys.modules["lmms_eval.api.registry"] = registry


def function_from(path: Path, name: str, preamble: str = ""):
    """One top-level function of a source file, executed on its own."""
    tree = ast.parse(path.read_text())
    (node,) = [n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == name]
    namespace: dict = {}
    exec(preamble + ast.get_source_segment(path.read_text(), node), namespace)
    return namespace[name]


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# ---------------------------------------------------------------------------------------------------------------
# generated cases: edge cases first, then seeded random ones


def chartqa_cases(rng: random.Random) -> list[dict]:
    edge = [  # (response, answer, label)
        ("42", "42", "exact"), ("Answer: 42", "42", "departure: answer cue"), ("**42**", "42", "departure: bold"),
        ("42.", "42", "departure: final period"), ("The answer is 42", "42", "departure: answer cue"),
        ("42\nThe tallest bar.", "42", "departure: first line"), ("<think>40?</think>42", "42", "thinking"),
        ("<think>40?</think>\n**42**", "42", "departure: bold"), (" 42 ", "42", "whitespace"),
        ("42\n", "42", "whitespace"), ("\t42", "42", "whitespace"), ("Yes", "Yes", "text"), ("yes", "Yes", "case"),
        ("YES", "Yes", "case"), ("Yes.", "Yes", "departure: final period"), ('"Yes"', "Yes", "departure: quotes"),
        ("No", "Yes", "text"), ("Canada ", "Canada", "whitespace"), ("Cannada", "Canada", "near miss"),
        ("United states", "United States", "case"), ("42%", "42", "percent"), ("0.42", "42%", "percent"),
        ("42", "42%", "percent"), ("42%", "42%", "percent"), ("42 %", "42%", "percent"), ("5%%", "5%", "percent"),
        ("1,000", "1000", "thousands"), ("1000", "1,000", "thousands"), ("$42", "42", "unit"),
        ("42 million", "42", "unit"), ("42m", "42", "unit"), ("42 %", "42", "unit"), ("1e3", "1000", "float"),
        ("1_000", "1000", "float"), ("inf", "inf", "float"), ("nan", "nan", "float"), ("Infinity", "inf", "float"),
        ("0", "0", "zero target"), ("0.0", "0", "zero target"), ("-0", "0", "zero target"), ("0", "0.0", "zero"),
        ("21", "20", "tolerance"), ("19", "20", "tolerance"), ("21.01", "20", "tolerance"),
        ("1.05", "1", "tolerance"), ("0.95", "1", "tolerance"), ("-42", "42", "sign"), ("-42", "-42", "sign"),
        ("-40", "-42", "tolerance"), ("42.0", "42", "float"), (".5", "0.5", "float"), ("5.", "5", "float"),
        ("", "42", "empty"), ("<think>42", "42", "unfinished thought"), ("2018", "2018", "year"),
        ("2019", "2018", "year"), ("Answer: Yes", "Yes", "departure: answer cue"),
    ]
    cases = [{"response": r, "answer": a, "type": "human_test", "label": label} for r, a, label in edge]
    words = ["Yes", "No", "Canada", "Mexico", "Blue", "Red", "Q3 2019", "Facebook", "Less than 10%"]
    while len(cases) < 160:
        kind = rng.choice(["augmented_test", "human_test"])
        if rng.random() < 0.7:
            target = rng.choice([rng.randint(1, 100), round(rng.uniform(0, 100), 1), round(rng.uniform(0, 1), 2)])
            pct = rng.random() < 0.2
            answer = f"{target}%" if pct else str(target)
            pred_value = target * (1 + rng.choice([0, 0, 0.01, -0.03, 0.049, 0.051, -0.06, 0.2]))
            pred = f"{pred_value:.{rng.choice([0, 1, 2, 3])}f}"
            form = rng.choice(["{}", "{}", "{}%", "Answer: {}", "**{}**", "{}.", " {} ", "{} percent"])
            cases.append({"response": form.format(pred), "answer": answer, "type": kind, "label": "random number"})
        else:
            answer = rng.choice(words)
            pred = rng.choice([answer, answer.lower(), answer.upper(), answer + ".", "**" + answer + "**",
                               rng.choice(words)])
            cases.append({"response": pred, "answer": answer, "type": kind, "label": "random text"})
    return cases


def edit(rng: random.Random, text: str, edits: int) -> str:
    chars = list(text)
    for _ in range(edits):
        op = rng.choice(["sub", "del", "ins"])
        i = rng.randrange(len(chars) + (op == "ins")) if chars else 0
        if op == "sub" and chars:
            chars[i] = rng.choice("abcdefghijklmnopqrstuvwxyz0123456789 ")
        elif op == "del" and chars:
            del chars[i]
        else:
            chars.insert(i, rng.choice("abcdefghijklmnopqrstuvwxyz0123456789 "))
    return "".join(chars)


def docvqa_cases(rng: random.Random) -> list[dict]:
    edge = [  # (response, answers, label)
        ("ITC Limited", ["ITC Limited"], "exact"), ("itc limited", ["ITC Limited"], "case"),
        ("ITC  Limited", ["ITC Limited"], "whitespace run"), ("ITC   Limitd", ["ITC Limited"], "whitespace run"),
        ("ITC\tLimited", ["ITC Limited"], "whitespace run"), ("ITC\nLimited", ["ITC Limited"], "whitespace run"),
        (" ITC Limited ", ["ITC Limited"], "whitespace"), ("ITC Limited", ["  ITC  Limited "], "whitespace"),
        ("Answer: 14", ["14"], "departure: answer cue"), ("**14**", ["14"], "departure: bold"),
        ("14.", ["14"], "departure: final period"), ('"14"', ["14"], "departure: quotes"),
        ("Answer: ITC Limited", ["ITC Limited"], "departure: answer cue"),
        ("ITC Limited.", ["ITC Limited"], "departure: final period"),
        ("ITC Limited\nThe company name.", ["ITC Limited"], "departure: first line"),
        ("<think>p. 13?</think>14", ["14"], "thinking"), ("abcd", ["abef"], "NL exactly 0.5"),
        ("ab", ["abcd"], "NL exactly 0.5"), ("abc", ["abcdef"], "NL exactly 0.5"), ("abcde", ["abfgh"], "NL 0.6"),
        ("Dr. Paul", ["Paul", "Dr. Paul"], "several references"), ("Dr Paul", ["Paul", "Dr. Paul"], "near miss"),
        ("", ["14"], "empty"), ("", [""], "both empty"), ("14", [""], "empty reference"),
        ("straße", ["STRASSE"], "upper length"), ("Straße 12", ["strasse 12"], "upper length"),
        ("$1,250", ["1,250"], "unit"), ("1,250", ["$1,250"], "unit"), ("12%", ["12 %"], "percent"),
        ("January 22, 1975", ["January 22, 1975"], "date"), ("Jan 22, 1975", ["January 22, 1975"], "date"),
        ("0.28", ["0.28"], "number"), ("0.29", ["0.28"], "near miss"), ("28", ["0.28"], "near miss"),
    ]
    cases = [{"response": r, "answers": a, "label": label} for r, a, label in edge]
    vocabulary = ["ITC Limited", "Tobacco Institute", "R. J. Reynolds", "Philip Morris", "December 1998",
                  "Washington, D.C.", "$ 12,500", "Research and Development", "Brown & Williamson", "4.5 %",
                  "Dr. John A. Smith", "Quality Control", "page 7", "Annual Report 1997"]
    while len(cases) < 160:
        answers = rng.sample(vocabulary, rng.choice([1, 1, 2, 3]))
        base = rng.choice(answers)
        form = rng.choice(["{}", "{}", "{}", "{} ", "{}.", "Answer: {}", "**{}**"])
        response = form.format(edit(rng, base, rng.choice([0, 0, 1, 2, 3, 5, 8])))
        if rng.random() < 0.2:
            response = response.replace(" ", rng.choice(["  ", "\t", " \n "]), 1)
        if rng.random() < 0.2:
            response = rng.choice([str.upper, str.lower, str.title])(response)
        cases.append({"response": response, "answers": answers, "label": "random"})
    return cases


MC_TYPES = ["object_rel_direction_easy", "object_rel_direction_medium", "object_rel_direction_hard",
            "object_rel_distance", "route_planning", "obj_appearance_order"]
NA_TYPES = ["object_counting", "object_abs_distance", "object_size_estimation", "room_size_estimation"]


def vsibench_cases(rng: random.Random) -> list[dict]:
    cases = []

    def mc(response, truth, label, question_type=None):
        cases.append({"response": response, "question_type": question_type or rng.choice(MC_TYPES),
                      "options": ["A. left", "B. right", "C. back", "D. front"], "ground_truth": truth,
                      "label": label})

    def na(response, truth, label, question_type=None):
        cases.append({"response": response, "question_type": question_type or rng.choice(NA_TYPES[1:]),
                      "options": None, "ground_truth": truth, "label": label})

    for response, label in [("B", "letter"), ("b", "case"), ("B.", "letter and period"),
                            ("B. right", "letter and text"), ("(B)", "parenthesised"), ("B)", "parenthesised"),
                            ("The answer is B", "departure: answer cue"), ("Answer: B", "departure: answer cue"),
                            ("right", "departure: option text"), (" B", "whitespace"), ("B\n", "whitespace"),
                            ("B\nright", "newline"), ("B,", "comma"), ("<think>A?</think>B", "thinking"),
                            ("A", "wrong"), ("", "empty"), ("B..", "periods"), ("Option B", "departure: answer cue")]:
        mc(response, "B", label)
    for truth in ("2", "4", "8", "10", "3", "5", "1"):  # counts off by one: 0.5, 0.25, 0.125, 0.1 relative error
        value = int(truth)
        for response in (str(value - 1), str(value + 1), truth, f"{value + 2}"):
            na(response, truth, "off-by-one count", "object_counting")
    for response, truth, label in [
            ("3.", "3", "period"), ("3.0", "3", "float"), ("3 chairs", "3", "departure: unit word"),
            ("three", "3", "number word"), ("about 3", "3", "departure: answer cue"), ("3m", "3", "unit"),
            ("1,000", "1000", "thousands"), ("1e1", "10", "float"), ("inf", "3", "float"), ("nan", "3", "float"),
            (" 3", "3", "whitespace"), ("3\n", "3", "whitespace"), ("3\nchairs", "3", "newline"),
            ("-3", "3", "sign"), ("0", "3", "zero"), ("", "3", "empty"), ("<think>4?</think>3", "3", "thinking"),
            ("2.5 meters", "2.5", "departure: unit word"), ("1.5", "1.0", "threshold"), ("1.55", "1.0", "threshold"),
            ("0.5", "1.0", "threshold"), ("1.05", "1.0", "threshold"), ("0.95", "1.0", "threshold"),
            ("1.45", "1.0", "threshold"), ("1.1", "1.0", "threshold"), ("0.9", "1.0", "threshold")]:
        na(response, truth, label)
    while len(cases) < 180:
        if rng.random() < 0.4:
            truth = rng.choice("ABCD")
            mc(rng.choice([truth, rng.choice("ABCD"), truth + ".", truth.lower(), f"The answer is {truth}"]), truth,
               "random")
        else:
            question_type = rng.choice(NA_TYPES)
            truth = str(rng.randint(1, 12)) if question_type == "object_counting" else \
                str(round(rng.uniform(0.2, 30), rng.choice([1, 2])))
            value = float(truth) * (1 + rng.choice([0, 0.05, -0.1, 0.15, -0.25, 0.3, 0.45, -0.5, 0.55, 1.0]))
            form = rng.choice(["{}", "{}", "{}.", "{} meters", "About {}"])
            na(form.format(f"{value:.{rng.choice([0, 1, 2])}f}"), truth, "random", question_type)
    return cases


def refcoco_cases(rng: random.Random) -> list[dict]:
    cases = []

    def case(response, box_xywh, size, label):
        cases.append({"response": response, "bbox_xywh": box_xywh, "image_size": size, "label": label})

    size, gt = [640, 480], [64.0, 48.0, 256.0, 192.0]  # 0-1000: [100, 100, 500, 500]
    for response, label in [
            ('[{"bbox_2d": [100, 100, 500, 500], "label": "dog"}]', "exact"),
            ('{"bbox_2d": [100, 100, 500, 500], "label": "dog"}', "exact"),
            ('```json\n[{"bbox_2d": [100, 100, 500, 500], "label": "dog"}]\n```', "fenced"),
            ("[100, 100, 500, 500]", "bare"), ("The dog is at [100, 100, 500, 500].", "text"),
            ("<think>left?</think>[100, 100, 500, 500]", "thinking"),
            ('[{"bbox_2d": [600, 600, 900, 900], "label": "a"}, {"bbox_2d": [100, 100, 500, 500], "label": "b"}]',
             "departure: second box hits"),
            ('[{"bbox_2d": [100, 100, 500, 500], "label": "a"}, {"bbox_2d": [600, 600, 900, 900], "label": "b"}]',
             "first box hits"),
            ("[64, 48, 320, 240]", "departure: pixel box"), ('{"bbox_2d": [64, 48, 320, 240]}', "departure: pixel box"),
            ("[500, 500, 100, 100]", "departure: swapped corners"), ("[500, 100, 100, 500]", "departure: swapped x"),
            ("[-400, -400, 500, 500]", "departure: overhang"), ("[100, 100, 1400, 500]", "departure: overhang"),
            ("[100, 100, 500]", "three numbers"), ("no box", "none"), ("", "empty"),
            ("[100.5, 99.5, 500.25, 499.75]", "floats"), ("[0, 0, 1000, 1000]", "whole image"),
            ("[100, 100, 382, 500]", "IoU near 0.5"), ("[100, 100, 383, 500]", "IoU near 0.5")]:
        case(response, gt, size, label)
    sizes = [[640, 480], [500, 375], [1000, 1000], [427, 640], [1024, 768], [333, 500]]
    while len(cases) < 160:
        width, height = rng.choice(sizes)
        w, h = rng.uniform(10, width * 0.6), rng.uniform(10, height * 0.6)
        x, y = rng.uniform(0, width - w), rng.uniform(0, height - h)
        gt = [round(x, 2), round(y, 2), round(w, 2), round(h, 2)]
        rel = [gt[0] / width * 1000, gt[1] / height * 1000, (gt[0] + gt[2]) / width * 1000,
               (gt[1] + gt[3]) / height * 1000]
        jitter = rng.choice([0, 5, 20, 60, 150])
        box = [round(v + rng.uniform(-jitter, jitter)) for v in rel]
        other = [round(v) for v in (rng.uniform(0, 500), rng.uniform(0, 500), rng.uniform(500, 1000),
                                    rng.uniform(500, 1000))]
        kind = rng.choice(["json", "json", "bare", "two", "pixels"])
        if kind == "json":
            response = json.dumps([{"bbox_2d": box, "label": "object"}])
        elif kind == "bare":
            response = json.dumps(box)
        elif kind == "two":
            first, second = (box, other) if rng.random() < 0.5 else (other, box)
            response = json.dumps([{"bbox_2d": first, "label": "a"}, {"bbox_2d": second, "label": "b"}])
        else:
            response = json.dumps({"bbox_2d": [round(gt[0]), round(gt[1]), round(gt[0] + gt[2]),
                                               round(gt[1] + gt[3])]})
        case(response, gt, [width, height], f"random {kind}")
    return cases


# ---------------------------------------------------------------------------------------------------------------
# scoring


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pix2struct", type=Path, required=True, help="pix2struct/metrics.py")
    parser.add_argument("--rrc", type=Path, required=True, help="Qwen-VL eval_mm/infographicsvqa_eval.py")
    parser.add_argument("--thinking-in-space", type=Path, required=True,
                        help="the folder lmms_eval/tasks/vsibench of thinking-in-space (utils.py, vsibench.yaml)")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()

    stub_modules()
    import lmms_eval
    from importlib.metadata import version

    lmms_version = version("lmms-eval")
    assert lmms_version == "0.7.3", lmms_version
    root = Path(lmms_eval.__file__).parent
    reasoning = load_module("lmms_reasoning", root / "api/reasoning.py")
    default_tags = [["<think>", "</think>"], ["<analysis>", "</analysis>"]]  # lmms-eval 0.7.3 `--reasoning_tags`

    def pre(response: str) -> str:
        return reasoning.strip_reasoning_tags(response, default_tags)

    rng = random.Random(19)
    out = {"generated_by": "tests/eval/official/make_docs_video_grounding_verdicts.py", "seed": 19,
           "python": sys.version.split()[0], "lmms_eval": {"package": "lmms-eval", "version": lmms_version},
           "pre_step": {"package": "lmms-eval", "version": lmms_version, "file": "lmms_eval/api/reasoning.py",
                        "function": "strip_reasoning_tags", "tags": default_tags}}

    def reference(key: str, path: Path, function: str) -> dict:
        repository, commit, file = SOURCES[key]
        return {"repository": repository, "commit": commit, "file": file, "sha256": sha256(path),
                "function": function}

    def lmms(file: str, function: str) -> dict:
        return {"package": "lmms-eval", "version": lmms_version, "file": f"lmms_eval/{file}", "function": function,
                "sha256": sha256(root / file)}

    # ChartQA
    relaxed = function_from(args.pix2struct, "relaxed_correctness", "from typing import Optional\n")
    chartqa_lmms = load_module("lmms_chartqa", root / "tasks/chartqa/utils.py")
    cases = chartqa_cases(rng)
    for case in cases:
        prediction = pre(case["response"])
        case["official"] = 1.0 if relaxed(case["answer"], prediction) else 0.0  # pix2struct's order: (target, pred)
        doc = {"type": case["type"], "answer": case["answer"]}
        case["lmms_eval"] = chartqa_lmms.chartqa_process_results(doc, [prediction])["relaxed_overall"]
    out["chartqa"] = {"reference": reference("pix2struct", args.pix2struct, "relaxed_correctness"),
                      "lmms_eval_reference": lmms("tasks/chartqa/utils.py", "chartqa_process_results"),
                      "cases": cases, "aggregate": {
                          "relaxed_accuracy": sum(c["official"] for c in cases) / len(cases),
                          **{split: sum(c["official"] for c in cases if c["type"] == kind)
                             / sum(c["type"] == kind for c in cases)
                             for split, kind in (("human", "human_test"), ("augmented", "augmented_test"))}}}

    # DocVQA
    rrc = load_module("rrc_script", args.rrc)
    metrics = load_module("lmms_metrics", root / "api/metrics.py")
    cases = docvqa_cases(rng)
    with tempfile.TemporaryDirectory() as folder:
        gt_path, subm_path = Path(folder) / "gt.json", Path(folder) / "subm.json"
        gt_path.write_text(json.dumps({"dataset_name": "docvqa", "data": [
            {"questionId": i, "question": "q", "answers": c["answers"]} for i, c in enumerate(cases)]}))
        subm_path.write_text(json.dumps([{"questionId": i, "answer": pre(c["response"])}
                                         for i, c in enumerate(cases)]))
        params = argparse.Namespace(answer_types=False, anls_threshold=0.5)
        rrc.validate_data(str(gt_path), str(subm_path))
        result = rrc.evaluate_method(str(gt_path), str(subm_path), params)
    for i, case in enumerate(cases):
        case["official"] = float(result["per_sample_result"][str(i)]["score"])
        case["lmms_eval"] = float(metrics.anls(case["answers"], [pre(case["response"])])["anls"])
    out["docvqa"] = {"reference": reference("rrc", args.rrc, "evaluate_method"),
                     "lmms_eval_reference": lmms("api/metrics.py", "anls"),
                     "cases": cases, "aggregate": {"anls": result["result"]["score"]}}

    # VSI-Bench
    tis = load_module("tis_vsibench", args.thinking_in_space / "utils.py")
    vsi_lmms = load_module("lmms_vsibench", root / "tasks/vsibench/utils.py")
    cases = vsibench_cases(rng)
    official_docs, lmms_docs = [], []
    for case in cases:
        doc = {"question_type": case["question_type"], "ground_truth": case["ground_truth"]}
        official_doc = tis.vsibench_process_results(dict(doc), [pre(case["response"])])["vsibench_score"]
        lmms_doc = vsi_lmms.vsibench_process_results(dict(doc), [pre(case["response"])])["vsibench_overall"]
        key = "accuracy" if case["options"] else "MRA:.5:.95:.05"
        case["official"], case["lmms_eval"] = float(official_doc[key]), float(lmms_doc[key])
        official_docs.append(official_doc)
        lmms_docs.append(lmms_doc)
    aggregate = tis.vsibench_aggregate_results(official_docs)
    out["vsibench"] = {"reference": reference("thinking-in-space", args.thinking_in_space / "utils.py",
                                              "vsibench_process_results, vsibench_aggregate_results"),
                       "lmms_eval_reference": lmms("tasks/vsibench/utils.py", "vsibench_process_results"),
                       "cases": cases,
                       "aggregate": {k: v for k, v in aggregate.items() if not k.startswith("tabulated")},
                       "aggregate_scale": 100,
                       "lmms_eval_aggregate": {k: float(v) for k, v in
                                               vsi_lmms._compute_all_subscores(lmms_docs).items()}}

    # RefCOCO
    grounding = load_module("lmms_refcoco_grounding", root / "tasks/refcoco_grounding/utils.py")
    cases = refcoco_cases(rng)
    for case in cases:
        prediction = pre(case["response"])
        width, height = case["image_size"]
        gt = grounding._xywh_to_xyxy(case["bbox_xywh"])
        boxes = grounding._parse_pred_boxes(prediction)
        first = grounding._scale_pred_to_pixel(boxes[0], width, height) if boxes else [0.0, 0.0, 0.0, 0.0]
        case["official"] = 1.0 if boxes and grounding._compute_accuracy(gt, first, 0.5) else 0.0
        doc = {"bbox": case["bbox_xywh"], "image": types.SimpleNamespace(size=(width, height)), "answer": "x"}
        data = grounding.refcoco_grounding_process_result(doc, [prediction])["refcoco_grounding_ACC@0.5"]
        case["lmms_eval"] = float(grounding._compute_accuracy(data["bbox"], data["pred"], 0.5))
    out["refcoco"] = {"reference": {**lmms("tasks/refcoco_grounding/utils.py",
                                           "_parse_pred_boxes (first box), _scale_pred_to_pixel, _compute_accuracy"),
                                    "protocol": "QwenLM/Qwen-VL eval_mm/evaluate_grounding.py (commit aa00ed0): "
                                                "the first box, iou >= 0.5"},
                      "lmms_eval_reference": lmms("tasks/refcoco_grounding/utils.py",
                                                  "refcoco_grounding_process_result, _compute_accuracy"),
                      "cases": cases,
                      "aggregate": {"acc@0.5": sum(c["official"] for c in cases) / len(cases)}}

    args.out.write_text(json.dumps(out, indent=0, ensure_ascii=False) + "\n")
    for name in ("chartqa", "docvqa", "vsibench", "refcoco"):
        cases = out[name]["cases"]
        differ = sum(c["official"] != c["lmms_eval"] for c in cases)
        print(f"{name}: {len(cases)} cases, lmms-eval differs from the reference on {differ}")


if __name__ == "__main__":
    main()
