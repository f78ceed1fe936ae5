"""Run an untrusted Python program (a model's answer to a coding benchmark) without letting it harm the machine or
stall the run.

Every run gets a fresh temporary folder as its working directory (removed afterwards), a clean environment (PATH,
HOME and TMPDIR pointing at the folder, LANG, single-threaded BLAS: nothing inherited, so no secrets), isolated
Python (``-I -B``), limits on CPU time, address space, processes, file size and open files, caps on stdout and
stderr, and a wall-clock timeout after which everything it started is killed. The layers, each standing when
another is bypassed:

1. **Resource limits** (``setrlimit`` in a small launcher that starts before the program): CPU seconds
   (SIGXCPU, then SIGKILL one second later), address space (a memory bomb gets ``MemoryError``), processes and
   threads (a fork bomb's forks fail), file size, open files, no core dumps. The process limit is set before the
   program's first instruction runs.
2. **A separate user** when the harness runs as root: root ignores the process limit, so the launcher switches to
   a fresh unprivileged uid (one per run, in 2e9..2.1e9) that owns only the working folder. It then cannot write
   anything root or another user owns, and the process limit counts exactly this run's processes. That user must be
   able to run the interpreter: the harness's own, else the system's ``/usr/bin/python3`` (standard library only),
   e.g. when the harness's Python lives under ``/root``.
3. **Namespaces**, when the kernel allows an unprivileged user namespace (detected once, :func:`isolation`): a new
   network namespace (no interface is up, not even loopback: no connection anywhere, including local servers), a
   new PID namespace (when the program ends or is killed, every process it started dies with it) and a new mount
   namespace in which every mount except the working folder is remounted read-only, with a fresh ``/proc`` that
   shows only the program's own processes.
4. **Python guards** (an audit hook installed before the program runs, which Python code cannot remove): creating
   a socket fails, opening a file for writing (and removing, renaming, chmod ...) outside the working folder fails.
   Without namespaces, starting other programs (``subprocess``, ``os.system``, ``exec``) fails as well. This layer
   is what stands in for layer 3 where namespaces are unavailable; ``ctypes`` can get around it, which is why it is
   the last layer and not the only one.

What is guaranteed, and tested (tests/eval/test_sandbox.py): a program cannot write outside its folder (read-only
mounts with namespaces; without them the guards stop Python's writes and the separate uid any write to what root
or another user owns, world-writable folders such as /tmp excepted), cannot open a network connection (no network
with namespaces; the guards without), cannot fork more processes than the limit, cannot run past its time or
memory limits or flood the output, and leaves no process behind. Without namespaces and not as root (no layer 2
or 3), only layers 1 and 4 hold: the process limit, which then counts all of the user's processes, is set to
their number at launch plus the run's allowance, and a process that leaves the run's process group (``setsid``) can
outlive it; :func:`isolation` says which layers are in effect. What is not a goal: keeping a
deliberately adversarial program from forging its own verdict (a stdin/stdout judge compares outside the sandbox,
but a runner that calls functions inside it, as LiveCodeBench's LeetCode problems need, shares its process) or hiding
world-readable files from it.
"""

from __future__ import annotations

import json
import logging
import os
import secrets
import selectors
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Callable, Sequence

from dopd_vl.errors import DopdError

__all__ = ["Isolation", "Limits", "Run", "SandboxError", "Verdict", "isolation", "judge_stdio", "run_python"]

log = logging.getLogger(__name__)


class SandboxError(DopdError):
    """The sandbox cannot be set up safely on this machine (the message says why and what to do)."""


@dataclass(frozen=True)
class Limits:
    cpu_seconds: int = 10  # CPU time of each process (SIGXCPU, SIGKILL one second later)
    wall_seconds: float = 10.0  # the whole run, then everything is killed
    memory_bytes: int = 4 << 30  # address space of each process (RLIMIT_AS)
    processes: int = 32  # processes and threads of the run (RLIMIT_NPROC on its own uid or user namespace)
    file_bytes: int = 64 << 20  # largest file it may write (RLIMIT_FSIZE)
    open_files: int = 64  # RLIMIT_NOFILE
    output_bytes: int = 16 << 20  # stdout and stderr, each: a program printing more fails with "output_limit"


@dataclass
class Run:
    """One execution. status: "ok" (exit code 0), "timeout" (wall clock or CPU time), "memory" (MemoryError),
    "runtime_error" (another non-zero exit or signal), "output_limit" (printed more than the cap)."""

    status: str
    exit_code: int | None
    stdout: str
    stderr: str  # its last 64 KiB
    seconds: float

    @property
    def ok(self) -> bool:
        return self.status == "ok"


@dataclass(frozen=True)
class Verdict:
    """A program judged on test cases. reason: "passed", "wrong_answer", "timeout", "memory", "runtime_error",
    "output_limit", or "no_code" (the response held no program)."""

    passed: bool
    reason: str
    detail: str = ""


@dataclass(frozen=True)
class Isolation:
    namespaces: bool  # user + network + PID + mount namespaces, read-only filesystem outside the folder
    fresh_proc: bool  # /proc shows only the program's processes
    separate_uid: bool  # runs as a fresh unprivileged uid (the harness runs as root)
    python: str

    def describe(self) -> str:
        layers = ["rlimits (cpu, memory, processes, file size, open files)"]
        if self.separate_uid:
            layers.append("a fresh unprivileged uid per run")
        if self.namespaces:
            layers.append("user+network+pid+mount namespaces (no network, read-only filesystem outside the folder"
                          + (", private /proc)" if self.fresh_proc else ")"))
        else:
            layers.append("no namespaces (unavailable here): sockets and process starts blocked by Python guards")
        layers.append("Python guards (no sockets, no writes outside the folder)")
        return "; ".join(layers) + f"; interpreter {self.python}"


# ---------------------------------------------------------------------------------------------------------------------
# The two programs that run on the other side: the launcher (trusted; sets the limits, switches user, enters the
# namespaces, then starts the interpreter) and the bootstrap (installs the Python guards, then runs the program).
# ---------------------------------------------------------------------------------------------------------------------

SETUP_FAILED = 125  # the launcher's exit code when it could not set up the sandbox (with a line on stderr)
SETUP_MARK = "dopd-sandbox-setup:"

_LAUNCHER = r"""
import ctypes, json, os, re, resource, signal, sys
config = json.loads(sys.argv[1])

def fail(message):
    os.write(2, ("%s %s\n" % (config["mark"], message)).encode())
    os._exit(config["failed"])

try:
    limits = config["limits"]
    for name, value in (("RLIMIT_CORE", 0), ("RLIMIT_AS", limits["memory_bytes"]),
                        ("RLIMIT_FSIZE", limits["file_bytes"]), ("RLIMIT_NOFILE", limits["open_files"])):
        resource.setrlimit(getattr(resource, name), (value, value))
    resource.setrlimit(resource.RLIMIT_CPU, (limits["cpu_seconds"], limits["cpu_seconds"] + 1))
    if config["uid"] is not None:
        os.setgroups([])
        os.setresgid(config["uid"], config["uid"], config["uid"])
        os.setresuid(config["uid"], config["uid"], config["uid"])
except OSError as error:
    fail("limits or user: %s" % error)

work = config["work"]
libc = ctypes.CDLL(None, use_errno=True)

def check(result, what):
    if result != 0:
        fail("%s: %s" % (what, os.strerror(ctypes.get_errno())))

if config["namespaces"]:
    CLONE_NEWNS, CLONE_NEWUSER, CLONE_NEWPID, CLONE_NEWNET = 0x20000, 0x10000000, 0x20000000, 0x40000000
    check(libc.unshare(CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWNET), "unshare")
    MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC, MS_REMOUNT = 1, 2, 4, 8, 32
    MS_NOATIME, MS_NODIRATIME, MS_BIND, MS_REC, MS_PRIVATE, MS_RELATIME = 1024, 2048, 4096, 16384, 1 << 18, 1 << 21
    libc.mount.argtypes = [ctypes.c_char_p, ctypes.c_char_p, ctypes.c_char_p, ctypes.c_ulong, ctypes.c_void_p]
    check(libc.mount(None, b"/", None, MS_REC | MS_PRIVATE, None), "make mounts private")
    check(libc.mount(work.encode(), work.encode(), None, MS_BIND, None), "bind the working folder")
    with open("/proc/self/mountinfo") as handle:
        points = [line.split()[4] for line in handle]
    for point in points:
        point = re.sub(r"\\([0-7]{3})", lambda m: chr(int(m.group(1), 8)), point)  # mountinfo escapes spaces etc.
        if point == work:
            continue
        try:
            flags = os.statvfs(point).f_flag
        except OSError:
            continue  # out of reach (permissions): out of the program's reach as well
        if flags & os.ST_RDONLY:
            continue
        kept = flags & (MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_NOATIME | MS_NODIRATIME)
        kept |= MS_RELATIME if flags & os.ST_RELATIME else 0
        result = libc.mount(None, point.encode(), None, MS_REMOUNT | MS_BIND | MS_RDONLY | kept, None)
        if result != 0 and not point.startswith(("/proc", "/sys")):
            check(result, "remount %s read-only" % point)
    os.chdir(work)  # the working folder's own (writable) mount, not the one underneath

processes = limits["processes"]
if config["shared_uid"]:  # the limit counts every process of this user: allow the run `processes` more
    me = str(os.getuid())
    for entry in os.listdir("/proc"):
        try:
            with open("/proc/%s/status" % entry) as handle:
                processes += any(line.split()[1:2] == [me] for line in handle if line.startswith("Uid:"))
        except (OSError, ValueError):
            continue
try:
    resource.setrlimit(resource.RLIMIT_NPROC, (processes, processes))
except OSError as error:
    fail("process limit: %s" % error)

def start():
    os.execve(config["python"], config["argv"], config["env"])

def wait(pid):
    while True:
        try:
            return os.waitpid(pid, 0)[1]
        except InterruptedError:
            continue

if not config["namespaces"]:
    start()
# The first child is process 1 of the new PID namespace: when it ends the kernel kills every process left in it. It
# runs the program as its own child, because process 1 ignores signals it has no handler for (SIGXCPU included),
# and hands the program's wait status back through a pipe.
status_read, status_write = os.pipe()
init = os.fork()
if init == 0:
    try:
        os.close(status_read)
        PR_SET_PDEATHSIG = 1
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)  # the launcher killed: the namespace dies too
        if config["fresh_proc"]:
            MS_NOSUID, MS_NODEV, MS_NOEXEC = 2, 4, 8
            check(libc.mount(b"proc", b"/proc", b"proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, None), "mount /proc")
        program = os.fork()
        if program == 0:
            os.close(status_write)
            start()
        os.write(status_write, str(wait(program)).encode())
        os._exit(0)
    except BaseException as error:
        fail("start: %s" % error)
os.close(status_write)
init_status = wait(init)
reported = os.read(status_read, 64)
if not reported:
    os._exit(os.WEXITSTATUS(init_status) if os.WIFEXITED(init_status) else 1)
status = int(reported)
if os.WIFSIGNALED(status):
    signal.signal(os.WTERMSIG(status), signal.SIG_DFL)
    os.kill(os.getpid(), os.WTERMSIG(status))
os._exit(os.WEXITSTATUS(status) if os.WIFEXITED(status) else 1)
"""

_BOOTSTRAP = r"""
import os, sys

def guard(strict):
    root = os.path.realpath(os.getcwd())
    devices = {"/dev/null", "/dev/stdout", "/dev/stderr"}
    writing_flags = os.O_WRONLY | os.O_RDWR | os.O_APPEND | os.O_CREAT | os.O_TRUNC
    realpath, fsdecode, sep = os.path.realpath, os.fsdecode, os.sep
    first_path = {"os.remove", "os.rmdir", "os.mkdir", "os.truncate", "os.chmod", "os.chown", "os.utime",
                  "os.chflags", "os.lchflags", "os.listxattr", "os.setxattr", "os.removexattr", "shutil.rmtree",
                  "os.mkfifo", "os.mknod"}
    second_path = {"os.symlink", "os.link"}
    both_paths = {"os.rename", "shutil.move", "shutil.copyfile", "shutil.copytree"}
    starts = {"os.system", "os.exec", "os.posix_spawn", "os.spawn", "subprocess.Popen", "pty.spawn",
              "os.forkpty"}

    def inside(path):
        if isinstance(path, int):
            return True  # an open file descriptor: checked when it was opened
        try:
            path = realpath(fsdecode(path))
        except Exception:
            return False
        return path == root or path.startswith(root + sep) or path in devices

    def deny(path):
        raise PermissionError("sandbox: %r is outside the working folder" % (path,))

    def hook(event, args):
        if event == "open":
            path, mode, flags = args
            writing = isinstance(flags, int) and bool(flags & writing_flags)
            writing = writing or bool(mode) and any(c in mode for c in "wax+")
            if writing and not inside(path):
                deny(path)
        elif event.startswith("socket."):
            raise PermissionError("sandbox: network access is disabled")
        elif event in first_path:
            if args and not inside(args[0]):
                deny(args[0])
        elif event in second_path:
            if len(args) > 1 and not inside(args[1]):
                deny(args[1])
        elif event in both_paths:
            for path in args[:2]:
                if not inside(path):
                    deny(path)
        elif strict and event in starts:
            raise PermissionError("sandbox: starting programs is disabled")

    sys.addaudithook(hook)

guard(sys.argv[2] == "strict")
del guard
import runpy
sys.argv = sys.argv[1:2]
runpy.run_path(sys.argv[0], run_name="__main__")
"""

_STDERR_TAIL = 64 << 10
_PROGRAM = "main.py"


def _clean_env(work: str) -> dict[str, str]:
    return {"PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": work, "TMPDIR": work, "LANG": "C.UTF-8",
            "LC_ALL": "C.UTF-8", "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}


def _fresh_uid() -> int:
    return 2_000_000_000 + secrets.randbelow(100_000_000)


def _kill_uid(uid: int) -> None:
    """SIGKILL every process of a run's own uid (one that left the process group is found this way), until none is
    left (a dying PID namespace takes a moment)."""
    for _ in range(200):
        found = False
        for entry in os.scandir("/proc"):
            if not entry.name.isdigit():
                continue
            try:
                with open(f"/proc/{entry.name}/status") as handle:
                    fields = dict(line.split(":", 1) for line in handle if line.startswith(("State:", "Uid:")))
                if int(fields["Uid"].split()[0]) == uid and not fields["State"].strip().startswith(("Z", "X")):
                    found = True
                    os.kill(int(entry.name), signal.SIGKILL)
            except (OSError, KeyError, ValueError):
                continue
        if not found:
            return
        time.sleep(0.01)


def _remove(folder: Path) -> None:
    def writable_then_retry(function, path, _):
        try:
            os.chmod(os.path.dirname(path), 0o700)
            os.chmod(path, 0o700)
            function(path)
        except OSError:
            pass
    shutil.rmtree(folder, onerror=writable_then_retry)


def _classify(exit_code: int, stderr: str, timed_out: bool, flooded: bool) -> str:
    if timed_out:
        return "timeout"
    if flooded:
        return "output_limit"
    if exit_code == 0:
        return "ok"
    if exit_code in (-signal.SIGXCPU, -signal.SIGKILL):
        return "timeout"  # CPU limit: SIGXCPU at the soft limit, SIGKILL at the hard one
    if any(line.startswith("MemoryError") for line in stderr.strip().splitlines()[-3:]):
        return "memory"
    return "runtime_error"


def _execute(program: str, stdin: str | bytes, limits: Limits, files: dict[str, str | bytes],
             mode: Isolation) -> Run:
    base = Path(tempfile.mkdtemp(prefix="dopd-sandbox-"))
    uid = _fresh_uid() if mode.separate_uid else None
    process = None
    try:
        os.chmod(base, 0o711)  # the separate uid may pass through to its folder, not read the stdin file
        work = base / "work"
        work.mkdir()
        for name, content in {**files, _PROGRAM: program}.items():
            path = work / name
            path.write_bytes(content.encode() if isinstance(content, str) else content)
        (base / "stdin").write_bytes(stdin.encode() if isinstance(stdin, str) else stdin)
        if uid is not None:
            for path in (work, *work.iterdir()):
                os.chown(path, uid, uid)
        work_path = os.path.realpath(work)
        strictness = "kernel" if mode.namespaces else "strict"
        config = {"limits": asdict(limits), "uid": uid, "namespaces": mode.namespaces, "fresh_proc": mode.fresh_proc,
                  "work": work_path, "python": mode.python, "env": _clean_env(work_path),
                  "shared_uid": uid is None and not mode.namespaces,
                  "argv": [mode.python, "-I", "-B", "-X", "utf8", "-c", _BOOTSTRAP, _PROGRAM, strictness],
                  "mark": SETUP_MARK, "failed": SETUP_FAILED}
        started = time.perf_counter()
        with open(base / "stdin", "rb") as stdin_file:
            process = subprocess.Popen([sys.executable, "-I", "-S", "-B", "-c", _LAUNCHER, json.dumps(config)],
                                       stdin=stdin_file, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                       cwd=work_path, env=_clean_env(work_path), start_new_session=True)
        stdout, stderr, timed_out, flooded = _collect(process, uid, started + limits.wall_seconds,
                                                      limits.output_bytes)
        seconds = time.perf_counter() - started
        stderr_text = stderr[-_STDERR_TAIL:].decode("utf-8", "replace")
        status = _classify(process.returncode, stderr_text, timed_out, flooded)
        if process.returncode == SETUP_FAILED and SETUP_MARK in stderr_text:
            raise SandboxError(f"the sandbox could not be set up: {stderr_text.strip()}")
        return Run(status, process.returncode, stdout.decode("utf-8", "replace"), stderr_text, seconds)
    finally:
        if process is not None and process.poll() is None:
            _kill(process, uid)
        _remove(base)


def _kill(process: subprocess.Popen, uid: int | None) -> None:
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    process.wait()
    if uid is not None:
        _kill_uid(uid)


def _collect(process: subprocess.Popen, uid: int | None, deadline: float, cap: int):
    """Read stdout and stderr until both close, the deadline passes or one exceeds the cap; then kill everything
    the run started (its process group, and its uid's processes)."""
    out, err = process.stdout.fileno(), process.stderr.fileno()
    chunks = {out: [], err: []}
    sizes = dict.fromkeys(chunks, 0)
    timed_out = flooded = False
    ended_at = None
    with selectors.DefaultSelector() as selector:
        for stream in (process.stdout, process.stderr):
            selector.register(stream.fileno(), selectors.EVENT_READ)
        while selector.get_map():
            now = time.perf_counter()
            if now >= deadline:
                timed_out = process.poll() is None
                break
            if ended_at is None and process.poll() is not None:
                ended_at = now
            if ended_at is not None and now - ended_at > 0.5:
                break  # the program ended but something it started still holds the pipes
            for key, _ in selector.select(min(deadline - now, 0.1)):
                data = os.read(key.fd, 1 << 16)
                if not data:
                    selector.unregister(key.fd)
                    continue
                chunks[key.fd].append(data)
                sizes[key.fd] += len(data)
                if sizes[key.fd] > cap:
                    flooded = True
                    break
            if flooded:
                break
    _kill(process, uid)
    process.stdout.close()
    process.stderr.close()
    return b"".join(chunks[out]), b"".join(chunks[err]), timed_out, flooded


# ---------------------------------------------------------------------------------------------------------------------
# Detection and the public entry points.
# ---------------------------------------------------------------------------------------------------------------------

_detected: Isolation | None = None
_detect_lock = threading.Lock()


def _candidates() -> list[Isolation]:
    """Strongest first. The interpreter: the harness's own, else the system's python3 (as root the program runs as
    another user, who may not be allowed into the folder holding the harness's interpreter, e.g. /root)."""
    separate_uid = os.geteuid() == 0
    pythons = dict.fromkeys(p for p in (sys.executable, "/usr/bin/python3", "/usr/local/bin/python3")
                            if separate_uid or p == sys.executable)
    return [Isolation(namespaces, fresh_proc, separate_uid, python)
            for namespaces, fresh_proc in ((True, True), (True, False), (False, False)) for python in pythons
            if python == sys.executable or os.path.exists(python)]


def isolation() -> Isolation:
    """The strongest isolation this machine allows, detected once (a trial run of each, strongest first)."""
    global _detected
    with _detect_lock:
        if _detected is None:
            _detected = _detect()
            log.info("code sandbox: %s", _detected.describe())
            if not _detected.namespaces:
                log.warning("code sandbox: no unprivileged user namespaces here; falling back to Python guards "
                            "for network and writes (%s)", _detected.describe())
        return _detected


def _detect() -> Isolation:
    failures = []
    for candidate in _candidates():
        try:
            run = _execute("print('ok')", "", Limits(cpu_seconds=5, wall_seconds=10), {}, candidate)
        except (SandboxError, OSError) as error:
            failures.append(f"{candidate.python}, {candidate.describe()}: {error}")
            continue
        if run.ok and run.stdout.strip() == "ok":
            return candidate
        failures.append(f"{candidate.python}, {candidate.describe()}: {run.status} {run.stderr.strip()[-300:]}")
    hint = (" As root the program runs as a fresh unprivileged uid (root ignores the process limit), so a Python "
            f"interpreter ({sys.executable} or /usr/bin/python3) must be executable by other users."
            if os.geteuid() == 0 else "")
    raise SandboxError("no safe way to run untrusted code on this machine." + hint + " Trials: " + " | ".join(failures))


def run_python(program: str, stdin: str | bytes = "", limits: Limits = Limits(),
               files: dict[str, str | bytes] | None = None, mode: Isolation | None = None) -> Run:
    """Run `program` (Python source, as `__main__`) on `stdin` in the sandbox; `files` are written into its working
    folder first. `mode` defaults to :func:`isolation` (tests force weaker modes). A sandbox that fails to start
    (a transient failure: the probe showed it can start) is tried once more before SandboxError is raised."""
    mode = mode or isolation()
    try:
        return _execute(program, stdin, limits, dict(files or {}), mode)
    except SandboxError as error:
        log.warning("code sandbox: %s; trying once more", error)
        return _execute(program, stdin, limits, dict(files or {}), mode)


def judge_stdio(program: str, cases: Sequence[tuple[str, str]], same: Callable[[str, str], bool],
                limits: Limits = Limits(), mode: Isolation | None = None,
                budget_seconds: float | None = None) -> Verdict:
    """Run `program` once per (input, expected output) case, in order, stopping at the first failure; `same(output,
    expected)` is the benchmark's comparison. A fresh sandbox per case, as a judge runs a submission per test.
    `budget_seconds` bounds the wall-clock time of all cases together (each case still has `limits.wall_seconds`)."""
    started = time.perf_counter()
    for index, (stdin, expected) in enumerate(cases):
        case_limits = limits
        if budget_seconds is not None:
            remaining = budget_seconds - (time.perf_counter() - started)
            if remaining <= 0:
                return Verdict(False, "timeout", f"test {index}: the problem's time budget is spent")
            case_limits = replace(limits, wall_seconds=min(limits.wall_seconds, remaining))
        run = run_python(program, stdin, case_limits, mode=mode)
        if not run.ok:
            return Verdict(False, run.status, f"test {index}: {run.stderr.strip()[-500:]}")
        if not same(run.stdout, expected):
            return Verdict(False, "wrong_answer", f"test {index}: printed {run.stdout[:200]!r}")
    return Verdict(True, "passed")
