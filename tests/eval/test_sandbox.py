"""The code sandbox: hostile programs fail without harming the machine; a correct program passes.

Every test runs in two modes: the isolation detected on this machine (namespaces where the kernel allows them) and
the fallback without namespaces (rlimits, the separate uid when root, the Python guards). Limits are small (1-2 s,
a few processes) so the tests stay fast and harmless on a shared machine.
"""

import ctypes  # noqa: F401 (the programs below use it; imported here so a missing ctypes fails loudly)
import json
import os
import socket
import tempfile
import time
from pathlib import Path

import pytest

from eval import sandbox
from eval.sandbox import Isolation, Limits, run_python

FAST = Limits(cpu_seconds=1, wall_seconds=2, processes=8, memory_bytes=512 << 20, output_bytes=1 << 20)


@pytest.fixture(params=["detected", "no-namespaces"])
def mode(request) -> Isolation:
    detected = sandbox.isolation()
    if request.param == "detected":
        return detected
    return Isolation(False, False, detected.separate_uid, detected.python)


def sandbox_processes() -> list[str]:
    """Live processes whose working directory is (or was) a sandbox folder."""
    found = []
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            state = next(line for line in open(f"/proc/{entry.name}/status") if line.startswith("State:"))
            if "dopd-sandbox-" in os.readlink(f"/proc/{entry.name}/cwd") and "Z" not in state.split()[1]:
                found.append(entry.name)
        except (OSError, StopIteration):
            continue
    return found


def test_correct_program_passes_wrong_one_fails(mode):
    cases = [("abc\n", "cba\n"), ("hello\n", "olleh\n")]
    same = lambda printed, expected: printed.strip() == expected.strip()  # noqa: E731
    assert sandbox.judge_stdio("print(input()[::-1])", cases, same, FAST, mode) == sandbox.Verdict(True, "passed")
    verdict = sandbox.judge_stdio("s = input()\nprint(s[::-1] if s == 'abc' else s)", cases, same, FAST, mode)
    assert (verdict.passed, verdict.reason) == (False, "wrong_answer") and verdict.detail.startswith("test 1")


def test_infinite_loop_and_sleeper_time_out(mode):
    started = time.perf_counter()
    run = run_python("while True:\n    pass", limits=FAST, mode=mode)
    assert run.status == "timeout" and time.perf_counter() - started < 3.5  # CPU limit (1 s) or wall clock (2 s)
    run = run_python("import time\ntime.sleep(30)", limits=Limits(wall_seconds=1), mode=mode)
    assert run.status == "timeout" and run.seconds < 2.5
    assert sandbox_processes() == []


def test_memory_bomb_fails_with_memory(mode):
    assert run_python("x = bytearray(4 << 30)", limits=FAST, mode=mode).status == "memory"
    grow = "chunks = []\nwhile True:\n    chunks.append(bytearray(50 << 20))"
    # zero-filling 512 MiB takes up to a second of CPU on a busy machine: time enough to meet the memory limit first
    roomy = Limits(cpu_seconds=3, wall_seconds=5, processes=8, memory_bytes=512 << 20, output_bytes=1 << 20)
    assert run_python(grow, limits=roomy, mode=mode).status == "memory"


def test_fork_bomb_meets_the_process_limit(mode):
    counting = ("import os, time\nchildren = 0\nfor _ in range(50):\n    try:\n        pid = os.fork()\n"
                "    except OSError:\n        break\n    if pid == 0:\n        time.sleep(30)\n        os._exit(0)\n"
                "    children += 1\nprint(children)")
    run = run_python(counting, limits=FAST, mode=mode)
    assert run.ok
    if mode.separate_uid or mode.namespaces:  # the limit counts only this run's processes, from the first fork
        assert FAST.processes - 3 <= int(run.stdout) < FAST.processes
    else:  # the limit is the user's process count at launch plus the allowance
        assert int(run.stdout) < 50
    bomb = run_python("import os\nwhile True:\n    os.fork()", limits=FAST, mode=mode)
    assert not bomb.ok and "Resource temporarily unavailable" in bomb.stderr
    assert sandbox_processes() == []  # the sleeping children were killed with the run


def test_processes_that_leave_the_group_are_killed(mode):
    if not (mode.namespaces or mode.separate_uid):
        pytest.skip("without namespaces and not as root a process that calls setsid can outlive the run (documented)")
    program = ("import os, time\nif os.fork() == 0:\n    os.setsid()\n    time.sleep(30)\n    os._exit(0)\n"
               "print('parent done')")
    run = run_python(program, limits=FAST, mode=mode)
    assert run.ok and run.stdout == "parent done\n"
    assert sandbox_processes() == []


def write_program(path: Path) -> str:
    return f"open({str(path)!r}, 'w').write('x')"


def raw_write_program(path: Path) -> str:
    """A write through libc, around the Python guards: only the kernel layers can stop it."""
    return (f"import ctypes\nfd = ctypes.CDLL(None).open({str(path).encode()!r}, 0o101, 0o644)\n"
            "print(fd)")


def test_writes_outside_the_folder_fail(mode, tmp_path):
    targets = [tmp_path / "outside.txt", Path.home() / "dopd_sandbox_probe.txt",
               Path(tempfile.gettempdir()) / f"dopd_sandbox_probe_{os.getpid()}.txt"]
    for target in targets:
        run = run_python(write_program(target), limits=FAST, mode=mode)
        assert run.status == "runtime_error" and "PermissionError" in run.stderr, target
        assert not target.exists()
    inside = run_python("import os\nopen('mine.txt', 'w').write('x')\nopen(os.path.expanduser('~/home.txt'), 'w')"
                        ".write('y')\nprint(sorted(os.listdir('.')))", limits=FAST, mode=mode)
    assert inside.ok and "mine.txt" in inside.stdout and "home.txt" in inside.stdout  # HOME is the folder


def test_writes_around_the_python_guards_fail(mode, tmp_path):
    if not (mode.namespaces or mode.separate_uid):
        pytest.skip("without namespaces and not as root only the Python guards stand (documented)")
    target = tmp_path / "raw.txt"  # under the harness user's private folder
    run = run_python(raw_write_program(target), limits=FAST, mode=mode)
    assert run.ok and run.stdout.strip() == "-1" and not target.exists()
    if mode.namespaces:  # even a folder anyone may write to is read-only from inside
        shared = Path(tempfile.mkdtemp(prefix="dopd-shared-"))
        try:
            shared.chmod(0o777)
            run = run_python(raw_write_program(shared / "raw.txt"), limits=FAST, mode=mode)
            assert run.ok and run.stdout.strip() == "-1" and not (shared / "raw.txt").exists()
        finally:
            for leftover in shared.iterdir():
                leftover.unlink()
            shared.rmdir()


def test_network_connections_fail(mode):
    with socket.create_server(("127.0.0.1", 0)) as listener:
        port = listener.getsockname()[1]
        listener.settimeout(0.3)
        run = run_python(f"import socket\nsocket.create_connection(('127.0.0.1', {port}), timeout=1)",
                         limits=FAST, mode=mode)
        assert run.status == "runtime_error" and "network access is disabled" in run.stderr
        if mode.namespaces:  # a raw connect through libc finds no network at all
            raw = ("import ctypes, socket, struct\nlibc = ctypes.CDLL(None, use_errno=True)\n"
                   "fd = libc.socket(2, 1, 0)\n"
                   f"address = struct.pack('!HH4s8x', 2, {port}, socket.inet_aton('127.0.0.1'))\n"
                   "address = struct.pack('=H', 2) + address[2:]\n"
                   "print(fd, libc.connect(fd, address, len(address)))")
            run = run_python(raw, limits=FAST, mode=mode)
            assert run.ok and run.stdout.split()[1] == "-1"
        with pytest.raises(socket.timeout):
            listener.accept()  # nothing ever reached the listener


def test_environment_is_clean_and_folder_removed(mode, monkeypatch):
    monkeypatch.setenv("DOPD_TEST_SECRET", "hunter2")
    run = run_python("import json, os\nprint(json.dumps({'env': dict(os.environ), 'cwd': os.getcwd(), "
                     "'uid': os.getuid()}))", limits=FAST, mode=mode)
    seen = json.loads(run.stdout)
    assert "hunter2" not in run.stdout and "DOPD_TEST_SECRET" not in seen["env"]
    assert seen["env"]["HOME"] == seen["cwd"] == seen["env"]["TMPDIR"]
    assert set(seen["env"]) <= {"PATH", "HOME", "TMPDIR", "LANG", "LC_ALL", "OMP_NUM_THREADS",
                                "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"}
    assert not Path(seen["cwd"]).exists()
    if os.geteuid() == 0:
        assert seen["uid"] != 0


def test_output_flood_and_errors(mode):
    started = time.perf_counter()
    run = run_python("while True:\n    print('x' * 1000)", limits=FAST, mode=mode)
    assert run.status == "output_limit" and time.perf_counter() - started < 1.5
    assert FAST.output_bytes < len(run.stdout) <= FAST.output_bytes + (1 << 16)
    run = run_python("raise ValueError('boom')", limits=FAST, mode=mode)
    assert run.status == "runtime_error" and "ValueError: boom" in run.stderr
    run = run_python("import sys\nprint('partial')\nsys.exit(3)", limits=FAST, mode=mode)
    assert (run.status, run.exit_code, run.stdout) == ("runtime_error", 3, "partial\n")
    run = run_python("import sys\nprint(sys.stdin.read().upper(), end='')", stdin="über\n", limits=FAST, mode=mode)
    assert run.ok and run.stdout == "ÜBER\n"


def test_detected_isolation_is_described():
    detected = sandbox.isolation()
    text = detected.describe()
    assert "rlimits" in text and ("namespaces (no network" in text) == detected.namespaces
    assert detected.separate_uid == (os.geteuid() == 0)
