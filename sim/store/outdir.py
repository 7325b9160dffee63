"""Where a command may write, and how a folder is put there without harming anything.

Every command that writes a folder (``run``, ``sweep``, ``compare``) goes through
this module:

- ``check_out`` refuses, before any simulation work, a destination that is not a
  results folder of the same kind (a file, a foreign non-empty folder, a symlink,
  an unwritable place, the results root, the working or home folder, ``/``).
- ``temporary`` creates the hidden working folder ``.<name>.tmp-<pid>`` beside the
  destination and holds an exclusive ``flock`` on it while the process lives, so a
  later writer can tell a live temporary from one left by a killed process.
- ``publish`` swaps the complete temporary folder into place atomically.
- ``clean_stale`` removes temporaries (and moved-aside old folders) of processes
  that are gone.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import errno
import fcntl
import json
import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

from sim.core.errors import SimError
from sim.schema import COMPARE_LISTING, MANIFEST, METRICS

RUN, SWEEP, COMPARE = "run", "sweep", "compare"
LOCK = ".lock"  # the lock file of a folder written in place (a sweep)
_KIND_WORDS = {RUN: "results folder of a run", SWEEP: "sweep folder", COMPARE: "compare folder"}
_MARKERS = {
    RUN: "no manifest.json and metrics.json",
    SWEEP: "no manifest.json of kind 'sweep'",
    COMPARE: "no compare.json",
}
_TEMP_FILE = re.compile(r"^\..+\.tmp-(?P<pid>\d+)(\.[a-z]+)?$")  # one file being replaced
_TEMP = re.compile(r"^\.(?P<name>.+)\.(?P<what>tmp|old)-(?P<pid>\d+)$")


def folder_kind(path: Path) -> str | None:
    """``"run"``, ``"sweep"`` or ``"compare"`` for a folder written by ceasefire-sim, else None."""
    if (path / COMPARE_LISTING).is_file():
        return COMPARE
    manifest = path / MANIFEST
    if not manifest.is_file():
        return None
    try:
        data = json.loads(manifest.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        data = None
    if isinstance(data, dict) and data.get("kind") == SWEEP:
        return SWEEP
    if (path / METRICS).is_file():
        return RUN
    return None


def _protected(path: Path) -> str | None:
    """Why ``path`` (resolved) must never be replaced, or None."""
    cwd = Path.cwd().resolve()
    results = (cwd / "results").resolve()
    if path == Path(path.anchor):
        return "it is the root of the file system"
    if path == Path.home().resolve():
        return "it is your home folder"
    if path == cwd:
        return "it is the current folder"
    if path in cwd.parents:
        return "it holds the current folder"
    roots = {results, (Path(__file__).resolve().parent.parent / "results")}
    if any(path in (root, root / "sweeps", root / "compare") for root in roots):
        return "it is a root that holds many results folders, not one results folder"
    return None


def check_out(out: Path, kind: str) -> None:
    """Refuse ``out`` unless writing a ``kind`` folder there harms nothing.

    Raises ``SimError`` (exit status 2) naming ``out`` and the reason. Allowed: a path
    that does not exist (under a writable folder), an empty folder, or a folder of the
    same kind (replaced for ``run`` and ``compare``, resumed for ``sweep``).
    """
    what = _KIND_WORDS[kind]
    if out.is_symlink():
        raise SimError(
            f"refusing to write to {out}: it is a symbolic link (to {os.readlink(out)}), "
            f"which would be replaced by a folder; give the real folder or another --out"
        )
    resolved = out.resolve()
    reason = _protected(resolved)
    if reason:
        raise SimError(f"refusing to write to {out}: {reason}; give --out a folder of its own")
    if out.exists() and not out.is_dir():
        raise SimError(
            f"refusing to overwrite {out}: it is a file, not a folder; choose another --out"
        )
    if out.is_dir() and any(p.name != LOCK for p in out.iterdir()):  # a bare lock: empty
        found = folder_kind(out)
        if found != kind:
            it = f"; it is a {_KIND_WORDS[found]}" if found else ""
            verb = "write into" if kind == SWEEP else "overwrite"
            raise SimError(
                f"refusing to {verb} {out}: it exists, is not empty, and is not a {what} "
                f"({_MARKERS[kind]}){it}; choose another --out"
            )
    existing = resolved
    while not existing.exists():
        existing = existing.parent
    if not existing.is_dir():
        raise SimError(f"cannot write to {out}: {existing} is a file, not a folder")
    if out.exists() and out.parent.exists():
        existing = out.resolve().parent  # replacing needs the parent folder writable
    if not os.access(existing, os.W_OK | os.X_OK):
        raise SimError(f"cannot write to {out}: {existing} is not writable")
    if kind == SWEEP and out.is_dir() and not os.access(out, os.W_OK | os.X_OK):
        raise SimError(f"cannot write to {out}: it is not writable")


# --- temporaries -------------------------------------------------------------------


def _lock_dir(path: Path) -> int:
    """Open ``path`` and take an exclusive flock on it; return the descriptor."""
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    fcntl.flock(fd, fcntl.LOCK_EX)
    return fd


def _is_abandoned(path: Path) -> bool:
    """True if the process that wrote ``path`` is gone: its lock is free and its PID dead.

    Both are required: a live writer holds the lock (so a reused PID cannot keep a
    stale folder alive while its writer runs), and a folder between ``mkdir`` and
    locking, or a moved-aside old folder (never locked), belongs to a live PID.
    """
    match = _TEMP.match(path.name)
    if match is None or int(match["pid"]) == os.getpid():
        return False
    try:
        fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return False  # a live writer holds it
    finally:
        os.close(fd)
    return not _alive(int(match["pid"]))


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def clean_stale(parent: Path) -> list[Path]:
    """Remove ``.NAME.tmp-PID`` and ``.NAME.old-PID`` folders in ``parent`` left by dead writers.

    A moved-aside old folder whose destination is missing (the writer died between
    the two renames of a non-atomic publish) is renamed back instead. Returns the
    paths removed or restored.
    """
    done: list[Path] = []
    if not parent.is_dir():
        return done
    for path in parent.iterdir():
        match = _TEMP.match(path.name)
        if match is None or not path.is_dir() or path.is_symlink():
            continue
        if not _is_abandoned(path):
            continue
        target = parent / match["name"]
        if match["what"] == "old" and not target.exists():
            with contextlib.suppress(OSError):
                path.rename(target)
                done.append(path)
            continue
        shutil.rmtree(path, ignore_errors=True)
        done.append(path)
    return done


def remove_stale_files(folder: Path) -> None:
    """Remove ``.NAME.tmp-PID`` files in ``folder`` whose process is gone.

    Those are the temporaries of ``replace_file`` (a figure, a report, runs.csv) left
    by a killed process; a live process's are kept.
    """
    if not folder.is_dir():
        return
    for path in folder.iterdir():
        match = _TEMP_FILE.match(path.name)
        if match is not None and path.is_file() and not _alive(int(match["pid"])):
            path.unlink(missing_ok=True)


@contextlib.contextmanager
def temporary(out: Path) -> Iterator[Path]:
    """A fresh, locked ``.<name>.tmp-<pid>`` folder beside ``out``; removed on any failure.

    Stale temporaries of dead processes beside ``out`` are removed first. The caller
    publishes the folder (``publish``) before leaving the block; whatever is left of
    it afterwards (an exception, Ctrl-C) is removed.
    """
    out.parent.mkdir(parents=True, exist_ok=True)
    clean_stale(out.parent)
    tmp = out.parent / f".{out.name}.tmp-{os.getpid()}"
    if tmp.exists():
        shutil.rmtree(tmp)
    tmp.mkdir()
    fd = _lock_dir(tmp)
    try:
        yield tmp
    finally:
        try:
            if tmp.exists():
                shutil.rmtree(tmp, ignore_errors=True)
        finally:
            os.close(fd)


_RENAME_EXCHANGE = 2


def _exchange(a: Path, b: Path) -> bool:
    """Swap ``a`` and ``b`` atomically (Linux renameat2); False if not supported here."""
    libc_name = ctypes.util.find_library("c")
    if libc_name is None:
        return False
    try:
        libc = ctypes.CDLL(libc_name, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd = -100
    result = renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), _RENAME_EXCHANGE)
    if result == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP):
        return False
    raise OSError(code, os.strerror(code), str(b))


def publish(tmp: Path, out: Path) -> None:
    """Move the complete folder ``tmp`` to ``out``, replacing an older ``out``.

    On Linux the two folders are swapped in one atomic step and the old one (now at
    ``tmp``) is removed; elsewhere the old folder is moved aside as ``.<name>.old-<pid>``
    first, so ``out`` is at every moment the old complete folder, the new one, or (for
    an instant) absent with the old one restorable by ``clean_stale``.
    """
    if out.exists() or out.is_symlink():
        if _exchange(tmp, out):
            shutil.rmtree(tmp, ignore_errors=True)
            return
        old = out.parent / f".{out.name}.old-{os.getpid()}"
        out.rename(old)
        tmp.rename(out)
        shutil.rmtree(old, ignore_errors=True)
    else:
        tmp.rename(out)


def replace_file(path: Path, data: bytes | str) -> None:
    """Write ``path`` through a temporary sibling renamed into place (atomic)."""
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    try:
        if isinstance(data, str):
            tmp.write_text(data, encoding="utf-8")
        else:
            tmp.write_bytes(data)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise


# --- the lock of a folder written in place (a sweep) ----------------------------------


def lock_folder(folder: Path, what: str = "sweep") -> int:
    """Take the exclusive lock of ``folder`` (``folder/.lock`` holds the owner's PID).

    Returns the descriptor to keep open while writing (closing it, or the process
    dying, releases the lock). Raises ``SimError`` naming the folder and the PID that
    holds it.
    """
    folder.mkdir(parents=True, exist_ok=True)
    fd = os.open(folder / LOCK, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        holder = os.read(fd, 64).decode(errors="replace").strip() or "unknown"
        os.close(fd)
        raise SimError(
            f"{folder} is in use by another {what} (process {holder}); wait for it to "
            f"finish or choose another --out"
        ) from None
    os.ftruncate(fd, 0)
    os.write(fd, f"{os.getpid()}\n".encode())
    return fd


def is_locked(folder: Path) -> bool:
    """True if a live process holds ``folder``'s lock."""
    try:
        fd = os.open(folder / LOCK, os.O_RDONLY)
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except OSError:
        return True
    finally:
        os.close(fd)
    return False
