"""dopd-vl: Dual On-policy Distillation for Qwen3-VL and Qwen3 pairs."""

__version__ = "0.1.0"
