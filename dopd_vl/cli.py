"""The `dopd-vl` command. Each subcommand is registered only once it works end to end."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from dopd_vl import __version__
from dopd_vl.errors import DopdError

DESCRIPTION = """\
Distill a large Qwen3-VL / Qwen3 model into a small one with Dual On-policy Distillation (DOPD),
and run the usual on-policy distillation baselines in the same loop.

Start with `dopd-vl pairs` (the model pairs), `dopd-vl check --pair tiny` (load one and run the start-up
checks) and `dopd-vl config --fields` (every training setting). Errors print what to fix and exit with status 2."""


def cmd_pairs(args) -> None:
    from dopd_vl.models import is_hub_id, cached_on_disk, count_parameters, load_pair_spec, pair_names
    from lab.tiny import tiny_pair_dir

    rows = [("pair", "family", "teacher", "student", "params (teacher / student)", "weights from")]
    for name in pair_names():
        spec = load_pair_spec(name)
        if spec.is_builtin:
            folder = tiny_pair_dir(name)
            teacher, student = "tiny (built here)", "tiny (built here)"
            locations = [str(folder / "teacher"), str(folder / "student")] if folder.exists() else None
            source = f"cache: {folder}" if folder.exists() else "built offline on first use (~10 s)"
        else:
            teacher, student = spec.teacher, spec.student
            local = [not is_hub_id(loc) or cached_on_disk(loc) for loc in (spec.teacher, spec.student)]
            locations = [spec.teacher, spec.student] if all(local) else None
            source = "hub, in local cache" if all(local) else "hub (download, or point teacher=/student= at folders)"
        counts = [count_parameters(loc, spec.family) for loc in locations] if locations else [None, None]
        if all(counts):
            params = " / ".join(format_count(c) for c in counts)
        else:
            params = f"{spec.params[0]} / {spec.params[1]} (nominal)" if not spec.is_builtin else "-"
        rows.append((name, spec.family, teacher, student, params, source))
    print_table(rows)


def cmd_methods(args) -> None:
    from dopd_vl.objectives import METHODS

    rows = [("method", "frozen views", "fixed objective.* options", "what it does")]
    for name, method in METHODS.items():
        fixed = " ".join(f"{key}={str(value).lower()}" for key, value in method.overrides.items())
        rows.append((name, ", ".join(method.views), fixed or "-", method.summary))
    print_table(rows)
    print("\nOptions of every method: `dopd-vl config --fields` (objective.*), set as objective.KEY=VALUE. Grids of "
          "the paper: objective.regimes=LIST and objective.adaptive (Table 6), method=uniform with objective.divergence "
          "and objective.support (Table 7), objective.deep_divergence / objective.light_support (Table 8), "
          "objective.teacher_privileged / objective.student_privileged (Figure 3), objective.beta_l / objective.beta_w "
          "(Figure 10).")


def cmd_check(args) -> None:
    import torch

    from dopd_vl.models import load_pair, load_pair_spec, vision_special_token_ids
    from lab.tiny import resolve_pair

    spec = resolve_pair(load_pair_spec(args.pair, teacher=args.teacher, student=args.student))
    started = time.perf_counter()
    pair = load_pair(spec, dtype=args.dtype, device=args.device)
    loaded = time.perf_counter() - started
    tokenizer = pair.tokenizer
    messages = [{"role": "user", "content": "What is 2 + 3?"}]
    prompt = tokenizer.apply_chat_template(messages, add_generation_prompt=True, tokenize=False,
                                           enable_thinking=False)
    input_ids = tokenizer(prompt, return_tensors="pt").input_ids.to(args.device)
    with torch.no_grad():
        teacher_logits = pair.teacher(input_ids=input_ids).logits
        student_logits = pair.student(input_ids=input_ids).logits
    finite = bool(torch.isfinite(teacher_logits).all() and torch.isfinite(student_logits).all())
    print_table([
        ("", "teacher", "student"),
        ("location", pair.teacher_location, pair.student_location),
        ("parameters", format_count(sum(p.numel() for p in pair.teacher.parameters())),
         format_count(sum(p.numel() for p in pair.student.parameters()))),
        ("vocabulary", str(pair.teacher.config.get_text_config().vocab_size),
         str(pair.student.config.get_text_config().vocab_size)),
        ("dtype", str(pair.teacher.dtype).replace("torch.", ""), str(pair.student.dtype).replace("torch.", "")),
    ])
    print(f"\npair '{spec.name}' ({spec.family}) loaded in {loaded:.1f} s; same vocabulary and chat template.")
    print(f"vision token ids suppressed in rollouts: {vision_special_token_ids(tokenizer)}")
    print(f"one forward on a {input_ids.shape[1]}-token prompt: logits finite = {finite}")
    if not finite:
        raise DopdError("the check forward produced non-finite logits; try --dtype float32")


def cmd_config(args, overrides: list[str]) -> None:
    import yaml

    from dopd_vl.config import TrainConfig, field_docs, load_config

    if args.fields:
        import dataclasses

        from dopd_vl.config import SECTIONS

        docs = field_docs()
        for f in dataclasses.fields(TrainConfig):
            if f.name in SECTIONS:
                print(f"{f.name}.*\n    {docs.get(f.name, '')}")
                section_docs = field_docs(SECTIONS[f.name])
                for sub in dataclasses.fields(SECTIONS[f.name]):
                    print(f"  {f.name}.{sub.name} = {sub.default!r}\n      {section_docs.get(sub.name, '')}")
                continue
            print(f"{f.name} = {f.default!r}\n    {docs.get(f.name, '')}")
        return
    config = load_config(args.config, overrides)
    print(yaml.safe_dump(config.to_dict(), sort_keys=False).rstrip())


def cmd_build_data(args) -> None:
    from dataclasses import fields
    from pathlib import Path

    from data_builders.build import format_summary
    from data_builders.tasks import BuildOptions, build_data
    from lab.tiny import resolve_model

    values = {f.name: getattr(args, f.name) for f in fields(BuildOptions)}
    for name in ("generator", "judge"):  # tiny:teacher and the like: the built pair's folder
        values[name] = resolve_model(values[name]) if values[name] else None
    for name in ("out", "source", "images", "annotations", "hints_file"):
        values[name] = Path(values[name]).expanduser() if values[name] is not None else None
    values["max_privileged_tokens"] = values["max_privileged_tokens"] or None
    print(format_summary(build_data(BuildOptions(**values))))


def cmd_train(args, overrides: list[str]) -> None:
    from accelerate import PartialState

    from dopd_vl.config import load_config, recipe_names
    from dopd_vl.trainer import train
    from eval.rewards import record_reward
    from lab.tiny import TINY_PAIRS, resolve_config

    pair = args.pair or "tiny"
    recipe = args.config or (pair if pair in recipe_names() else None)  # tiny and tiny-text have CPU recipes
    # a pair named on the command line wins; else the recipe's (or the default, tiny)
    config = load_config(recipe, overrides,
                         pair=args.pair, method=args.method, data=args.data, output=args.output,
                         max_steps=args.max_steps, student=args.init_student)
    resolved = resolve_config(config)
    final = train(resolved, resume=args.resume, reward=record_reward)
    print(f"student saved to {final} (metrics: {Path(config.output) / 'metrics.jsonl'})")
    if not PartialState().is_main_process:
        return
    if not config.data and resolved.pair in TINY_PAIRS:  # the built-in synthetic set: its held-out split is known
        from lab.diagnostics import held_out_line

        print(held_out_line(TINY_PAIRS[resolved.pair], resolved.teacher, resolved.student, final))
    if resolved.sample_every:
        print(f"run pages: {(Path(config.output) / 'samples' / 'index.html').resolve()}")


def cmd_eval(args) -> None:
    from eval.harness import format_table, run_eval
    from lab.tiny import resolve_model

    benchmarks = [b.strip() for b in args.benchmarks.split(",") if b.strip()]
    results = run_eval(args.model, benchmarks, Path(args.data_dir).expanduser(), Path(args.output).expanduser(),
                       limit=args.limit, batch_size=args.batch_size, max_new_tokens=args.max_new_tokens,
                       seed=args.seed, device=args.device, location=resolve_model(args.model), scoring=args.scoring)
    print(format_table(results))
    print(f"results and samples in {args.output}")


def cmd_eval_compare(args) -> None:
    from eval.compare import compare

    print(compare([Path(folder).expanduser() for folder in args.runs],
                  Path(args.output).expanduser() if args.output else None,
                  teacher=Path(args.teacher).expanduser() if args.teacher else None,
                  student=Path(args.student).expanduser() if args.student else None))


def build_compare_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="dopd-vl eval compare",
        description="One table across `dopd-vl eval` runs (e.g. teacher, student, OPD, DOPD): each benchmark's "
                    "headline metric, the average over the benchmarks every run scored, and each run's share of the "
                    "teacher-student gap recovered, (run - student) / (teacher - student). Printed, and written as "
                    "compare.md and a bar chart compare.png.")
    parser.add_argument("runs", nargs="+", metavar="DIR", help="run folders, each with a results.json")
    parser.add_argument("--teacher", help="the teacher's run folder (default: the run whose model is PAIR:teacher)")
    parser.add_argument("--student", help="the student's run folder (default: the run whose model is PAIR:student)")
    parser.add_argument("--output", help="folder for compare.md and compare.png (default: compare/ beside the runs, "
                                         "in their common parent folder; the paths written are printed in full)")
    return parser


def cmd_lab(args) -> None:
    import shlex

    from lab.methods import TASK_PAIRS
    from lab.privilege import run_lab

    tasks = [args.task] if args.task else (["arith"] if args.quick else list(TASK_PAIRS))
    options = [("--task", args.task), ("--methods", args.methods), ("--seeds", args.seeds), ("--steps", args.steps),
               ("--output", args.output)]
    command = " ".join(["dopd-vl lab", *(f"{flag} {shlex.quote(str(value))}" for flag, value in options
                                         if value is not None), *(["--quick"] if args.quick else [])])
    run_lab(tasks, args.methods, args.seeds, args.steps, Path(args.output).expanduser(), args.quick,
            command=command)


def cmd_experiment(args) -> None:
    import shlex

    from lab.experiments import run_experiment

    command = "dopd-vl experiment run " + " ".join(shlex.quote(a) for a in sys.argv[3:]) if sys.argv[1:3] == [
        "experiment", "run"] else ""
    run_experiment(args.file, Path(args.output).expanduser(), quick=args.quick, dry_run=args.dry_run,
                   launcher=args.launcher, num_processes=args.num_processes, workers=args.workers,
                   work_dir=Path(args.work_dir).expanduser() if args.work_dir else None, command=command)


def format_count(count: int) -> str:
    for unit, size in (("B", 1e9), ("M", 1e6), ("K", 1e3)):
        if count >= size:
            return f"{count / size:.2f}{unit}"
    return str(count)


def print_table(rows: list[tuple[str, ...]]) -> None:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for index, row in enumerate(rows):
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip())
        if index == 0:
            print("  ".join("-" * width for width in widths))


class CommandListFormatter(argparse.RawDescriptionHelpFormatter):
    """argparse measures subcommand names 2 columns short, which would push the help of a 10-letter command
    (`build-data`) to the next line; start the help column far enough right for it."""

    def __init__(self, prog):
        super().__init__(prog)
        self._action_max_length = len("build-data") + 6


def build_parser() -> argparse.ArgumentParser:
    from data_builders.grounding import BOX_FORMATS, BOX_UNITS
    from data_builders.tasks import PRIVILEGED_CHOICES, TASKS
    from dopd_vl.models import DTYPES
    from dopd_vl.objectives import METHODS
    from dopd_vl.records import RENDERS
    from eval.base import SCORINGS
    from lab.experiments import LAUNCHERS, shipped_experiments
    from lab.methods import TASK_PAIRS

    parser = argparse.ArgumentParser(prog="dopd-vl", description=DESCRIPTION, formatter_class=CommandListFormatter)
    parser.add_argument("--version", action="version", version=f"dopd-vl {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    verbosity = argparse.ArgumentParser(add_help=False)  # the flag of every command that loads models
    verbosity.add_argument("--verbose", action="store_true",
                           help="also show the libraries' own output: weight loading and saving bars, DeepSpeed's "
                                "accelerator detection")

    commands.add_parser("pairs", help="list the model pairs: teacher, student, sizes, where the weights come from",
                        description="List the model pairs of configs/pairs/. Parameter counts are exact when the "
                                    "models' configs are on this machine, nominal otherwise.")

    commands.add_parser("methods", help="list the distillation methods and ablations, with what each does",
                        description="Every method of the objective registry: the frozen views it scores, the "
                                    "options it fixes, and one line on what it does.")

    check = commands.add_parser(
        "check", help="load a pair and run the start-up checks (vocabulary, chat template, one forward)",
        description="Load a pair's teacher, student and processor exactly as training does, refuse a mismatched "
                    "pair, and run one forward of each model. With no network, a hub pair that is not in the local "
                    "cache fails at once with the steps to point it at local weights.")
    check.add_argument("--pair", required=True, help="pair name (see `dopd-vl pairs`) or a pair YAML file")
    check.add_argument("--teacher", help="use this local folder or hub id as the teacher instead of the pair's")
    check.add_argument("--student", help="use this local folder or hub id as the student instead of the pair's")
    check.add_argument("--dtype", choices=list(DTYPES),
                       help="load weights in this dtype (default: the pair's)")
    check.add_argument("--device", default="cpu", help="torch device to load onto (default: cpu)")

    train = commands.add_parser(
        "train", parents=[verbosity], help="on-policy distillation of a pair's student with DOPD or a baseline",
        description="Distill the pair's student on its own samples: rollouts from the student's view, scoring by the "
                    "privileged teacher and the privileged student, then the chosen objective. Any config key can be "
                    "set as key=value or --key value (see `dopd-vl config --fields`), e.g. objective.topk=64. "
                    "With no --data, trains on the built-in synthetic set of the pair's family (shapes for vision "
                    "pairs, arith for text pairs). Writes <output>/metrics.jsonl, samples/step_N.html, checkpoints/ "
                    "and, at the end, <output>/final (the student with its processor, ready for evaluation).")
    train.add_argument("--pair", help="pair name (see `dopd-vl pairs`) or a pair YAML file (default: tiny)")
    train.add_argument("--method", help=f"objective: {', '.join(METHODS)} (default: dopd)")
    train.add_argument("--data", help="a folder written by `dopd-vl build-data` (default: the synthetic set)")
    train.add_argument("--config", help="recipe in configs/recipes/ or a YAML file (default: the recipe named like "
                                        "the pair if there is one, i.e. tiny and tiny-text, else the TrainConfig "
                                        "defaults)")
    train.add_argument("--output", help="run folder (default from the config: outputs/...)")
    train.add_argument("--max-steps", type=int, help="optimizer steps (overrides the config)")
    train.add_argument("--resume", action="store_true", help="continue from the newest checkpoint in --output")
    train.add_argument("--init-student", metavar="DIR",
                       help="start from this saved student (e.g. a previous run's final/) instead of the pair's; the "
                            "same as student=DIR. `dopd-vl experiment` starts each continual-learning stage so")

    evaluate = commands.add_parser(
        "eval", parents=[verbosity], help="score a model on benchmarks with rule-based metrics, offline",
        description="Generate for every document of each benchmark (batched, left padding, greedy; prompts never "
                    "hold privileged input) and score with the benchmark's reference metric. Writes results.json "
                    "(metrics, sample counts, model hash, generation settings, data file hashes) and "
                    "samples_<benchmark>.jsonl (doc_id, prompt, target, response, extracted answer, score, document "
                    "hash: the lmms-eval layout). `dopd-vl eval compare DIR [DIR ...]` puts several runs in one table "
                    "(see `dopd-vl eval compare --help`).",
        epilog="benchmarks: " + ", ".join(sorted(benchmark_names())))
    evaluate.add_argument("--model", required=True, help="a model folder (e.g. a run's final/), or PAIR:teacher / "
                                                          "PAIR:student (e.g. tiny:student)")
    evaluate.add_argument("--benchmarks", required=True, help="comma-separated benchmark names")
    evaluate.add_argument("--data-dir", required=True, help="folder holding each benchmark's files in its published "
                                                            "layout (a missing one is named with its layout)")
    evaluate.add_argument("--limit", type=int, help="first N documents of each benchmark")
    evaluate.add_argument("--batch-size", type=int, default=8, help="prompts per generate call (default 8)")
    evaluate.add_argument("--max-new-tokens", type=int,
                          help="longest response, for every benchmark (default: each benchmark's own budget, e.g. "
                               "16 for shapes, 64 for chartqa, 256 for mmstar, 4096 for math500; results.json "
                               "records it)")
    evaluate.add_argument("--output", default="outputs/eval", help="folder for results.json and the samples files")
    evaluate.add_argument("--seed", type=int, default=0, help="torch seed (generation is greedy)")
    evaluate.add_argument("--device", default="cpu", help="torch device (default cpu)")
    evaluate.add_argument("--scoring", choices=SCORINGS, default="official",
                          help="official (default): each benchmark's own published scorer, verdict for verdict; "
                               "lenient: the project's departures where a benchmark keeps one (e.g. GSM8K numbers "
                               "compared by value); results.json records which scoring each benchmark ran")

    lab = commands.add_parser(
        "lab", parents=[verbosity],
        help="the privilege lab: every method on the tiny pairs, over seeds, with a report",
        description="Measure the paper's claims on a CPU: the built-in tiny pair of the task (trained by supervised "
                    "fine-tuning on first use), then the task's experiment file (configs/experiments/lab-arith.yaml, "
                    "lab-shapes.yaml: OPD with a teacher that sees nothing, the task's own privileged input or the "
                    "final answer; gkd, opsd, exopd, eopd, the other baselines, dopd, its ablations and its "
                    "objective.self_target rows), every method from the same student on the same prompts for the "
                    "same steps over seeds, scored on a held-out split without privileged input. Writes report.md, "
                    "PNG plots and results.json to --output; runs and evaluations are the experiment runner's, "
                    "cached in $DOPD_VL_CACHE/lab/work, so an interrupted lab resumes.")
    lab.add_argument("--task", choices=list(TASK_PAIRS),
                     help="one task (default: both; arith with --quick)")
    lab.add_argument("--methods", help="comma-separated labels of the lab files' methods (configs/experiments/"
                                       "lab-arith.yaml, lab-shapes.yaml), e.g. opd,opd+hints,opd+answer,gkd,opsd,dopd,"
                                       "dopd_no_routing (opd+hints and opd+boxes name the same column); default: all, "
                                       "or the files' quick methods with --quick")
    lab.add_argument("--seeds", type=int, help="seeds per method (default 3; 1 with --quick)")
    lab.add_argument("--steps", type=int, help="optimizer steps per run (default 60; 24 with --quick)")
    lab.add_argument("--output", default="outputs/lab", help="folder for report.md, the plots and results.json "
                                                             "(default outputs/lab)")
    lab.add_argument("--quick", action="store_true", help="one task, three methods, one seed, fewer steps and a "
                                                          "smaller held-out set: a few minutes")

    experiment = commands.add_parser(
        "experiment", help="a table of the paper as a YAML file: train every method, evaluate, report",
        description="Run an experiment file: every (stage, method, seed) run trained, the teacher, the untrained "
                    "student and every final student evaluated on every benchmark with the eval harness, then "
                    "report.md, results.json and plots in --output. Runs and evaluations are named by a hash of "
                    "what determines them, so a killed experiment run again continues where it stopped. Schema: "
                    "docs/EXPERIMENTS.md.")
    actions = experiment.add_subparsers(dest="action", metavar="ACTION", required=True)
    run = actions.add_parser("run", parents=[verbosity], help="plan, train, evaluate and report an experiment file",
                             description="Plan, train, evaluate and report an experiment file (see `dopd-vl "
                                         "experiment --help`).", epilog="shipped experiments: " +
                             ", ".join(shipped_experiments()))
    run.add_argument("file", help="an experiment YAML file, or the name of a shipped one (configs/experiments/)")
    run.add_argument("--output", required=True, help="folder for report.md, results.json and the plots (and, "
                                                     "without --work-dir, the runs and evaluations)")
    run.add_argument("--dry-run", action="store_true", help="print the plan (runs, evaluations, response tokens to "
                                                            "generate) without loading a model or training")
    run.add_argument("--quick", action="store_true", help="apply the file's `quick:` section (fewer steps, seeds, "
                                                          "methods or documents): a check that it all runs")
    run.add_argument("--launcher", choices=list(LAUNCHERS), default="none",
                     help="none: each run trains in this process (default); accelerate: each run is `accelerate "
                          "launch --num_processes N -m dopd_vl.cli train` (data parallel, or ZeRO through "
                          "`accelerate config`)")
    run.add_argument("--num-processes", type=int, default=1, help="processes per run with --launcher accelerate "
                                                                   "(default 1)")
    run.add_argument("--workers", type=int, default=1,
                     help="train and evaluate this many runs at once, each in its own process with one CPU thread "
                          "(CPU machines: one per core; default 1: everything in this process, in order)")
    run.add_argument("--work-dir", help="where the runs and evaluations live (default: --output); several "
                                        "experiments may share one, and reuse each other's identical runs")

    config = commands.add_parser(
        "config", help="print a resolved training config (recipe + overrides), or every field with --fields",
        description="Resolve a training config the way `dopd-vl train` will: defaults, then the recipe or YAML "
                    "file of --config, then key=value / --key value overrides. Unknown keys are an error that "
                    "names the closest valid key.")
    config.add_argument("--config", help="recipe name in configs/recipes/ (tiny, tiny-text, paper-text, "
                                         "paper-vision) or a YAML file")
    config.add_argument("--fields", action="store_true", help="list every config field with its default and meaning")

    data = commands.add_parser(
        "build-data", parents=[verbosity],
        help="turn annotation files (RefCOCO, scene graphs, GSM8K, ...) into privileged records",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Turn a source in its public format into dopd-vl records: question, images, answer and the "
                    "privileged input\n(boxes, annotations or step hints) that only the privileged teacher and "
                    "the privileged student see.\nOutput: a `datasets` folder (save_to_disk) plus manifest.json "
                    "(counts kept / rejected by reason, source\nhashes, options) and rejects.jsonl (id, file:line, "
                    "reason). It is written to a temporary folder and renamed\nwhen complete. Tasks and what they "
                    "read:\n"
                    "  grounding    RefCOCO/+/g refs(unc|umd).p + instances.json (images: --images COCO folder);\n"
                    "               the Hugging Face RefCOCO parquet/JSONL layout; generic JSONL of question,\n"
                    "               answer, image and boxes [{label, bbox}] (--box-format, --box-units)\n"
                    "  annotations  GQA (--source questions, --annotations sceneGraphs.json), Visual Genome\n"
                    "               (question_answers.json + scene_graphs.json), CLEVR (questions + scenes.json),\n"
                    "               ChartQA (*_human.json with tables/ and annotations/ beside it), DocVQA\n"
                    "               (val_v1.0.json with ocr_results/ beside it)\n"
                    "  hints        GSM8K, MATH / MATH-500, NuminaMath-CoT, OpenR1-Math (.jsonl, .json, .parquet): hints\n"
                    "               derived from the solutions; with --generator, written by a model for these or\n"
                    "               the RL sets: verl / EasyR1 Parquet (DAPO-Math-17K, Skywork-OR1), ViRL39K,\n"
                    "               RaR-Science-20K (--format verl|virl39k|rar|skywork-or1, detected when left out)\n"
                    "  boxes        image records of the RL sets with query-related boxes written by --generator\n"
                    "  shapes       generated: coloured shapes; location, colour and count questions (no --source)\n"
                    "  arith        generated: multi-step arithmetic word problems (no --source)\n\n"
                    "Privileged input from a model (--generator, tasks hints and boxes): a local model or an\n"
                    "OpenAI-compatible endpoint writes each item from a versioned prompt (configs/prompts/); rule\n"
                    "checks reject items that state the answer, execute computations, have too few or too many\n"
                    "hints, or boxes that do not parse, lie outside the image, are degenerate, unlabelled or\n"
                    "repeated; --recheck has a judge grade each kept item 1-5. Every reply is cached in\n"
                    "OUT.cache/generations.jsonl as it arrives: rerun the same command after a crash and nothing\n"
                    "cached is asked again.")
    data.add_argument("--task", required=True, choices=list(TASKS),
                      help="which builder to run (see above)")
    data.add_argument("--out", required=True, help="output folder; must not exist unless --overwrite")
    data.add_argument("--source", help="the source file: refs(unc).p, a .parquet/.jsonl/.json file (required for "
                                       "grounding, annotations and hints)")
    data.add_argument("--images", help="folder the source's image paths start from (default: next to --source "
                                       "where the format has a usual place)")
    data.add_argument("--annotations", help="second source file: scene graphs (GQA, Visual Genome), CLEVR scenes, "
                                            "COCO instances.json for RefCOCO (default: instances.json beside "
                                            "--source), DocVQA OCR folder (default: ocr_results/ beside --source)")
    data.add_argument("--format", help="source format, detected from the file when left out: grounding "
                                       "refcoco|hf-refcoco|generic, annotations gqa|vg|clevr|chartqa|docvqa, hints "
                                       "gsm8k|math|verl|virl39k|rar|skywork-or1, boxes verl|virl39k")
    data.add_argument("--render", choices=RENDERS, default="text",
                      help="how the privileged prompt shows boxes: as Qwen3-VL JSON text, drawn on a copy of the "
                           "image, or both (recorded in the manifest for training; default: text)")
    data.add_argument("--split", help="keep only this split of sources that have several (RefCOCO: train, val, "
                                      "testA, testB, test); synthetic tasks: train (default) or test, the held-out "
                                      "split, without privileged input unless --privileged asks for it")
    data.add_argument("--limit", type=int, help="stop after N source records (synthetic tasks: generate N; "
                                                "default 1000)")
    data.add_argument("--strict", action="store_true",
                      help="stop at the first rejected record with a non-zero exit, writing nothing")
    data.add_argument("--hints-file", help="JSONL of {id, hints: [str]} written by a stronger model; replaces the "
                                           "hints derived from the solutions (hints task)")
    data.add_argument("--privileged", choices=list(PRIVILEGED_CHOICES),
                      help="privileged input: the task's own (default: boxes for grounding, boxes and shapes, "
                           "annotations for annotations, hints for hints and arith); 'crops' (tasks with boxes: the "
                           "privileged prompt also carries each box's region as an extra image, as Vision-OPD); "
                           "'rubric' (RaR-Science-20K's rubric as annotations); the ablations 'answer' (the final "
                           "answer as the only hint) and 'none'")
    data.add_argument("--box-format", choices=BOX_FORMATS, default="xyxy",
                      help="generic grounding JSONL: boxes as x1,y1,x2,y2 or x,y,width,height (default: xyxy)")
    data.add_argument("--box-units", choices=BOX_UNITS, default="pixels",
                      help="generic grounding JSONL: box numbers in pixels, 0-1 or 0-1000 of the image size "
                           "(default: pixels)")
    data.add_argument("--max-privileged-tokens", type=int, default=1024,
                      help="cut each record's privileged block to about this many Qwen tokens by dropping its last "
                           "annotation lines, then boxes, then hints; 0 for no limit (default: 1024)")
    data.add_argument("--seed", type=int, default=0, help="seed of the synthetic generators (default: 0)")
    data.add_argument("--overwrite", action="store_true",
                      help="replace an existing --out folder (only once the new build is complete)")
    model = data.add_argument_group("privileged input from a model (--task hints | boxes)")
    model.add_argument("--generator", help="who writes the hints or boxes: a model folder, a hub id, PAIR:teacher / "
                                           "PAIR:student (e.g. 8b-2b:teacher), or an OpenAI-compatible endpoint "
                                           "http://HOST:PORT/v1 (vLLM, SGLang, a hosted API)")
    model.add_argument("--generator-model", help="the endpoint's model name (default: the one model it serves)")
    model.add_argument("--api-key-env", default="OPENAI_API_KEY",
                       help="environment variable holding the endpoint's API key (default: OPENAI_API_KEY; unset: "
                            "no key, as a local vLLM server expects)")
    model.add_argument("--concurrency", type=int, default=8, help="endpoint requests in flight (default: 8)")
    model.add_argument("--max-retries", type=int, default=5,
                       help="retries of a request after 429, 5xx, a timeout or a malformed reply, with exponential "
                            "backoff (default: 5); 401 / 403 / 404 stop the build at once")
    model.add_argument("--request-timeout", type=float, default=600.0,
                       help="seconds to wait for one endpoint reply (default: 600)")
    model.add_argument("--temperature", type=float, default=0.0,
                       help="sampling temperature of the generator; 0 is greedy, the same data set every time "
                            "(default: 0)")
    model.add_argument("--top-p", type=float, default=1.0, help="nucleus sampling of the generator (default: 1)")
    model.add_argument("--max-new-tokens", type=int,
                       help="reply budget of the generator (default: the prompt's own, 512 for hints and boxes); "
                            "a reply cut at it is rejected as cut_at_limit")
    model.add_argument("--batch-size", type=int, default=8, help="local generator: prompts per batch (default: 8)")
    model.add_argument("--device", default="cpu", help="local generator: cpu, cuda, cuda:1, ... (default: cpu)")
    model.add_argument("--recheck", action="store_true",
                       help="the paper's second pass: a judge grades every item that passed the rule checks on a "
                            "1-5 rubric (helpful, correct, no answer); items under --min-score are rejected")
    model.add_argument("--judge", help="the judge's model or endpoint, as --generator (default: the generator)")
    model.add_argument("--judge-model", help="the judge endpoint's model name (default: --generator-model)")
    model.add_argument("--min-score", type=int, default=4, help="lowest judge score kept (default: 4)")
    return parser


def benchmark_names() -> list[str]:
    from eval.benchmarks import BENCHMARKS

    return list(BENCHMARKS)


def quiet_libraries(verbose: bool) -> None:
    """Keep the libraries' output that says nothing to a user off the terminal (unless `--verbose`): the weight
    loading and saving bars of transformers, and DeepSpeed's warning that it falls back to the CPU (it is told so
    instead). Called before either library is imported."""
    if verbose:
        return
    import os

    import torch

    if not torch.cuda.is_available():
        os.environ.setdefault("DS_ACCELERATOR", "cpu")
    from transformers.utils import logging as transformers_logging

    transformers_logging.disable_progress_bar()


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:2] == ["eval", "compare"]:
        args = build_compare_parser().parse_args(argv[2:])
        try:
            cmd_eval_compare(args)
        except DopdError as error:
            print(f"dopd-vl eval compare: error: {error}", file=sys.stderr)
            return 2
        return 0
    parser = build_parser()
    args, extra = parser.parse_known_args(argv)
    if args.command is None:
        parser.print_help()
        return 0
    if extra and args.command not in ("config", "train"):
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    quiet_libraries(getattr(args, "verbose", True))
    try:
        if args.command == "pairs":
            cmd_pairs(args)
        elif args.command == "methods":
            cmd_methods(args)
        elif args.command == "check":
            cmd_check(args)
        elif args.command == "config":
            cmd_config(args, extra)
        elif args.command == "train":
            cmd_train(args, extra)
        elif args.command == "eval":
            cmd_eval(args)
        elif args.command == "build-data":
            cmd_build_data(args)
        elif args.command == "lab":
            cmd_lab(args)
        elif args.command == "experiment":
            cmd_experiment(args)
    except DopdError as error:
        print(f"dopd-vl {args.command}: error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
