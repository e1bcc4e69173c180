"""The lab's jars: pinned in ``files/pom.xml``, fetched from Maven Central by Maven.

Two Kafka lines are served: ``3`` (the last 3.x, 3.9.2) and ``4`` (the newest 4.x whose every jar
Maven Central serves, 4.3.1). They are copied into ``<cache>/kafka-<line>/`` (default cache
``~/.cache/mm2report/lab``, or ``$MM2REPORT_LAB_CACHE``); Maven keeps its own download cache in
``~/.m2`` as usual.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

from ..errors import Mm2ReportError

FILES = Path(__file__).parent / "files"
POM = FILES / "pom.xml"
LINES = ("3", "4")


class LabError(Mm2ReportError):
    """The lab cannot start or run: a missing tool, a failed download, a process that died."""


def cache_dir() -> Path:
    env = os.environ.get("MM2REPORT_LAB_CACHE")
    if env:
        return Path(env)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "mm2report" / "lab"


def require(tool: str, debian: str) -> str:
    path = shutil.which(tool)
    if path is None:
        raise LabError(f"{tool} is not installed; on Debian: apt-get install --no-install-recommends {debian}")
    return path


def fetch(line: str) -> Path:
    """The directory holding every jar of Kafka line ``line``; fetched once, then reused."""
    if line not in LINES:
        raise LabError(f"unknown Kafka line {line!r}; known: {', '.join(LINES)}")
    target = cache_dir() / f"kafka-{line}"
    stamp = target / ".complete"
    if stamp.exists() and stamp.read_text() == POM.read_text():
        return target
    mvn = require("mvn", "maven")
    require("java", "openjdk-17-jre-headless")
    partial = target.with_name(target.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir(parents=True)
    done = subprocess.run(
        [mvn, "-q", "-B", "-f", str(POM), "-P", f"kafka-{line}",
         "dependency:copy-dependencies", f"-DoutputDirectory={partial}"],
        capture_output=True, text=True,
    )
    if done.returncode != 0:
        tail = "\n".join((done.stdout + done.stderr).strip().splitlines()[-8:])
        raise LabError(f"mvn could not fetch the lab's jars (Kafka {line}):\n{tail}")
    (partial / ".complete").write_text(POM.read_text())
    shutil.rmtree(target, ignore_errors=True)
    partial.rename(target)
    return target


def kafka_version(jars: Path) -> str:
    for jar in jars.glob("kafka-clients-*.jar"):
        match = re.match(r"kafka-clients-(\d+\.\d+\.\d+)\.jar$", jar.name)
        if match:
            return match.group(1)
    raise LabError(f"no kafka-clients jar in {jars}")


def agent(jars: Path) -> Path:
    found = sorted(jars.glob("jmx_prometheus_javaagent-*.jar"))
    if not found:
        raise LabError(f"no jmx_prometheus_javaagent jar in {jars}")
    return found[-1]
