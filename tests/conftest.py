"""Tests run offline on a CPU. The tiny pairs are built once per session into a private cache."""

import os
import shutil
import tempfile
from pathlib import Path

import pytest

USER_CACHE = Path(os.environ.get("DOPD_VL_CACHE", Path.home() / ".cache" / "dopd-vl")).expanduser()
CACHE = Path(tempfile.mkdtemp(prefix="dopd-vl-test-cache-"))
os.environ["DOPD_VL_CACHE"] = str(CACHE)
# The built-in pairs the user's cache already holds (the README's main job builds `tiny`) are copied in rather than
# built again: a pair's folder is named by a hash of its whole build (recipe, sizes, seed, builder version) and the
# build is deterministic (tests/lab/test_tiny.py builds twice and compares bytes), so the copy is the pair these tests
# would build. A pair not there is built here as before.
for built in sorted((USER_CACHE / "pairs").glob("tiny*-seed0-*")):
    if (built / "build.json").is_file():
        shutil.copytree(built, CACHE / "pairs" / built.name)
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
