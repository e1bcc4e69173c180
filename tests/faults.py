"""Directories that refuse writes as a user's disk does: read-only, full, a path that is a file,
an immutable directory. Real file systems: tmpfs mounts (read-only, or sized to what they hold)
and ``chattr +i``. Root is needed (as root, permission bits refuse nothing); CI runs as root,
so there a missing capability fails the test instead of skipping it."""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
from pathlib import Path
from typing import Callable, Iterator

import pytest

KINDS = ("read-only", "full", "file", "immutable")
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def require_root_file_systems() -> None:
    missing = [n for n in ("mount", "umount", "chattr") if shutil.which(n) is None]
    if os.geteuid() != 0 or missing:
        message = ("write-fault tests need root (tmpfs mounts, chattr +i)"
                   + (f"; missing: {', '.join(missing)}" if missing else ""))
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)


def _sh(*cmd: str) -> None:
    subprocess.run(cmd, check=True, capture_output=True, text=True, timeout=60)


def _used_bytes(mount: Path) -> int:
    stat = os.statvfs(mount)
    return (stat.f_blocks - stat.f_bfree) * stat.f_frsize


@contextlib.contextmanager
def faulty(kind: str, base: Path, fill: Callable[[Path], None] | None = None,
           room: int = 0) -> Iterator[Path]:
    """A directory (or, for ``file``, a file) under ``base`` that refuses writes; ``fill``
    puts content there first (a run to report on), ``room`` leaves that many bytes free on
    the full file system."""
    require_root_file_systems()
    base.mkdir(parents=True, exist_ok=True)
    path = base / kind
    if kind == "file":
        path.write_text("a file where a directory is expected\n")
        yield path
        return
    path.mkdir(parents=True)
    mounted = immutable = False
    try:
        if kind in ("read-only", "full"):
            _sh("mount", "-t", "tmpfs", "-o", "size=256m,mode=0755", "tmpfs", str(path))
            mounted = True
        if fill is not None:
            fill(path)
        if kind == "read-only":
            _sh("mount", "-o", "remount,ro", str(path))
        elif kind == "full":
            # what it holds plus ``room``, in whole pages (size=0 would mean no limit)
            size = max(4096, -(-(_used_bytes(path) + room) // 4096) * 4096)
            _sh("mount", "-o", f"remount,size={size}", str(path))
        elif kind == "immutable":
            _sh("chattr", "+i", str(path))
            immutable = True
        yield path
    finally:
        if immutable:
            _sh("chattr", "-i", str(path))
        if mounted:
            subprocess.run(["umount", str(path)], capture_output=True, timeout=60)
            if os.path.ismount(path):
                subprocess.run(["umount", "-l", str(path)], capture_output=True, timeout=60)


def partials(root: Path) -> list[Path]:
    """Every hidden partial output under ``root`` (what a failed write must not leave)."""
    if root.is_file():
        return []
    return [p for p in root.rglob("*") if ".partial" in p.name]


def error_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith("error:")]
