"""Small, exact helpers for writing PromQL: string literals, regex escaping, label matchers.

JMX-exported label values carry literal double quotes (``connector="\\"a->b.MirrorSourceConnector\\""``
in PromQL), so every value is written through :func:`quote` and never pasted into a query.
"""

from __future__ import annotations

import re
from typing import NamedTuple

_LABEL = re.compile(r"[a-zA-Z_][a-zA-Z0-9_]*")
_OPS = ("=~", "!~", "!=", "=")
_ESCAPES = {"\\": "\\", '"': '"', "'": "'", "n": "\n", "t": "\t", "r": "\r", "`": "`"}


class Matcher(NamedTuple):
    label: str
    op: str
    value: str

    def render(self) -> str:
        return f"{self.label}{self.op}{quote(self.value)}"


def quote(value: str) -> str:
    """Return ``value`` as a PromQL double-quoted string literal."""
    escaped = (
        value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\t", "\\t")
    )
    return f'"{escaped}"'


def regex_escape(text: str) -> str:
    """Escape ``text`` so that an RE2 regular expression matches it literally."""
    return re.sub(r"([\\.+*?()|\[\]{}^$])", r"\\\1", text)


def check_re2(value: str) -> None:
    """Raise ``ValueError`` unless ``value`` is a regex Prometheus accepts.

    Prometheus compiles label-matcher regexes with Go's ``regexp`` package, whose syntax is
    RE2's: no lookaround, back-reference, atomic group, possessive quantifier, conditional or
    ``(?#…)`` comment, but Unicode classes such as ``\\pL``. Python's ``re`` disagrees both ways
    (a campaign would validate and every query then fail with ``bad_data``, or the reverse), so
    the check is made by RE2 itself through Google's binding (``google-re2``), plus the
    differences of Go's parser known here (:data:`_GO_REFUSED`). A test compares this check
    with a real Prometheus server on every kind of pattern.
    """
    import re2

    options = re2.Options()
    options.log_errors = False  # the reason is in the exception; RE2 would also print it
    try:
        re2.compile(value, options)
    except re2.error as exc:
        reason = exc.args[0] if exc.args else exc
        if isinstance(reason, bytes):
            reason = reason.decode("utf-8", "replace")
        raise ValueError(f"invalid regular expression for Prometheus (RE2): {reason}") from None
    for refused, reason in _GO_REFUSED:
        if refused.search(value):
            raise ValueError(f"invalid regular expression for Prometheus (RE2): {reason}")


# Accepted by the C++ RE2 but refused by Go's regexp as Prometheus builds it (an odd number of
# backslashes before the C, or an unescaped parenthesis): \C, and (?<name>…) before Go 1.22.
_GO_REFUSED = (
    (re.compile(r"(?<!\\)(?:\\\\)*\\C"), "invalid escape sequence: \\C"),
    (re.compile(r"(?<!\\)(?:\\\\)*\(\?<"),
     "a named group is written (?P<name>…) (older Prometheus versions refuse (?<name>…))"),
)


def parse_selector(text: str) -> list[Matcher]:
    """Parse label matchers such as ``job="kafka-exporter", namespace=~"kafka|mm2"``.

    Braces are optional. Raises ``ValueError`` with the reason and position on bad input.
    """
    text = text.strip()
    if text.startswith("{") and text.endswith("}"):
        text = text[1:-1]
    matchers: list[Matcher] = []
    pos = 0
    while True:
        pos = _skip_space(text, pos)
        if pos >= len(text):
            return matchers
        label = _LABEL.match(text, pos)
        if not label:
            raise ValueError(f"expected a label name at position {pos + 1} of {text!r}")
        pos = _skip_space(text, label.end())
        op = next((o for o in _OPS if text.startswith(o, pos)), None)
        if op is None:
            raise ValueError(f"expected =, !=, =~ or !~ after label {label.group()!r}")
        pos = _skip_space(text, pos + len(op))
        value, pos = _read_string(text, pos)
        if op in ("=~", "!~"):
            try:
                check_re2(value)
            except ValueError as exc:
                raise ValueError(f"label {label.group()!r}: {exc}") from None
        matchers.append(Matcher(label.group(), op, value))
        pos = _skip_space(text, pos)
        if pos < len(text):
            if text[pos] != ",":
                raise ValueError(f"expected ',' between matchers at position {pos + 1} of {text!r}")
            pos += 1


def _skip_space(text: str, pos: int) -> int:
    while pos < len(text) and text[pos].isspace():
        pos += 1
    return pos


def _read_string(text: str, pos: int) -> tuple[str, int]:
    if pos >= len(text) or text[pos] not in "\"'":
        raise ValueError(f"expected a quoted label value at position {pos + 1} of {text!r}")
    delimiter, pos, out = text[pos], pos + 1, []
    while pos < len(text):
        char = text[pos]
        if char == "\\":
            if pos + 1 >= len(text) or text[pos + 1] not in _ESCAPES:
                raise ValueError(f"invalid escape in label value at position {pos + 1} of {text!r}")
            out.append(_ESCAPES[text[pos + 1]])
            pos += 2
        elif char == delimiter:
            return "".join(out), pos + 1
        else:
            out.append(char)
            pos += 1
    raise ValueError(f"unterminated label value in {text!r}")


def selector(*groups: list[Matcher] | str) -> str:
    """Join matcher lists (or selector strings) into one ``{...}`` selector body."""
    parts: list[str] = []
    for group in groups:
        items = parse_selector(group) if isinstance(group, str) else group
        parts.extend(m.render() for m in items)
    return "{" + ", ".join(parts) + "}"
