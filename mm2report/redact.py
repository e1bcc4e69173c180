"""Secrets never leave the process: every configured credential is redacted from the text
mm2report prints, logs or writes, whatever put it there.

Credentials travel only in the ``Authorization`` header, and no message of mm2report quotes a
header. But a server or a proxy may quote the request in its error body, a library may put it
in an exception: mm2report would then repeat it. So the values themselves are registered when
they are read (:func:`register`, called by the HTTP source and by the commands that write
outputs), and replaced by :data:`REDACTED` in

* every :class:`~mm2report.errors.Mm2ReportError` message (at construction);
* every log record of any logger (:func:`install_logging`, installed on first registration);
* everything the CLI writes to stdout and stderr, tracebacks included (:class:`Stream`);
* the files of a run, a change validation, the deliverables, ``analyse --json`` and snapshot
  manifests before they are renamed into place (:func:`scrub_tree`, :func:`redact`).

What counts as a secret: the bearer token, the basic-auth password, and the forms they travel
in: base64 (standard and URL-safe; for basic auth also of ``user:password``, what the header
carries), percent-encoding; in files also JSON- and HTML-escaped. The basic-auth user name alone
is not a secret. Values shorter than :data:`MIN_LENGTH` characters are not redacted (they would
erase every such string in the outputs); ``source.auth`` refuses them.
"""

from __future__ import annotations

import base64
import html
import json
import logging
import os
import re
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Iterable, TextIO
from urllib.parse import quote

if TYPE_CHECKING:
    from .params import Campaign

REDACTED = "[redacted]"
MIN_LENGTH = 8

_lock = threading.Lock()
_values: set[str] = set()
_pattern: re.Pattern | None = None
_file_pattern: re.Pattern | None = None


def _b64(text: str) -> set[str]:
    raw = text.encode("utf-8")
    forms = set()
    for encode in (base64.b64encode, base64.urlsafe_b64encode):
        full = encode(raw).decode("ascii")
        forms |= {full, full.rstrip("=")}
    return forms


def forms(secret: str, user: str | None = None) -> set[str]:
    """The spellings of ``secret`` a text may hold (for basic auth, give ``user`` too)."""
    out = {secret, quote(secret, safe=""), *_b64(secret)}
    if user is not None:
        out |= _b64(f"{user}:{secret}")
    return {f for f in out if len(f) >= MIN_LENGTH}


def _escaped(form: str) -> set[str]:
    return {form, json.dumps(form)[1:-1], json.dumps(form, ensure_ascii=False)[1:-1],
            html.escape(form), html.escape(form, quote=False)}


def _compile(values: Iterable[str]) -> re.Pattern | None:
    ordered = sorted(set(values), key=len, reverse=True)  # longest first: no partial leftovers
    return re.compile("|".join(map(re.escape, ordered))) if ordered else None


def register(secret: str | None, user: str | None = None) -> None:
    """Redact ``secret`` (and its forms) from now on, in this process and those it forks."""
    global _pattern, _file_pattern
    if not secret:
        return
    new = forms(secret, user)
    with _lock:
        if new <= _values:
            return
        _values.update(new)
        _pattern = _compile(_values)
        _file_pattern = _compile(e for v in _values for e in _escaped(v))
    install_logging()


def register_campaign(campaign: "Campaign") -> None:
    """Register the credentials ``campaign.source.auth`` names, when they can be read (a
    command that writes outputs does this before anything else; one that cannot read them
    will fail later, with its own message)."""
    from .errors import ParameterError
    from .params import BasicAuth, BearerAuth

    auth = campaign.source.auth
    try:
        if isinstance(auth, BearerAuth):
            register(auth.token.read())
        elif isinstance(auth, BasicAuth):
            register(auth.password.read(), user=auth.username.read())
    except ParameterError:
        pass


def active() -> bool:
    return _pattern is not None


def redact(text: str) -> str:
    """``text`` with every registered secret form replaced by :data:`REDACTED`."""
    pattern = _pattern
    if pattern is None or not isinstance(text, str):
        return text
    return pattern.sub(REDACTED, text)


def redact_file_text(text: str) -> str:
    """:func:`redact`, also of the JSON- and HTML-escaped spellings (for files)."""
    pattern = _file_pattern
    return text if pattern is None else pattern.sub(REDACTED, text)


def scrub_tree(directory: str | os.PathLike) -> list[Path]:
    """Rewrite in place every text file under ``directory`` that holds a secret; return them.

    Binary files (PNG, PDF, Parquet) are left alone: what they show comes from text this
    module has already redacted."""
    pattern = _file_pattern
    if pattern is None:
        return []
    changed = []
    for path in sorted(Path(directory).rglob("*")):
        if not path.is_file() or path.is_symlink():
            continue
        try:
            text = path.read_bytes().decode("utf-8")
        except UnicodeDecodeError:
            continue
        clean = pattern.sub(REDACTED, text)
        if clean != text:
            path.write_text(clean, encoding="utf-8")
            changed.append(path)
    return changed


# --------------------------------------------------------------------------------------------
# Logs and standard streams
# --------------------------------------------------------------------------------------------

_logging_installed = False


def install_logging() -> None:
    """Redact every log record, of any logger, when it is created."""
    global _logging_installed
    with _lock:
        if _logging_installed:
            return
        _logging_installed = True
        previous = logging.getLogRecordFactory()

    def factory(*args, **kwargs) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        if _pattern is not None:
            try:
                message = record.getMessage()
            except Exception:  # a bad format string: logging reports it itself
                return record
            clean = redact(message)
            if clean != message:
                record.msg, record.args = clean, None
        return record

    logging.setLogRecordFactory(factory)


class Stream:
    """A text stream that redacts what is written to it (the CLI wraps stdout and stderr)."""

    def __init__(self, stream: TextIO):
        self._stream = stream

    def write(self, text: str) -> int:
        self._stream.write(redact(text))
        return len(text)

    def writelines(self, lines: Iterable[str]) -> None:
        for line in lines:
            self.write(line)

    def __getattr__(self, name: str):
        return getattr(self._stream, name)


__all__ = ["REDACTED", "MIN_LENGTH", "Stream", "active", "forms", "install_logging", "redact",
           "redact_file_text", "register", "register_campaign", "scrub_tree"]
