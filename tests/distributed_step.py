"""One training step of the tiny text pair under `accelerate launch` (run by test_trainer.py with 1 and 2 processes):
the same global batch and fixed rollouts; writes the step's metrics and the updated student weights."""

import sys
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).parent))
from test_trainer import FAST, ReplayEngine  # noqa: E402

from dopd_vl.config import load_config  # noqa: E402
from dopd_vl.trainer import setup, step_records, train_step  # noqa: E402

out = Path(sys.argv[1])
out.mkdir(parents=True, exist_ok=True)
config = load_config(overrides=["pair=tiny-text", f"output={out / 'run'}", *FAST, "prompts_per_step=8"])
run, _ = setup(config, resume=False)
accelerator = run.accelerator
records = step_records(run.records, 0, config, accelerator.process_index, accelerator.num_processes)
run.engine = ReplayEngine([records])
gradients = []
zero_grad = run.optimizer.zero_grad


def capture_then_zero(*args, **kwargs):  # the step's (all-reduced) gradients, just before they are cleared
    gradients.extend(p.grad.detach().clone() for p in run.student.parameters())
    zero_grad(*args, **kwargs)


run.optimizer.zero_grad = capture_then_zero
result = train_step(run, 0, records)
if accelerator.is_main_process:
    torch.save({"metrics": result.metrics, "gradients": gradients}, out / "result.pt")
accelerator.wait_for_everyone()
