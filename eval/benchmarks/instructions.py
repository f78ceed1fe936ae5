"""IFEval (`ifeval`; Zhou et al. 2023, "Instruction-Following Evaluation for Large Language Models"), scored as
lm-evaluation-harness 0.4.13's `ifeval` task (lm_eval/tasks/ifeval, version 4.0) scores it.

- Data: the Hugging Face release `google/IFEval` as downloaded, `ifeval/ifeval_input_data.jsonl`: one JSON object a
  line with `key` (an int), `prompt`, `instruction_id_list` and `kwargs` (one argument object per instruction; an
  argument the instruction does not take is null or absent). Every record is read: the task's test split is the
  whole file (541 prompts).
- Prompt: the record's prompt alone, as the user's chat message (no system prompt, no instruction of ours;
  `doc_to_text: prompt`, zero-shot). Budget: 1280 new tokens (`generation_kwargs.max_gen_toks`).
- Scoring (eval/ifeval.py): each instruction's strict verdict (the checker accepts the response as given) and loose
  verdict (it accepts one of eight variants: without the first line, the last line, both, and with `*` removed),
  from the whole response as generated (nothing stripped, a thinking block included, as lm-eval does by
  default).
- Metrics (`process_results` and the aggregations of ifeval.yaml): prompt_level_strict_acc, the headline (every
  instruction of a prompt followed, averaged over prompts); inst_level_strict_acc (averaged over all instructions
  of all prompts); and the same two loose. A sample's own inst_level values are the fraction of its instructions
  followed; the benchmark's are recounted over instructions (:func:`summarize_ifeval`), not averaged over prompts.

A record that is malformed (no integer key, a key seen before, no prompt, an instruction outside IFEval's registry,
`kwargs` not one entry per instruction, a missing or invalid argument) is an error naming the file, the record key
and the field. Arguments are read as eval/ifeval.py documents (one deliberate difference: an argument given as 0
or "" is used, where lm-eval would draw a random one). The instructions that need nltk's Punkt model or langdetect
stop the load when it is missing (:func:`eval.ifeval.checked_instructions`).
"""

from __future__ import annotations

import json
from pathlib import Path

from eval import ifeval
from eval.base import Benchmark, Doc, jsonl_records, record_error, require

IFEVAL_FILE = Path("ifeval") / "ifeval_input_data.jsonl"
IFEVAL_MAX_NEW_TOKENS = 1280  # lm_eval/tasks/ifeval/ifeval.yaml, generation_kwargs.max_gen_toks


def ifeval_document(row: dict, path: Path, record: str) -> tuple[str, dict]:
    """A record's prompt and its instructions with their checked arguments; raises the record error of a malformed
    field."""
    prompt = row.get("prompt")
    if not isinstance(prompt, str) or not prompt.strip():
        raise record_error("ifeval", path, record, "field 'prompt': missing or not a non-empty string; "
                                                   "re-download google/IFEval")
    ids = row.get("instruction_id_list")
    for index, instruction in enumerate(ids if isinstance(ids, list) else []):
        if isinstance(instruction, str) and instruction not in ifeval.INSTRUCTIONS:
            raise record_error("ifeval", path, record,
                               f"field 'instruction_id_list'[{index}]: unknown instruction {instruction!r}; IFEval's "
                               f"are: {', '.join(ifeval.INSTRUCTIONS)}")
    ids, arguments = ifeval.checked_instructions("ifeval", path, record, row)
    return prompt, {"instruction_id_list": ids, "kwargs": arguments}


def load_ifeval(data_dir: Path, limit: int | None) -> list[Doc]:
    path = data_dir / IFEVAL_FILE
    require(IFEVAL, data_dir, path)
    docs, seen = [], {}
    for number, row in jsonl_records("ifeval", path):
        if limit is not None and len(docs) >= limit:
            break
        key = row.get("key")
        if isinstance(key, bool) or not isinstance(key, int):
            raise record_error("ifeval", path, f"on line {number}",
                               f"field 'key': expected an integer, found {repr(key)[:80]}; re-download google/IFEval")
        if key in seen:
            raise record_error("ifeval", path, f"key {key}", f"field 'key': line {number} repeats the key of line "
                                                             f"{seen[key]}")
        seen[key] = number
        prompt, instructions = ifeval_document(row, path, f"key {key}")
        docs.append(Doc(f"ifeval-{key}", [{"role": "user", "content": prompt}],
                        "follows: " + ", ".join(instructions["instruction_id_list"]),
                        {"key": key, "prompt": prompt, **instructions}))
    return docs


def score_ifeval(response: str, doc: Doc) -> tuple[str, dict[str, float]]:
    """lm-eval's `process_results` for one response: the prompt-level verdicts (every instruction followed, strict
    and loose) and the fraction of the instructions followed; `extracted` lists each instruction's two verdicts."""
    ids = doc.document["instruction_id_list"]
    verdicts = ifeval.ifeval_verdicts(response, ids, doc.document["kwargs"])
    extracted = json.dumps([[instruction, {"strict": strict, "loose": loose}]
                            for instruction, strict, loose in zip(ids, verdicts.strict, verdicts.loose)])
    return extracted, {"prompt_level_strict_acc": float(all(verdicts.strict)),
                       "inst_level_strict_acc": sum(verdicts.strict) / len(ids),
                       "prompt_level_loose_acc": float(all(verdicts.loose)),
                       "inst_level_loose_acc": sum(verdicts.loose) / len(ids)}


def _followed(fraction: float, count: int) -> list[bool]:
    """A sample's instruction verdicts again from the fraction followed (their order does not matter here)."""
    followed = round(fraction * count)
    return [True] * followed + [False] * (count - followed)


def summarize_ifeval(docs: list[Doc], scores: list[dict[str, float]]) -> dict[str, float]:
    """lm-eval's aggregation (:func:`eval.ifeval.ifeval_aggregate`): prompt level the mean over prompts,
    instruction level the mean over all instructions of all prompts (`agg_inst_level_acc`)."""
    if not scores:
        return {}
    return ifeval.ifeval_aggregate([
        ifeval.IFEvalVerdicts(_followed(score["inst_level_strict_acc"], len(doc.document["instruction_id_list"])),
                              _followed(score["inst_level_loose_acc"], len(doc.document["instruction_id_list"])))
        for doc, score in zip(docs, scores, strict=True)])


IFEVAL = Benchmark(
    "ifeval", ifeval.IFEVAL_METRICS,
    layout="ifeval/ifeval_input_data.jsonl (one JSON object a line: key, prompt, instruction_id_list, kwargs)",
    source="https://huggingface.co/datasets/google/IFEval "
           "(huggingface-cli download --repo-type dataset google/IFEval --local-dir DATA_DIR/ifeval)",
    load=load_ifeval, score=score_ifeval, files=lambda data_dir: [data_dir / IFEVAL_FILE],
    aggregate=summarize_ifeval, max_new_tokens=IFEVAL_MAX_NEW_TOKENS)

BENCHMARKS = [IFEVAL]
