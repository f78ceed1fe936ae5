"""The unified evaluation harness (filled by the evaluation issues)."""
