"""Command line: a thin shell over the library.

Exit codes: 0 done; 1 a source, server or notebook failed; 2 bad input (parameters, snapshot,
arguments); 3 ``validate-change`` ran and the change does not validate; 141 the reader of the
output closed it (``mm2report check … | head -1``): the command stops quietly, with the status a
shell gives a program that SIGPIPE ended (128 + 13).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

from . import __version__
from .errors import Mm2ReportError, ParameterError, SnapshotError
from .paths import OUTPUTS

EXIT_OK, EXIT_FAILED, EXIT_BAD_INPUT, EXIT_NOT_VALIDATED = 0, 1, 2, 3
EXIT_CLOSED_PIPE = 128 + 13  # SIGPIPE, as a shell reports `yes | head -1`

PARAMS_HELP = "campaign parameter file (YAML)"
LANG_HELP = "language of what is written (default: the campaign's, campaign.language)"
OUTPUTS_HELP = f"outputs directory (default: outputs/ of the mm2report checkout, {OUTPUTS})"


def _cmd_check(args: argparse.Namespace) -> int:
    from .params import load_campaign
    from .summary import campaign_summary

    campaign = load_campaign(args.params)
    print(campaign_summary(campaign))
    return EXIT_OK


def _cmd_catalog(args: argparse.Namespace) -> int:
    from . import catalog
    from .params import load_campaign

    campaign = load_campaign(args.params)
    for name in catalog.needed_queries(campaign):
        spec = catalog.QUERIES[name]
        print(f"{name}  [{spec.unit}]  {spec.meaning}")
        print(f"    {catalog.render(name, campaign)}")
    return EXIT_OK


def _cmd_alerts(args: argparse.Namespace) -> int:
    from .alerting import rules_yaml
    from .outputs import check_directory, write_new_file
    from .params import load_campaign

    campaign = load_campaign(args.params)
    text = rules_yaml(campaign)
    if args.out is None:
        sys.stdout.write(text)
        return EXIT_OK
    out = Path(args.out)
    if out.exists():
        raise ParameterError(str(out), [("--out", "already exists; nothing is overwritten")])
    check_directory(out.parent, "the rule pack")
    try:
        write_new_file(out, text, what="the rule pack")
    except FileExistsError:
        raise ParameterError(str(out), [("--out", "already exists; nothing is overwritten")])
    print(f"alerting rules written to {out} (check them with: promtool check rules {out})")
    return EXIT_OK


def _cmd_snapshot(args: argparse.Namespace) -> int:
    from .outputs import remove_stale_partials, writing
    from .params import load_campaign
    from .signing import fingerprint
    from .sources import open_source
    from .sources.snapshot import record_snapshot

    campaign = load_campaign(args.params)
    if campaign.source.kind != "prometheus":
        raise ParameterError(args.params, [("source.url", "recording a snapshot needs a server URL")])
    out = Path(args.out)
    if out.exists():
        raise ParameterError(str(out), [("--out", "already exists; a snapshot is never overwritten")])
    key = None
    if args.sign_key:
        from .signing import load_private_key

        key = load_private_key(args.sign_key)  # before recording: a bad key is bad input

    def progress(done: int, total: int, req) -> None:
        if sys.stderr.isatty() or done == total or done % 25 == 0:
            print(f"\rrecording {done}/{total} {req.query:<28}", end="", file=sys.stderr)

    remove_stale_partials(out.parent, f".{out.name}.partial-*")  # of a killed recording
    try:
        with open_source(campaign) as source, writing("the snapshot", out):
            path = record_snapshot(campaign, source, out, progress=progress, sign_key=key)
    finally:
        print(file=sys.stderr)  # ends the progress line, before any error
    from .sources.snapshot import load_manifest

    manifest = load_manifest(path)
    print(f"snapshot written to {path}")
    print(f"manifest sha256 {manifest['sha256']}"
          + (f", signed with key {fingerprint(key.public_key())}" if key else ", not signed"))
    return EXIT_OK


def _cmd_sign_snapshot(args: argparse.Namespace) -> int:
    from .signing import fingerprint, load_private_key, write_signature
    from .sources.snapshot import MANIFEST, load_manifest

    path = Path(args.snapshot)
    manifest = load_manifest(path)  # only a consistent snapshot is signed
    key = load_private_key(args.key, field="--key")
    write_signature(path, (path / MANIFEST).read_bytes(), key)
    print(f"{path}: manifest sha256 {manifest['sha256']} signed with key "
          f"{fingerprint(key.public_key())}")
    return EXIT_OK


def _cmd_verify_snapshot(args: argparse.Namespace) -> int:
    from .signing import load_public_key, read_signature, verify
    from .sources.snapshot import MANIFEST, load_manifest

    path = Path(args.snapshot)
    manifest = load_manifest(path)  # structure, checksums, query files: SnapshotError, exit 2
    print(f"{path}: {len(manifest['requests'])} requests, {len(manifest['files'])} files, "
          f"recorded {manifest.get('created')} from {manifest['source']}; alert rules "
          f"{'recorded' if manifest['rules']['recorded'] else 'not served by the server'}")
    print(f"manifest sha256 {manifest['sha256']}")
    if args.key:
        signer = verify(path, (path / MANIFEST).read_bytes(),
                        load_public_key(args.key, field="--key"))
        print(f"signature verified with key {signer}")
    else:
        signed = read_signature(path)
        print("checksums verified; " + (f"signed by key {signed['key']}, not verified (give --key)"
                                        if signed else "not signed"))
    return EXIT_OK


def _cmd_inspect(args: argparse.Namespace) -> int:
    from .params import load_campaign
    from .sources import open_source
    from .summary import data_inventory

    campaign = load_campaign(args.params)
    with open_source(campaign) as source:
        print(data_inventory(campaign, source))
    return EXIT_OK


def _cmd_analyse(args: argparse.Namespace) -> int:
    import json

    from .evaluate import evaluate
    from .outputs import check_directory, write_new_file
    from .params import load_campaign
    from .redact import redact_file_text
    from .sources import open_source
    from .summary import analysis_summary

    campaign = load_campaign(args.params)
    defined = [n for n, _ in campaign.phases.items()]
    unknown = [p for p in args.phase or () if p not in defined]
    if unknown:
        raise ParameterError(args.params, [("--phase", f"{', '.join(unknown)} not in this campaign "
                                                       f"(phases: {', '.join(defined)})")])
    out = Path(args.json) if args.json else None
    if out is not None and out.exists():
        raise ParameterError(str(out), [("--json", "already exists; nothing is overwritten")])
    if out is not None:
        check_directory(out.parent, "the analysis")
    with open_source(campaign) as source:
        analysis = evaluate(campaign, source, phases=args.phase or None)
    print(analysis_summary(analysis, campaign))
    if out is not None:
        try:  # no partial file is left, whatever fails
            write_new_file(out, redact_file_text(
                json.dumps(analysis.to_dict(), indent=1, ensure_ascii=False) + "\n"),
                what="the analysis")
        except FileExistsError:
            raise ParameterError(str(out), [("--json", "already exists; nothing is overwritten")])
        print(f"analysis written to {out}")
    return EXIT_OK


def _progress_line(outcome, done: int, total: int) -> None:
    state = "ok" if outcome.ok else f"FAILED: {outcome.error}"
    print(f"[{done}/{total}] {outcome.name:<14} {outcome.seconds:5.1f} s  {state}",
          file=sys.stderr, flush=True)


def _cmd_run(args: argparse.Namespace) -> int:
    from .run import run_campaign

    report = run_campaign(args.params, args.phase, jobs=args.jobs, outputs=args.outputs,
                          lang=args.lang, progress=_progress_line)
    if not report.ok:
        for o in report.outcomes:
            if not o.ok:
                print(f"error: phase notebook {o.name} failed at {o.error}", file=sys.stderr)
        print(f"partial run kept for diagnosis: {report.path}", file=sys.stderr)
        return EXIT_FAILED
    print(f"run written to {report.path}")
    print(f"decision: {report.decision}")
    return EXIT_OK


def _cmd_validate_change(args: argparse.Namespace) -> int:
    from .run import run_change

    report = run_change(args.params, args.at, args.window, outputs=args.outputs, lang=args.lang,
                        progress=_progress_line)
    if not report.ok:
        print(f"error: validate-change notebook failed at {report.outcome.error}", file=sys.stderr)
        print(f"partial output kept for diagnosis: {report.path}", file=sys.stderr)
        return EXIT_FAILED
    for line in report.reasons:
        print(f"  {line}")
    print(f"change {'VALIDATED' if report.validated else 'NOT VALIDATED'} ({report.overall}); "
          f"report: {report.path}")
    return EXIT_OK if report.validated else EXIT_NOT_VALIDATED


def _cmd_report(args: argparse.Namespace) -> int:
    from .documents.report import build_report

    built = build_report(args.params, args.run, lang=args.lang, outputs=args.outputs,
                         pdf=not args.no_pdf, week=args.week)
    print(f"deliverables written to {built.path} ({', '.join(built.documents)}"
          f"{', HTML + PDF' if built.pdf else ', HTML'}; index.html)")
    print(f"production decision: {built.decision}")
    return EXIT_OK


def _cmd_compare(args: argparse.Namespace) -> int:
    from .compare.cli import run_compare

    return run_compare(args)


def _cmd_simulate(args: argparse.Namespace) -> int:
    from .simulate import simulate

    out = simulate(args.scenario, Path(args.out))
    print(f"simulated campaign written to {out} (metrics.om, ground_truth.json, campaign.yml)")
    return EXIT_OK


def _cmd_serve(args: argparse.Namespace) -> int:
    import tempfile
    import time

    import yaml

    from . import servers
    from .simulate import simulate

    work = Path(tempfile.mkdtemp(prefix="mm2-serve-"))
    out = simulate(args.scenario, work / "sim")
    server = servers.start_prometheus(out / "metrics.om", workdir=work / "prometheus",
                                      port=args.port)
    try:
        params = yaml.safe_load((out / "campaign.yml").read_text())
        params["source"]["url"] = server.url
        target = Path(args.params_out or (work / "campaign.yml"))
        target.write_text(yaml.safe_dump(params, sort_keys=False, allow_unicode=True))
        print(f"Prometheus (pid {server.pid}) serves the simulated campaign at {server.url}")
        print(f"campaign parameters: {target}")
        print(f"ground truth: {out / 'ground_truth.json'}")
        print("Ctrl-C stops the server.", flush=True)
        while server.proc.poll() is None:
            time.sleep(0.5)
        return EXIT_FAILED
    except KeyboardInterrupt:
        return EXIT_OK
    finally:
        server.stop()
        print("server stopped", file=sys.stderr)


def _cmd_lab(args: argparse.Namespace) -> int:
    """The real MirrorMaker 2 lab: up, campaign, fixtures, down (mm2report.lab)."""
    from .lab import campaign, env, fixtures

    directory = Path(args.dir)
    if args.action == "up":
        state = env.up(directory, line=args.kafka, profile=args.profile, progress=print)
        print(f"lab up (Kafka {state.kafka}, profile {state.profile}) in {directory}")
        print(f"Prometheus: {state.prometheus_url}")
        print(f"connector: {state.connectors['Source']}  (REST {state.rest()})")
        print("next: mm2report lab campaign; stop everything with: mm2report lab down")
        return EXIT_OK
    if args.action == "campaign":
        out = Path(args.out) if args.out else directory / "campaigns" / time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
        campaign.run(directory, out, progress=print)
        print(f"campaign written to {out} (campaign.yml, truth.json, journal.json)")
        print(f"analyse it with: mm2report analyse {out / 'campaign.yml'}")
        return EXIT_OK
    if args.action == "fixtures":
        for path in fixtures.record(directory, Path(args.out), progress=print):
            print(f"wrote {path}")
        return EXIT_OK
    stopped = env.down(directory)
    print(f"stopped {len(stopped)} processes" + (f": {', '.join(stopped)}" if stopped else ""))
    return EXIT_OK


class _Parser(argparse.ArgumentParser):
    def _print_message(self, message, file=None):
        # argparse drops an OSError here, so `mm2report --help | head -1` would end with 0 and
        # other commands with 141: the closed pipe goes to main() like any other
        if message:
            (file or sys.stderr).write(message)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="mm2report",
        description="Analysis and reports for Kafka MirrorMaker 2 validation campaigns.",
    )
    parser.add_argument("--version", action="version", version=f"mm2report {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("check", help="validate a campaign parameter file and summarise it")
    p.add_argument("params", help=PARAMS_HELP)
    p.set_defaults(func=_cmd_check)

    p = sub.add_parser("catalog", help="print the PromQL of every query for a campaign")
    p.add_argument("params", help=PARAMS_HELP)
    p.set_defaults(func=_cmd_catalog)

    p = sub.add_parser("alerts", help="write the campaign's Prometheus alerting rules (rule pack)")
    p.add_argument("params", help=PARAMS_HELP)
    p.add_argument("--out", default=None, help="new rules file (default: standard output)")
    p.set_defaults(func=_cmd_alerts)

    p = sub.add_parser("snapshot", help="record every query of a campaign into a snapshot")
    p.add_argument("params", help=PARAMS_HELP)
    p.add_argument("--out", required=True, help="new directory for the snapshot")
    p.add_argument("--sign-key", default=None,
                   help="Ed25519 private key (PEM or OpenSSH) to sign the manifest with")
    p.set_defaults(func=_cmd_snapshot)

    p = sub.add_parser("sign-snapshot",
                       help="sign an existing snapshot's manifest (better: snapshot --sign-key)")
    p.add_argument("snapshot", help="snapshot directory")
    p.add_argument("--key", required=True, help="Ed25519 private key (PEM or OpenSSH)")
    p.set_defaults(func=_cmd_sign_snapshot)

    p = sub.add_parser("verify-snapshot",
                       help="check a snapshot's structure and checksums, and its signature")
    p.add_argument("snapshot", help="snapshot directory")
    p.add_argument("--key", default=None,
                   help="Ed25519 public key (PEM or OpenSSH .pub) the manifest must be signed by")
    p.set_defaults(func=_cmd_verify_snapshot)

    p = sub.add_parser("analyse", help="analyse a campaign: KPIs, GO/NOGO criteria, SLA verdicts")
    p.add_argument("params", help=PARAMS_HELP)
    p.add_argument("--phase", action="append", help="analyse only this phase (repeatable)")
    p.add_argument("--json", default=None, help="also write the full analysis to this new file")
    p.set_defaults(func=_cmd_analyse)

    p = sub.add_parser("run", help="execute the phase notebooks into outputs/<campaign>/<run-id>/")
    p.add_argument("params", help=PARAMS_HELP)
    p.add_argument("--phase", action="append", help="run only this phase (repeatable)")
    p.add_argument("--jobs", type=int, default=2, help="notebooks executed at once (default 2)")
    p.add_argument("--lang", choices=("fr", "en"), default=None, help=LANG_HELP)
    p.add_argument("--outputs", default=None, help=OUTPUTS_HELP)
    p.set_defaults(func=_cmd_run)

    p = sub.add_parser("report", help="build the deliverables of a run (HTML and PDF)")
    p.add_argument("params", help=PARAMS_HELP)
    p.add_argument("--run", default=None, help="run id or directory (default: the latest complete run)")
    p.add_argument("--lang", choices=("fr", "en"), default=None, help=LANG_HELP)
    p.add_argument("--outputs", default=None, help=OUTPUTS_HELP)
    p.add_argument("--no-pdf", action="store_true", help="HTML only")
    p.add_argument("--week", default=None,
                   help="week of the follow-up report, e.g. 2026-W48 (default: this week)")
    p.set_defaults(func=_cmd_report)

    p = sub.add_parser("compare", help="compare two runs or campaigns (A the reference): "
                                       "differences, intervals, regressions, ACT-003 criteria")
    from .compare.cli import add_arguments

    add_arguments(p)
    p.set_defaults(func=_cmd_compare)

    p = sub.add_parser("validate-change",
                       help="H+15 min post-change validation (exit 0 validated, 3 not validated)")
    p.add_argument("params", help=PARAMS_HELP)
    p.add_argument("--at", required=True,
                   help="when the change was applied, ISO 8601 with UTC offset")
    p.add_argument("--window", default="15m", help="validation window after the change (15m)")
    p.add_argument("--lang", choices=("fr", "en"), default=None, help=LANG_HELP)
    p.add_argument("--outputs", default=None, help=OUTPUTS_HELP)
    p.set_defaults(func=_cmd_validate_change)

    p = sub.add_parser("simulate", help="simulate a campaign: OpenMetrics, ground truth, parameters")
    p.add_argument("scenario", help="scenario file (YAML)")
    p.add_argument("--out", required=True, help="new directory for the outputs")
    p.set_defaults(func=_cmd_simulate)

    p = sub.add_parser("serve", help="simulate a scenario and serve it from a local Prometheus")
    p.add_argument("scenario", help="scenario file (YAML)")
    p.add_argument("--port", type=int, default=None, help="port on 127.0.0.1 (default: a free one)")
    p.add_argument("--params-out", default=None, help="where to write the matching campaign file")
    p.set_defaults(func=_cmd_serve)

    p = sub.add_parser("inspect", help="fetch every query of a campaign and report data completeness")
    p.add_argument("params", help=PARAMS_HELP)
    p.set_defaults(func=_cmd_inspect)

    p = sub.add_parser("lab", help="a real MirrorMaker 2 on 127.0.0.1 (Kafka, MM2, JMX exporter, "
                                   "Prometheus): up, campaign, fixtures, down")
    p.add_argument("action", choices=("up", "campaign", "fixtures", "down"),
                   help="up: start the lab; campaign: run its mini-campaign; fixtures: record its "
                        "/metrics expositions; down: stop its processes")
    p.add_argument("--dir", default="outputs/lab/current",
                   help="the lab's directory (state, configs, logs); default outputs/lab/current")
    p.add_argument("--kafka", choices=("3", "4"), default="4",
                   help="Kafka line: 3 = 3.9.2, 4 = 4.3.1 (default)")
    p.add_argument("--profile", choices=("connect-jmx", "strimzi", "dedicated"),
                   default="connect-jmx", help="deployment to imitate (default connect-jmx)")
    p.add_argument("--out", help="campaign / fixtures: where to write (a new directory)")
    p.set_defaults(func=_cmd_lab)
    return parser


def _terminate(signum, frame):  # SIGTERM unwinds like Ctrl-C: partial outputs are removed
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    from . import redact

    # every credential the command reads is redacted from what it prints (mm2report.redact);
    # an exception that escapes leaves the wrappers in place, so its traceback is redacted too
    streams = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = redact.Stream(streams[0]), redact.Stream(streams[1])
    try:
        try:
            code = _main(argv)
        finally:  # also after argparse's exit (--help, --version, a usage error)
            sys.stdout.flush()  # here, where a closed pipe can still be told apart
    except BrokenPipeError:
        # The reader closed the pipe (`| head`): stop quietly. What is still buffered goes to
        # devnull, so the flush at exit raises nothing either (the idiom of Python's signal
        # documentation, "Note on SIGPIPE").
        devnull = os.open(os.devnull, os.O_WRONLY)
        for stream in streams:  # stderr too, when it was the closed one (`2>&1 | head`)
            os.dup2(devnull, stream.fileno())
        os.close(devnull)
        code = EXIT_CLOSED_PIPE
    sys.stdout, sys.stderr = streams
    return code


def _main(argv: list[str] | None) -> int:
    import signal

    parser = build_parser()
    args = parser.parse_args(argv)
    previous = signal.signal(signal.SIGTERM, _terminate)
    try:
        return args.func(args)
    except ParameterError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except SnapshotError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except Mm2ReportError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_FAILED
    except BrokenPipeError:
        raise  # the output's reader is gone: main() ends quietly
    except OSError as exc:  # a write the library did not name: still one line, no traceback
        print(f"error: {exc.strerror or exc}{f': {exc.filename}' if exc.filename else ''}",
              file=sys.stderr)
        return EXIT_FAILED
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    finally:
        signal.signal(signal.SIGTERM, previous)


if __name__ == "__main__":
    sys.exit(main())
