"""`dopd-vl build-data`: from the command-line options to one task builder and the shared build loop."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from data_builders.build import BuildError, BuildResult, run_build
from data_builders.synthetic import SPLITS, SYNTHETIC_TASKS, default_privileged, synthetic_source

# task -> (its own privileged input, what it reads)
TASKS = {
    "grounding": ("boxes", "RefCOCO/+/g refs(unc|umd).p + instances.json; the Hugging Face RefCOCO parquet/JSONL "
                           "layout; generic JSONL with question, answer and boxes"),
    "annotations": ("annotations", "GQA / Visual Genome scene graphs, CLEVR scenes.json, ChartQA tables and "
                                   "element annotations, DocVQA OCR (Microsoft Read JSON)"),
    "hints": ("hints", "GSM8K, MATH / MATH-500, NuminaMath-CoT, OpenR1-Math (JSONL, JSON or parquet)"),
    "shapes": ("boxes", "nothing: generated images of coloured shapes"),
    "arith": ("hints", "nothing: generated multi-step arithmetic word problems"),
}
FORMATS = {
    "grounding": ("refcoco", "hf-refcoco", "generic"),
    "annotations": ("gqa", "vg", "clevr", "chartqa", "docvqa"),
    "hints": ("gsm8k", "math"),
}


@dataclass
class BuildOptions:
    task: str
    out: Path
    source: Path | None = None
    images: Path | None = None
    annotations: Path | None = None
    format: str | None = None
    render: str = "text"
    split: str | None = None
    limit: int | None = None
    strict: bool = False
    hints_file: Path | None = None
    privileged: str | None = None
    box_format: str = "xyxy"
    box_units: str = "pixels"
    max_privileged_tokens: int | None = 1024
    seed: int = 0
    overwrite: bool = False

    def manifest_options(self) -> dict:
        return {key: (str(value) if isinstance(value, Path) else value) for key, value in vars(self).items()
                if key not in ("out", "overwrite")}


def build_data(options: BuildOptions, show_progress: bool | None = None) -> BuildResult:
    """Run one build; raises DopdError subclasses for anything the user can fix."""
    if options.task not in TASKS:
        raise BuildError(f"unknown task {options.task!r}; choose one of {', '.join(TASKS)}")
    own = TASKS[options.task][0]
    synthetic_split = options.split or "train"
    if options.task in SYNTHETIC_TASKS and synthetic_split not in SPLITS:
        raise BuildError(f"--split {options.split} does not apply to --task {options.task}; choose "
                         f"{' or '.join(SPLITS)} (the held-out split)")
    default = default_privileged(options.task, synthetic_split) if options.task in SYNTHETIC_TASKS else own
    options.privileged = options.privileged or default
    if options.privileged not in (own, "answer", "none"):
        raise BuildError(f"--privileged {options.privileged} does not apply to --task {options.task}; choose "
                         f"{own} (its own privileged input), answer or none")
    if options.limit is not None and options.limit < 1:
        raise BuildError(f"--limit must be at least 1, got {options.limit}")
    if options.max_privileged_tokens is not None and options.max_privileged_tokens < 1:
        raise BuildError(f"--max-privileged-tokens must be at least 1, got {options.max_privileged_tokens}")
    if options.task in SYNTHETIC_TASKS:
        make_source = synthetic_source(options.task, options.limit or 1000, options.seed, options.privileged,
                                       synthetic_split)
    else:
        if options.source is None:
            raise BuildError(f"--task {options.task} reads {TASKS[options.task][1]}: give the file with --source")
        if options.format is not None and options.format not in FORMATS[options.task]:
            raise BuildError(f"--format {options.format} is not a {options.task} format; choose one of "
                             f"{', '.join(FORMATS[options.task])}")
        if options.task == "grounding":
            from data_builders.grounding import grounding_source as make
        elif options.task == "annotations":
            from data_builders.annotations import annotations_source as make
        else:
            from data_builders.hints import hints_source as make
        make_source = make(options)
    return run_build(options.task, make_source, options.out, options.manifest_options(), strict=options.strict,
                     overwrite=options.overwrite, max_privileged_tokens=options.max_privileged_tokens,
                     show_progress=show_progress)
