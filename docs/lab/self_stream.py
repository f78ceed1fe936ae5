"""The self-stream diagnostic of docs/lab/notes.md ("Why self-distillation collapses here"): OPSD on the shapes task
with the lab's recipe, the privileged student either on the student's live weights (the method, DOPD_METHOD.md) or
frozen at the initial student; prints the student's rollout entropy and response length at every step.

    python docs/lab/self_stream.py live      # the method as specified
    python docs/lab/self_stream.py frozen    # the privileged student frozen at step 0 (its output layer too)

Each run is `dopd_vl.trainer.train`; the frozen variant only swaps the model whose hidden states score the
privileged view, and keeps the tied vocabulary rows (the shared output layer) out of the optimizer in both variants,
so the two differ in that one respect. Both together took under four minutes on the 2-core build machine, the
tiny pair built, while other jobs shared the cores.
"""

import argparse
import copy
import json
import shutil
from pathlib import Path

import torch
from transformers import AutoConfig

import dopd_vl.trainer as trainer
from data_builders.synthetic import build_synthetic
from dopd_vl.config import load_config
from lab.tiny import ensure_tiny_pair, resolve_config


class AdamWWithoutVocabularyRows(torch.optim.AdamW):
    """AdamW over every parameter but the (tied) embedding / output layer, whose rows are one per vocabulary token."""

    vocabulary_size = None  # set before the trainer builds its optimizer

    def __init__(self, params, **options):
        super().__init__([p for p in params if p.shape[0] != self.vocabulary_size], **options)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("target", choices=["live", "frozen"], help="the privileged student's weights")
    parser.add_argument("--steps", type=int, default=20, help="optimizer steps (default 20)")
    parser.add_argument("--output", default="outputs/self-stream", help="run folder (replaced)")
    args = parser.parse_args()

    frozen = {}
    live_scoring = trainer.frozen_hidden_states

    def privileged_view_scoring(model, prompt_inputs, rollouts, pad_id):
        if args.target == "frozen" and model is frozen.get("student"):
            model = frozen.setdefault("copy", copy.deepcopy(model).eval())
        return live_scoring(model, prompt_inputs, rollouts, pad_id)

    live_step = trainer.train_step

    def train_step(run, step, records):
        frozen.setdefault("student", run.student)
        return live_step(run, step, records)

    trainer.frozen_hidden_states, trainer.train_step = privileged_view_scoring, train_step
    student_config = AutoConfig.from_pretrained(ensure_tiny_pair("tiny") / "student")
    AdamWWithoutVocabularyRows.vocabulary_size = student_config.text_config.vocab_size
    torch.optim.AdamW = AdamWWithoutVocabularyRows  # what the trainer's setup builds
    output = Path(args.output) / args.target
    shutil.rmtree(output, ignore_errors=True)
    data = build_synthetic("shapes", Path(args.output) / "data", 1000, 1, privileged="boxes", show_progress=False)
    config = load_config("tiny", [f"output={output}", "method=opsd", f"data={data}", "seed=0",
                                  f"max_steps={args.steps}", f"save_steps={args.steps}", "sample_every=0",
                                  "logging_steps=1", "max_new_tokens=8"])
    trainer.train(resolve_config(config))
    rows = [json.loads(line) for line in (output / "metrics.jsonl").read_text().splitlines()]
    print(f"privileged student: {args.target}")
    print("entropy by step:", [round(row["student_entropy_mean"], 2) for row in rows])
    print("length by step: ", [round(row["response_length_mean"], 1) for row in rows])


if __name__ == "__main__":
    main()
