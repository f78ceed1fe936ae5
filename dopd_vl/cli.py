"""The `dopd-vl` command. Each subcommand is registered only once it works end to end."""

from __future__ import annotations

import argparse
import sys
import time

from dopd_vl import __version__
from dopd_vl.errors import DopdError

DESCRIPTION = """\
Distill a large Qwen3-VL / Qwen3 model into a small one with Dual On-policy Distillation (DOPD),
and run the usual on-policy distillation baselines in the same loop.

Start with `dopd-vl pairs` (the model pairs), `dopd-vl check --pair tiny` (load one and run the start-up
checks) and `dopd-vl config --fields` (every training setting). Errors print what to fix and exit with status 2."""


def cmd_pairs(args) -> None:
    from dopd_vl.models import is_hub_id, cached_on_disk, count_parameters, load_pair_spec, pair_names
    from dopd_vl.tiny import tiny_pair_dir

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


def cmd_check(args) -> None:
    import torch

    from dopd_vl.models import load_pair, load_pair_spec, vision_special_token_ids

    spec = load_pair_spec(args.pair, teacher=args.teacher, student=args.student)
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

        docs = field_docs()
        for f in dataclasses.fields(TrainConfig):
            default = f.default if f.default is not dataclasses.MISSING else f.default_factory()
            print(f"{f.name} = {default!r}\n    {docs.get(f.name, '')}")
        return
    config = load_config(args.config, overrides)
    print(yaml.safe_dump(config.to_dict(), sort_keys=False).rstrip())


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


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="dopd-vl", description=DESCRIPTION,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="version", version=f"dopd-vl {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    commands.add_parser("pairs", help="list the model pairs: teacher, student, sizes, where the weights come from",
                        description="List the model pairs of configs/pairs/. Parameter counts are exact when the "
                                    "models' configs are on this machine, nominal otherwise.")

    check = commands.add_parser(
        "check", help="load a pair and run the start-up checks (vocabulary, chat template, one forward)",
        description="Load a pair's teacher, student and processor exactly as training does, refuse a mismatched "
                    "pair, and run one forward of each model. With no network, a hub pair that is not in the local "
                    "cache fails at once with the steps to point it at local weights.")
    check.add_argument("--pair", required=True, help="pair name (see `dopd-vl pairs`) or a pair YAML file")
    check.add_argument("--teacher", help="use this local folder or hub id as the teacher instead of the pair's")
    check.add_argument("--student", help="use this local folder or hub id as the student instead of the pair's")
    check.add_argument("--dtype", choices=["float32", "bfloat16", "float16"],
                       help="load weights in this dtype (default: the pair's)")
    check.add_argument("--device", default="cpu", help="torch device to load onto (default: cpu)")

    config = commands.add_parser(
        "config", help="print a resolved training config (recipe + overrides), or every field with --fields",
        description="Resolve a training config the way `dopd-vl train` will: defaults, then the recipe or YAML "
                    "file of --config, then key=value / --key value overrides. Unknown keys are an error that "
                    "names the closest valid key.")
    config.add_argument("--config", help="recipe name in configs/recipes/ (tiny, tiny-text, paper-text, "
                                         "paper-vision) or a YAML file")
    config.add_argument("--fields", action="store_true", help="list every config field with its default and meaning")
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args, extra = parser.parse_known_args(argv)
    if args.command is None:
        parser.print_help()
        return 0
    if extra and args.command != "config":
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    try:
        if args.command == "pairs":
            cmd_pairs(args)
        elif args.command == "check":
            cmd_check(args)
        elif args.command == "config":
            cmd_config(args, extra)
    except DopdError as error:
        print(f"dopd-vl {args.command}: error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
