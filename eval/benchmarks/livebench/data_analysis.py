"""LiveBench's data_analysis category: column type annotation (cta), table join and table reformatting."""

from __future__ import annotations

import ast
import json
import re
import warnings
from io import StringIO

from eval.benchmarks.livebench.extraction import last_boxed, unbox

_UNREADABLE = object()


def _python_literal(text: str):
    """`ast.literal_eval(text)`, or `_UNREADABLE` where it raises (LiveBench catches every exception there)."""
    try:
        return ast.literal_eval(text)
    except Exception:
        return _UNREADABLE


def _clean(text: str) -> str:
    return re.sub(r"[^\w]", "", text.lower().strip())


def cta(ground_truth: str, answer: str, question: str) -> tuple[str, float]:
    """Column type annotation (`cta_process_results`): the answer is the last box if the response has a
    `\\boxed{` (`\\text{`, `}` and backslashes removed; a box LiveBench cannot read, unclosed or not opened by
    `\\boxed{`, scores 0, where LiveBench raises), else the whole response. Both it and the truth are lower-cased and
    stripped of everything but word characters; the answer is right when it equals the truth or ends with it."""
    parsed = answer
    if "\\boxed{" in parsed:
        boxed = last_boxed(parsed)
        inside = unbox(boxed) if boxed is not None else None
        if inside is None:
            return "", 0.0
        parsed = inside.replace("\\text{", "").replace("}", "").replace("\\", "")
    truth, given = _clean(ground_truth), _clean(parsed)
    return parsed.strip(), float(truth == given or truth == given[-len(truth):])


def _join_mapping(answer: str) -> dict:
    """The column mapping of a tablejoin answer (`clean_llm_output`): the last <solution> (read again by this rule);
    else the whole text if it is a Python literal; else, newlines removed, the last ```python block, else the last
    ```json block, else the last ``` block, else the last `\\boxed{}` (`\\text{'x'}` read as 'x', backslashes
    removed), else the whole text, read as a Python literal with every `null` replaced by `None`. Anything but a dict
    gives {}; keys mapped to None are dropped. A box LiveBench cannot unbox (it raises) gives {} too."""
    solutions = re.findall(r"<solution>(.*?)</solution>", answer, re.DOTALL)
    if solutions:
        return _join_mapping(solutions[-1].strip())
    value = _python_literal(answer)
    if value is _UNREADABLE:
        flat = answer.replace("\n", "")
        matches = (re.findall(r"```python(.*?)```", flat) or re.findall(r"```json(.*?)```", flat)
                   or re.findall(r"```(.*?)```", flat))
        if not matches and "\\boxed" in answer:
            boxed = last_boxed(flat)
            if boxed:
                inside = unbox(boxed)
                if inside is None:
                    return {}
                matches = [re.sub(r"\\text{['|\"](.*?)['|\"]}", r"'\1'", inside).replace("\\", "")]
        value = _python_literal((matches or [answer])[-1].replace("null", "None"))
    if not isinstance(value, dict):
        return {}
    return {key: item for key, item in value.items() if item is not None}


def tablejoin(ground_truth: str, answer: str, question: str) -> tuple[str, float]:
    """Table join (`joinmap_process_results`): F1 of the predicted column mapping (:func:`_join_mapping`) against the
    true one, rounded to two decimals as `numpy.round` does; a predicted key whose true value is missing or empty is a
    false positive, a wrong value a false positive and a false negative, a true key predicted empty or not at all a
    false negative. A truth that is not a dict literal scores 0 (LiveBench raises)."""
    truth = _python_literal(ground_truth)
    mapping = _join_mapping(answer)
    if not mapping or not isinstance(truth, dict):
        return repr(mapping) if mapping else "", 0.0
    tp = fp = fn = 0
    for key, value in mapping.items():
        expected = truth.get(key)
        if not expected:
            fp += 1
        elif expected == value:
            tp += 1
        else:
            fp += 1
            fn += 1
    fn += sum(1 for key in truth if not mapping.get(key))
    return repr(mapping), round(100 * (2 * tp / (2 * tp + fp + fn))) / 100  # numpy.round(x, 2): rint(100 x) / 100


def table_formats(question: str, version: str) -> tuple[str, str]:
    """(source format, target format) named by a tablereformat question (v1: "convert the Input Table from X format to
    Y format"; v2: "Source Format: X" / "Target Format: Y" lines)."""
    if version == "v1":
        request = question.split("Please convert the Input Table from ")[1]
        return request.split(" format")[0].lower(), request.split("format to ")[1].split(" format")[0].lower()
    lines = question.split("\n")
    source = [line for line in lines if "Source Format" in line][-1].split("Source Format: ")[1]
    target = [line for line in lines if "Target Format" in line][-1].split("Target Format: ")[1]
    return source.strip().lower(), target.strip().lower()


def read_table(kind: str, text: str, version: str):
    """A table in one of LiveBench's formats as a DataFrame (`read_df_func` for v1, `read_df_func_v2` for v2)."""
    import pandas as pd

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if kind == "json":
            orients = ("index", "records", "records-lines", "table", "values") if version == "v1" \
                else ("table", "index", "records")
            for i, orient in enumerate(orients):
                try:
                    if orient == "records-lines":
                        return pd.read_json(StringIO(text), orient="records", lines=True)
                    return pd.read_json(StringIO(text), orient=orient)
                except Exception:
                    if i == len(orients) - 1:
                        if version == "v1":
                            raise
                        return None
        if kind == "jsonl":
            return pd.read_json(StringIO(text), orient="records", lines=True)
        if kind == "html":
            return pd.concat(pd.read_html(StringIO(text), encoding="utf-8"), axis=0)  # needs lxml (or bs4, html5lib)
        if kind == "csv":
            return pd.read_csv(StringIO(text))
        if kind == "tsv":
            return pd.read_csv(StringIO(text), sep="\t")
        if kind == "markdown" and version == "v1":
            return pd.read_table(StringIO(text), sep="|", header=0, index_col=1, skipinitialspace=True)
        if kind == "markdown":
            lines = text.strip().split("\n")
            frame = pd.read_table(StringIO("\n".join(lines[:1] + lines[2:])), sep="|", header=0,
                                  skipinitialspace=True).iloc[:, 1:-1]
            for column in frame.columns:  # LiveBench strips object columns only (pandas 3 reads text as str)
                if frame[column].dtype == "object":
                    frame[column] = frame[column].astype(str).str.strip()
            return frame
    raise ValueError(f"unsupported table format {kind!r}")


def _clean_table_output(answer: str) -> str:
    """LiveBench's tablereformat `clean_llm_output`: the last <solution> (cleaned again), else the last ```json block,
    else the last ```html block, else the text less a first ``` line and every ```, with `&amp;` read as `&`."""
    solutions = re.findall(r"<solution>(.*?)</solution>", answer, re.DOTALL)
    if solutions:
        return _clean_table_output(solutions[-1].strip())
    for fence in ("json", "html"):
        blocks = re.findall(rf"```{fence}\n(.*?)```", answer, re.DOTALL)
        if blocks:
            return blocks[-1].strip()
    return re.sub(r"^```.*\n", "", answer).replace("&amp;", "&").replace("```", "").strip()


def _table_text(answer: str) -> str:
    """The table a tablereformat answer gives: :func:`_clean_table_output`, then an opening phrase such as "Here is
    the table in CSV format:" removed (`remove_initial_phrase`)."""
    text = _clean_table_output(answer)
    return re.sub(r"^\s*(Here|Input)\b.*?\b(format|table)\s*[:)]\s*", "", text, flags=re.IGNORECASE).strip()


def _table_after_header(text: str, header: str, sep: str):
    """`read_sep_table_from_text`: a csv/tsv table starting at the first line equal to its header (both stripped),
    trailing lines dropped until it parses; None when no line is the header."""
    import pandas as pd

    lines = text.strip().split("\n")
    start = next((i for i, line in enumerate(lines) if line.strip() == header.strip()), None)
    if start is None:
        return None
    table = lines[start:]
    while table:
        try:
            return pd.read_csv(StringIO("\n".join(table)), sep=sep)
        except Exception:
            table = table[:-1]
    return None  # LiveBench loops for ever here; a header line alone always parses


def _table_from_json_lines(text: str, columns):
    """`read_jsonl_table_from_text`: the lines that are JSON objects naming every column (a column name that is not
    text raises TypeError, as in LiveBench), as a table; None when there is none."""
    import pandas as pd

    rows = []
    for line in text.strip().split("\n"):
        if len(line) < 2 or line[0] != "{" or line[-1] != "}" or not all(column in line for column in columns):
            continue
        try:
            rows.append(json.loads(line))
        except Exception:
            continue
    return pd.DataFrame(rows) if rows else None


def _table_in_text(target: str, text: str, columns, sep: str):
    """The table inside surrounding text: csv/tsv from its header line (the column names joined by `sep`), jsonl by
    its lines. Raises TypeError for column names that are not text, as LiveBench does."""
    if target == "jsonl":
        return _table_from_json_lines(text, columns)
    return _table_after_header(text, sep.join(columns), sep)


def same_table(predicted, truth) -> bool:
    """LiveBench's `check_table_reformat`: same row count and column set (stripped names, an `index` column
    dropped), and every cell equal in order: two numbers (a float, or a value pandas' `is_numeric_dtype` accepts)
    within 1e-6 (both NaN counts as equal; if either cannot be made a float, equal as stripped text), anything else by
    `==` after stripping strings. Any failure to compare is a mismatch. Column names are stripped on copies."""
    import math

    from pandas.api.types import is_numeric_dtype

    def is_number(value):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return isinstance(value, float) or is_numeric_dtype(value)

    try:
        truth, predicted = truth.copy(), predicted.copy()
        truth.columns = [c.strip() for c in truth.columns]
        truth = truth.drop(columns=["index"]) if "index" in truth.columns else truth
        predicted.columns = [c.strip() for c in predicted.columns]
        predicted = predicted.drop(columns=["index"]) if "index" in predicted.columns else predicted
        if len(predicted) != len(truth) or sorted(predicted.columns) != sorted(truth.columns):
            return False
        for i in range(len(predicted)):
            for key in predicted.columns:
                given, expected = predicted.iloc[i][key], truth.iloc[i][key]
                given = given.strip() if isinstance(given, str) else given
                expected = expected.strip() if isinstance(expected, str) else expected
                if is_number(given) and is_number(expected):
                    try:
                        given, expected = float(given), float(expected)
                    except Exception:
                        if str(given).strip() != str(expected).strip():
                            return False
                        continue
                    if math.isnan(given) and math.isnan(expected):
                        continue
                    if not abs(given - expected) < 1e-6:
                        return False
                elif not given == expected:
                    return False
    except Exception:
        return False
    return True


def tablereformat(ground_truth: str, answer: str, question: str, version: str) -> tuple[str, float]:
    """Table reformatting (`table_process_results`): the answer's table (:func:`_table_text`) read in the target
    format (:func:`read_table`) must equal the ground truth's table (:func:`same_table`). Where it cannot be read, a
    csv/tsv table is looked for from its header line and a jsonl table in the JSON lines (:func:`_table_in_text`);
    where it is read but differs, a csv/jsonl table is looked for the same way, from the truth's stripped column names,
    and compared again. Where LiveBench raises (a question naming no formats, an unreadable truth, column names that
    are not text), the score is 0."""
    try:
        target = table_formats(question, version)[1]
        truth = read_table(target, ground_truth, version)
    except Exception:
        return "", 0.0
    text = _table_text(answer)
    try:
        predicted = read_table(target, text, version)
    except Exception:
        try:
            predicted = _table_in_text(target, text, truth.columns, "\t" if target == "tsv" else ",") \
                if target in ("csv", "tsv", "jsonl") else None
        except Exception:
            return text, 0.0
        if predicted is None:
            return text, 0.0
    if same_table(predicted, truth):
        return text, 1.0
    if target not in ("csv", "jsonl"):
        return text, 0.0
    try:  # LiveBench's comparison has stripped the truth's column names in place by now
        retried = _table_in_text(target, text, [c.strip() for c in truth.columns], ",")
    except Exception:
        return text, 0.0
    return text, float(retried is not None and same_table(retried, truth))


# `--scoring lenient`: rule name -> the project's departure from LiveBench's rule (none kept here)
LENIENT: dict = {}
