"""Exception hierarchy.

Every error a user can cause or meet carries a message meant to be read by a person: it names
what was being done (the field, the URL, the query, the time range) and why it failed. No message
ever contains a credential: secrets live only in request headers, which no message quotes, and
a message that quotes a server which quoted them is redacted when it is made
(:mod:`mm2report.redact`).
"""

from __future__ import annotations

from .redact import redact


class Mm2ReportError(Exception):
    """Base class of every error raised on purpose by mm2report."""

    def __init__(self, *args):
        super().__init__(*(redact(a) if isinstance(a, str) else a for a in args))


class ParameterError(Mm2ReportError):
    """A campaign parameter file is invalid.

    ``problems`` holds one ``(field_path, reason)`` pair per problem, so the CLI can print one
    line per problem and a test can check each of them.
    """

    def __init__(self, source: str, problems: list[tuple[str, str]]):
        self.source = source
        self.problems = list(problems)
        lines = "\n".join(f"  {path or '<file>'}: {reason}" for path, reason in self.problems)
        noun = "problem" if len(self.problems) == 1 else "problems"
        super().__init__(f"{source}: {len(self.problems)} {noun}\n{lines}")


class CatalogError(Mm2ReportError):
    """A query name is unknown, or a query cannot be rendered for this campaign."""


class SourceError(Mm2ReportError):
    """A query could not be answered by a source (server, network or snapshot)."""


class SnapshotError(SourceError):
    """A snapshot is missing, incomplete, tampered with or written by another version."""


class OutputError(Mm2ReportError):
    """An output could not be written: the message names what, where and why (a read-only or
    full file system, a path that is a file, an immutable directory, a PDF printed incomplete).
    Nothing partial is left behind (:mod:`mm2report.outputs`)."""
