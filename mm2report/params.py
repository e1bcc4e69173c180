"""Campaign parameters: the one place where a parameter file is read and validated.

A campaign file is YAML. It is validated into frozen, typed models; anything unexpected is
refused with one ``(field path, reason)`` pair per problem (see :class:`ParameterError`):

* unknown keys, duplicate keys (named by their full path), keys that are lists or mappings and
  times without a UTC offset are errors;
* numbers are finite and bounded, counts are whole numbers (never ``yes``/``true``), times lie
  between 1970 and 2199, durations are at most 366 days; phases must not overlap;
* files are read only when regular and small (:func:`read_text_file`), and every file the
  parameters name (the action plan) is validated with them;
* every time is converted to UTC; durations accept ``15s``, ``10m``, ``1h30m``, ``24h``, ``2d``;
* credentials are never values of the file: only the *names* of environment variables or the
  *paths* of files that hold them (:class:`SecretRef`);
* relative paths are resolved against the directory of the parameter file.

``load_campaign(path)`` is the entry point; ``Campaign.model_validate(data, context=...)`` is used
by tests and by the simulator to build campaigns in memory.
"""

from __future__ import annotations

import math
import os
import re
import stat
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Annotated, Any, Literal, Union
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from .errors import ParameterError
from .promql import check_re2, parse_selector, regex_escape

# --------------------------------------------------------------------------------------------
# Scalar types
# --------------------------------------------------------------------------------------------

_DURATION_PART = re.compile(r"(\d+(?:\.\d+)?)(ms|s|m|h|d|w)")
_DURATION_UNITS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}

#: The longest duration accepted anywhere (a threshold, a step, a window): one year and a day.
MAX_DURATION = timedelta(days=366)
#: Times are accepted from 1970 to 2199 (UTC): beyond, they mean nothing for a campaign and
#: overflow the nanosecond timestamps of the data frames (pandas ends in 2262).
EARLIEST, LATEST = (datetime(1970, 1, 1, tzinfo=timezone.utc),
                    datetime(2200, 1, 1, tzinfo=timezone.utc))


def parse_duration(value: Any) -> timedelta:
    """Parse ``15s``, ``10m``, ``1h30m``, ``2d`` (or a number of seconds) into a timedelta."""
    if isinstance(value, timedelta):
        return value
    if isinstance(value, bool):
        raise ValueError("expected a duration such as 15s, 10m or 24h")
    if isinstance(value, (int, float)):
        seconds = float(value)
    elif isinstance(value, str):
        text = value.strip()
        pos, seconds = 0, 0.0
        for match in _DURATION_PART.finditer(text):
            if match.start() != pos:
                break
            seconds += float(match.group(1)) * _DURATION_UNITS[match.group(2)]
            pos = match.end()
        if pos == 0 or pos != len(text):
            raise ValueError(f"cannot read {value!r} as a duration "
                             "(examples: 15s, 10m, 1h30m, 24h)")
    else:
        raise ValueError("expected a duration such as 15s, 10m or 24h")
    # checked before timedelta() sees it: 1e300 s or 99999999999d would overflow, .inf too
    if not math.isfinite(seconds) or abs(seconds) > MAX_DURATION.total_seconds():
        raise ValueError(f"{value!r} is out of range: a duration is at most 366d")
    return timedelta(seconds=seconds)


def format_duration(delta: timedelta) -> str:
    """Render a timedelta the way it is written in parameter files (``1h30m``, ``15s``)."""
    total = delta.total_seconds()
    if total == 0:
        return "0s"
    parts, rest = [], total
    for unit, size in (("h", 3600), ("m", 60)):
        count, rest = divmod(rest, size)
        if count:
            parts.append(f"{int(count)}{unit}")
    if rest:
        parts.append(f"{rest:g}s")
    return "".join(parts)


def parse_utc(value: Any) -> datetime:
    """Parse an ISO 8601 time that carries its UTC offset; return it in UTC."""
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value.strip())
        except ValueError:
            raise ValueError(
                f"cannot read {value!r} as an ISO 8601 time (example: 2026-11-19T08:00:00+01:00)"
            ) from None
    else:
        raise ValueError("expected an ISO 8601 time with offset, e.g. 2026-11-19T08:00:00+01:00")
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(
            f"time {value!s} has no UTC offset; write it with one, e.g. 2026-11-19T08:00:00+01:00"
        )
    try:  # 9999-12-31T23:59:59-01:00 is past the last datetime once in UTC
        utc = moment.astimezone(timezone.utc)
    except (OverflowError, ValueError):
        utc = None
    if utc is None or not EARLIEST <= utc < LATEST:
        raise ValueError(f"time {value!s} is out of range: expected a time between 1970 and 2199")
    return utc


def _positive_duration(value: Any) -> timedelta:
    delta = parse_duration(value)
    if delta <= timedelta(0):
        raise ValueError("must be a positive duration")
    return delta


def _number(value: Any) -> Any:
    if isinstance(value, bool):  # YAML reads yes/no/true/false as booleans, which are ints
        raise ValueError("expected a number, not yes/no or true/false")
    return value


def _whole_number(value: Any) -> Any:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError("expected a whole number (not yes/no, true/false, text or a decimal)")
    return value


Duration = Annotated[timedelta, BeforeValidator(_positive_duration)]
UtcTime = Annotated[datetime, BeforeValidator(parse_utc)]
#: A finite number (NaN and infinities are refused by the models' configuration), never a boolean.
Number = Annotated[float, BeforeValidator(_number)]
#: An integer written as one: not a boolean, a decimal or text.
WholeNumber = Annotated[int, BeforeValidator(_whole_number)]


def _check_regex(value: Any) -> str:
    if not isinstance(value, str) or not value:
        raise ValueError("expected a non-empty regular expression")
    check_re2(value)
    return value


def _check_selector(value: Any) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ValueError('expected label matchers such as job="kafka-exporter-source"')
    parse_selector(value)  # raises ValueError with the reason
    return value.strip()


def _check_metric_name(value: Any) -> str:
    if not isinstance(value, str) or not _METRIC_NAME.match(value):
        raise ValueError(f"{value!r} is not a valid Prometheus metric name")
    return value


def _check_label_name(value: Any) -> str:
    if not isinstance(value, str) or not _LABEL_NAME.match(value) or value.startswith("__"):
        raise ValueError(f"{value!r} is not a Prometheus label name (letters, digits and '_', "
                         "not starting with a digit nor with '__')")
    return value


Regex = Annotated[str, BeforeValidator(_check_regex)]
LabelName = Annotated[str, BeforeValidator(_check_label_name)]
MetricName = Annotated[str, BeforeValidator(_check_metric_name)]
Selector = Annotated[str, BeforeValidator(_check_selector)]

_METRIC_NAME = re.compile(r"^[a-zA-Z_:][a-zA-Z0-9_:]*$")
_LABEL_NAME = re.compile(r"^[a-zA-Z_][a-zA-Z0-9_]*$")
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_SLUG = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True,
                              allow_inf_nan=False)


def _resolve_path(value: Any, info: ValidationInfo) -> Any:
    if value is None:
        return None
    if not isinstance(value, (str, Path)) or str(value) == "":
        raise ValueError("expected a file path")
    path = Path(value).expanduser()
    base = (info.context or {}).get("base_dir")
    if not path.is_absolute() and base is not None:
        path = Path(base) / path
    return path


# --------------------------------------------------------------------------------------------
# Source
# --------------------------------------------------------------------------------------------


class SecretRef(_Strict):
    """Where a secret is read from: an environment variable *name* or a file *path*."""

    env: str | None = None
    file: Path | None = None

    _resolve = field_validator("file", mode="before")(_resolve_path)

    @model_validator(mode="before")
    @classmethod
    def _reference_only(cls, value: Any) -> Any:
        if not isinstance(value, dict):
            raise ValueError(
                "a credential is never written in the parameter file: give {env: VARIABLE_NAME} "
                "or {file: /path/to/secret}"
            )
        return value

    @field_validator("env")
    @classmethod
    def _env_name(cls, value: str | None) -> str | None:
        if value is not None and not _ENV_NAME.match(value):
            raise ValueError("must be the name of an environment variable, not its value")
        return value

    @model_validator(mode="after")
    def _coherent(self):
        if (self.env is None) == (self.file is None):
            raise ValueError("give exactly one of 'env' (variable name) or 'file' (path)")
        return self

    def describe(self) -> str:
        return f"environment variable {self.env}" if self.env else f"file {self.file}"

    def read(self) -> str:
        """Return the secret; the error names where it was looked for, never its value."""
        if self.env is not None:
            import os

            value = os.environ.get(self.env)
            if not value:
                raise ParameterError(
                    "credentials", [("source.auth", f"environment variable {self.env} is not set")]
                )
            return value
        try:  # a regular file of at most 64 KiB: a FIFO or /dev/zero can neither hang nor fill
            return read_text_file(Path(self.file), limit=64 * 1024).strip()
        except ParameterError as exc:
            raise ParameterError(
                "credentials",
                [("source.auth", f"cannot read secret file {self.file}: {exc.problems[0][1]}")],
            ) from None

    def read_secret(self) -> str:
        """:meth:`read`, refusing a value too short to be redacted from the outputs."""
        from .redact import MIN_LENGTH

        value = self.read()
        if len(value) < MIN_LENGTH:
            raise ParameterError("credentials", [(
                "source.auth", f"the secret in {self.describe()} is shorter than {MIN_LENGTH} "
                "characters: mm2report redacts credentials from every output and cannot tell "
                "one that short from ordinary text")])
        return value


class BearerAuth(_Strict):
    type: Literal["bearer"]
    token: SecretRef


class BasicAuth(_Strict):
    type: Literal["basic"]
    username: SecretRef
    password: SecretRef


Auth = Annotated[Union[BearerAuth, BasicAuth], Field(discriminator="type")]


class Tls(_Strict):
    """TLS settings; honoured even when REQUESTS_CA_BUNDLE is set in the environment."""

    ca_file: Path | None = None
    cert_file: Path | None = None
    key_file: Path | None = None
    verify: bool = True

    _resolve = field_validator("ca_file", "cert_file", "key_file", mode="before")(_resolve_path)

    @field_validator("ca_file", "cert_file", "key_file")
    @classmethod
    def _exists(cls, value: Path | None) -> Path | None:
        if value is not None and not value.is_file():
            raise ValueError(f"no such file: {value}")
        return value

    @model_validator(mode="after")
    def _coherent(self):
        if self.key_file is not None and self.cert_file is None:
            raise ValueError("key_file needs cert_file")
        return self


class Timeouts(_Strict):
    """How long the HTTP source waits.

    ``connect`` and ``read`` bound each network wait; ``total`` bounds one HTTP request from
    connecting to the last byte of its answer (a server dripping bytes cannot hold it longer);
    ``fetch`` bounds everything one source does (all the requests of a campaign analysis, a
    phase notebook or a snapshot recording, retries included)."""

    connect: Duration = timedelta(seconds=5)
    read: Duration = timedelta(seconds=60)
    total: Duration = timedelta(minutes=3)
    fetch: Duration = timedelta(hours=1)

    @model_validator(mode="after")
    def _ordered(self):
        if self.total < self.read:
            raise ValueError("total must be at least read (it bounds the whole request)")
        if self.fetch < self.total:
            raise ValueError("fetch must be at least total (it bounds every request together)")
        return self


class Source(_Strict):
    """Where metrics come from: a Prometheus-compatible URL or a recorded snapshot."""

    url: str | None = None
    snapshot: Path | None = None
    step: Duration = timedelta(seconds=15)
    scrape_interval: Duration = timedelta(seconds=15)
    timeouts: Timeouts = Timeouts()
    retries: WholeNumber = Field(3, ge=0, le=10)
    max_points: WholeNumber = Field(11_000, ge=100, le=1_000_000)
    max_response_mb: WholeNumber = Field(64, ge=1, le=4096)  # MiB read per answer, at most
    concurrency: WholeNumber = Field(4, ge=1, le=16)
    auth: Auth | None = None
    tls: Tls | None = None
    # Ed25519 public key (PEM or OpenSSH): the snapshot's manifest must carry its signature
    verify_key: Path | None = None

    _resolve = field_validator("snapshot", "verify_key", mode="before")(_resolve_path)

    @field_validator("url")
    @classmethod
    def _url(cls, value: str | None) -> str | None:
        if value is None:
            return None
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError("expected an http:// or https:// URL")
        if parts.username is not None or parts.password is not None:
            # Never echo the URL: it holds a credential.
            raise ValueError(
                "credentials must not be written in the URL; use source.auth with an "
                "environment variable or a file"
            )
        if parts.query or parts.fragment:
            raise ValueError("the URL must not carry a query string or fragment")
        return value.rstrip("/")

    @field_validator("snapshot")
    @classmethod
    def _snapshot(cls, value: Path | None) -> Path | None:
        if value is not None and not value.is_dir():
            raise ValueError(f"no such snapshot directory: {value}")
        return value

    @field_validator("verify_key")
    @classmethod
    def _verify_key(cls, value: Path | None) -> Path | None:
        if value is not None and not value.is_file():
            raise ValueError(f"no such file: {value}")
        return value

    @field_validator("step")
    @classmethod
    def _step(cls, value: timedelta) -> timedelta:
        if value.total_seconds() < 1 or value.total_seconds() != int(value.total_seconds()):
            raise ValueError("the step must be a whole number of seconds, at least 1s")
        return value

    @model_validator(mode="after")
    def _coherent(self):
        if (self.url is None) == (self.snapshot is None):
            raise ValueError("give exactly one of 'url' (Prometheus-compatible API) or 'snapshot'")
        if self.snapshot is not None and (self.auth is not None or self.tls is not None):
            raise ValueError("'auth' and 'tls' apply only to a 'url' source")
        if self.url is not None and self.verify_key is not None:
            raise ValueError("'verify_key' applies only to a 'snapshot' source")
        return self

    @property
    def kind(self) -> Literal["prometheus", "snapshot"]:
        return "prometheus" if self.url else "snapshot"


# --------------------------------------------------------------------------------------------
# Metrics
# --------------------------------------------------------------------------------------------


class MetricOverride(_Strict):
    """Replace a catalog metric's name and/or add label matchers to it."""

    name: MetricName | None = None
    selector: Selector = ""


class Probe(_Strict):
    """Optional end-to-end latency probe exposed as a Prometheus histogram."""

    histogram: MetricName
    unit: Literal["seconds", "milliseconds"] = "seconds"
    loss_counter: MetricName | None = None
    selector: Selector = ""


class Metrics(_Strict):
    """How the campaign's series are named and told apart."""

    # The deployment (see mm2report.catalog.PROFILES and docs/profiles.md): names, label names,
    # default connector and worker identity.
    profile: Literal["strimzi", "connect-jmx", "dedicated", "strimzi-metrics-reporter"] = "strimzi"
    # jmx_exporter 0.x named the JVM heap jvm_memory_bytes_used and kept `_total` on gauges.
    jmx_exporter: Literal["1.x", "0.x"] = "1.x"
    replication_policy: Literal["default", "identity"] = "default"
    # replication.policy.separator of the connector (DefaultReplicationPolicy: <alias><sep><topic>)
    separator: str = Field(".", min_length=1, max_length=16, pattern=r"^[A-Za-z0-9._-]+$")
    source_alias: str
    target_alias: str
    topics: Regex
    connector: Regex | None = None  # full connector name; default <source>-><target>.MirrorSourceConnector
    mm2_selector: Selector = ""
    source_exporter_selector: Selector
    target_exporter_selector: Selector
    probe: Probe | None = None
    # Tasks the connector should run (tasks.max); when absent, the highest count observed.
    expected_tasks: WholeNumber | None = Field(None, ge=1, le=10_000)
    # The labels that tell one Connect worker from another, on its series and on its ``up``:
    # the worker-level queries keep only the workers that answer by joining on them.
    # ``instance`` when each worker is its own scrape target; ``kubernetes_pod_name`` (or
    # ``pod``) when the workers are scraped through one address. Default: the profile's.
    worker_labels: tuple[LabelName, ...] | None = None
    overrides: dict[str, MetricOverride] = {}

    # Former name of `profile`: strimzi-jmx is the strimzi profile.
    flavour: Literal["strimzi-jmx", "strimzi-metrics-reporter"] | None = None

    @model_validator(mode="before")
    @classmethod
    def _flavour(cls, data):
        aliases = {"strimzi-jmx": "strimzi", "strimzi-metrics-reporter": "strimzi-metrics-reporter"}
        if isinstance(data, dict) and data.get("flavour") in aliases and "profile" not in data:
            data = {**data, "profile": aliases[data["flavour"]]}
        return data

    @property
    def connector_regex(self) -> str:
        """Regex of the MM2 source connector's name (JMX quotes excluded); by default the
        profile's name for this flow."""
        if self.connector is not None:
            return self.connector
        from .catalog import PROFILES

        return regex_escape(PROFILES[self.profile].connector(self.source_alias, self.target_alias))

    @property
    def worker_identity(self) -> tuple[str, ...]:
        """The labels telling workers apart: ``worker_labels``, else the profile's."""
        if self.worker_labels is not None:
            return self.worker_labels
        from .catalog import PROFILES

        return PROFILES[self.profile].worker_labels

    @field_validator("source_alias", "target_alias")
    @classmethod
    def _alias(cls, value: str) -> str:
        if not re.match(r"^[A-Za-z0-9._-]+$", value):
            raise ValueError("a cluster alias holds only letters, digits, '.', '_' and '-'")
        return value

    @field_validator("worker_labels", mode="before")
    @classmethod
    def _labels(cls, value: Any) -> Any:
        if isinstance(value, str):
            raise ValueError("expected a list of label names, e.g. [instance] or [kubernetes_pod_name]")
        return value

    @field_validator("worker_labels")
    @classmethod
    def _labels_given(cls, value: tuple[str, ...] | None) -> tuple[str, ...] | None:
        if value is None:
            return None
        if not value:
            raise ValueError("name at least one label that tells the workers apart (e.g. instance)")
        if len(set(value)) != len(value):
            raise ValueError("each label may appear once")
        return value

    @field_validator("overrides")
    @classmethod
    def _known(cls, value: dict[str, MetricOverride]) -> dict[str, MetricOverride]:
        from .catalog import METRICS

        unknown = sorted(set(value) - set(METRICS))
        if unknown:
            raise ValueError(
                f"unknown metric {', '.join(unknown)}; known metrics: {', '.join(sorted(METRICS))}"
            )
        return value

    @model_validator(mode="after")
    def _coherent(self):
        if self.flavour is not None and {"strimzi-jmx": "strimzi"}.get(self.flavour, self.flavour) != self.profile:
            raise ValueError("give 'profile' only ('flavour' is its former name)")
        if self.source_alias == self.target_alias:
            raise ValueError("source_alias and target_alias must differ")
        if self.source_exporter_selector == self.target_exporter_selector:
            raise ValueError(
                "source_exporter_selector and target_exporter_selector must differ, otherwise "
                "source and target offsets cannot be told apart"
            )
        return self


# --------------------------------------------------------------------------------------------
# Thresholds
# --------------------------------------------------------------------------------------------


class Thresholds(_Strict):
    """Acceptance thresholds; defaults are those of the campaign's source documents."""

    latency_p99_slo_ms: Number = Field(5000, gt=0, le=3_600_000)
    sla_latency_ms: Number = Field(1000, gt=0, le=3_600_000)
    # a lag SLA of more than a billion records could never fail: refused as meaningless
    lag_records: Number = Field(10_000, ge=0, le=1_000_000_000)
    availability_pct: Number = Field(99.9886, gt=0, le=100)
    mttr: Duration = timedelta(minutes=10)
    rto: Duration = timedelta(minutes=5)
    rpo: Duration = timedelta(seconds=60)
    recommended_capacity_ratio: Number = Field(0.70, gt=0, le=1)
    sustained_ratio: Number = Field(0.98, gt=0.5, le=1)
    soak_min_duration: Duration = timedelta(hours=24)
    cert_min_days: Number = Field(90, ge=0, le=3650)


# --------------------------------------------------------------------------------------------
# Phases and events
# --------------------------------------------------------------------------------------------

EVENT_KINDS = (
    "broker_stop",
    "worker_stop",
    "worker_restart",
    "worker_add",
    "network_cut",
    "burst",
    "error_scenario",
    "other",
)
PHASE_NAMES = ("smoke", "nominal", "latency", "capacity", "soak", "resilience", "errors")


class Window(_Strict):
    start: UtcTime
    end: UtcTime


class Event(_Strict):
    kind: Literal[EVENT_KINDS]  # type: ignore[valid-type]
    start: UtcTime
    end: UtcTime | None = None
    target: str | None = None
    expected: str | None = None
    note: str | None = None


class LoadStep(_Strict):
    start: UtcTime
    end: UtcTime
    offered_rate: Number | None = Field(None, gt=0, le=1_000_000_000)  # records/s


class Phase(_Strict):
    start: UtcTime
    end: UtcTime
    events: tuple[Event, ...] = ()
    note: str | None = None


class LatencyPhase(Phase):
    baseline: Window | None = None


class CapacityPhase(Phase):
    steps: tuple[LoadStep, ...] = ()
    warmup: Duration = timedelta(seconds=60)


class Phases(_Strict):
    smoke: Phase | None = None
    nominal: Phase | None = None
    latency: LatencyPhase | None = None
    capacity: CapacityPhase | None = None
    soak: Phase | None = None
    resilience: Phase | None = None
    errors: Phase | None = None

    def items(self) -> list[tuple[str, Phase]]:
        """The phases present, in run order."""
        return [(name, getattr(self, name)) for name in PHASE_NAMES if getattr(self, name)]


# --------------------------------------------------------------------------------------------
# Manual checklist (seed 000) and alerts
# --------------------------------------------------------------------------------------------

#: Manual checklist items of the final production checklist, by group.
CHECKLIST_ITEMS: dict[str, tuple[str, str]] = {
    # id: (group, French label as in the source document)
    "runbook": ("documentation", "Runbook d'exploitation documenté"),
    "rollback_procedure": ("documentation", "Procédure de rollback prête"),
    "escalation_contacts": ("documentation", "Contacts escalade définis"),
    "dashboards_access": ("documentation", "Dashboards accessibles à l'équipe ops"),
    "alerts_configured_tested": ("documentation", "Alertes configurées et testées"),
    "config_backup": ("configuration", "Config MM2 sauvegardée (backup)"),
    "parameters_tuned": ("configuration", "Paramètres optimisés selon tests"),
    "quotas": ("configuration", "Quotas appropriés configurés"),
    "acls": ("configuration", "ACLs correctes sur tous les topics"),
    "certificates_valid": ("configuration", "SSL/Certificats valides > 3 mois"),
    "dashboard_replication": ("monitoring", "Dashboard mm2-replication fonctionnel"),
    "dashboard_detailed": ("monitoring", "Dashboard mm2-detailed fonctionnel"),
    "prometheus_alerts": ("monitoring", "Alertes Prometheus configurées"),
    "notification_tested": ("monitoring", "Notification (Slack/PagerDuty) testée"),
    "rollback_tested": ("operations", "Rollback testé"),
}


class ChecklistItem(_Strict):
    id: str
    status: Literal["done", "not_done", "not_applicable"]
    evidence: str | None = None
    date: UtcTime | None = None
    by: str | None = None

    @field_validator("id")
    @classmethod
    def _known(cls, value: str) -> str:
        if value not in CHECKLIST_ITEMS:
            raise ValueError(
                f"unknown checklist item {value!r}; known items: {', '.join(CHECKLIST_ITEMS)}"
            )
        return value

    @model_validator(mode="after")
    def _coherent(self):
        if self.status == "done" and (not self.evidence or self.date is None):
            raise ValueError("an item marked 'done' needs its 'evidence' and its 'date'")
        return self


class Alerts(_Strict):
    """The alert rules the campaign's Prometheus must hold, and those of the rule pack
    (``mm2report alerts``, :mod:`mm2report.alerting`)."""

    expected_rules: tuple[str, ...] = ()
    # Prometheus' rule evaluation interval (the pack's group interval): detection times are
    # measured by evaluating the rules at this step.
    evaluation_interval: Duration = timedelta(seconds=30)
    # The pack's base `for:` (how long a fault condition must hold before it alerts); slower
    # rules (lag, latency, divergence) wait a multiple of it.
    pending: Duration = timedelta(minutes=1)
    # GO/NOGO criterion 9: every injected fault detected by a rule within this time.
    detection_bound: Duration = timedelta(minutes=5)
    # Runbook link of each rule; {alert} is the alert's name, {anchor} its lower-case name.
    runbook_url: str = Field("docs/alerting.md#{anchor}", min_length=1, max_length=500)
    # The notifications a webhook receiver got from Alertmanager during the campaign (JSON,
    # mm2report.alerting.notifications): each fault must have produced its own.
    notifications: Path | None = None

    _resolve = field_validator("notifications", mode="before")(_resolve_path)

    @field_validator("runbook_url")
    @classmethod
    def _runbook(cls, value: str) -> str:
        try:
            value.format(alert="A", anchor="a")
        except (KeyError, IndexError, ValueError):
            raise ValueError("only the placeholders {alert} and {anchor} may be used") from None
        return value


class ProjectionParams(_Strict):
    """Yearly frequency of each fault type, for the annual downtime projection."""

    faults_per_year: dict[str, Number] = {}

    @field_validator("faults_per_year")
    @classmethod
    def _kinds(cls, value: dict[str, float]) -> dict[str, float]:
        kinds = [k for k in EVENT_KINDS if k not in ("burst", "error_scenario", "other")]
        for kind, freq in value.items():
            if kind not in kinds:
                raise ValueError(f"unknown fault type {kind!r}; known types: {', '.join(kinds)}")
            if not (0 <= freq <= 10_000):
                raise ValueError(f"{kind}: a yearly frequency between 0 and 10000 is expected")
        return value


class CampaignInfo(_Strict):
    name: str
    client: str
    timezone: str = "Europe/Paris"
    language: Literal["fr", "en"] = "fr"
    # The instant the GO/NOGO decision is taken: certificates' days left are counted from it.
    # Without it, from the time the analysis is made (the report's generation time).
    decision_date: UtcTime | None = None

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        if not _SLUG.match(value):
            raise ValueError(
                "use 1-64 letters, digits, '.', '_' or '-' (it names the output folder)"
            )
        return value

    @field_validator("timezone")
    @classmethod
    def _tz(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r} (example: Europe/Paris)") from None
        return value

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


class Campaign(_Strict):
    """A validated campaign parameter file."""

    version: Annotated[Literal[1], BeforeValidator(_whole_number)] = 1
    campaign: CampaignInfo
    source: Source
    metrics: Metrics
    thresholds: Thresholds = Thresholds()
    phases: Phases
    checklist: tuple[ChecklistItem, ...] = ()
    alerts: Alerts = Alerts()
    projection: ProjectionParams = ProjectionParams()
    action_plan: Path | None = None  # YAML action plan (mm2report/actions.py), for the deliverables

    _resolve = field_validator("action_plan", mode="before")(_resolve_path)

    def phase(self, name: str) -> Phase:
        found = getattr(self.phases, name, None) if name in PHASE_NAMES else None
        if found is None:
            raise KeyError(f"phase {name!r} is not defined in campaign {self.campaign.name}")
        return found

    @property
    def span(self) -> Window:
        """From the start of the first phase to the end of the last one."""
        phases = [p for _, p in self.phases.items()]
        return Window(start=min(p.start for p in phases), end=max(p.end for p in phases))


# --------------------------------------------------------------------------------------------
# Semantic checks that span several fields
# --------------------------------------------------------------------------------------------


def _semantic_problems(c: Campaign) -> list[tuple[str, str]]:
    problems: list[tuple[str, str]] = []
    present = c.phases.items()
    if not present:
        problems.append(("phases", f"define at least one phase ({', '.join(PHASE_NAMES)})"))
    for name, phase in present:
        where = f"phases.{name}"
        if phase.end <= phase.start:
            problems.append((f"{where}.end", "must be after start"))
            continue
        for i, event in enumerate(phase.events):
            problems += _inside(f"{where}.events[{i}]", event.start, event.end, phase)
        if isinstance(phase, LatencyPhase) and phase.baseline is not None:
            problems += _inside(f"{where}.baseline", phase.baseline.start, phase.baseline.end, phase)
        if isinstance(phase, CapacityPhase):
            problems += _check_steps(where, phase)
    problems += _overlaps(present)
    seen: set[str] = set()
    for i, item in enumerate(c.checklist):
        if item.id in seen:
            problems.append((f"checklist[{i}].id", f"item {item.id!r} is listed twice"))
        seen.add(item.id)
    if c.alerts.notifications is not None:
        from .alerting.notifications import NotificationError, load_notifications

        try:
            load_notifications(c.alerts.notifications)
        except NotificationError as exc:
            problems.append(("alerts.notifications", str(exc)))
    for key in ("evaluation_interval", "pending", "detection_bound"):
        if getattr(c.alerts, key).total_seconds() != int(getattr(c.alerts, key).total_seconds()):
            problems.append((f"alerts.{key}", "must be a whole number of seconds"))
    if c.source.step < c.source.scrape_interval:
        problems.append(
            ("source.step", "must not be shorter than source.scrape_interval (no data between scrapes)")
        )
    return problems


def _overlaps(present: list[tuple[str, Phase]]) -> list[tuple[str, str]]:
    """Phases must not overlap (one may start when the previous one ends): a step inside two
    phases would count in both, e.g. an incident of the latency phase in the nominal
    availability. Refused rather than guessed."""
    problems = []
    ordered = sorted((p.start, p.end, name) for name, p in present if p.end > p.start)
    for (_, end, before), (start, _, name) in zip(ordered, ordered[1:]):
        if start < end:
            problems.append((f"phases.{name}.start", f"overlaps phase {before}, which ends at "
                                                      f"{end.isoformat()}; phases must not overlap"))
    return problems


def _file_problems(c: Campaign) -> list[tuple[str, str]]:
    """Every file the parameters name is read and checked now, so that ``check`` fails on a
    missing or invalid action plan rather than the report, much later."""
    problems = []
    if c.action_plan is not None:
        from .actions import load_plan

        try:
            load_plan(c.action_plan)
        except ParameterError as exc:
            problems += [(f"action_plan{'.' + field if field else ''}",
                          f"{reason} (action plan {c.action_plan})") for field, reason in exc.problems]
    return problems


def _inside(path: str, start: datetime, end: datetime | None, phase: Phase) -> list[tuple[str, str]]:
    problems = []
    if end is not None and end <= start:
        problems.append((f"{path}.end", "must be after start"))
    if not phase.start <= start <= phase.end:
        problems.append((f"{path}.start", "must lie inside its phase"))
    if end is not None and not phase.start <= end <= phase.end:
        problems.append((f"{path}.end", "must lie inside its phase"))
    return problems


def _check_steps(where: str, phase: CapacityPhase) -> list[tuple[str, str]]:
    problems = []
    previous_end = None
    for i, step in enumerate(phase.steps):
        problems += _inside(f"{where}.steps[{i}]", step.start, step.end, phase)
        if previous_end is not None and step.start < previous_end:
            problems.append((f"{where}.steps[{i}].start", "load steps must be in order and not overlap"))
        if step.end - step.start <= phase.warmup:
            problems.append((f"{where}.steps[{i}]", "the step is not longer than the warm-up"))
        previous_end = step.end
    return problems


# --------------------------------------------------------------------------------------------
# Loading
# --------------------------------------------------------------------------------------------


#: Parameter and action-plan files are small (the commented example: 8 KB): a larger file is
#: refused before it is parsed, as are more YAML nodes (values, lists, mappings) than
#: MAX_NODES, and deeper nesting than MAX_DEPTH (the campaign schema needs 6 levels). PyYAML
#: takes some 400 times the size of a file of short list items in memory (1 MiB: 380 MB, 13 s).
MAX_FILE_BYTES = 256 * 1024
MAX_NODES = 50_000
MAX_DEPTH = 64


class _StrictLoader(yaml.SafeLoader):
    """SafeLoader that keeps timestamps as text (we parse them), refuses duplicate keys and
    keys that are lists or mappings, naming the field path, and refuses deep nesting."""

    def __init__(self, stream):
        super().__init__(stream)
        self.field_path: list = []  # keys and indexes of the node being constructed
        self._depth = self._nodes = 0

    def compose_node(self, parent, index):
        self._depth += 1
        self._nodes += 1
        try:
            for count, limit, what in ((self._depth, MAX_DEPTH, f"nested more than {MAX_DEPTH} "
                                                                f"levels deep"),
                                       (self._nodes, MAX_NODES, f"more than {MAX_NODES} values")):
                if count > limit:
                    line = self.peek_event().start_mark.line + 1
                    raise ParameterError(self.name, [("", f"{what} (line {line}): not a "
                                                          f"parameter file")])
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1

    def construct_child(self, part, node):
        self.field_path.append(part)
        try:
            return self.construct_object(node, deep=True)
        finally:
            self.field_path.pop()


_StrictLoader.yaml_implicit_resolvers = {
    key: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for key, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _construct_mapping(loader: _StrictLoader, node: yaml.MappingNode) -> dict:
    loader.flatten_mapping(node)
    mapping: dict = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        line = key_node.start_mark.line + 1
        if isinstance(key, (list, dict, set)):
            raise ParameterError(loader.name, [(_path_of(tuple(loader.field_path)),
                                                f"a key must be a name, not a "
                                                f"{'list' if isinstance(key, list) else 'mapping'} "
                                                f"(line {line})")])
        if key in mapping:
            raise ParameterError(loader.name, [(_path_of((*loader.field_path, key)),
                                                f"duplicate key (line {line})")])
        mapping[key] = loader.construct_child(key, value_node)
    return mapping


def _construct_sequence(loader: _StrictLoader, node: yaml.SequenceNode) -> list:
    return [loader.construct_child(i, child) for i, child in enumerate(node.value)]


_StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
_StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _construct_sequence)


def _path_of(loc: tuple) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out


def _problems_of(error: ValidationError) -> list[tuple[str, str]]:
    problems = []
    for item in error.errors(include_url=False):
        loc = tuple(p for p in item["loc"] if p not in ("bearer", "basic"))
        kind, msg = item["type"], item["msg"]
        if kind == "extra_forbidden":
            msg = "unknown key"
        elif kind == "missing":
            msg = "required"
        elif msg.startswith("Value error, "):
            msg = msg[len("Value error, "):]
        elif kind == "literal_error":
            msg = msg.replace("Input should be", "expected")
        problems.append((_path_of(loc), msg))
    return problems


def validate_campaign(data: Any, *, source: str = "<parameters>", base_dir: Path | None = None) -> Campaign:
    """Validate an already-parsed parameter mapping; raise :class:`ParameterError`."""
    if not isinstance(data, dict):
        raise ParameterError(source, [("", "the file must hold a YAML mapping of sections")])
    try:
        campaign = Campaign.model_validate(data, context={"base_dir": base_dir})
    except ValidationError as exc:
        raise ParameterError(source, _problems_of(exc)) from None
    problems = _semantic_problems(campaign) + _file_problems(campaign)
    if problems:
        raise ParameterError(source, problems)
    return campaign


def read_yaml(text: str, name: str) -> Any:
    """Parse YAML strictly (timestamps kept as text, duplicate keys refused)."""
    try:
        loader = _StrictLoader(text)
        loader.name = name
        try:
            return loader.get_single_data()
        finally:
            loader.dispose()
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        reason = getattr(exc, "problem", None) or str(exc)
        raise ParameterError(name, [("", f"not valid YAML: {where}{reason}")]) from None
    except RecursionError:  # MAX_DEPTH stops nesting first; aliases could still go deep
        raise ParameterError(name, [("", "not valid YAML: nested too deep")]) from None
    except (OverflowError, ValueError) as exc:  # explicit tags: !!timestamp 0001-…, !!float …
        raise ParameterError(name, [("", f"not valid YAML: {exc}")]) from None


def read_text_file(path: Path, *, limit: int = MAX_FILE_BYTES) -> str:
    """The text of a small regular file; a device, FIFO, directory or socket (even behind a
    symlink) and a file over ``limit`` bytes are refused before anything is read, so that a
    link to ``/dev/zero`` or a FIFO with no writer can neither fill the memory nor hang."""
    try:  # non-blocking: opening a FIFO with no writer returns at once
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except FileNotFoundError:
        raise ParameterError(str(path), [("", "no such file")]) from None
    except OSError as exc:
        raise ParameterError(str(path), [("", f"cannot read the file: {exc.strerror}")]) from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            kind = _file_kind(info.st_mode)
            raise ParameterError(str(path), [("", f"not a regular file ({kind})")])
        chunks, size = [], 0
        # read even when the size says too much, up to one byte more than the limit: the size
        # may be wrong (/proc states 0) or the file may grow meanwhile
        while info.st_size <= limit and size <= limit:
            chunk = os.read(fd, limit + 1 - size)
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
    except OSError as exc:
        raise ParameterError(str(path), [("", f"cannot read the file: {exc.strerror}")]) from None
    finally:
        os.close(fd)
    if info.st_size > limit or size > limit:
        shown = f"{limit // 1024} KiB" if limit >= 1024 else f"{limit} bytes"
        raise ParameterError(str(path), [("", f"larger than {shown}: not a parameter file, "
                                              "refused unread")])
    try:
        return b"".join(chunks).decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ParameterError(str(path), [("", f"not UTF-8 text (byte {exc.start})")]) from None


def _file_kind(mode: int) -> str:
    for test, kind in ((stat.S_ISDIR, "a directory"), (stat.S_ISFIFO, "a FIFO"),
                       (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"),
                       (stat.S_ISSOCK, "a socket")):
        if test(mode):
            return kind
    return "not a file"


def read_yaml_file(path: Path) -> Any:
    """Read a small YAML file strictly (see :func:`read_text_file`); one ParameterError."""
    path = Path(path)
    return read_yaml(read_text_file(path), str(path))


def load_campaign(path: str | Path) -> Campaign:
    """Read and validate a campaign parameter file."""
    path = Path(path)
    data = read_yaml_file(path)
    return validate_campaign(data, source=str(path), base_dir=path.resolve().parent)
