"""``mm2report compare A B``: the command's arguments and its thin body."""

from __future__ import annotations

import argparse
import json
from datetime import datetime, timezone
from pathlib import Path


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("a", help="the reference: a run directory or a campaign file")
    p.add_argument("b", help="the campaign compared with it: a run directory or a campaign file")
    p.add_argument("--params-a", default=None, help="campaign file of run A (a run directory only)")
    p.add_argument("--params-b", default=None, help="campaign file of run B (a run directory only)")
    p.add_argument("--criteria", default=None,
                   help="success criteria file (default: ACT-003's: throughput +20 %%, p99 lower, "
                        "no regression)")
    p.add_argument("--json", default=None, help="also write the comparison to this new file")
    p.add_argument("--report", default=None, metavar="DIR",
                   help="write the comparison document (HTML and PDF, French and English) into "
                        "this new directory")
    p.add_argument("--lang", choices=("fr", "en"), action="append", default=None,
                   help="document language (repeatable; default: both)")
    p.add_argument("--no-pdf", action="store_true", help="HTML only")


def run_compare(args: argparse.Namespace) -> int:
    from ..errors import ParameterError
    from ..outputs import check_directory, write_new_file
    from ..redact import redact_file_text
    from .model import compare_analyses, summary, to_dict
    from .params import load_criteria
    from .sides import load_side

    criteria = load_criteria(args.criteria)  # bad criteria: exit 2 before anything is read
    out = Path(args.json) if args.json else None
    if out is not None:
        if out.exists():
            raise ParameterError(str(out), [("--json", "already exists; nothing is overwritten")])
        check_directory(out.parent, "the comparison")
    report = Path(args.report) if args.report else None
    if report is not None:
        if report.exists():
            raise ParameterError(str(report), [("--report", "already exists; nothing is "
                                                            "overwritten")])
        check_directory(report.absolute().parent, "the comparison document")
    side_a = load_side(args.a, args.params_a, which="A")
    side_b = load_side(args.b, args.params_b, which="B")
    comparison = compare_analyses(side_a.analysis, side_b.analysis, criteria,
                                  a_label=side_a.label, b_label=side_b.label)
    print(summary(comparison))
    if out is not None:
        try:
            write_new_file(out, redact_file_text(json.dumps(to_dict(comparison), indent=1,
                                                            ensure_ascii=False) + "\n"),
                           what="the comparison")
        except FileExistsError:
            raise ParameterError(str(out), [("--json", "already exists; nothing is overwritten")])
        print(f"comparison written to {out}")
    if report is not None:
        from .document import write_document

        camp = side_a.campaign
        built = write_document(comparison, report, langs=tuple(args.lang or ("fr", "en")),
                               tz=camp.campaign.tz, pdf=not args.no_pdf,
                               now=datetime.now(timezone.utc), client=camp.campaign.client or "")
        print(f"comparison document written to {built}")
    return 0
