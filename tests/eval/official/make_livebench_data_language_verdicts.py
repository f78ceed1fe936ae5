"""Score generated LiveBench data_analysis and language responses with LiveBench's own rules into
livebench_data_language_verdicts.json (read by test_livebench_data_language_official.py, which needs neither the
reference nor the network).

Not run by the tests. The reference is LiveBench's `livebench/process_results/` at the pinned commit: `util.py`,
`data_analysis/{cta,tablejoin,tablereformat}/utils.py` and `writing/{connections,typos,plot_unscrambling}/utils.py`,
called as `gen_ground_truth_judgment.py` dispatches them (`cta_process_results(ground_truth, answer)`,
`joinmap_process_results(question, ground_truth, answer)`, `table_process_results(question, ground_truth, answer,
version)`, `connections_process_results` / `connections_process_results_old` (the rules `connections` and
`connections_bold`), `typos_process_results`, `plot_unscrambling_process_results`). The files are read from a
LiveBench checkout or git directory, checked by SHA-256, copied to a temporary folder as the package
`livebench.process_results` (empty `__init__.py` files; no other LiveBench module is needed, so nothing is stubbed)
and imported from there. It needs pandas and numpy (LiveBench's own dependencies):

    python tests/eval/official/make_livebench_data_language_verdicts.py --livebench PATH

A rule that raises is recorded with `error` (its type and message) and score 0, which is what LiveBench's dispatch
records (`score = 0` in its `except Exception`). The rules print diagnostics; their output is discarded. HTML tables
need lxml (or bs4 with html5lib) for `pandas.read_html` (lxml is in the `dev` extra); where neither is installed, the
html cases (`html_cases`) are left out and the JSON says so (`html_tables`).

Thinking: LiveBench removes closed ``<think>...</think>`` blocks by regex; the project removes reasoning with
`eval.metrics.strip_think` before the rule. Each response goes into the reference with its thinking removed by the
rule written here (every closed block, the text up to a stray ``</think>``, the text from an unclosed ``<think>``
on; tags in any case), so both score the same text; `raw` records the reference's score after LiveBench's own
removal where it differs.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import importlib.util
import io
import json
import re
import sys
import tempfile
from pathlib import Path

from pinned_reference import add_package_files, copy_pinned  # this folder: the scripts run as files

OUT = Path(__file__).with_name("livebench_data_language_verdicts.json")
PREFIX = "livebench/process_results/"
REFERENCE = {
    "repository": "https://github.com/LiveBench/LiveBench",
    "commit": "b0fb577be60ea5ba6e3e677a84af127c893af0ef",
    "files": {
        "livebench/process_results/util.py": "fa45fcc988077218d6da08f00f3b6a61b0aea6ae08f417658c2fb5c373827cb7",
        "livebench/process_results/data_analysis/cta/utils.py":
            "413273fdb987911734d10b0c0d17e2b35736b0beb4bda5ff68bc6d4ce6a9dd3b",
        "livebench/process_results/data_analysis/tablejoin/utils.py":
            "b1dbe48ba6936c904da73ad8e73c560842d7adadd4c60af2170233cf62e91e67",
        "livebench/process_results/data_analysis/tablereformat/utils.py":
            "d4aa6af0473748c812b5194fff535998808be5d797d4508905c9459c8d238926",
        "livebench/process_results/writing/connections/utils.py":
            "3f433225335bad934a01263293b5c4beb7ec00368716064f9fcf894b7ef5f003",
        "livebench/process_results/writing/typos/utils.py":
            "5df452144254d09ee6cf4459b70ce156477386c912abb959fef9586ebacc1035",
        "livebench/process_results/writing/plot_unscrambling/utils.py":
            "80866bb98b218c705c6f766913fd98b61a8677c86b95ea3b8a0cf43ffe7fb4fd",
    },
    "dispatch": "livebench/gen_ground_truth_judgment.py (play_a_match_gt)",
}


# ---------------------------------------------------------------------------------------------------------------------
# cases: (rule, ground truth, question, response), edge cases first
# ---------------------------------------------------------------------------------------------------------------------

def cta_cases() -> list[tuple]:
    birth = ["birth_date", "Birth Date", "birthdate", "BIRTH_DATE.", "The class is birth_date",
             "Answer: birth_date", "not_birth_date", "birth_date\n\nI hope this helps.", "**birth_date**",
             "```\nbirth_date\n```", "date", "email", "", "   ", "birth", "birth_date_of_person",
             "\\boxed{birth_date}", "\\boxed{\\text{birth\\_date}}", "\\boxed{\\text{birth date}}",
             "So the class is $\\boxed{birth_date}$.", "\\boxed{email} first, then \\boxed{birth_date}",
             "\\boxed{birth_date} first, then \\boxed{email}", "\\boxed birth_date$ done",
             "\\boxed{birth", "birth_date \\boxed{", "\\boxed\n{birth_date}", "\\boxed{birth_date}}",
             "\\fbox{birth_date}", "\\fbox{email}", "\\boxed{birth_{date}}", "\\boxed{}",
             "<think>email</think>birth_date", "<think>birth_date</think>email", "birth_date<think>email",
             "<think>no close birth_date", "</think>birth_date", "<THINK>email</THINK>birth_date",
             "email\nbirth_date", "birth_date\nemail", "Birth-Date", "\\boxed{\\fbox birth_date}",
             "\\boxed{\\text{email}} \\boxed{\\textbf{birth_date}}"]
    year = ["Year", "year", "YEAR:", "the year", "years", "yyyy", "\\boxed{\\text{Year}}", "The answer: 'year'"]
    return [("cta", "birth_date", None, r) for r in birth] + [("cta", "Year", None, r) for r in year]


JOIN_TRUTH = "{'emp_id': 'id', 'dept': 'department_code', 'name': 'full_name'}"
JOIN_RIGHT = "{'emp_id': 'id', 'dept': 'department_code', 'name': 'full_name'}"


def join_cases() -> list[tuple]:
    responses = [
        JOIN_RIGHT, f"```python\n{JOIN_RIGHT}\n```", f"```python {JOIN_RIGHT} ```", f"```json\n{JOIN_RIGHT}\n```",
        f"```\n{JOIN_RIGHT}\n```", f"The mapping is:\n```python\n{JOIN_RIGHT}\n```\nDone.",
        '```json\n{"emp_id": "id", "dept": "department_code", "name": "full_name"}\n```',
        '```json\n{"emp_id": "id", "dept": "department_code", "name": null}\n```',
        "{'emp_id': 'id', 'dept': 'department_code', 'name': None}",
        '{"emp_id": "id", "dept": "department_code", "name": null}',
        "{'emp_id': 'id', 'dept': 'department_code'}", "{'emp_id': 'id'}", "{'emp_id': 'id', 'dept': 'name'}",
        "{'emp_id': 'id', 'dept': 'department_code', 'name': 'full_name', 'age': 'years'}",
        "{'emp_id': 'id', 'dept': 'department_code', 'name': ''}", "{'emp_id': 'nullable'}",
        "{'emp_id': 'id', 'dept': 'department_code', 'name': 'full_name', 'x': None}",
        "{}", "[]", "['emp_id', 'id']", "no mapping", "", "{'emp_id': 'id',}",
        "{'emp_id': 'id', 'dept': 'department_code', 'name': 'full_name'", "{\n'emp_id': 'id',\n'dept': "
        "'department_code',\n'name': 'full_name'\n}",
        f"<solution>{JOIN_RIGHT}</solution>", f"<solution>\n```python\n{JOIN_RIGHT}\n```\n</solution>",
        f"<solution>{{'emp_id': 'id'}}</solution> then <solution>{JOIN_RIGHT}</solution>",
        f"<solution>{JOIN_RIGHT}</solution> then <solution>{{'emp_id': 'id'}}</solution>",
        f"```python\n{{'emp_id': 'id'}}\n```\nBetter:\n```python\n{JOIN_RIGHT}\n```",
        f"```python\n{JOIN_RIGHT}\n```\n```json\n{{'emp_id': 'id'}}\n```",
        f"```json\n{{'emp_id': 'id'}}\n```\n```\n{JOIN_RIGHT}\n```",
        "\\boxed{{'emp_id': 'id', 'dept': 'department_code', 'name': 'full_name'}}",
        "\\boxed{\\{\\text{'emp_id'}: \\text{'id'}, \\text{'dept'}: \\text{'department_code'}\\}}",
        "\\boxed{{'emp_id': 'id'}", "So \\boxed{x} and \\boxedtext{y}", f"{JOIN_RIGHT} \\boxed{{}}",
        f"The mapping {JOIN_RIGHT} is final.", f"The mapping is\n{JOIN_RIGHT}",
        f"<think>{{'emp_id': 'id'}}</think>{JOIN_RIGHT}", f"<think>{JOIN_RIGHT}</think>{{'emp_id': 'id'}}",
        f"{JOIN_RIGHT}<think>maybe {{'emp_id': 'x'}}", "{'emp_id': 'id', 'dept': 'department_code', "
        "'name': 'full_name', 'emp_id': 'x'}", "{'emp_id': 1, 'dept': True}", "{1: 'id'}",
        "dict(emp_id='id')", "{'emp_id': 'id', 'dept': 'department_code', 'name': 'full_name'} # done",
        "\\boxed{\\fbox {'emp_id': 'id'}}", "{'emp_id': 'id', 'dept': 'department_code', 'name': 'full_name'}\n",
    ]
    return [("tablejoin", JOIN_TRUTH, None, r) for r in responses]


COLUMNS = ["name", "age", "score"]
ROWS = [["Ann", 31, 4.5], ["Bob", 42, 3.25]]


def table_text(fmt: str, rows=ROWS, columns=COLUMNS) -> str:
    """A table written in a LiveBench format by hand (no writer library needed)."""
    if fmt == "csv":
        return "\n".join([",".join(columns)] + [",".join(str(v) for v in row) for row in rows])
    if fmt == "tsv":
        return "\n".join(["\t".join(columns)] + ["\t".join(str(v) for v in row) for row in rows])
    if fmt == "jsonl":
        return "\n".join(json.dumps(dict(zip(columns, row))) for row in rows)
    if fmt == "json":  # LiveBench's json ground truths are index-oriented
        return json.dumps({str(i): dict(zip(columns, row)) for i, row in enumerate(rows)})
    if fmt == "json-records":
        return json.dumps([dict(zip(columns, row)) for row in rows])
    if fmt == "markdown":
        return "\n".join(["| " + " | ".join(columns) + " |", "|" + "|".join(":---" for _ in columns) + "|"]
                         + ["| " + " | ".join(str(v) for v in row) + " |" for row in rows])
    if fmt == "html":
        head = "".join(f"<th>{c}</th>" for c in columns)
        body = "".join("<tr>" + "".join(f"<td>{v}</td>" for v in row) + "</tr>" for row in rows)
        return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
    raise ValueError(fmt)


def question(version: str, source: str, target: str) -> str:
    if version == "v1":
        return (f"Please convert the Input Table from {source.upper()} format to {target.upper()} format. Please "
                f"respond only with the table.\n Input Table: ...")
    return (f"Convert the table below.\nSource Format: {source}\nTarget Format: {target}\nInput Table: ...\n"
            "Respond only with the table.")


def reformat_cases(html: bool) -> list[tuple]:
    cases = []
    targets = ["csv", "tsv", "jsonl", "json", "markdown"]
    for version in ("v1", "v2"):
        for target in targets:
            truth = table_text(target)
            source = "csv" if target != "csv" else "tsv"
            wrong = table_text(target, [["Ann", 31, 4.5], ["Bob", 43, 3.25]])
            reordered = table_text(target, [row[::-1] for row in ROWS], COLUMNS[::-1])
            responses = [
                truth, f"```{target}\n{truth}\n```", f"```\n{truth}\n```",
                f"Here is the table in {target.upper()} format:\n{truth}",
                f"Here is the converted table:\n```{target}\n{truth}\n```",
                f"Sure! Below is the result.\n{truth}", f"{truth}\n\nLet me know if you need anything else.",
                f"<solution>{truth}</solution>", f"<solution>\n{wrong}\n</solution>\n<solution>\n{truth}\n</solution>",
                wrong, reordered, table_text(target, ROWS[::-1]), table_text(target, ROWS[:1]),
                table_text(target, [["Ann", 31.0, 4.50], ["Bob", 42.0, 3.25]]),
                table_text(target, [[" Ann ", 31, 4.5], ["Bob", 42, 3.25]]),
                table_text(target, [["Ann", 31, 4.5, 1], ["Bob", 42, 3.25, 2]], COLUMNS + ["extra"]),
                "", "I cannot convert this table.", f"<think>{wrong}</think>{truth}", f"{truth}<think>{wrong}",
            ]
            if target == "json":
                responses += [table_text("json-records"), f"```json\n{table_text('json-records')}\n```",
                              f"```json\nHere is the table in JSON format: {truth}\n```",
                              json.dumps({"name": {"0": "Ann", "1": "Bob"}, "age": {"0": 31, "1": 42},
                                          "score": {"0": 4.5, "1": 3.25}}),
                              json.dumps({"data": [dict(zip(COLUMNS, row)) for row in ROWS]}),
                              truth.replace("}}", "}")]
            if target == "jsonl":
                responses += [f"Sure!\n{truth}\nDone.", truth.replace("\n", "\n\n"), truth + "\n{broken",
                              f"```json\n{truth}\n```"]
            if target in ("csv", "tsv"):
                responses += [f"Sure!\n{truth}\nDone.", truth.replace(",", ", ") if target == "csv" else truth,
                              f"The table:\n\n{truth}\n\nThe end, with, commas."]
            if target == "markdown":
                responses += [truth.replace("| ", "|").replace(" |", "|"),
                              "\n".join(line for i, line in enumerate(truth.split("\n")) if i != 1)]
            cases += [(f"tablereformat_{version}", truth, question(version, source, target), r) for r in responses]
    spaced = "name, age, score\nAnn, 31, 4.5\nBob, 42, 3.25"  # column names read with a leading space
    blank = "| name | age | note |\n|:---|:---|:---|\n| Ann | 31 | x |\n| Bob | 42 |  |"  # an empty cell
    lists = '["Ann", 31]\n["Bob", 42]'  # column names read as the numbers 0 and 1
    for version in ("v1", "v2"):
        csv_q, md_q, jsonl_q = (question(version, "tsv", "csv"), question(version, "csv", "markdown"),
                                question(version, "csv", "jsonl"))
        cases += [(f"tablereformat_{version}", spaced, csv_q, r)
                  for r in (spaced, "name,age,score\nAnn,31,4.5\nBob,42,3.25",
                            "x,y,z\nname,age,score\nAnn,31,4.5\nBob,42,3.25",
                            "Sure!\nname,age,score\nAnn,31,4.5\nBob,42,3.25")]
        cases += [(f"tablereformat_{version}", blank, md_q, r)
                  for r in (blank, blank.replace("|  |", "| nan |"), blank.replace("| x |", "|x|"))]
        cases += [(f"tablereformat_{version}", lists, jsonl_q, r)
                  for r in (lists, '{"0": "Ann", "1": 31}\n{"0": "Bob", "1": 42}',
                            'Sure!\n{"0": "Ann", "1": 31}\n{"0": "Bob", "1": 42}')]
        cases += [(f"tablereformat_{version}", "not a table {", question(version, "csv", "json"), table_text("json")),
                  (f"tablereformat_{version}", table_text("csv"), "Convert this table to CSV.", table_text("csv"))]
    numeric = '{"2023": 5, "name": "Ann"}\n{"2023": 6, "name": "Bob"}'  # a column read as the number 2023
    for version in ("v1", "v2"):
        q = question(version, "csv", "jsonl")
        cases += [(f"tablereformat_{version}", numeric, q, r)
                  for r in (numeric, f"Sure!\n{numeric}\nDone.", numeric.replace("6", "7"))]
    return cases + (html_cases() if html else [])


def html_rows(rows) -> str:
    return "".join("<tr>" + "".join(f"<td>{v}</td>" for v in row) + "</tr>" for row in rows)


def html_cases() -> list[tuple]:
    """The html target (read with pandas.read_html, every table in the text stacked) and html as the source, edge
    cases first: header rows, an index column, numbers as text, whitespace, nested tags, a table inside prose, two
    tables, malformed html. The html reading is the same in v1 and v2, so most cases are asked once."""
    truth = table_text("html")
    head = "<tr>" + "".join(f"<th>{c}</th>" for c in COLUMNS) + "</tr>"
    wrong = table_text("html", [["Ann", 31, 4.5], ["Bob", 43, 3.25]])
    indexed = ('<table border="1" class="dataframe">\n  <thead>\n    <tr style="text-align: right;">\n      <th></th>\n'
               + "".join(f"      <th>{c}</th>\n" for c in COLUMNS) + "    </tr>\n  </thead>\n  <tbody>\n"
               + "".join(f"    <tr>\n      <th>{i}</th>\n" + "".join(f"      <td>{v}</td>\n" for v in row)
                         + "    </tr>\n" for i, row in enumerate(ROWS)) + "  </tbody>\n</table>")  # DataFrame.to_html
    split = (f"<table><thead>{head}</thead><tbody>{html_rows(ROWS[:1])}</tbody></table>\n"
             f"<table><thead>{head}</thead><tbody>{html_rows(ROWS[1:])}</tbody></table>")
    money = table_text("html", [["Zoë", "1,234", "R&amp;D"], ["Bob", "", "N/A"]], ["name", "pay", "dept"])
    cases = []  # html as the target
    for version, ground_truth, responses in (
        ("v1", truth, [
            truth, f"```html\n{truth}\n```", f"Here is the table in HTML format:\n{truth}",
            f"Sure! Below is the table.\n{truth}\nLet me know if you need anything else.", indexed,
            f"<table>{head}{html_rows(ROWS)}</table>",  # header cells in the body, no thead
            f"<table>{html_rows([COLUMNS] + ROWS)}</table>",  # the header row in td cells
            f"<table><thead>{head}{head}</thead><tbody>{html_rows(ROWS)}</tbody></table>",  # two header rows
            table_text("html", [["Ann", "31.0", "4.50"], ["Bob", " 42 ", "3.25"]]),  # numbers as text
            table_text("html", [["Ann", "031", "4.5"], ["Bob", "4.2e1", "3.25"]]),
            table_text("html", [["<b>Ann</b>", "<span>31</span>", "<i>4.5</i>"], ["Bob", 42, 3.25]],
                       ["<strong>name</strong>", "age", "score"]),  # nested tags
            table_text("html", [["  Ann\n ", 31, 4.5], ["Bob", 42, 3.25]], [" name ", "age", "score\n"]),
            split, f"{truth}\n{table_text('html', [['Cy', 5, 1.0]])}",  # two tables, stacked
            truth.replace("</td>", "").replace("</tr>", ""),  # unclosed cells and rows
            truth.replace("</table>", ""), truth.upper().replace("ANN", "Ann").replace("BOB", "Bob"),
            table_text("markdown"),
            f"<html><body><p>The table:</p>{truth}<p>Done.</p></body></html>",
            f"```json\n{truth}\n```",  # the json fence is taken first
            truth.replace("<td>Ann</td>", '<td colspan="2">Ann</td>').replace("<td>31</td>", ""),
            truth.replace("<td>Ann</td>", "<td>A<br>nn</td>")]),
        ("v2", truth, [truth, indexed, split, wrong]),
        ("v2", indexed, [indexed, truth, indexed.replace("<th>0</th>", "<th>5</th>")]),
        ("v2", split, [split, truth]),  # a truth of two tables
        ("v1", money, [money, f"```html\n{money.replace('&amp;', '&')}\n```",
                       money.replace("1,234", "1234").replace("N/A", ""),
                       money.replace("1,234", "1.234"), money.replace("<td></td>", "<td>nan</td>")]),
    ):
        cases += [(f"tablereformat_{version}", ground_truth, question(version, "csv", "html"), r)
                  for r in responses]
    cases += [(f"tablereformat_{version}", table_text(target), question(version, "html", target), r)
              for version, target, r in (("v1", "csv", table_text("csv")), ("v1", "csv", truth),
                                         ("v2", "json", table_text("json")), ("v2", "markdown", truth))]
    return cases


CONNECTIONS = "apple,banana,cherry,grape,red,blue,green,yellow,four,three,two,one"
GROUPS = ["apple, banana, cherry, grape", "red, blue, green, yellow", "four, three, two, one"]


def connections_cases() -> list[tuple]:
    solved = ", ".join(GROUPS)
    swapped = "apple, banana, cherry, grape, red, blue, green, four, yellow, three, two, one"
    new = [f"<solution>{solved}</solution>", f"<solution>{swapped}</solution>",
           f"<solution>{', '.join(GROUPS[::-1])}</solution>", f"<solution>{solved.upper()}</solution>",
           f"<solution>\n{solved}\n</solution>", f"<solution>{GROUPS[0]}</solution>",
           f"<solution>{GROUPS[0]}</solution><solution>{GROUPS[1]}</solution><solution>{GROUPS[2]}</solution>",
           f"<solution>{swapped}</solution> then <solution>{solved}</solution>",
           f"<solution>{solved}</solution> then <solution>{GROUPS[2]}</solution>",
           f"</solution>{solved}</solution>", f"<solution>{solved}", "apple banana cherry grape", "",
           f"<solution>{GROUPS[0]}, {GROUPS[0]}, {GROUPS[0]}</solution>", "<solution></solution>",
           f"\\boxed{{{solved}}}", f"\\boxed{{\\text{{{solved}}}}}", f"\\boxed{{{swapped}", "\\boxed{}",
           f"**{solved}**", f"<solution>{solved.replace(', ', ',')}</solution>",
           f"<solution>{solved}, extra</solution>", f"<solution>{solved[:-5]}</solution>",
           f"<think><solution>{swapped}</solution></think><solution>{solved}</solution>",
           f"<solution>{solved}</solution><think>maybe <solution>{swapped}</solution>",
           f"<SOLUTION>{solved}</SOLUTION>", f"<solution>{GROUPS[1]}, {GROUPS[0]}, {GROUPS[2]}</solution>",
           f"<solution>\n{GROUPS[0]}\n{GROUPS[1]}\n{GROUPS[2]}\n</solution>",
           f"<solution>{GROUPS[0]},\n{GROUPS[1]},\n{GROUPS[2]}</solution>"]
    old = [f"**{solved}**", f"**{swapped}**", f"**{GROUPS[0]}** and **{GROUPS[1]}**",
           f"**{GROUPS[0]}, {GROUPS[1]}**", f"**{', '.join(GROUPS[::-1])}**", f"**{solved}, extra, words**",
           f"**{swapped}** or rather **{solved}**", "no bold here", "", "**apple**", f"**{solved.upper()}**",
           f"<solution>{solved}</solution>", f"**{GROUPS[0]}\n, {GROUPS[1]}, {GROUPS[2]}**",
           f"***{solved}***", f"<think>**{solved}**</think>**{swapped}**", "****",
           f"**{GROUPS[1]}, apple, banana, cherry, grape, {GROUPS[2]}**", f"**{GROUPS[0]}**",
           f"**{GROUPS[0]}, {GROUPS[0]}, {GROUPS[0]}**", f"**{solved.replace(', ', ',')}**",
           f"Groups: **{GROUPS[0]}**, **{GROUPS[1]}**, **{GROUPS[2]}**. So **{solved}**",
           f"**{solved}**<think>**{swapped}**", f"**{swapped[:-5]}**", f"__{solved}__"]
    return [("connections", CONNECTIONS, None, r) for r in new] + \
        [("connections_bold", CONNECTIONS, None, r) for r in old]


TYPOS = "The quick brown fox jumps over the lazy dog."


def typos_cases() -> list[tuple]:
    wrong = "The quikc brown fox jumps over the lazy dog."
    responses = [f"<solution>{TYPOS}</solution>", TYPOS, f"Fixed text:\n{TYPOS}", f"{TYPOS} Indeed.",
                 wrong, f"<solution>{wrong}</solution>", f"<solution>{wrong}</solution><solution>{TYPOS}</solution>",
                 f"<solution>{TYPOS}</solution><solution>{wrong}</solution>", f"<solution>\n{TYPOS}\n</solution>",
                 "<solution>The quick brown fox\njumps over the lazy dog.</solution>",
                 "The quick brown fox\n\njumps over the lazy dog.", "The quick brown fox  jumps over the lazy dog.",
                 f"<solution>{TYPOS}", f"{TYPOS}</solution>", f"a --- {TYPOS} --- b", f"a --- {wrong} --- b",
                 f"a --- {wrong} --- b\n{TYPOS}", f"{TYPOS} --- x --- y", TYPOS.lower(), "", TYPOS[:-1],
                 f"<think>{wrong}</think>{TYPOS}", f"<think>{TYPOS}</think>{wrong}", f"{TYPOS}<think>{wrong}",
                 f"<SOLUTION>{TYPOS}</SOLUTION>", f"**{TYPOS}**", f"<solution></solution>{TYPOS}",
                 f"<solution> {TYPOS} </solution>", f"</solution>{TYPOS}</solution>", f"{TYPOS}\n{wrong}"]
    return [("typos", TYPOS, None, r) for r in responses]


PLOT = "A meets B. They travel north. A storm hits. They return home."


def plot_cases() -> list[tuple]:
    s = ["A meets B", "They travel north", "A storm hits", "They return home"]

    def summary(order, wrap=True):
        text = ". ".join(s[i] for i in order) + "."
        return f"<PLOT_SUMMARY>{text}</PLOT_SUMMARY>" if wrap else text
    responses = [summary([0, 1, 2, 3]), summary([1, 0, 2, 3]), summary([3, 2, 1, 0]), summary([0, 1, 2, 3], False),
                 summary([0, 2, 1, 3], False), "<PLOT_SUMMARY>" + summary([0, 1, 2, 3], False),
                 summary([0, 1, 2]), summary([0]), "", "No idea", f"Intro. {summary([0, 1, 2, 3])} Outro.",
                 summary([0, 1, 2, 3]) + "\n**End of Plot Summary**", summary([0, 1, 2, 3, 3]),
                 "<PLOT_SUMMARY>A meets B\nThey travel north\nA storm hits\nThey return home</PLOT_SUMMARY>",
                 "<PLOT_SUMMARY>a meets b. they travel north. a storm hits. they return home.</PLOT_SUMMARY>",
                 f"<think>{summary([3, 2, 1, 0])}</think>{summary([0, 1, 2, 3])}",
                 f"{summary([0, 1, 2, 3])}<think>{summary([3, 2, 1, 0])}",
                 f"{summary([3, 2, 1, 0])}{summary([0, 1, 2, 3])}", "<plot_summary>" + summary([1, 0, 3, 2], False),
                 summary([0, 1, 2, 3]).replace(". ", "... "), summary([2, 3, 0, 1]),
                 "<PLOT_SUMMARY>A meets B. They travel south. A storm hits. They return home.</PLOT_SUMMARY>",
                 "<PLOT_SUMMARY>They return home. A meets B. They travel north. A storm hits.",
                 summary([0, 1, 2, 3]) + " Epilogue. " + summary([3, 2, 1, 0], False)]
    cases = [("plot_unscrambling", PLOT, None, r) for r in responses]
    cases += [("plot_unscrambling", "...", None, r) for r in (summary([0, 1]), "")]  # no true sentence
    return cases


# ---------------------------------------------------------------------------------------------------------------------
# the reference
# ---------------------------------------------------------------------------------------------------------------------

THINK_BLOCK = re.compile(r"<think>.*?</think>", re.DOTALL | re.IGNORECASE)


def final_part(response: str) -> str:
    """The response without its thinking: closed blocks removed, then the text after a stray ``</think>``, then the
    text before an unclosed ``<think>``."""
    text = THINK_BLOCK.sub("", response)
    close = text.lower().rfind("</think>")
    if close != -1:
        text = text[close + len("</think>"):]
    start = text.lower().find("<think>")
    return text if start == -1 else text[:start]


def livebench_think(response: str) -> str:
    """LiveBench's own removal in play_a_match_gt."""
    return re.sub(r"<think>.*?</think>", "", response, flags=re.DOTALL)


def load_reference(root: Path, folder: Path) -> dict:
    copy_pinned(root, REFERENCE, folder)
    add_package_files(folder, REFERENCE["files"])
    sys.path.insert(0, str(folder))
    for name in [name for name in sys.modules if name == "livebench" or name.startswith("livebench.")]:
        del sys.modules[name]
    module = importlib.import_module
    base = "livebench.process_results."
    cta = module(base + "data_analysis.cta.utils")
    join = module(base + "data_analysis.tablejoin.utils")
    table = module(base + "data_analysis.tablereformat.utils")
    connections = module(base + "writing.connections.utils")
    typos = module(base + "writing.typos.utils")
    plot = module(base + "writing.plot_unscrambling.utils")
    assert Path(cta.__file__).is_relative_to(folder)
    return {  # as gen_ground_truth_judgment.py calls them
        "cta": lambda gt, answer, q: cta.cta_process_results(gt, answer),
        "tablejoin": lambda gt, answer, q: join.joinmap_process_results(q, gt, answer),
        "tablereformat_v1": lambda gt, answer, q: table.table_process_results(q, gt, answer, "v1"),
        "tablereformat_v2": lambda gt, answer, q: table.table_process_results(q, gt, answer, "v2"),
        "connections": lambda gt, answer, q: connections.connections_process_results(gt, answer),
        "connections_bold": lambda gt, answer, q: connections.connections_process_results_old(gt, answer),
        "typos": lambda gt, answer, q: typos.typos_process_results(gt, answer),
        "plot_unscrambling": lambda gt, answer, q: plot.plot_unscrambling_process_results(gt, answer),
    }


def score(rules: dict, rule: str, ground_truth: str, question_text: str | None, answer: str) -> tuple[float, str]:
    """(score, error): LiveBench's score as a float, or 0 and the exception a rule raised."""
    try:
        with contextlib.redirect_stdout(io.StringIO()):
            return float(rules[rule](ground_truth, answer, question_text or "")), ""
    except Exception as error:  # LiveBench: eval_error, score 0
        return 0.0, f"{type(error).__name__}: {error}"[:200]


def html_readable() -> bool:
    return importlib.util.find_spec("lxml") is not None or (
        importlib.util.find_spec("bs4") is not None and importlib.util.find_spec("html5lib") is not None)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--livebench", required=True, type=Path, help="a LiveBench checkout or git directory")
    args = parser.parse_args()
    html = html_readable()
    cases = cta_cases() + join_cases() + reformat_cases(html) + connections_cases() + typos_cases() + plot_cases()
    records = []
    with tempfile.TemporaryDirectory() as folder:
        rules = load_reference(args.livebench.resolve(), Path(folder))
        for rule, ground_truth, question_text, response in cases:
            value, error = score(rules, rule, ground_truth, question_text, final_part(response))
            record = {"rule": rule, "ground_truth": ground_truth}
            if question_text is not None:
                record["question"] = question_text
            record.update({"response": response, "score": value})
            if error:
                record["error"] = error
            raw, _ = score(rules, rule, ground_truth, question_text, livebench_think(response))
            if raw != value:
                record["raw"] = raw
            records.append(record)
    data = {"reference": REFERENCE, "html_tables": "scored" if html else
            "left out: neither lxml nor bs4 with html5lib was installed for pandas.read_html",
            "mean": sum(record["score"] for record in records) / len(records)}
    text = "{\n" + ",\n".join(f"{json.dumps(key)}: {json.dumps(value, ensure_ascii=False)}"
                              for key, value in data.items())
    text += ',\n"cases": [\n' + ",\n".join(json.dumps(record, ensure_ascii=False) for record in records) + "\n]\n}\n"
    OUT.write_text(text, encoding="utf-8")
    by_rule: dict[str, int] = {}
    for record in records:
        by_rule[record["rule"]] = by_rule.get(record["rule"], 0) + 1
    print(f"{OUT}: {len(records)} cases {by_rule}, mean {data['mean']:.4f}, "
          f"{sum('error' in r for r in records)} raise, {sum('raw' in r for r in records)} differ raw")


if __name__ == "__main__":
    main()
