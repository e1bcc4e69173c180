"""Writing outputs: new files and directories published whole, never over an earlier one, and
every write failure one :class:`~mm2report.errors.OutputError` naming what, where and why.

Outputs are built under a hidden ``.partial-…-<pid>`` name and renamed into place when complete.
The process id at the end of the name lets a later command remove the partial outputs of a
process that died (SIGKILL, power loss) while leaving those of a live one alone
(:func:`remove_stale_partials`). Publishing picks the first free name at the moment of the
rename: ``rename(2)`` onto a non-empty directory fails, so two processes publishing under the
same name at the same instant both succeed, under two names (:func:`publish_dir`).
"""

from __future__ import annotations

import errno
import os
import re
import secrets
import shutil
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterable, Iterator

from .errors import OutputError

_TAKEN = (errno.EEXIST, errno.ENOTEMPTY)


def describe(what: str, where: str | os.PathLike, exc: OSError) -> str:
    """``cannot write the run: /out/demo: Read-only file system`` (what, where, why)."""
    place = exc.filename if exc.filename is not None else where
    why = exc.strerror or str(exc) or type(exc).__name__
    if isinstance(exc, FileExistsError) and os.path.lexists(place) and not os.path.isdir(place):
        why = "Not a directory (a file has that name)"  # mkdir(…, exist_ok=True) on a file
    return f"cannot write {what}: {place}: {why}"


@contextmanager
def writing(what: str, where: str | os.PathLike) -> Iterator[None]:
    """Turn any ``OSError`` of the block (read-only or full file system, a path that is a
    file, an immutable directory, permissions) into one :class:`OutputError`."""
    try:
        yield
    except OSError as exc:
        raise OutputError(describe(what, where, exc)) from None


@contextmanager
def staged(what: str, staging: Path) -> Iterator[None]:
    """The block builds ``staging`` (a partial directory): when it fails, the partial is
    removed, and an ``OSError`` becomes one :class:`OutputError` naming ``what``."""
    try:
        yield
    except OSError as exc:
        shutil.rmtree(staging, ignore_errors=True)
        raise OutputError(describe(what, staging, exc)) from None
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def check_directory(directory: Path, what: str) -> None:
    """Fail early, before long work, when ``directory`` cannot receive ``what`` (it is not a
    directory, or is read-only or immutable); a full disk shows only when written."""
    if not directory.is_dir():
        why = "Not a directory" if directory.exists() else "No such directory"
        raise OutputError(f"cannot write {what}: {directory}: {why}")
    if not os.access(directory, os.W_OK):
        raise OutputError(f"cannot write {what}: {directory}: not writable (read-only file "
                          "system, immutable directory or permissions)")


def new_partial_dir(parent: Path, name: str) -> Path:
    """Create ``parent/.partial-<name>-<random>-<pid>`` (unique even within one process)."""
    while True:
        path = parent / f".partial-{name}-{secrets.token_hex(3)}-{os.getpid()}"
        try:
            path.mkdir()
            return path
        except FileExistsError:
            continue


def publish_dir(staging: Path, names: Iterable[str],
                before: Callable[[str], None] | None = None) -> Path:
    """Rename ``staging`` to the first of ``names`` (in its parent) that is free when renamed.

    ``before(name)`` runs before each attempt (e.g. to write the id into the directory). A
    name taken meanwhile by another process makes the rename fail, and the next name is tried;
    an existing output is never replaced."""
    for name in names:
        final = staging.parent / name
        if final.exists():
            continue
        if before is not None:
            before(name)
        try:
            os.rename(staging, final)
            return final
        except OSError as exc:
            if exc.errno not in _TAKEN:
                raise
    raise FileExistsError(errno.EEXIST, "no free name left", str(staging.parent))


def numbered(base: str, limit: int = 10_000) -> Iterator[str]:
    """``base``, ``base-2``, ``base-3``…"""
    yield base
    for n in range(2, limit):
        yield f"{base}-{n}"


def write_new_file(target: Path, text: str, *, what: str) -> Path:
    """Write ``text`` to ``target``, which must not exist (``FileExistsError`` otherwise, even
    when another process creates it meanwhile): written to a hidden sibling, synced, then
    linked into place; the hidden file is removed whatever happens."""
    tmp = target.with_name(f".{target.name}.partial-{os.getpid()}")
    remove_stale_partials(target.parent, f".{target.name}.partial-*")  # of a killed process

    def failed(exc: OSError) -> OutputError:  # named by the target, not by the hidden file
        return OutputError(f"cannot write {what}: {target}: {exc.strerror or exc}")

    try:
        try:
            with open(tmp, "x", encoding="utf-8") as handle:
                handle.write(text)
                handle.flush()
                os.fsync(handle.fileno())
        except OSError as exc:
            raise failed(exc) from None
        try:
            os.link(tmp, target)  # fails if target exists: never overwritten
        except FileExistsError:
            raise
        except OSError as exc:
            if exc.errno not in (errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP):
                raise failed(exc) from None
            # a file system without hard links: rename, after a check (a race remains)
            if target.exists():
                raise FileExistsError(errno.EEXIST, "File exists", str(target)) from None
            try:
                os.rename(tmp, target)
            except OSError as exc:
                raise failed(exc) from None
    finally:
        try:
            tmp.unlink(missing_ok=True)
        except OSError:
            pass
    return target


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def remove_stale_partials(parent: Path, pattern: str = ".partial-*") -> None:
    """Remove the partial outputs (``.partial-…-<pid>`` directories, or files matching
    ``pattern``) in ``parent`` whose process is gone."""
    try:
        entries = list(parent.glob(pattern))
    except OSError:
        return
    for path in entries:
        match = re.search(r"-(\d+)$", path.name)
        if match and int(match.group(1)) != os.getpid() and not pid_alive(int(match.group(1))):
            if path.is_dir() and not path.is_symlink():
                shutil.rmtree(path, ignore_errors=True)
            else:
                try:
                    path.unlink()
                except OSError:
                    pass


__all__ = ["check_directory", "describe", "new_partial_dir", "numbered", "pid_alive", "publish_dir",
           "remove_stale_partials", "write_new_file", "writing"]
