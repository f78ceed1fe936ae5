"""The first step of every make_*_verdicts.py here: the reference's files at their pinned commit, read from a
checkout or a bare git directory, checked against their SHA-256 and written into a temporary folder to run from.
Nothing of them is written to the repository. Not run by the tests."""

from __future__ import annotations

import hashlib
import subprocess
from pathlib import Path


def pinned_bytes(root: Path, commit: str, path: str) -> bytes:
    """A file of the reference: from a checkout when `root` holds it, else `git show COMMIT:PATH` in a git dir."""
    if (root / path).is_file():
        return (root / path).read_bytes()
    return subprocess.run(["git", "--git-dir", str(root), "show", f"{commit}:{path}"], check=True,
                          capture_output=True).stdout


def copy_pinned(root: Path, reference: dict, folder: Path, flat: bool = False) -> None:
    """Each of `reference["files"]` (path -> SHA-256) into `folder`, at its path or, `flat`, by its name; stops on a
    file whose digest differs from the pinned one."""
    for path, expected in reference["files"].items():
        data = pinned_bytes(root, reference["commit"], path)
        digest = hashlib.sha256(data).hexdigest()
        if digest != expected:
            raise SystemExit(f"{path}: SHA-256 {digest}, expected {expected} (commit {reference['commit']})")
        target = folder / (Path(path).name if flat else path)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)


def add_package_files(folder: Path, paths) -> None:
    """An empty __init__.py in each folder above the given files (relative to `folder`) that has none, so that the
    copied files import as their package's modules."""
    for path in paths:
        for parent in Path(path).parents:
            if parent != Path(".") and not (folder / parent / "__init__.py").exists():
                (folder / parent / "__init__.py").write_text("")
