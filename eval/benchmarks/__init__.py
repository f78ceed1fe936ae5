"""The benchmark registry: every module here lists its `BENCHMARKS`."""

from eval.benchmarks import (bfcl, choice, code, documents, grounding, instructions, livebench, logic, maths, shapes,
                              text_choice, video)

MODULES = (shapes, choice, grounding, documents, video, maths, text_choice, logic, livebench, instructions, code, bfcl)
BENCHMARKS = {benchmark.name: benchmark for module in MODULES for benchmark in module.BENCHMARKS}
