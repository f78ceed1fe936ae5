"""Text multiple-choice benchmarks: C-Eval (validation split), Chinese single-choice questions with options A-D.

Official scoring is the zero-shot answer-only rule of C-Eval's own evaluator for chat models (hkust-nlp/ceval
`code/evaluator_series/evaluators/chatgpt.py` @cba65ae, whose prompt :func:`ceval_prompt` reproduces): see
:func:`ceval_official_choice`. ``--scoring lenient`` reads the answer with the project's shared multiple-choice rule
and Chinese answer cues (:func:`ceval_choice`).
"""

from __future__ import annotations

import csv
import re
import unicodedata
from pathlib import Path

from eval.base import Benchmark, Doc, EvalError, missing_message, parquet_rows, record_error
from eval.extract import extract_choice
from eval.metrics import strip_think

# C-Eval's subject_mapping.json (github.com/hkust-nlp/ceval): subject -> (Chinese name, category). The released file
# gives clinical_medicine no category; the paper lists it under Other.
CEVAL_SUBJECTS = {
    "computer_network": ("计算机网络", "STEM"), "operating_system": ("操作系统", "STEM"),
    "computer_architecture": ("计算机组成", "STEM"), "college_programming": ("大学编程", "STEM"),
    "college_physics": ("大学物理", "STEM"), "college_chemistry": ("大学化学", "STEM"),
    "advanced_mathematics": ("高等数学", "STEM"), "probability_and_statistics": ("概率统计", "STEM"),
    "discrete_mathematics": ("离散数学", "STEM"), "electrical_engineer": ("注册电气工程师", "STEM"),
    "metrology_engineer": ("注册计量师", "STEM"), "high_school_mathematics": ("高中数学", "STEM"),
    "high_school_physics": ("高中物理", "STEM"), "high_school_chemistry": ("高中化学", "STEM"),
    "high_school_biology": ("高中生物", "STEM"), "middle_school_mathematics": ("初中数学", "STEM"),
    "middle_school_biology": ("初中生物", "STEM"), "middle_school_physics": ("初中物理", "STEM"),
    "middle_school_chemistry": ("初中化学", "STEM"), "veterinary_medicine": ("兽医学", "STEM"),
    "college_economics": ("大学经济学", "Social Science"), "business_administration": ("工商管理", "Social Science"),
    "marxism": ("马克思主义基本原理", "Social Science"),
    "mao_zedong_thought": ("毛泽东思想和中国特色社会主义理论体系概论", "Social Science"),
    "education_science": ("教育学", "Social Science"), "teacher_qualification": ("教师资格", "Social Science"),
    "high_school_politics": ("高中政治", "Social Science"), "high_school_geography": ("高中地理", "Social Science"),
    "middle_school_politics": ("初中政治", "Social Science"),
    "middle_school_geography": ("初中地理", "Social Science"),
    "modern_chinese_history": ("近代史纲要", "Humanities"),
    "ideological_and_moral_cultivation": ("思想道德修养与法律基础", "Humanities"), "logic": ("逻辑学", "Humanities"),
    "law": ("法学", "Humanities"), "chinese_language_and_literature": ("中国语言文学", "Humanities"),
    "art_studies": ("艺术学", "Humanities"), "professional_tour_guide": ("导游资格", "Humanities"),
    "legal_professional": ("法律职业资格", "Humanities"), "high_school_chinese": ("高中语文", "Humanities"),
    "high_school_history": ("高中历史", "Humanities"), "middle_school_history": ("初中历史", "Humanities"),
    "civil_servant": ("公务员", "Other"), "sports_science": ("体育学", "Other"), "plant_protection": ("植物保护", "Other"),
    "basic_medicine": ("基础医学", "Other"), "clinical_medicine": ("临床医学", "Other"),
    "urban_and_rural_planner": ("注册城乡规划师", "Other"), "accountant": ("注册会计师", "Other"),
    "fire_engineer": ("注册消防工程师", "Other"),
    "environmental_impact_assessment_engineer": ("环境影响评价工程师", "Other"), "tax_accountant": ("税务师", "Other"),
    "physician": ("医师资格", "Other"),
}
CATEGORY_METRICS = {"STEM": "accuracy_stem", "Social Science": "accuracy_social_science",
                    "Humanities": "accuracy_humanities", "Other": "accuracy_other"}
LETTERS = ("A", "B", "C", "D")


def ceval_files(data_dir: Path) -> list[tuple[str, Path]]:
    """(subject, file) of each validation file, sorted by subject: the Hugging Face Parquet layout
    (``ceval/<subject>/val-*.parquet``) when present, else the official CSV release
    (``ceval/val/<subject>_val.csv``)."""
    folder = data_dir / "ceval"
    parquet = sorted((path.parent.name, path) for path in folder.glob("*/val-*.parquet"))
    if parquet:
        return parquet
    return sorted((path.name[:-len("_val.csv")], path) for path in (folder / "val").glob("*_val.csv"))


def ceval_rows(path: Path):
    if path.suffix == ".parquet":
        yield from parquet_rows(path)
    else:
        with open(path, encoding="utf-8-sig", newline="") as handle:
            yield from csv.DictReader(handle)


def ceval_prompt(subject_zh: str, row: dict) -> list[dict]:
    """C-Eval's zero-shot chat format (the official evaluator's answer-only prompt): the system line, then the
    question, the four options as ``A. ...`` lines and ``答案：``."""
    instruction = f"以下是中国关于{subject_zh}考试的单项选择题，请选出其中的正确答案。"
    options = "\n".join(f"{letter}. {row[letter]}" for letter in LETTERS)
    return [{"role": "system", "content": f"你是一个中文人工智能助手，{instruction}"},
            {"role": "user", "content": f"{instruction}\n\n{row['question']}\n{options}\n答案："}]


def load_ceval(data_dir: Path, limit: int | None) -> list[Doc]:
    files = ceval_files(data_dir)
    if not files:
        raise EvalError(missing_message(CEVAL, data_dir))
    docs = []
    for subject, path in files:
        if subject not in CEVAL_SUBJECTS:
            raise EvalError(f"benchmark 'ceval': {path}: '{subject}' is not one of the 52 C-Eval subjects; "
                            "remove the file or fix its name")
        subject_zh, category = CEVAL_SUBJECTS[subject]
        for index, row in enumerate(ceval_rows(path)):
            if limit is not None and len(docs) >= limit:
                return docs
            record_id = f"{subject}-val-{row.get('id', index)}"
            for name in ("question", *LETTERS):
                if row.get(name) is None or not str(row[name]).strip():
                    raise record_error("ceval", path, record_id, f"field '{name}': missing or empty; "
                                                                 "re-download ceval/ceval-exam")
            answer = str(row.get("answer") or "").strip().upper()
            if answer not in LETTERS:
                raise record_error("ceval", path, record_id,
                                   f"field 'answer': {row.get('answer')!r} is not one of A, B, C, D (the test "
                                   "split has no answers; use the val split)")
            row = {name: str(row[name]) for name in ("question", *LETTERS)}
            docs.append(Doc(record_id, ceval_prompt(subject_zh, row), answer,
                            {"subject": subject, "category": category, "question": row["question"],
                             "options": {letter: row[letter] for letter in LETTERS}, "answer": answer}))
    return docs


def _fold(text: str) -> str:
    """Full-width forms to ASCII (``Ｂ`` -> ``B``, ``：`` -> ``:``, ``（`` -> ``(``), the ideographic full stop to
    ``.``."""
    return unicodedata.normalize("NFKC", text).replace("。", ".")


# Chinese answer cues, rewritten as the English cue the shared rule reads ("答案是B" -> "answer: B").
_ZH_CUE = re.compile(r"(?:正确)?(?:答案|选项)(?:应该是|应该选|应为|应是|应选|是|为|选)?\s*:?|(?:故|所以|因此|应)?选(?=\s*\(?[A-D])")


def ceval_choice(response: str, options: dict[str, str]) -> str | None:
    """The option chosen: full-width characters folded, Chinese answer cues (答案是 / 答案为 / 答案： / 选项 / 故选)
    read as "answer:", then the one shared multiple-choice rule, :func:`eval.extract.extract_choice`."""
    text = _ZH_CUE.sub(" answer: ", _fold(strip_think(response)))
    return extract_choice(text, {letter: _fold(option) for letter, option in options.items()})


# C-Eval's answer cues, in the order its evaluator tries them: the first cue found anywhere in the response decides,
# and its last occurrence gives the letter. Each cue may be followed by one space, 选, 项 and one more space.
_CEVAL_CUES = ("答案是", "答案为", "答案应为", "答案选", "答案是:", "答案应该是:", "正确的一项是", "答案为:", "答案应为:",
               "答案:", "答案是：", "答案应该是：", "答案为：", "答案应为：", "答案：")
_CEVAL_PATTERNS = (re.compile(r"^选([A-D])"), re.compile(r"^选项([A-D])"),
                   *(re.compile(re.escape(cue) + (r"\s?([A-D])" if cue == "正确的一项是" else r"\s?选?项?\s?([A-D])"))
                     for cue in _CEVAL_CUES))


def ceval_official_choice(response: str) -> str | None:
    """The letter C-Eval's evaluator reads from a zero-shot chat answer (after any thinking block): the reply's first
    character when it is A-D, else the last match of the first cue pattern that matches (``选B`` or ``选项B`` at the
    start, ``答案是B``, ``答案：C``, ``正确的一项是D``...). Only upper-case ASCII letters count; None when nothing
    matches."""
    text = strip_think(response).strip()
    if not text:
        return None
    if text[0] in LETTERS:
        return text[0]
    for pattern in _CEVAL_PATTERNS:
        letters = pattern.findall(text)
        if letters:
            return letters[-1]
    return None


def _ceval_scores(chosen: str | None, doc: Doc) -> tuple[str, dict[str, float]]:
    correct = float(chosen == doc.target)
    return chosen or "", {"accuracy": correct, CATEGORY_METRICS[doc.document["category"]]: correct}


def score_ceval(response: str, doc: Doc) -> tuple[str, dict[str, float]]:
    """C-Eval accuracy: the letter C-Eval's evaluator reads (:func:`ceval_official_choice`) equals the answer. The
    headline ``accuracy`` is the mean over all questions (as lm-evaluation-harness's ``ceval-valid`` group, weighted by
    size); each sample also reports its category's metric, so ``accuracy_stem`` / ``_social_science`` /
    ``_humanities`` / ``_other`` are the per-category means (C-Eval's leaderboard columns)."""
    return _ceval_scores(ceval_official_choice(response), doc)


def score_ceval_lenient(response: str, doc: Doc) -> tuple[str, dict[str, float]]:
    """``--scoring lenient``: the letter of the shared multiple-choice rule with Chinese cues (:func:`ceval_choice`),
    which also reads full-width letters, options quoted by their text, "the answer is B" and a cue after the letter."""
    return _ceval_scores(ceval_choice(response, doc.document["options"]), doc)


CEVAL = Benchmark(
    "ceval", ("accuracy", *CATEGORY_METRICS.values()),
    layout="ceval/<subject>/val-00000-of-00001.parquet for each of the 52 subjects (the Hugging Face repository "
           "ceval/ceval-exam), or the official CSV release ceval/val/<subject>_val.csv; columns id, question, A, B, "
           "C, D, answer",
    source="https://huggingface.co/datasets/ceval/ceval-exam (huggingface-cli download --repo-type dataset "
           "ceval/ceval-exam --local-dir DATA_DIR/ceval), or the CSV zip linked from "
           "https://github.com/hkust-nlp/ceval",
    load=load_ceval, score=score_ceval, lenient=score_ceval_lenient, files=lambda data_dir: [path for _, path in ceval_files(data_dir)],
    max_new_tokens=256, version=3)

BENCHMARKS = [CEVAL]
