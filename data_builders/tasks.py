"""`dopd-vl build-data`: from the command-line options to one task builder and the shared build loop."""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from data_builders.build import PRIVILEGED_KINDS, BuildError, BuildResult, SourceError, run_build
from data_builders.rl_sets import RL_FORMATS, detect_rl_format, rl_source
from data_builders.synthetic import SPLITS, SYNTHETIC_TASKS, default_privileged, synthetic_source

# task -> (its own privileged input, what it reads)
TASKS = {
    "grounding": ("boxes", "RefCOCO/+/g refs(unc|umd).p + instances.json; the Hugging Face RefCOCO parquet/JSONL "
                           "layout; generic JSONL with question, answer and boxes"),
    "annotations": ("annotations", "GQA / Visual Genome scene graphs, CLEVR scenes.json, ChartQA tables and "
                                   "element annotations, DocVQA OCR (Microsoft Read JSON)"),
    "hints": ("hints", "GSM8K, MATH / MATH-500, NuminaMath-CoT, OpenR1-Math (JSONL, JSON or parquet), hints derived "
                       "from their solutions; with --generator, hints written by a model for any of these or the "
                       "RL sets: verl / EasyR1 Parquet (DAPO-Math-17K, Skywork-OR1), ViRL39K, RaR-Science-20K"),
    "boxes": ("boxes", "image records of the RL sets (verl / EasyR1 Parquet, ViRL39K), boxes written by a model "
                       "(--generator)"),
    "shapes": (SYNTHETIC_TASKS["shapes"], "nothing: generated images of coloured shapes"),
    "arith": (SYNTHETIC_TASKS["arith"], "nothing: generated multi-step arithmetic word problems"),
}
# what --privileged may name: a kind of privileged input, `crops` (boxes whose regions the privileged prompt also
# shows, as Vision-OPD) and `rubric` (RaR-Science-20K's rubric as annotations)
PRIVILEGED_CHOICES = (*PRIVILEGED_KINDS, "crops", "rubric")
FORMATS = {
    "grounding": ("refcoco", "hf-refcoco", "generic"),
    "annotations": ("gqa", "vg", "clevr", "chartqa", "docvqa"),
    "hints": ("gsm8k", "math") + RL_FORMATS,
    "boxes": RL_FORMATS,
}
GENERATED = ("hints", "boxes")  # the tasks whose privileged input --generator can write


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
    # privileged input written by a model (tasks hints and boxes): see data_builders/generate.py
    generator: str | None = None
    generator_model: str | None = None
    api_key_env: str = "OPENAI_API_KEY"
    concurrency: int = 8
    max_retries: int = 5
    request_timeout: float = 600.0
    temperature: float = 0.0
    top_p: float = 1.0
    max_new_tokens: int | None = None
    batch_size: int = 8
    device: str = "cpu"
    recheck: bool = False
    judge: str | None = None
    judge_model: str | None = None
    min_score: int = 4

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
    allowed = [own] + (["crops"] if own == "boxes" else []) + \
        ([] if options.generator else ["answer", "none"] + (["rubric"] if options.task == "hints" else []))
    if options.privileged not in allowed:
        raise BuildError(f"--privileged {options.privileged} does not apply to --task {options.task}"
                         f"{' with --generator' if options.generator else ''}; choose {', '.join(allowed)}")
    if options.generator and options.task not in GENERATED:
        raise BuildError(f"--generator writes hints or boxes: use it with --task hints or --task boxes, not "
                         f"--task {options.task}")
    if options.task == "boxes" and not options.generator:
        raise BuildError("--task boxes writes boxes with a model: pass --generator (a model folder, a hub id, "
                         "PAIR:teacher, or an endpoint http://HOST:PORT/v1 with --generator-model)")
    if options.limit is not None and options.limit < 1:
        raise BuildError(f"--limit must be at least 1, got {options.limit}")
    manifest_options = options.manifest_options()  # `crops` stays there: it is what render_options reads
    if options.privileged == "crops":  # the records carry the boxes; the crops are cut from them when rendered
        options = replace(options, privileged="boxes")
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
        if options.task in GENERATED:
            options.format = options.format or detect_source_format(Path(options.source))
            make_source = generation_source(options) if options.generator else reader_source(options)
        elif options.task == "grounding":
            from data_builders.grounding import grounding_source
            make_source = grounding_source(options)
        else:
            from data_builders.annotations import annotations_source
            make_source = annotations_source(options)
    return run_build(options.task, make_source, options.out, manifest_options, strict=options.strict,
                     overwrite=options.overwrite, max_privileged_tokens=options.max_privileged_tokens,
                     show_progress=show_progress)


def detect_source_format(path: Path) -> str:
    """The format of a hints / boxes source from its first row: an RL layout, else GSM8K or MATH-like."""
    from data_builders.hints import detect_format
    from data_builders.readers import iter_records_file

    first = next((row for _, row in iter_records_file(path) if isinstance(row, dict)), None)
    if first is None:
        raise SourceError(f"{path}: no rows to read")
    return detect_rl_format(path, first) or detect_format(path, first)


def reader_source(options: BuildOptions):
    """The reader of `options.format`: GSM8K / MATH rows with hints derived from their solutions, or RL rows with
    no privileged input (or RaR's rubric, when asked)."""
    if options.privileged == "rubric" and options.format != "rar":
        raise BuildError(f"--privileged rubric reads RaR-Science-20K's rubrics; {options.source} is {options.format}")
    if options.format in RL_FORMATS:
        if options.privileged not in ("none", "rubric") and options.generator is None:
            raise BuildError(f"{options.source}: {options.format} rows carry no solutions to derive hints from; pass "
                             f"--generator (a model or an endpoint) to write them, or --privileged none")
        return rl_source(options)
    from data_builders.hints import hints_source

    return hints_source(options)


def generation_source(options: BuildOptions):
    """The reader's plain records, with hints or boxes written by `--generator` and checked (and rechecked)."""
    from data_builders.generate import GenerationSettings, Sampling, cache_folder, generated_source, make_generator

    if options.judge and not options.recheck:
        raise BuildError("--judge names the model of the recheck: add --recheck")
    if not 1 <= options.min_score <= 5:
        raise BuildError(f"--min-score is on the judge's 1-5 scale, got {options.min_score}")
    kind = "boxes" if options.task == "boxes" else "hints"
    sampling = Sampling(options.temperature, options.top_p, options.max_new_tokens, options.seed)
    common = dict(api_key_env=options.api_key_env, concurrency=options.concurrency, max_retries=options.max_retries,
                  timeout=options.request_timeout, batch_size=options.batch_size, device=options.device)
    generator = make_generator(options.generator, options.generator_model, sampling, **common)
    judge = None
    if options.recheck:
        same = options.judge is None or options.judge == options.generator
        judge = generator if same and options.judge_model in (None, options.generator_model) else \
            make_generator(options.judge or options.generator, options.judge_model or options.generator_model,
                           Sampling(0.0, 1.0, None, options.seed), **common)
    settings = GenerationSettings(kind=kind, generator=generator, sampling=sampling, cache=cache_folder(options.out),
                                  judge=judge, judge_sampling=Sampling(0.0, 1.0, None, options.seed),
                                  min_score=options.min_score, max_privileged_tokens=options.max_privileged_tokens)
    return generated_source(reader_source(replace(options, privileged="none")), settings)
