"""The lab: the built-in tiny pairs (`tiny`: model building, `sft`: their supervised training), the privilege lab
(`privilege`: the whole lab, `methods`: what it runs, `runs`: data, evaluation and runs in worker processes, `report`:
report.md and plots) and a pair of real weights (`smollm2`). Floor 3: it may import the core, the data builders and
the eval harness; only the face (`dopd_vl/cli.py`) imports it."""
