"""What the privilege lab runs: its tasks, sizes, steps and methods (a registry method, the privileged variant of its
training prompts, and config overrides)."""

from __future__ import annotations

from dataclasses import dataclass

from data_builders.synthetic import SYNTHETIC_TASKS
from dopd_vl.errors import DopdError
from dopd_vl.objectives import METHODS, method_options, resolve_method
from dopd_vl.trainer import needed_record_parts
from lab.tiny import FAMILY_TASKS, TINY_PAIRS

TASK_PAIRS = dict(sorted((FAMILY_TASKS[family], pair) for pair, family in TINY_PAIRS.items()))  # arith, shapes
OWN_PRIVILEGED = SYNTHETIC_TASKS  # the task's own privileged input: hints for arith, boxes for shapes
MAX_NEW_TOKENS = {"arith": 40, "shapes": 8}  # the longest arith solution is 34 tokens, shapes answers 3
LAB_VERSION = 1  # bump when a run's meaning changes: the run cache key includes it

# The lab's data: distillation prompts from the train split (seed 1: not the prompts the pair's SFT drew, seed 0),
# evaluation on the held-out test split.
TRAIN_SIZE, TRAIN_SEED = 1000, 1
TEST_SIZE, TEST_SEED = 500, 0
QUICK_TEST_SIZE = 200
EVALUATIONS = 4  # held-out accuracy after every quarter of the steps (and of the initial student)

DROP_ABLATIONS = ("dopd_drop_high_gap", "dopd_drop_low_gap", "dopd_drop_random")
BASELINES = ("opcd", "sdft", "sdpo", "uni_opd", "tip", "vision_opd", "va_opd")  # Tables 1 and 2's other baselines
DEFAULT_METHODS = ("opd", "opd+own", "opd+answer", "gkd", "opsd", "exopd", "eopd", *BASELINES, "dopd",
                   "dopd_no_routing", "dopd_no_self", *DROP_ABLATIONS)
QUICK_METHODS = ("opd+own", "opsd", "dopd")
DEFAULT_STEPS = 60
QUICK_STEPS = 24


class LabError(DopdError):
    """A lab that cannot run as asked (unknown task or method, a failed run)."""


@dataclass(frozen=True)
class LabMethod:
    """One column of the lab: a registry method, the privileged variant of its training prompts, and overrides."""

    key: str  # how --methods names it: a registry name, or opd / opd+own / opd+answer
    method: str  # the objective (dopd_vl.objectives.METHODS)
    variant: str  # the training prompts' privileged input: "own" or "answer"
    overrides: tuple[str, ...] = ()

    def runs_on(self, task: str) -> bool:
        """Vision-OPD (the boxes' crops) and VA-OPD (a pixelated image) run only on the task with images and boxes."""
        method, options = resolve_method(self.method, method_options(self.method))
        return not needed_record_parts(method, options) or OWN_PRIVILEGED[task] == "boxes"

    def label(self, task: str) -> str:
        """The name in the report: opd+own reads opd+hints (arith) or opd+boxes (shapes)."""
        return self.key.replace("+own", f"+{OWN_PRIVILEGED[task]}")


def lab_method(key: str) -> LabMethod:
    if key == "opd":  # the teacher reads the student's prompt: no privileged input at all
        return LabMethod(key, "opd", "own", ("objective.teacher_privileged=false",))
    if key in ("opd+own", "opd+hints", "opd+boxes"):
        return LabMethod("opd+own", "opd", "own")
    if key == "opd+answer":
        return LabMethod(key, "opd", "answer")
    if key in METHODS:
        return LabMethod(key, key, "own")
    raise LabError(f"unknown lab method {key!r}; choose from {', '.join(lab_method_keys())}")


def lab_method_keys() -> list[str]:
    """What --methods may name: OPD with a teacher that sees nothing, the task's own input or the answer, and every
    other registry method."""
    return ["opd", "opd+hints (opd+boxes for shapes)", "opd+answer"] + [m for m in METHODS if m != "opd"]


def parse_methods(text: str | None, quick: bool) -> list[LabMethod]:
    keys = [k.strip() for k in text.split(",") if k.strip()] if text else list(QUICK_METHODS if quick else
                                                                                 DEFAULT_METHODS)
    methods = [lab_method(key) for key in keys]
    if len({m.key for m in methods}) != len(methods):
        raise LabError(f"--methods names a method twice: {text}")
    return methods

