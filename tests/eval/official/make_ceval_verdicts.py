"""Score generated C-Eval responses with C-Eval's own evaluator into ceval_official_verdicts.json (read by
test_ceval_official.py, which needs neither the reference nor the network).

Not run by the tests. The reference is the zero-shot answer-only path of `ChatGPT_Evaluator.eval_subject` in
hkust-nlp/ceval `code/evaluator_series/evaluators/chatgpt.py` (with `evaluator.py`), the evaluator whose prompt the
project's `ceval` benchmark uses. Both files are read at the pinned commit (from a ceval checkout or git directory),
checked by SHA-256, copied to a temporary folder and imported from there, with a stand-in `openai` module whose
`ChatCompletion.create` answers each question with its case's response; `eval_subject` then scores the whole table
(its `correctness` column and its returned accuracy are the verdicts). It needs pandas and tqdm:

    python tests/eval/official/make_ceval_verdicts.py --ceval PATH

Thinking: the evaluator reads the message content, which a reasoning server returns without the thinking, so each
response goes in with its thinking removed (the rule is written here: the text after the last ``</think>``, nothing
from an unclosed ``<think>`` on); `raw` records the verdict on the raw response where it differs.
"""

from __future__ import annotations

import argparse
import importlib
import json
import re
import sys
import tempfile
import types
from pathlib import Path

from pinned_reference import copy_pinned  # this folder: the scripts run as files

OUT = Path(__file__).with_name("ceval_official_verdicts.json")
REFERENCE = {
    "repository": "https://github.com/hkust-nlp/ceval",
    "commit": "cba65ae93bcf189149ced9f66ae0c958201faed9",
    "files": {"code/evaluator_series/evaluators/chatgpt.py":
              "8d60eb1a3a8d7a138c537eff1d0233e113f392ba20bd504445fe1d768817c0bd",
              "code/evaluator_series/evaluators/evaluator.py":
              "2521cda56a9447a9a42667e4c5205daf5638b9e64c91d75bf89c304bbd68069d"},
    "function": "ChatGPT_Evaluator.eval_subject(subject, test_df, few_shot=False) (zero-shot, answer only)",
}
OPTIONS = {"A": "秦朝", "B": "汉朝", "C": "唐朝", "D": "宋朝"}

# (response, answer): edge cases first
EDGE = [
    ("B", "B"), ("B。", "B"), (" B ", "B"), ("B. 汉朝", "B"), ("b", "B"), ("Ｂ", "B"), ("汉朝", "B"),
    ("答案是B", "B"), ("答案是 B", "B"), ("答案是选项B", "B"), ("答案是 选项 B", "B"), ("答案是  B", "B"),
    ("答案是\nB", "B"), ("答案为C", "C"), ("答案应为D", "D"), ("答案选A", "A"), ("答案是:B", "B"), ("答案是: B", "B"),
    ("答案应该是:C", "C"), ("答案应该是：C", "C"), ("答案应该是C", "C"), ("正确的一项是D", "D"), ("正确的一项是 D", "D"),
    ("正确的一项是选项D", "D"), ("答案为:A", "A"), ("答案应为:B", "B"), ("答案:C", "C"), ("答案: C", "C"),
    ("答案是：D", "D"), ("答案为：A", "A"), ("答案应为：B", "B"), ("答案：C", "C"), ("答案： C", "C"),
    ("答案：选项C", "C"), ("答案：\n\nC", "C"), ("选B", "B"), ("选项C", "C"), ("选择D", "D"), ("我选B", "B"),
    ("所以选B", "B"), ("故选C", "C"), ("选项C是正确的", "C"), ("The answer is B", "B"), ("answer: B", "B"),
    ("**B**", "B"), ("(B)", "B"), ("答案是(B)", "B"), ("答案是【B】", "B"), ("答案是Ｂ", "B"), ("答案是b", "B"),
    ("答案是A。不对，答案是B。", "B"), ("答案为A，答案是B", "B"), ("答案是B，解析如下。答案为C", "B"),
    ("答案是A或B", "A"), ("A和B", "B"), ("C选项正确", "C"), ("根据题意，B正确。", "B"), ("正确答案是B", "B"),
    ("正确答案：B", "B"), ("正确答案为 C", "C"), ("答案应该选B", "B"), ("我的答案是：D", "D"), ("答案选择C", "C"),
    ("答案选C。", "C"), ("D项", "D"), ("选项D。", "D"), ("Dog", "D"), ("A. 秦朝 B. 汉朝", "B"),
    ("分析题干可知，汉朝时期……答案：B", "B"), ("答案是B，因为答案是C的说法不对", "B"),
    ("<think>答案是A</think>答案是B", "B"), ("<think>答案是A</think>B", "B"), ("<think>答案是A</think>\n\nB", "B"),
    ("<think>想一想。答案是B", "B"), ("<think>a</think><think>答案是C</think>答案：D", "D"), ("B<think>答案是C", "B"),
    ("", "B"), ("   ", "B"), ("\n\nC", "C"), ("答案", "A"), ("答案是", "A"), ("以上都不对", "A"),
]

TEMPLATES = ["{x}", "{x}。", "答案是{x}", "答案：{x}", "答案为 {x}。", "所以答案是{x}。", "选{x}", "答案是选项{x}",
             "{x}. {text}", "正确答案是{x}", "The answer is {x}.", "**{x}**", "答案：（{x}）", "答案: {x}"]


def generated() -> list[tuple[str, str]]:
    """Each template with the right letter and with a wrong one, over the four answers."""
    cases = []
    for index, template in enumerate(TEMPLATES):
        answer = "ABCD"[index % 4]
        wrong = "ABCD"[(index + 1) % 4]
        cases += [(template.format(x=answer, text=OPTIONS[answer]), answer),
                  (template.format(x=wrong, text=OPTIONS[wrong]), answer)]
    return cases


def final_part(response: str) -> str:
    close = response.rfind("</think>")
    if close != -1:
        response = response[close + len("</think>"):]
    start = response.find("<think>")
    return response if start == -1 else response[:start]


def load_reference(root: Path, folder: Path):
    copy_pinned(root, REFERENCE, folder / "evaluators", flat=True)
    (folder / "evaluators" / "__init__.py").write_text("")
    openai = types.ModuleType("openai")  # the evaluator's only network call, answered from the cases
    openai.ChatCompletion = types.SimpleNamespace(create=None)
    sys.modules["openai"] = openai
    sys.path.insert(0, str(folder))
    return importlib.import_module("evaluators.chatgpt"), openai


def official(module, openai, cases: list[tuple[str, str]]) -> tuple[list[int], float]:
    import pandas as pd

    rows = [{"question": f"第{index}题：以下哪个朝代最早统一中国货币？", **OPTIONS, "answer": answer}
            for index, (_, answer) in enumerate(cases)]
    responses = {row["question"]: response for row, (response, _) in zip(rows, cases)}

    def create(model, messages, temperature):
        question = re.search(r"(第\d+题：[^\n]*)", messages[-1]["content"])[1]
        return {"choices": [{"message": {"content": responses[question]}}]}

    openai.ChatCompletion.create = create
    evaluator = module.ChatGPT_Evaluator(choices=list(OPTIONS), k=-1, api_key="none", model_name="stand-in")
    frame = pd.DataFrame(rows)
    with tempfile.TemporaryDirectory() as results:
        ratio = evaluator.eval_subject("中国历史", frame, few_shot=False, save_result_dir=results)
    return [int(value) for value in frame["correctness"]], ratio


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--ceval", required=True, type=Path, help="a hkust-nlp/ceval checkout or git directory")
    args = parser.parse_args()
    cases = EDGE + generated()
    with tempfile.TemporaryDirectory() as folder:
        module, openai = load_reference(args.ceval, Path(folder))
        verdicts, ratio = official(module, openai, [(final_part(r), a) for r, a in cases])
        raw, _ = official(module, openai, cases)
    records = []
    for (response, answer), verdict, raw_verdict in zip(cases, verdicts, raw):
        record = {"response": response, "answer": answer, "correct": verdict}
        if raw_verdict != verdict:
            record["raw"] = raw_verdict
        records.append(record)
    data = {"reference": REFERENCE, "options": OPTIONS, "accuracy_percent": ratio, "cases": records}
    text = "{\n" + ",\n".join(f"{json.dumps(key)}: {json.dumps(value, ensure_ascii=False)}"
                              for key, value in data.items() if key != "cases")
    text += ',\n"cases": [\n' + ",\n".join(json.dumps(record, ensure_ascii=False) for record in records) + "\n]\n}\n"
    OUT.write_text(text, encoding="utf-8")
    print(f"{OUT}: {len(records)} cases, accuracy {ratio:.2f}%, {sum('raw' in r for r in records)} differ raw")


if __name__ == "__main__":
    main()
