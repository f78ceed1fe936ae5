"""Tiny copies of the text benchmarks in their published layouts (MATH-500, AIME 2025, GSM8K, C-Eval, arith).

Each `write_<benchmark>(data_dir)` writes a few documents under `data_dir/<benchmark>/`, as the public release is
laid out once downloaded (`huggingface-cli download --repo-type dataset X --local-dir DATA_DIR/<benchmark>`).
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

MATH500_ROWS = [
    {"problem": "Convert the point $(0,3)$ in rectangular coordinates to polar coordinates.",
     "solution": "We have $r = 3$ and $\\theta = \\frac{\\pi}{2}$, so the answer is "
                 "$\\boxed{\\left( 3, \\frac{\\pi}{2} \\right)}.$",
     "answer": "\\left( 3, \\frac{\\pi}{2} \\right)", "subject": "Precalculus", "level": 2,
     "unique_id": "test/precalculus/807.json"},
    {"problem": "If $f(x) = \\frac{3x-2}{x-2}$, what is the value of $f(-2) +f(-1)+f(0)$? Express your answer as a "
                "common fraction.",
     "solution": "$f(-2)+f(-1)+f(0)=2+\\frac{5}{3}+1=\\boxed{\\frac{14}{3}}$",
     "answer": "\\frac{14}{3}", "subject": "Algebra", "level": 3, "unique_id": "test/algebra/2584.json"},
    {"problem": "Solve $x^2 - 5x + 6 \\le 0$. Express your answer in interval notation.",
     "solution": "The roots are 2 and 3, so the solution is $\\boxed{[2,3]}$.",
     "answer": "[2,3]", "subject": "Intermediate Algebra", "level": 2, "unique_id": "test/intermediate_algebra/1.json"},
    {"problem": "What is $\\sin 45^\\circ$?",
     "solution": "$\\sin 45^\\circ = \\boxed{\\frac{\\sqrt{2}}{2}}$.",
     "answer": "\\frac{\\sqrt{2}}{2}", "subject": "Geometry", "level": 1, "unique_id": "test/geometry/7.json"},
    {"problem": "Which of the following is a prime? (A) 4 (B) 6 (C) 7 (D) 9",
     "solution": "Only 7 is prime: $\\boxed{\\text{(C)}}$.",
     "answer": "\\text{(C)}", "subject": "Number Theory", "level": 1, "unique_id": "test/number_theory/12.json"},
    {"problem": "Ten pencils cost one dollar each. How many dollars do they cost in all?",
     "solution": "$10 \\cdot 1 = \\boxed{10}$.",
     "answer": "10", "subject": "Prealgebra", "level": 1, "unique_id": "test/prealgebra/3.json"},
]

AIME25_ROWS = {
    "aime2025-I.jsonl": [
        {"question": "Find the sum of all integer bases $b>9$ for which $17_b$ is a divisor of $97_b$.",
         "answer": "70"},
        {"question": "On $\\triangle ABC$ points $A, D, E$ and $B$ lie in that order on side $\\overline{AB}$. "
                     "Find the area of the heptagon $AFNBCEM$.", "answer": "588"},
        {"question": "Find the measure of the angle, in degrees.", "answer": "336^\\circ"},
    ],
    "aime2025-II.jsonl": [
        {"question": "Six points $A, B, C, D, E$ and $F$ lie in a straight line in that order. Find the area of "
                     "$\\triangle BGE$.", "answer": "468"},
        {"question": "Find the sum of all positive integers $n$ such that $n+2$ divides the product "
                     "$3(n+3)(n^2+9)$.", "answer": "49"},
    ],
}

GSM8K_ROWS = [
    {"question": "Natalia sold clips to 48 of her friends in April, and then she sold half as many clips in May. "
                 "How many clips did Natalia sell altogether in April and May?",
     "answer": "Natalia sold 48/2 = <<48/2=24>>24 clips in May.\nNatalia sold 48+24 = <<48+24=72>>72 clips "
               "altogether in April and May.\n#### 72"},
    {"question": "Weng earns $12 an hour for babysitting. Yesterday, she just did 50 minutes of babysitting. How "
                 "much did she earn?",
     "answer": "Weng earns 12/60 = $<<12/60=0.2>>0.2 per minute.\nWorking 50 minutes, she earned 0.2 x 50 = "
               "$<<0.2*50=10>>10.\n#### 10"},
    {"question": "A shop sells 250 pens a day. How many pens does it sell in 4 days?",
     "answer": "It sells 250 * 4 = <<250*4=1000>>1000 pens.\n#### 1000"},
    {"question": "Tom has 3 apples and gets 2 more. How many apples does he have?",
     "answer": "He has 3 + 2 = <<3+2=5>>5 apples.\n#### 5"},
]

CEVAL_ROWS = {
    "computer_network": [
        {"id": 0, "question": "滑动窗口的作用是____。", "A": "流量控制", "B": "拥塞控制", "C": "路由控制",
         "D": "差错控制", "answer": "A", "explanation": ""},
        {"id": 1, "question": "在OSI参考模型中，负责路由选择的是____。", "A": "物理层", "B": "数据链路层",
         "C": "网络层", "D": "传输层", "answer": "C", "explanation": ""},
    ],
    "high_school_history": [
        {"id": 0, "question": "辛亥革命发生在____年。", "A": "1898", "B": "1911", "C": "1919", "D": "1949",
         "answer": "B", "explanation": ""},
    ],
    "marxism": [
        {"id": 0, "question": "马克思主义最根本的世界观和方法论是____。", "A": "辩证唯物主义和历史唯物主义",
         "B": "唯心主义", "C": "形而上学", "D": "经验主义", "answer": "A", "explanation": ""},
    ],
}


def write_jsonl(path: Path, rows: list[dict]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows), encoding="utf-8")


def write_math500(data_dir: Path) -> None:
    """HuggingFaceH4/MATH-500: `test.jsonl` at the repository root."""
    write_jsonl(data_dir / "math500" / "test.jsonl", MATH500_ROWS)


def write_aime25(data_dir: Path) -> None:
    """opencompass/AIME2025: `aime2025-I.jsonl` and `aime2025-II.jsonl` (question, answer)."""
    for name, rows in AIME25_ROWS.items():
        write_jsonl(data_dir / "aime25" / name, rows)


def write_gsm8k(data_dir: Path) -> None:
    """openai/gsm8k, config main: `main/test-00000-of-00001.parquet` (question, answer)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = data_dir / "gsm8k" / "main" / "test-00000-of-00001.parquet"
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(pa.Table.from_pylist(GSM8K_ROWS, schema=pa.schema([("question", pa.string()),
                                                                      ("answer", pa.string())])), path)


CEVAL_SCHEMA = [("id", "int32"), ("question", "string"), ("A", "string"), ("B", "string"), ("C", "string"),
                ("D", "string"), ("answer", "string"), ("explanation", "string")]


def write_ceval(data_dir: Path) -> None:
    """ceval/ceval-exam (Parquet, as converted on the hub): `<subject>/val-00000-of-00001.parquet` per subject."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    schema = pa.schema([(name, getattr(pa, kind)()) for name, kind in CEVAL_SCHEMA])
    for subject, rows in CEVAL_ROWS.items():
        path = data_dir / "ceval" / subject / "val-00000-of-00001.parquet"
        path.parent.mkdir(parents=True, exist_ok=True)
        pq.write_table(pa.Table.from_pylist(rows, schema=schema), path)


def write_ceval_csv(data_dir: Path) -> None:
    """The official C-Eval CSV release (ceval-exam.zip): `val/<subject>_val.csv` per subject, UTF-8."""
    for subject, rows in CEVAL_ROWS.items():
        path = data_dir / "ceval" / "val" / f"{subject}_val.csv"
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "w", encoding="utf-8", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=[name for name, _ in CEVAL_SCHEMA])
            writer.writeheader()
            writer.writerows(rows)


def write_arith(data_dir: Path) -> None:
    """The synthetic arith set, as `dopd-vl build-data --task arith --limit 16 --seed 0` writes it."""
    from data_builders.synthetic import build_synthetic

    build_synthetic("arith", data_dir / "arith", 16, seed=0, show_progress=False)


WRITERS = {"math500": write_math500, "aime25": write_aime25, "gsm8k": write_gsm8k, "ceval": write_ceval,
           "arith": write_arith}
