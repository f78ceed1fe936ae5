"""IFEval's verifiable-instruction checkers (Zhou et al. 2023, "Instruction-Following Evaluation for Large Language
Models", google-research/instruction_following_eval), as LiveBench's copy of them scores its instruction_following
category (LiveBench/livebench/if_runner/instruction_following_eval: `instructions.py`, `instructions_registry.py`).

Every instruction of that registry (25) is here, keyed by its id (`keywords:existence`, ...), as a pure function
`check(response, **arguments) -> bool` plus the arguments it requires (:data:`INSTRUCTIONS`). LiveBench's questions
store each instruction's arguments in IFEval's `kwargs` format; a missing argument would make IFEval draw a random
one, so :func:`instruction_arguments` refuses it instead. The rules are those of LiveBench's copy, for instance:
bullet points are `*` and `-` lines, a `**bold**` span counts as a highlighted section besides `*italic*` ones,
json_format accepts a ```` ```json ```` fence around the JSON, english_capital / english_lowercase also require the
response to be detected as English, and a keyword is a case-insensitive regular expression.

Strict evaluation (:func:`followed`, IFEval's `test_instruction_following_strict`): an instruction is followed when
the response is not blank and its checker accepts the response as given.

Offline deviations from IFEval (no nltk data download):

- length_constraints:number_sentences counts the sentences of IFEval's own regex splitter
  (`instructions_util.split_into_sentences`, ported as :func:`split_into_sentences`) instead of nltk's punkt model.
  The two agree on ordinary prose; they can differ on abbreviations punkt learned ("e.g.", "approx.") and on text
  without final punctuation.
- change_case:capital_word_frequency counts the all-capital tokens of :func:`word_tokens` (runs of word characters,
  hyphenated or dotted words kept whole, English contractions split as Treebank does: DON'T -> DO, N'T) instead of
  nltk's `word_tokenize`.
- The language checks (language:response_language, change_case:english_capital, change_case:english_lowercase) use
  `langdetect` as IFEval does, only when it is installed (:func:`langdetect_available`); its detector is seeded
  (`DetectorFactory.seed = 0`, langdetect's documented way to be deterministic), which IFEval does not do. As in
  IFEval, text langdetect cannot classify counts as followed.
- A keyword, postscript marker or section splitter that is not a valid regular expression is matched literally
  (IFEval would raise).
"""

from __future__ import annotations

import importlib
import importlib.util
import json
import re
from dataclasses import dataclass, field
from typing import Callable

RELATIONS = ("less than", "at least")
CONSTRAINED_RESPONSES = ("My answer is yes.", "My answer is no.", "My answer is maybe.")


# ---------------------------------------------------------------------------------------------------------------------
# Text units (IFEval's instructions_util, offline).
# ---------------------------------------------------------------------------------------------------------------------

_ALPHABETS = "([A-Za-z])"
_PREFIXES = "(Mr|St|Mrs|Ms|Dr)[.]"
_SUFFIXES = "(Inc|Ltd|Jr|Sr|Co)"
_STARTERS = (r"(Mr|Mrs|Ms|Dr|Prof|Capt|Cpt|Lt|He\s|She\s|It\s|They\s|Their\s|Our\s|We\s|But\s|However\s|That\s|"
             r"This\s|Wherever)")
_ACRONYMS = "([A-Z][.][A-Z][.](?:[A-Z][.])?)"
_WEBSITES = "[.](com|net|org|io|gov|edu|me)"
_DIGITS = "([0-9])"


def split_into_sentences(text: str) -> list[str]:
    """IFEval's rule-based sentence splitter: full stops inside titles (Mr.), acronyms (U.S.), initials, numbers
    (3.5), web addresses and ellipses are protected, then the text is cut after every remaining `.`, `?` and `!`
    (a closing quote stays with its sentence)."""
    text = " " + text + "  "
    text = text.replace("\n", " ")
    text = re.sub(_PREFIXES, "\\1<prd>", text)
    text = re.sub(_WEBSITES, "<prd>\\1", text)
    text = re.sub(_DIGITS + "[.]" + _DIGITS, "\\1<prd>\\2", text)
    text = re.sub(r"\.{2,}", lambda match: "<prd>" * len(match.group(0)) + "<stop>", text)
    text = text.replace("Ph.D.", "Ph<prd>D<prd>")
    text = re.sub(r"\s" + _ALPHABETS + "[.] ", " \\1<prd> ", text)
    text = re.sub(_ACRONYMS + " " + _STARTERS, "\\1<stop> \\2", text)
    text = re.sub(_ALPHABETS + "[.]" + _ALPHABETS + "[.]" + _ALPHABETS + "[.]", "\\1<prd>\\2<prd>\\3<prd>", text)
    text = re.sub(_ALPHABETS + "[.]" + _ALPHABETS + "[.]", "\\1<prd>\\2<prd>", text)
    text = re.sub(" " + _SUFFIXES + "[.] " + _STARTERS, " \\1<stop> \\2", text)
    text = re.sub(" " + _SUFFIXES + "[.]", " \\1<prd>", text)
    text = re.sub(" " + _ALPHABETS + "[.]", " \\1<prd>", text)
    for closing in ("\u201d", '"'):
        text = text.replace("." + closing, closing + ".")
    text = text.replace('!"', '"!').replace('?"', '"?')
    for mark in ".?!":
        text = text.replace(mark, mark + "<stop>")
    sentences = [s.strip() for s in text.replace("<prd>", ".").split("<stop>")]
    return sentences[:-1] if sentences and not sentences[-1] else sentences


def count_sentences(text: str) -> int:
    return len(split_into_sentences(text))


def count_words(text: str) -> int:
    """IFEval's word count: runs of word characters (nltk's `RegexpTokenizer(r"\\w+")`, exactly)."""
    return len(re.findall(r"\w+", text))


_TOKEN = re.compile(r"\w+(?=[nN]['\u2019][tT]\b)|[nN]['\u2019][tT]\b"
                    r"|['\u2019](?:[sS]|[mM]|[dD]|[rR][eE]|[vV][eE]|[lL][lL])\b"
                    r"|\w+(?:[-.]\w+)*|[^\w\s]")


def word_tokens(text: str) -> list[str]:
    """Words and punctuation marks, close to nltk's Treebank `word_tokenize` (see the module docstring)."""
    return _TOKEN.findall(text)


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


INSTRUCTIONS: dict[str, Instruction] = {
    "keywords:existence": Instruction(keywords_existence, {"keywords": "words"}),
    "keywords:frequency": Instruction(keyword_frequency, {"keyword": "text", "frequency": "count",
                                                          "relation": "relation"}),
    "keywords:forbidden_words": Instruction(forbidden_words, {"forbidden_words": "words"}),
    "keywords:letter_frequency": Instruction(letter_frequency, {"letter": "letter", "let_frequency": "count",
                                                                "let_relation": "relation"}),
    "language:response_language": Instruction(response_language, {"language": "text"}, needs_langdetect=True),
    "length_constraints:number_sentences": Instruction(number_sentences, {"num_sentences": "count",
                                                                          "relation": "relation"}),
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
                                                                               "capital_relation": "relation"}),
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


def follows(instruction_id: str, response: str, arguments: dict) -> bool:
    """IFEval's strict verdict for one instruction: the response is not blank and the checker accepts it."""
    return bool(response.strip()) and INSTRUCTIONS[instruction_id].check(response, **arguments)


def followed(response: str, instruction_ids: list[str], arguments: list[dict]) -> list[bool]:
    """The strict verdict of each instruction, in order (`arguments` as :func:`instruction_arguments` returns)."""
    return [follows(instruction_id, response, args) for instruction_id, args in zip(instruction_ids, arguments,
                                                                                     strict=True)]
