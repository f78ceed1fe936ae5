"""Two training steps of the tiny text pair under `accelerate launch` (run by test_trainer.py with 1 and 2 processes,
plain or DeepSpeed ZeRO-2): the same global batches and fixed rollouts; writes each step's metrics and the first
step's gradients where they live in `.grad` (not under DeepSpeed, which keeps them in its own buffers)."""

import sys
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).parent))
from test_trainer import FAST, ReplayEngine  # noqa: E402

from dopd_vl.config import load_config  # noqa: E402
from dopd_vl.trainer import setup, step_records, train_step  # noqa: E402
from lab.tiny import resolve_config  # noqa: E402

out = Path(sys.argv[1])
out.mkdir(parents=True, exist_ok=True)
config = load_config(overrides=["pair=tiny-text", f"output={out / 'run'}", *FAST, "prompts_per_step=8",
                                "learning_rate=1e-3", "warmup_steps=1", "max_steps=4", *sys.argv[2:]])
run, _ = setup(resolve_config(config), resume=False)
accelerator = run.accelerator
gradients = []
zero_grad = run.optimizer.zero_grad


def capture_then_zero(*args, **kwargs):  # the step's (all-reduced) gradients, just before they are cleared
    if not gradients:
        gradients.extend(p.grad.detach().clone() for p in run.student.parameters() if p.grad is not None)
    zero_grad(*args, **kwargs)


run.optimizer.zero_grad = capture_then_zero
metrics = []
for step in range(2):
    records = step_records(run.records, step, config, accelerator.process_index, accelerator.num_processes)
    size = len(records) // config.gradient_accumulation_steps
    run.engine = ReplayEngine([records[i:i + size] for i in range(0, len(records), size)])
    metrics.append(train_step(run, step, records).metrics)
if accelerator.is_main_process:
    plugin = accelerator.state.deepspeed_plugin
    torch.save({"metrics": metrics, "gradients": gradients, "world": accelerator.num_processes,
                "deepspeed": plugin.zero_stage if plugin else None}, out / "result.pt")
accelerator.wait_for_everyone()
