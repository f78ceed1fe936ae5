"""LiveBench's data_analysis category: column type annotation (cta), table join and table reformatting."""

from __future__ import annotations

import ast
import json
import re
import warnings
from io import StringIO

from eval.benchmarks.livebench.extraction import _literal, boxed_inside


def cta(ground_truth: str, answer: str, question: str) -> tuple[str, float]:
    """Column type annotation (`cta_process_results`): the last `\\boxed{}` if any, else the whole response, equals
    the truth once both are lower-cased and stripped of everything but word characters."""
    parsed = answer
    if "\\boxed{" in parsed:
        inside = boxed_inside(parsed)
        if inside is not None:
            parsed = inside.replace("\\text{", "").replace("}", "").replace("\\", "")

    def clean(text):
        return re.sub(r"[^\w]", "", text.lower().strip())
    return parsed.strip(), float(clean(ground_truth) == clean(parsed))


def _join_mapping(answer: str) -> dict:
    """The column mapping of a tablejoin answer (`clean_llm_output`): the last ```python block, else the last ```
    block, else the last `\\boxed{}` (newlines removed), else the whole text, read as a Python dict literal."""
    flat = answer.replace("\n", "")
    matches = re.findall(r"```python(.*?)```", flat) or re.findall(r"```(.*?)```", flat)
    if not matches and "\\boxed" in answer:
        inside = boxed_inside(flat)
        if inside is not None:
            matches = [re.sub(r"\\text{['|\"](.*?)['|\"]}", r"'\1'", inside).replace("\\", "")]
    value = _literal((matches or [answer])[-1])
    return value if isinstance(value, dict) else {}


def tablejoin(ground_truth: str, answer: str, question: str) -> tuple[str, float]:
    """Table join (`joinmap_process_results`): F1 of the predicted column mapping against the true one, rounded to two
    decimals (a wrong value counts as a false positive and a false negative)."""
    truth = ast.literal_eval(ground_truth)
    mapping = _join_mapping(answer)
    if not mapping:
        return "", 0.0
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
    return repr(mapping), round(2 * tp / (2 * tp + fp + fn), 2)


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
            return pd.concat(pd.read_html(StringIO(text)), axis=0)
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
            for column in frame.columns:
                if not pd.api.types.is_numeric_dtype(frame[column]):
                    frame[column] = frame[column].astype(str).str.strip()
            return frame
    raise ValueError(f"unsupported table format {kind!r}")


def _table_text(answer: str) -> str:
    """The table a tablereformat answer gives (`clean_llm_output` and `remove_initial_phrase`)."""
    solutions = re.findall(r"<solution>(.*?)</solution>", answer, re.DOTALL)
    if solutions:
        return _table_text(solutions[-1].strip())
    for fence in ("json", "html"):
        blocks = re.findall(rf"```{fence}\n(.*?)```", answer, re.DOTALL)
        if blocks:
            return blocks[-1].strip()
    text = re.sub(r"^```.*\n", "", answer).replace("&amp;", "&").replace("```", "").strip()
    return re.sub(r"^\s*(Here|Input)\b.*?\b(format|table)\s*[:)]\s*", "", text, flags=re.IGNORECASE).strip()


def _table_after_header(text: str, header: str, sep: str):
    """A csv/tsv table starting at the line equal to its header, trailing lines dropped until it parses."""
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
    return None


def _table_from_json_lines(text: str, columns):
    import pandas as pd

    rows = []
    for line in text.strip().split("\n"):
        if len(line) < 2 or line[0] != "{" or line[-1] != "}" or not all(str(c) in line for c in columns):
            continue
        try:
            rows.append(json.loads(line))
        except ValueError:
            continue
    return pd.DataFrame(rows) if rows else None


def same_table(predicted, truth) -> bool:
    """LiveBench's `check_table_reformat`: same row count and column set (stripped names, an `index` column
    dropped), and every cell equal in order: numbers within 1e-6 (both NaN counts as equal), anything else by `==`
    after stripping strings. Any failure to compare is a mismatch."""
    import math

    import numpy as np

    def is_number(value):  # LiveBench: isinstance(value, float) or pandas' is_numeric_dtype(value)
        return isinstance(value, (float, np.number, np.bool_))

    try:
        truth.columns = [c.strip() for c in truth.columns]
        predicted.columns = [c.strip() for c in predicted.columns]
        truth = truth.drop(columns=["index"]) if "index" in truth.columns else truth
        predicted = predicted.drop(columns=["index"]) if "index" in predicted.columns else predicted
        if len(predicted) != len(truth) or sorted(predicted.columns) != sorted(truth.columns):
            return False
        for i in range(len(predicted)):
            for key in predicted.columns:
                given, expected = predicted.iloc[i][key], truth.iloc[i][key]
                given = given.strip() if isinstance(given, str) else given
                expected = expected.strip() if isinstance(expected, str) else expected
                if is_number(given) and is_number(expected):
                    given, expected = float(given), float(expected)
                    if math.isnan(given) and math.isnan(expected):
                        continue
                    if not abs(given - expected) < 1e-6:
                        return False
                elif not bool(given == expected):
                    return False
    except Exception:
        return False
    return True


def tablereformat(ground_truth: str, answer: str, question: str, version: str) -> tuple[str, float]:
    """Table reformatting (`table_process_results`): the answer's table (last <solution>, else last ```json/```html
    block, else the text less fences and an opening "Here is the table:" phrase) read in the target format must equal
    the ground truth's table (:func:`same_table`); csv/tsv/jsonl answers with text around the table are retried from
    the header line / the JSON lines."""
    target = table_formats(question, version)[1]
    truth = read_table(target, ground_truth, version)
    text = _table_text(answer)

    def from_text(sep: str):  # the table inside surrounding text: csv/tsv from its header line, jsonl by lines
        if target == "jsonl":
            return _table_from_json_lines(text, truth.columns)
        try:
            return _table_after_header(text, sep.join(truth.columns), sep)
        except TypeError:  # non-text column names have no header line
            return None

    try:
        predicted = read_table(target, text, version)
    except Exception:
        predicted = from_text("\t" if target == "tsv" else ",") if target in ("csv", "tsv", "jsonl") else None
        if predicted is None:
            return text, 0.0
    if predicted is not None and same_table(predicted, truth.copy()):
        return text, 1.0
    retried = from_text(",") if target in ("csv", "jsonl") else None
    return text, float(retried is not None and same_table(retried, truth.copy()))


# `--scoring lenient`: rule name -> the project's departure from LiveBench's rule (none kept here)
LENIENT: dict = {}
