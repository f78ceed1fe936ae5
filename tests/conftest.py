"""Tests run offline on a CPU. The tiny pairs are built once per session into a private cache."""

import os
import shutil
import tempfile
from pathlib import Path

import pytest

CACHE = Path(tempfile.mkdtemp(prefix="dopd-vl-test-cache-"))
os.environ["DOPD_VL_CACHE"] = str(CACHE)
os.environ["HF_HUB_OFFLINE"] = "1"  # never reach for the hub: a test that needs it is a bug
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


def pytest_sessionfinish(session, exitstatus):
    shutil.rmtree(CACHE, ignore_errors=True)


@pytest.fixture(scope="session")
def tiny_vl_pair():
    from dopd_vl.models import load_pair, load_pair_spec
    from lab.tiny import resolve_pair

    return load_pair(resolve_pair(load_pair_spec("tiny")))


@pytest.fixture(scope="session")
def tiny_text_pair():
    from dopd_vl.models import load_pair, load_pair_spec
    from lab.tiny import resolve_pair

    return load_pair(resolve_pair(load_pair_spec("tiny-text")))
