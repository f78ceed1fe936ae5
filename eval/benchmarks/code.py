"""(to be written)"""

BENCHMARKS = []
