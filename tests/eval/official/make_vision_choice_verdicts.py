"""Write vision_choice_official_verdicts.json: responses to the vision question-answering benchmarks scored by each
benchmark's own evaluation code (and, as the community cross-check, by lmms-eval 0.7.3's task code).

Run it in a virtual environment of its own, never the project's (offline once installed):

    python3 -m venv /tmp/venv-lmms
    /tmp/venv-lmms/bin/pip install --no-deps lmms-eval==0.7.3
    /tmp/venv-lmms/bin/pip install latex2sympy2==1.9.1 numpy tqdm   # MathVision's is_equal (pins antlr4 4.7.2)
    # the benchmarks' own files, at the commits cited below, into one folder (REFS):
    #   MMMU-Benchmark/MMMU@44b45b5 eval/eval_utils.py              -> REFS/mmmu_eval_utils.py
    /tmp/venv-lmms/bin/python tests/eval/official/make_vision_choice_verdicts.py REFS

The references, one per benchmark (package or repository, version, file):

- MMMU: github.com/MMMU-Benchmark/MMMU eval/eval_utils.py (commit 44b45b5; lmms-eval cites 51ce7f3, the same
  functions): ``parse_multi_choice_response``, ``parse_open_response``, ``eval_open``; imported from REFS.
- MMMU-Pro (standard and vision): the same repository's mmmu-pro/evaluate.py (commit a76d44b),
  ``parse_multi_choice_response``: lmms-eval's ``parse_mmmu_multi_choice_response`` (tasks/_task_utils/
  mmmu_mcq_utils.py) is that function without its first step (the look after the last ``Answer:``), so the function
  below is lmms-eval's, imported, behind that step, transcribed.
- MMStar: github.com/MMStar-Benchmark/MMStar eval/vlmeval/evaluate/mmstar.py (commit 79e6d1c) ``MMStar_eval``: its
  four-condition test is transcribed below (the file needs the rest of its vlmeval copy to import).
- MathVision: github.com/mathllm/MATH-V evaluation/evaluate.py and evaluation/utils.py (commit 1d36118); lmms-eval's
  tasks/mathvision/utils.py ``mathvision_process_results`` and eval_utils.py are line-for-line copies, imported here,
  except that MATH-V's utils.py does ``from math import *`` (its ``eval`` of a sympy string then knows ``sqrt``,
  ``pi``, ...) and lmms-eval's copy does not: the official verdict is taken with math's names put back.
- DynaMath: github.com/DynaMath/DynaMath evaluation/opensource_json_eval.py (commit 65a346a): its ``preprocess``,
  ``transfer`` and scoring block are transcribed below (the script calls a model server at import).
- LogicVista: github.com/Yijia-Xiao/LogicVista eval/extract_accuracy_new.py (commit 0b8cca2) extracts the chosen
  labels with GPT-4, which cannot be reproduced; its deterministic parts are transcribed below (a one-character
  response that is neither a letter a-e nor a digit reads ``ZZZZZ``; the sorted, lower-cased lists must be equal,
  the answer split at ``", "``), applied to the labels of an ``<answer>`` tag or a response that is only labels.
- RealWorldQA: xAI published no scorer; the reference is lmms-eval 0.7.3 tasks/realworldqa/utils.py
  ``realworldqa_process_results`` (with tasks/_task_utils/mcq_extract.py), its code imported.

Every response is scored after the harness's reasoning removal (``eval.metrics.strip_think``, the only step the
project adds before a benchmark's own parser); ``official_raw``, written where it differs, is the verdict on the raw
response, so the effect of that step is on record. An ``<answer>...</answer>`` block is, for DynaMath, handed to its
scorer as the JSON ``short answer`` it asks for (lmms-eval's reasoning tasks ask for the tag).

MMMU's parser draws a random option when it finds none (``random.seed(42)`` at import, one stream for the run);
MMMU-Pro's draws unseeded. Here, as in the project, the generator is reseeded with 42 before each response, so a
guess depends on the response alone; ``guessed`` marks those cases.

tests/eval/official/test_vision_choice_official.py compares the project's verdicts with the file this writes.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import json
import math
import random
import sys
import types
from collections import defaultdict
from pathlib import Path

OUT = Path(__file__).with_name("vision_choice_official_verdicts.json")
ROOT = Path(__file__).resolve().parents[3]


def load(name: str, path: Path):
    """A module from its file, without importing its package (lmms-eval's package imports torch and more)."""
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


LMMS = Path(importlib.util.find_spec("lmms_eval").submodule_search_locations[0])
STRIP_THINK = load("project_metrics", ROOT / "eval" / "metrics.py").strip_think

# ---------------------------------------------------------------------------------------------------------------------
# Cases. Edge cases first (the measured bugs, every form of an option letter, numbers with units, near misses,
# thinking blocks), then generated ones from a seeded generator.
# ---------------------------------------------------------------------------------------------------------------------

LETTER_FORMS = ["{L}", "{l}", "({L})", "[{L}]", "{L}.", "{L})", "**{L}**", "\\boxed{{{L}}}", "Answer: {L}",
                "Answer: ({L})", "The answer is {L}", "The answer is {L}.", "The answer is ({L}).", "Option {L}",
                "option {L}", "{L} is correct", "I think it's {L}.", "{L}\nOption A is incorrect because the angle "
                "is wrong.", "{L}: {T}", "{L}. {T}", "({L}) {T}", "{T}", "The correct option is {L} because it fits.",
                "<answer>{L}</answer>", "<think>Maybe A, maybe C.</think>{L}", "<think>{L}?</think>",
                "Final answer: {L}", "the answer is {l}", "The answer is A. Wait, no, it is {L}.",
                "Answer: A. Wait, the answer is {L}", "It must be {L}, not A.", "{L}\n", "({L})\n{T}",
                "Looking at the figure carefully, the best choice here is {L}."]
GENERIC = ["", " ", "A or B", "B or C", "A, B", "AB", "BB", "Bb", "I don't know.", "None of the above.",
           "The answer is A. Wait, no, it is B.", "B\nOption A is incorrect, since the triangle is obtuse.",
           "Let me think about it step by step, the shape has four sides so it is a square.", "(A) (B)", "A and B",
           "Both A and C are plausible, but I choose C.", "E", "Z", "vitamin C deficiency", "\\boxed{}",
           "The answer is: B.", "Answer:B", "answer: b", "ANSWER: B", "Option (B)", "choice B", "B!", "B;", "'B'",
           "\"B\"", "B\n\nExplanation: A is too small.", "<answer> B </answer>", "<think>A</think>\n\nAnswer: B"]


def mc_responses(letters: str, texts: list[str], rng: random.Random, extra: int) -> list[str]:
    responses = [form.format(L=L, l=L.lower(), T=texts[ord(L) - 65]) for L in letters[:3] for form in LETTER_FORMS]
    responses += GENERIC
    for _ in range(extra):
        L = rng.choice(letters)
        form = rng.choice(LETTER_FORMS)
        responses.append(form.format(L=L, l=L.lower(), T=texts[ord(L) - 65]))
    return list(dict.fromkeys(responses))


NUMBER_RESPONSES = ["{v}", "{v}.", "The answer is {v}", "The answer is {v}.", "\\boxed{{{v}}}", "x = {v}",
                    "So the area is {v} cm^2.", "{v} cm", "{v}%", "It is about {v}", "<answer>{v}</answer>",
                    "<think>it is 99</think>{v}", "The final answer is $\\boxed{{{v}}}$",
                    "Therefore, the result is {v}",
                    "{v}\nBecause the base is 3.", "The answer is {v} units.", "\\boxed{{{v}}} and \\boxed{{7}}"]
OPEN_VALUES = {"12.5": ["12.5", "12.50", "12", "125", "1.25", "12.49", "25/2", "\\frac{25}{2}", "12,5"],
               "3/4": ["3/4", "0.75", "\\frac{3}{4}", "\\dfrac{3}{4}", "0.7", "4/3", ".75", "75%"],
               "2\\sqrt{3}": ["2\\sqrt{3}", "3.46", "2*sqrt(3)", "\\sqrt{12}", "3.5", "2\\sqrt3"],
               "(1,2)": ["(1,2)", "(1, 2)", "(2,1)", "1, 2", "(1.0,2.0)"],
               "60": ["60", "60^\\circ", "60°", "60 degrees", "6", "600", "59.999", "60.0"],
               "1,234": ["1,234", "1234", "1234.0", "1 234", "1,235"],
               "dog": ["dog", "Dog", "a dog", "dogs", "hotdog", "cat"]}


def open_responses(values: list[str], rng: random.Random) -> list[str]:
    """Each value in the first four forms and three more drawn at random."""
    return list(dict.fromkeys(form.format(v=v) for v in values
                              for form in NUMBER_RESPONSES[:4] + rng.sample(NUMBER_RESPONSES[4:], 3)))


# ---------------------------------------------------------------------------------------------------------------------
# The references.
# ---------------------------------------------------------------------------------------------------------------------

def reseeded(function):
    def call(*args):
        random.seed(42)
        return function(*args)
    return call


def mmmu_pro_parse(mcq_utils):
    """mmmu-pro/evaluate.py ``parse_multi_choice_response``: its first step transcribed, the rest lmms-eval's
    ``parse_mmmu_multi_choice_response`` (the same code)."""
    def parse(response, all_choices, index2ans):
        last_answer_pos = response.rfind("Answer:")
        if last_answer_pos != -1:
            answer_str = response[last_answer_pos + len("Answer:"):].strip()
            matching_options = [option for option in all_choices if option in answer_str]
            if len(matching_options) == 1:
                return matching_options[0]
        return mcq_utils.parse_mmmu_multi_choice_response(response, all_choices, index2ans)
    return parse


def mmstar_official(predict: str, answers: str) -> bool:
    """MMStar_eval's test, transcribed (eval/vlmeval/evaluate/mmstar.py)."""
    answer = answers.lower().strip().replace("\n", " ")
    predict = predict.lower().strip().replace("\n", " ")
    try:
        if answer == predict[0]:
            return True
        elif predict[0] == "(" and answer == predict[1]:
            return True
        elif predict[0:7] == "option " and answer == predict[7]:
            return True
        elif predict[0:14] == "the answer is " and answer == predict[14]:
            return True
    except Exception:
        pass
    return False


def dynamath_preprocess(str1):
    """opensource_json_eval.py ``preprocess``, transcribed."""
    str0 = str1
    if str0 == "":
        return str1
    while str0[0] != "{":
        str0 = str0[1:]
        if len(str0) == 1:
            return str1
    while str0[-1] != "}":
        str0 = str0[:-1]
        if len(str0) == 1:
            return str1
    str2 = str0.replace("\\", "")
    str2 = str2.replace("\\n", "\n")
    return str2


def dynamath_transfer(str1):
    if "\u03c0" in str1:
        strs = str1.split("\u03c0")
        str1 = strs[0]
        return float(str1) * math.pi
    return float(str1)


def dynamath_official(content: str, truth: str, answer_type: str) -> bool:
    """opensource_json_eval.py's parsing and scoring block, transcribed (``np.pi`` as ``math.pi``)."""
    try:
        description = dynamath_preprocess(content)
    except Exception:
        description = content
    try:
        dj = json.loads(description, strict=False)
    except Exception:
        dj = {"solution": description, "short answer": description.split("\n")[-1][:-1]}
    try:
        answer = str(dj.get("short answer"))
        if answer_type == "float":
            if not answer.isdigit():
                parts = answer.split(" ")
                answer = parts[0]
                answer = dynamath_transfer(answer)
            diff = float(answer) - float(truth)
            return abs(diff) <= 0.001
        elif answer_type == "multiple choice":
            if len(answer) == 1:
                return answer == truth
            return truth in answer[0:3]
        return truth in answer
    except Exception:
        return False


def logicvista_official(labels: list[str] | None, entry: str, truth: str) -> bool:
    """extract_accuracy_new.py's deterministic parts, transcribed; ``labels`` stand for GPT-4's extraction."""
    entry = entry.strip()
    if len(entry) == 1 and ((entry.isalpha() and entry.lower() not in "abcde") or
                            (not entry.isalpha() and not entry.isnumeric())):
        labels = ["ZZZZZ"]
    if labels is None:
        return False
    answers = sorted(a.lower() for a in labels)
    truths = sorted(t.lower() for t in truth.split(", "))
    return answers == truths


# ---------------------------------------------------------------------------------------------------------------------
# Scoring every case.
# ---------------------------------------------------------------------------------------------------------------------

def dump(out: dict) -> str:
    """JSON with one case a line, to keep the file small and its diffs readable."""
    parts = []
    for key, value in out.items():
        if isinstance(value, dict) and "cases" in value:
            head = ", ".join(f"{json.dumps(k)}: {json.dumps(v, ensure_ascii=False)}" for k, v in value.items()
                             if k != "cases")
            cases = ",\n".join(json.dumps({k: v for k, v in case.items()  # official_raw only where it differs
                                            if k != "official_raw" or v != case["official"]}, ensure_ascii=False)
                                for case in value["cases"])
            parts.append(f"{json.dumps(key)}: {{{head}, \"cases\": [\n{cases}\n]}}")
        else:
            parts.append(f"{json.dumps(key)}: {json.dumps(value, ensure_ascii=False)}")
    return "{\n" + ",\n".join(parts) + "\n}\n"


def main(refs: Path) -> None:
    rng = random.Random(20240519)
    mmmu = load("mmmu_eval_utils", refs / "mmmu_eval_utils.py")
    mcq_utils = load("mmmu_mcq_utils", LMMS / "tasks/_task_utils/mmmu_mcq_utils.py")
    mcq_extract = load("mcq_extract", LMMS / "tasks/_task_utils/mcq_extract.py")
    mv_utils = load("mathvision_eval_utils", LMMS / "tasks/mathvision/eval_utils.py")
    mv_official = load("mathvision_eval_utils_official", LMMS / "tasks/mathvision/eval_utils.py")
    vars(mv_official).update({k: getattr(math, k) for k in dir(math) if not k.startswith("_")})  # from math import *
    sys.modules.setdefault("loguru", types.SimpleNamespace(logger=None))
    for stub in ("openai", "math_verify"):  # reasoning_utils imports them; no judge and no math-verify are used
        sys.modules[stub] = types.ModuleType(stub)
    sys.modules["openai"].OpenAI = lambda **kwargs: None
    sys.modules["math_verify"].parse = sys.modules["math_verify"].verify = None
    reasoning = load("reasoning_utils", LMMS / "tasks/_task_utils/reasoning_utils.py")
    mathvision_task = (LMMS / "tasks/mathvision/utils.py").read_text()
    process_start = mathvision_task.index("def mathvision_process_results")
    process_source = mathvision_task[process_start:mathvision_task.index("def mathvision_aggregate_results_eval")]

    def mathvision_process(utils):
        namespace = {"find_math_answer": utils.find_math_answer, "is_equal": utils.is_equal,
                     "is_number": utils.is_number}
        exec(compile(process_source, "lmms_eval/tasks/mathvision/utils.py", "exec"), namespace)
        return lambda doc, response: namespace["mathvision_process_results"](doc, [response])[
            "mathvision_standard_eval"]["scores"][0]

    mathvision_official = mathvision_process(mv_official)
    mathvision_lmms = mathvision_process(mv_utils)
    realworldqa_source = (LMMS / "tasks/realworldqa/utils.py").read_text()
    rw_start = realworldqa_source.index("def realworldqa_process_results")
    rw_namespace: dict = {}
    sys.modules["lmms_eval.tasks._task_utils.mcq_extract"] = mcq_extract
    exec(compile(realworldqa_source[rw_start:realworldqa_source.index("class NumberWordsToDigitsFilter")],
                 "lmms_eval/tasks/realworldqa/utils.py", "exec"), rw_namespace)
    realworldqa = rw_namespace["realworldqa_process_results"]

    def both(score, response, *args):
        return {"official": bool(score(STRIP_THINK(response), *args)), "official_raw": bool(score(response, *args))}

    out: dict = {"generator": "tests/eval/official/make_vision_choice_verdicts.py",
                 "packages": {"lmms-eval": importlib.metadata.version("lmms-eval"),
                              "latex2sympy2": importlib.metadata.version("latex2sympy2")},
                 "python": sys.version.split()[0]}

    # MMMU and MMMU-Pro multiple choice.
    mmmu_options = ["12 cm", "15 cm", "18 cm", "20 cm"]
    pro_options = ["Lincoln", "Washington", "Jefferson", "Adams", "Madison", "Monroe", "Jackson", "Grant", "Polk",
                   "Tyler"]
    for name, options, parse, lmms_parse, source in (
            ("mmmu", mmmu_options, mmmu.parse_multi_choice_response, mcq_utils.parse_mmmu_multi_choice_response,
             "github.com/MMMU-Benchmark/MMMU@44b45b5 eval/eval_utils.py parse_multi_choice_response"),
            ("mmmu_pro", pro_options, mmmu_pro_parse(mcq_utils), mcq_utils.parse_mmmu_multi_choice_response,
             "github.com/MMMU-Benchmark/MMMU@a76d44b mmmu-pro/evaluate.py parse_multi_choice_response")):
        index2ans, all_choices = mcq_utils.get_multi_choice_info(options)
        cases = []
        for response in mc_responses("BCA", options, rng, 40):
            for answer in ("B", "C"):
                parsed = reseeded(parse)(STRIP_THINK(response), all_choices, index2ans)
                raw = reseeded(parse)(response, all_choices, index2ans)
                guesses = set()
                for seed in range(8):  # nothing found: the pick changes with the seed
                    random.seed(seed)
                    guesses.add(parse(STRIP_THINK(response), all_choices, index2ans))
                lmms = reseeded(lmms_parse)(STRIP_THINK(response), all_choices, index2ans)
                case = {"response": response, "answer": answer, "parsed": parsed, "guessed": len(guesses) > 1,
                        "official": parsed == answer,
                        "official_raw": raw == answer, "lmms_eval": lmms == answer}
                if name == "mmmu_pro":
                    case["lmms_eval_vision"] = STRIP_THINK(response) == answer  # lmms-eval: no parsing, for vision
                cases.append(case)
        out[name] = {"reference": source, "options": options, "cases": cases,
                     "lmms_eval_reference": "lmms-eval 0.7.3 tasks/_task_utils/mmmu_mcq_utils.py "
                                            "parse_mmmu_multi_choice_response"}

    # MMMU open questions.
    cases = []
    for gold, values in OPEN_VALUES.items():
        for response in open_responses(values, rng):
            cases.append({"response": response, "answers": [gold],
                          **both(lambda r: mmmu.eval_open([gold], mmmu.parse_open_response(r)), response)})
    cases.append({"response": "The answer is 1.5", "answers": ["1.5", "3/2"],
                  **both(lambda r: mmmu.eval_open(["1.5", "3/2"], mmmu.parse_open_response(r)), "The answer is 1.5")})
    out["mmmu_open"] = {"reference": "github.com/MMMU-Benchmark/MMMU@44b45b5 eval/eval_utils.py parse_open_response, "
                                     "eval_open", "cases": cases}

    # MMStar.
    letters_texts = ["red", "blue", "green", "yellow"]
    categories = [("coarse perception", "image emotion"), ("math", "geometry"), ("math", "statistical reasoning"),
                  ("logical reasoning", "diagram reasoning")]
    cases = []
    for index, response in enumerate(mc_responses("BCA", letters_texts, rng, 40)):
        answer = "BCDA"[index % 4]
        category, l2 = categories[index % 3 if index % 5 else 3]
        lmms = mcq_extract.extract_mcq_answer(STRIP_THINK(response), choices=["A", "B", "C", "D"]) == answer
        cases.append({"response": response, "answer": answer, "category": category, "l2_category": l2,
                      **both(mmstar_official, response, answer), "lmms_eval": lmms})
    l2_scores = defaultdict(list)
    for case in cases:
        l2_scores[case["l2_category"]].append(case["lmms_eval"])
    out["mmstar"] = {"reference": "github.com/MMStar-Benchmark/MMStar@79e6d1c eval/vlmeval/evaluate/mmstar.py "
                                  "MMStar_eval", "options": letters_texts, "cases": cases,
                     "aggregate": {"accuracy": sum(c["official"] for c in cases) / len(cases)},
                     "lmms_eval_aggregate": {"accuracy": sum(sum(v) / len(v) for v in l2_scores.values()) /
                                             len(l2_scores),
                                             "accuracy_of_lmms_eval_verdicts": sum(c["lmms_eval"] for c in cases) /
                                             len(cases)},
                     "lmms_eval_reference": "lmms-eval 0.7.3 tasks/mmstar/utils.py mmstar_process_results, "
                                            "mmstar_aggregate_results"}

    # MathVision.
    mv_options = ["3", "4", "5", "6", "7"]
    cases = []
    for response in mc_responses("CAE", mv_options, rng, 20):
        doc = {"answer": "C", "options": mv_options}
        cases.append({"response": response, "answer": "C", "choice": True,
                      **both(lambda r: mathvision_official(doc, r.strip()), response),
                      "lmms_eval": bool(mathvision_lmms(doc, STRIP_THINK(response).strip()))})
    for gold, values in OPEN_VALUES.items():
        for response in open_responses(values, rng):
            doc = {"answer": gold, "options": []}
            cases.append({"response": response, "answer": gold, "choice": False,
                          **both(lambda r: mathvision_official(doc, r.strip()), response),
                          "lmms_eval": bool(mathvision_lmms(doc, STRIP_THINK(response).strip()))})
    out["mathvision"] = {"options": mv_options,
                         "reference": "github.com/mathllm/MATH-V@1d36118 evaluation/evaluate.py and "
                                      "evaluation/utils.py (run as lmms-eval 0.7.3's copies with `from math import *` restored; "
                                      "latex2sympy2 " + importlib.metadata.version("latex2sympy2") + ")",
                         "cases": cases,
                         "lmms_eval_reference": "lmms-eval 0.7.3 tasks/mathvision/utils.py mathvision_process_results"}

    # DynaMath.
    cases = []
    json_forms = ['{{"solution": "Compare the bars.", "short answer": "{v}"}}',
                  '```json\n{{\n    "solution": "Step 1 ...",\n    "short answer": "{v}"\n}}\n```',
                  '{{"solution": "x \\\\in (0, 1)", "short answer": "{v}"}}', '{{"short answer": {v}}}',
                  '{{"solution": "none"}}', "{v}", "The answer is {v}.", "<answer>{v}</answer>",
                  "<think>it is 1</think>{{\"short answer\": \"{v}\"}}", "{{\"short answer\": \"{v}\"", "{{", "{v}}}",
                  "Short answer: {v}\n", "{v} is the answer", "[{v}]"]
    for truth, answer_type, values in (("B", "multiple choice", ["B", "A", "(B)", "B. no", "b", "no", "AB", "C"]),
                                       ("2.125", "float", ["2.125", "2.1250", "2.126", "2.124", "2.2", "2", "2.125 s",
                                                           "0.676π", "17/8", "abc"]),
                                       ("1:30", "text", ["1:30", "11:30", "1:30 pm", "2:30", "1 : 30"])):
        for value in values:
            for form in json_forms:
                response = form.format(v=value)
                # the harness hands an <answer> block to DynaMath's scorer as the JSON short answer
                tagged = STRIP_THINK(response)
                if "<answer>" in tagged:
                    tagged = json.dumps({"short answer": tagged.split("<answer>")[-1].split("</answer>")[0].strip()})
                cases.append({"response": response, "answer": truth, "answer_type": answer_type,
                              "official": dynamath_official(tagged, truth, answer_type),
                              "official_raw": dynamath_official(response, truth, answer_type),
                              "lmms_eval": reasoning.compute_score("dynamath", response.strip(), truth)["acc_score"]
                              == 1})
    out["dynamath"] = {"reference": "github.com/DynaMath/DynaMath@65a346a evaluation/opensource_json_eval.py",
                       "cases": cases,
                       "lmms_eval_reference": "lmms-eval 0.7.3 tasks/dynamath/reasoning/utils.py with "
                                              "tasks/_task_utils/reasoning_utils.py compute_score (math-verify and "
                                              "the LLM judge off)"}

    # RealWorldQA.
    cases = []
    rw_texts = ["left", "right", "straight", "stop"]
    for response in mc_responses("BAD", rw_texts, rng, 30):
        for answer in ("B", "D"):
            score = realworldqa({"answer": answer}, [STRIP_THINK(response)])["exact_match"]
            raw = realworldqa({"answer": answer}, [response])["exact_match"]
            cases.append({"response": response, "answer": answer, "choice": True, "official": score == 1.0,
                          "official_raw": raw == 1.0})
    for gold in ("3", "Downhill"):
        for response in (gold, gold.lower(), f"{gold}.", f"The answer is {gold}.", f"{gold} ", f" {gold}\n",
                         f"<think>x</think>{gold}", "4", "downhill road", "Uphill", f"**{gold}**"):
            score = realworldqa({"answer": gold}, [STRIP_THINK(response)])["exact_match"]
            raw = realworldqa({"answer": gold}, [response])["exact_match"]
            cases.append({"response": response, "answer": gold, "choice": False, "official": score == 1.0,
                          "official_raw": raw == 1.0})
    out["realworldqa"] = {"options": rw_texts,
                          "reference": "lmms-eval 0.7.3 tasks/realworldqa/utils.py realworldqa_process_results "
                                       "(xAI published no scorer)", "cases": cases}

    # LogicVista: responses whose labels are unambiguous (an <answer> tag or labels only), scored by the official
    # comparison; the lmms-eval reasoning task's verdict kept alongside.
    cases = []
    for truth in ("C", "A, C", "3", "G"):
        for labels in (["C"], ["A", "C"], ["C", "A"], ["3"], ["G"], ["A"], ["A", "B", "C"], ["c"], ["4"], ["g"]):
            for form in ("{j}", "<answer>{j}</answer>", "<think>maybe A</think><answer>{j}</answer>",
                         "<answer> {j} </answer>"):
                response = form.format(j=", ".join(labels))
                cases.append({"response": response, "answer": truth,
                              "official": logicvista_official(labels, STRIP_THINK(response), truth),
                              "lmms_eval": reasoning.compute_score("logicvista", response.strip(), truth)["acc_score"]
                              == 1})
        for single in ("Z", "?", "-", "f"):
            cases.append({"response": single, "answer": truth, "official": logicvista_official(None, single, truth),
                          "lmms_eval": reasoning.compute_score("logicvista", single, truth)["acc_score"] == 1})
    out["logicvista"] = {"reference": "github.com/Yijia-Xiao/LogicVista@0b8cca2 eval/extract_accuracy_new.py "
                                      "(deterministic parts; GPT-4 extraction replaced by the labels of an "
                                      "<answer> tag or a labels-only response)", "cases": cases,
                         "lmms_eval_reference": "lmms-eval 0.7.3 tasks/logicvista/reasoning/utils.py with "
                                                "reasoning_utils.compute_score (math-verify and the judge off)"}

    for name in ("mmmu", "mmmu_pro", "mmmu_open", "mathvision", "dynamath", "realworldqa", "logicvista"):
        cases = out[name]["cases"]
        out[name]["aggregate"] = {"accuracy": sum(c["official"] for c in cases) / len(cases)}
    OUT.write_text(dump(out), encoding="utf-8")
    print(OUT, {k: len(v["cases"]) for k, v in out.items() if isinstance(v, dict) and "cases" in v})


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path("/tmp/vision_choice_refs"))
