"""What the privilege lab runs: its tasks and the methods of its experiment files (`configs/experiments/lab-*.yaml`),
each a column of the lab: a registry method, the privileged variant of its training prompts, and config overrides."""

from __future__ import annotations

from dataclasses import dataclass

from data_builders.synthetic import SYNTHETIC_TASKS
from dopd_vl.errors import DopdError
from lab.tiny import FAMILY_TASKS, TINY_PAIRS

TASK_PAIRS = dict(sorted((FAMILY_TASKS[family], pair) for pair, family in TINY_PAIRS.items()))  # arith, shapes
OWN_PRIVILEGED = SYNTHETIC_TASKS  # the task's own privileged input: hints for arith, boxes for shapes
DROP_ABLATIONS = ("dopd_drop_high_gap", "dopd_drop_low_gap", "dopd_drop_random")


class LabError(DopdError):
    """A lab that cannot run as asked (unknown task or method, a failed run)."""


def lab_file(task: str) -> str:
    """The shipped experiment file of a lab task."""
    return f"lab-{task}"


@dataclass(frozen=True)
class LabMethod:
    """One column of the lab: a registry method, the privileged variant of its training prompts, and overrides."""

    key: str  # how --methods names it: the file's label, with the task's own input written +own (opd+own)
    method: str  # the objective (dopd_vl.objectives.METHODS)
    variant: str  # the training prompts' privileged input: "own" or "answer"
    overrides: tuple[str, ...] = ()

    def label(self, task: str) -> str:
        """The name in the report: opd+own reads opd+hints (arith) or opd+boxes (shapes)."""
        return self.key.replace("+own", f"+{OWN_PRIVILEGED[task]}")


def lab_method(entry, task: str) -> LabMethod:
    """The lab column of a method of a lab file (`lab.experiments.MethodEntry`)."""
    variant = "answer" if entry.data is not None and entry.data.privileged == "answer" else "own"
    return LabMethod(entry.label.replace(f"+{OWN_PRIVILEGED[task]}", "+own"), entry.method, variant, entry.overrides)


def method_key(text: str) -> str:
    """A --methods name as a key: opd+hints and opd+boxes are both opd+own."""
    return text.replace("+hints", "+own").replace("+boxes", "+own")
