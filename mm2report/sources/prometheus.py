"""A Prometheus-compatible HTTP API as a metric source (Prometheus, VictoriaMetrics, Thanos…).

:class:`PrometheusClient` is the HTTP layer. It subclasses prometheus-pandas' ``Prometheus`` (the
user's pick) and adds what that 122-line wrapper lacks (feasibility §2.6):

* an explicit ``(connect, read)`` timeout on every request, a total deadline per request (a
  watchdog shuts the socket of a request still running at its deadline, so a server dripping
  one byte at a time cannot hold it), and a bound on everything the client does;
* a cap on the bytes read per answer (``Content-Length`` checked first, then the body counted
  as it arrives);
* ``trust_env = False`` with per-request ``verify``/``cert``: this machine exports
  ``REQUESTS_CA_BUNDLE``, which would otherwise override the TLS settings of the campaign;
* retries with capped exponential backoff, only where a retry can help (connection errors,
  timeouts, 429, 5xx), honouring a numeric ``Retry-After``;
* ``Accept-Encoding: identity``: gzip costs Prometheus about 1 s per 6 MB of JSON;
* range splitting so that no request exceeds ``max_points`` points per series, pieces fetched
  concurrently and joined without duplicate or missing step;
* a vectorised JSON → :class:`~mm2report.sources.base.Series` conversion that keeps labels as
  dicts and handles ``scalar`` results (prometheus-pandas returns ``[ts, value]`` for them);
* one :class:`~mm2report.errors.SourceError` per failure, naming the URL (never credentials),
  the PromQL, the time range and the reason.

:class:`PrometheusSource` adapts it to the :class:`~mm2report.sources.base.MetricSource`
interface from a validated campaign.
"""

from __future__ import annotations

import logging
import random
import re
import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any, Sequence
from urllib.parse import urljoin, urlsplit

import numpy as np
import requests
from prometheus_pandas.query import Prometheus
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

from .. import __version__, redact
from ..errors import SourceError
from .base import MetricSource, QueryResult, Series, align, build_frame, to_epoch

if TYPE_CHECKING:
    from ..params import Campaign, Source

logger = logging.getLogger("mm2report.sources")

#: Longest wait between two attempts, whatever the backoff or Retry-After says.
MAX_DELAY = 30.0
#: Characters of an unexpected (non-JSON) body quoted in an error message.
_SNIPPET = 120
#: Bytes read from the socket at a time.
_CHUNK = 1 << 16


# --------------------------------------------------------------------------------------------
# JSON → Series
# --------------------------------------------------------------------------------------------


def _to_series(labels: dict[str, str], points: Sequence[Sequence[Any]]) -> Series:
    """One series from ``[[ts, "value"], ...]``; ``"NaN"``, ``"+Inf"``, ``"-Inf"`` parse too."""
    n = len(points)
    ts = np.fromiter((p[0] for p in points), dtype="float64", count=n)
    # float() reads Prometheus' "NaN"/"+Inf"/"-Inf" spellings; fromiter avoids per-point objects.
    values = np.fromiter((float(p[1]) for p in points), dtype="float64", count=n)
    return Series(dict(labels), np.rint(ts).astype("int64"), values)


def parse_data(data: dict) -> list[Series]:
    """Convert the ``data`` member of an API answer into series.

    ``matrix`` and ``vector`` give one series per result, ``scalar`` one label-less series and
    an empty result ``[]``. A ``string`` result is refused: it is not a number.
    """
    kind = data.get("resultType")
    result = data.get("result")
    if kind == "matrix":
        return [_to_series(r.get("metric", {}), _points(r, "values")) for r in result or []]
    if kind == "vector":
        return [_to_series(r.get("metric", {}), [_points(r, "value")]) for r in result or []]
    if kind == "scalar":
        return [_to_series({}, [result])]
    if kind == "string":
        raise SourceError(f"the query returned the string {result[1]!r}, not a number")
    raise SourceError(f"unexpected resultType {kind!r} in the answer")


def _points(result: dict, key: str) -> Any:
    if key not in result:
        # Native histograms come as "histogram(s)"; the catalog never asks for them.
        raise SourceError(f"a result has no {key!r} member (native histograms are not supported)")
    return result[key]


def join_pieces(pieces: Sequence[Sequence[Series]]) -> list[Series]:
    """Join the answers of consecutive sub-ranges, per label set, in time order.

    A series may be present in only some pieces; the result has each label set once, with
    strictly increasing timestamps (a step answered twice keeps its first value).
    """
    if len(pieces) == 1:
        return list(pieces[0])
    groups: dict[tuple, list[Series]] = {}
    for piece in pieces:
        for s in piece:
            groups.setdefault(tuple(sorted(s.labels.items())), []).append(s)
    joined = []
    for parts in groups.values():
        ts = np.concatenate([p.ts for p in parts])
        values = np.concatenate([p.values for p in parts])
        if len(ts) > 1 and not np.all(np.diff(ts) > 0):
            ts, first = np.unique(ts, return_index=True)
            values = values[first]
        joined.append(Series(parts[0].labels, ts, values))
    return joined


def split_range(start: int, end: int, step: int, max_points: int) -> list[tuple[int, int]]:
    """Cut ``[start, end]`` into pieces of at most ``max_points`` steps each.

    Prometheus refuses a request when ``floor((end - start) / step) + 1`` exceeds its limit
    (11,000). Pieces lie on the same grid and share no step.
    """
    if step <= 0 or max_points < 1:
        raise SourceError("step and max_points must be positive")
    if end < start:
        raise SourceError("end must not be before start")
    last = start + (end - start) // step * step
    span = max_points * step
    return [(s, min(s + span - step, last)) for s in range(start, last + 1, span)]


# --------------------------------------------------------------------------------------------
# Error messages
# --------------------------------------------------------------------------------------------


def safe_url(url: str) -> str:
    """``scheme://host:port/path``: what a message may show (no user info, no query)."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if ":" in host:  # IPv6 literal
        host = f"[{host}]"
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{host}{port}{parts.path}"


def _iso(seconds: float) -> str:
    return datetime.fromtimestamp(float(seconds), tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _describe(params: dict) -> str:
    """The query and its time range, as a message shows them."""
    parts = []
    if "query" in params:
        parts.append(f"PromQL: {params['query']}")
    if "start" in params:
        parts.append(f"range: {_iso(params['start'])} .. {_iso(params['end'])}, "
                     f"step {params['step']}s")
    elif "time" in params:
        parts.append(f"at: {_iso(params['time'])}")
    return "; ".join(parts)


@dataclass(frozen=True)
class _Failure:
    """Why one attempt failed, and whether another attempt may succeed."""

    reason: str
    retry: bool
    wait: float | None = None  # from Retry-After


def _exception_failure(exc: requests.RequestException, timeout: tuple[float, float]) -> _Failure:
    text = str(exc)
    if isinstance(exc, requests.exceptions.SSLError):
        return _Failure(_tls_reason(text), retry=False)
    if isinstance(exc, requests.exceptions.ConnectTimeout):
        return _Failure(f"timed out: could not connect within {timeout[0]:g} s", retry=True)
    if isinstance(exc, requests.exceptions.ReadTimeout):
        return _Failure(f"timed out: no answer within the read timeout of {timeout[1]:g} s",
                        retry=True)
    if isinstance(exc, (requests.exceptions.ChunkedEncodingError,
                        requests.exceptions.ContentDecodingError)):
        return _Failure("the answer was cut off", retry=True)
    if isinstance(exc, requests.exceptions.ConnectionError):
        if "refused" in text:
            return _Failure("connection refused (is the server running, is the URL right?)",
                            retry=True)
        if "resolve" in text or "Name or service not known" in text:
            return _Failure("cannot resolve the host name", retry=True)
        if "Connection aborted" in text or "reset" in text.lower():
            return _Failure("the server closed the connection without answering", retry=True)
        return _Failure(f"connection failed: {_strip_urls(text)}", retry=True)
    return _Failure(f"request failed: {_strip_urls(text)}", retry=False)


def _tls_reason(text: str) -> str:
    verify = re.search(r"certificate verify failed: ([^()'\"]+?)\s*\(_ssl", text)
    if verify:
        return (f"TLS verification failed: {verify.group(1).strip()} — check source.tls.ca_file "
                "(the CA that signed the server's certificate)")
    alert = re.search(r"\[SSL: [A-Z0-9_]+\] ([^(]+?)\s*\(_ssl", text)
    detail = alert.group(1).strip() if alert else "handshake failed"
    if "alert" in detail and "certificate" in detail:
        # The server refused *our* certificate (or its absence): mutual TLS.
        return (f"TLS error: {detail} — the server wants a client certificate it trusts: "
                "check source.tls.cert_file and key_file")
    return f"TLS error: {detail} — check source.tls"


def _strip_urls(text: str) -> str:
    # urllib3 messages repeat host, port and the full query string: the message names them once.
    text = re.sub(r"\b(?:HTTPS?ConnectionPool)\([^)]*\):\s*", "", text)
    return re.sub(r"with url: \S+", "", text).strip()


def _response_failure(resp: requests.Response) -> _Failure:
    code = resp.status_code
    retry = code == 429 or code >= 500
    wait = _retry_after(resp) if code in (429, 503) else None
    if code == 401:
        return _Failure("HTTP 401 Unauthorized — check source.auth", retry=False)
    if code == 403:
        return _Failure("HTTP 403 Forbidden — check source.auth (these credentials lack access)",
                        retry=False)
    body = _json_or_none(resp)
    if isinstance(body, dict) and "error" in body:
        kind = str(body.get("errorType", ""))
        label = f"HTTP {code} {kind}" if kind and kind != str(code) else f"HTTP {code}"
        return _Failure(f"{label}: {body['error']}", retry=retry, wait=wait)
    if code == 404:
        return _Failure("HTTP 404 Not Found — check source.url (the API root, such as "
                        "http://host:9090 or https://host/prometheus)", retry=False)
    snippet = " ".join(resp.text[:_SNIPPET].split())
    reason = f"HTTP {code} {resp.reason or ''}".rstrip()
    return _Failure(f"{reason}: {snippet}" if snippet else reason, retry=retry, wait=wait)


def _json_or_none(resp: requests.Response) -> Any:
    try:
        return resp.json()
    except ValueError:
        return None


def _retry_after(resp: requests.Response) -> float | None:
    """A numeric ``Retry-After`` (seconds); the HTTP-date form is ignored."""
    try:
        return max(0.0, float(resp.headers.get("Retry-After", "")))
    except ValueError:
        return None


def _success_data(resp: requests.Response) -> tuple[dict | None, _Failure | None]:
    body = _json_or_none(resp)
    if not isinstance(body, dict):
        kind = resp.headers.get("Content-Type", "unknown type")
        snippet = " ".join(resp.text[:_SNIPPET].split())
        return None, _Failure(f"not a Prometheus API answer: non-JSON body ({kind}): {snippet}",
                              retry=False)
    if body.get("status") != "success" or "data" not in body:
        kind = body.get("errorType", "error")
        return None, _Failure(f"{kind}: {body.get('error', 'no data in the answer')}", retry=False)
    for warning in body.get("warnings") or []:
        logger.warning("server warning: %s", warning)
    return body["data"], None


# --------------------------------------------------------------------------------------------
# Total deadline per request
# --------------------------------------------------------------------------------------------

_current = threading.local()


class _Deadline:
    """The deadline of one HTTP request, as a context manager around it.

    The ``(connect, read)`` timeouts bound each wait for the server, not the request: a server
    sending one byte every few seconds never trips them. At the deadline a timer shuts down the
    sockets the request used, which wakes the thread blocked reading them; the request then
    fails, and :attr:`expired` tells why (a shut socket can look like a normal end of an answer
    without ``Content-Length``, so the caller checks it even after a success)."""

    def __init__(self, seconds: float):
        self.seconds = seconds
        self.expired = False
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()
        self._timer = threading.Timer(max(seconds, 0.0), self._expire)
        self._timer.daemon = True

    def attach(self, sock: socket.socket | None) -> None:
        if sock is None:
            return
        with self._lock:
            self._sockets.append(sock)
            if self.expired:
                _shut(sock)

    def _expire(self) -> None:
        with self._lock:
            self.expired = True
            for sock in self._sockets:
                _shut(sock)

    def __enter__(self) -> "_Deadline":
        _current.deadline = self
        self._timer.start()
        return self

    def __exit__(self, *exc) -> None:
        self._timer.cancel()
        _current.deadline = None


def _shut(sock: socket.socket) -> None:
    try:  # the plain socket's shutdown, also for TLS: the reader gets EOF at once
        socket.socket.shutdown(sock, socket.SHUT_RDWR)
    except OSError:
        pass


def _watch(sock: socket.socket | None) -> None:
    deadline = getattr(_current, "deadline", None)
    if deadline is not None:
        deadline.attach(sock)


class _Watched:
    """Hands the socket of every request to the running request's deadline: a new connection's
    when it connects, a reused one's when the request is sent (the response may keep the
    socket after the connection lets go of it)."""

    def connect(self):
        super().connect()
        _watch(self.sock)

    def request(self, *args, **kwargs):
        _watch(self.sock)
        return super().request(*args, **kwargs)


class _WatchedHTTPConnection(_Watched, HTTPConnection):
    pass


class _WatchedHTTPSConnection(_Watched, HTTPSConnection):
    pass


class _WatchedHTTPConnectionPool(HTTPConnectionPool):
    ConnectionCls = _WatchedHTTPConnection


class _WatchedHTTPSConnectionPool(HTTPSConnectionPool):
    ConnectionCls = _WatchedHTTPSConnection


def _read_body(resp: requests.Response, limit: int) -> _Failure | None:
    """Read the answer into ``resp`` (so ``resp.json()`` works), at most ``limit`` bytes."""
    mb = f"{limit / 2**20:g} MB (source.max_response_mb)"
    declared = resp.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > limit:
        return _Failure(f"the answer is {int(declared) / 2**20:.1f} MB, more than the limit of {mb}"
                        " — narrow the query (selectors, shorter range) or raise the limit",
                        retry=False)
    body = bytearray()
    for chunk in resp.iter_content(_CHUNK):
        body += chunk
        if len(body) > limit:
            return _Failure(f"the answer exceeds the limit of {mb}; reading stopped — narrow the "
                            "query (selectors, shorter range) or raise the limit", retry=False)
    resp._content = bytes(body)  # what requests itself caches for .content, .text and .json()
    return None


# --------------------------------------------------------------------------------------------
# HTTP client
# --------------------------------------------------------------------------------------------


class PrometheusClient(Prometheus):
    """Timeouts, TLS, retries, range splitting and fast conversion over prometheus-pandas.

    Parameters
    ----------
    url
        API root: ``http://host:9090``, or a prefix such as
        ``http://vmselect:8481/select/0/prometheus``.
    connect_timeout, read_timeout
        Seconds; every request carries both (each bounds one wait for the server).
    total_timeout
        Seconds one HTTP request may take, from connecting to the last byte of its answer.
    fetch_timeout
        Seconds everything this client does may take, from its creation (retries and backoff
        included); ``None``: no bound.
    max_bytes
        Bytes read per answer, at most.
    retries, backoff
        Extra attempts after a retryable failure; the n-th waits ``backoff * 2**(n-1)`` s
        (plus up to 10 % jitter, at most :data:`MAX_DELAY`).
    max_points
        Points per series per request (Prometheus: 11,000; VictoriaMetrics: 30,000).
    concurrency
        Sub-range requests in flight at once.
    bearer_token, basic_auth
        Credentials; they travel only in the ``Authorization`` header.
    ca_file, cert, verify
        TLS: CA bundle, client certificate (path or ``(cert, key)``), or no verification.
    """

    def __init__(
        self,
        url: str,
        *,
        connect_timeout: float = 5.0,
        read_timeout: float = 60.0,
        total_timeout: float = 180.0,
        fetch_timeout: float | None = 3600.0,
        max_bytes: int = 64 * 2**20,
        retries: int = 3,
        backoff: float = 0.5,
        max_points: int = 11_000,
        concurrency: int = 4,
        bearer_token: str | None = None,
        basic_auth: tuple[str, str] | None = None,
        ca_file: str | None = None,
        cert: str | tuple[str, str] | None = None,
        verify: bool = True,
    ):
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise SourceError(f"{safe_url(url)!r} is not an http:// or https:// URL")
        if bearer_token and basic_auth:
            raise SourceError("give a bearer token or basic auth credentials, not both")
        super().__init__(url, http=self._session(concurrency, bearer_token, basic_auth))
        self.url = safe_url(url).rstrip("/")
        self.timeout = (float(connect_timeout), float(read_timeout))
        self.total_timeout = float(total_timeout)
        self.fetch_timeout = None if fetch_timeout is None else float(fetch_timeout)
        self._fetch_deadline = (None if fetch_timeout is None
                                else time.monotonic() + float(fetch_timeout))
        self.max_bytes = int(max_bytes)
        self.retries = int(retries)
        self.backoff = float(backoff)
        self.max_points = int(max_points)
        self.concurrency = max(1, int(concurrency))
        self.verify: bool | str = str(ca_file) if ca_file else bool(verify)
        self.cert = tuple(str(c) for c in cert) if isinstance(cert, (tuple, list)) else (
            str(cert) if cert else None)
        self._pool: ThreadPoolExecutor | None = None
        self._pool_lock = threading.Lock()

    @staticmethod
    def _session(pool: int, token: str | None, basic: tuple[str, str] | None) -> requests.Session:
        session = requests.Session()
        # REQUESTS_CA_BUNDLE / CURL_CA_BUNDLE would override verify, proxies and .netrc too.
        session.trust_env = False
        session.headers["Accept-Encoding"] = "identity"
        session.headers["User-Agent"] = f"mm2report/{__version__}"
        # from now on, nothing this process prints, logs or writes shows them (mm2report.redact)
        if token:
            redact.register(token)
            session.headers["Authorization"] = f"Bearer {token}"
        elif basic:
            redact.register(basic[1], user=basic[0])
            session.auth = tuple(basic)
        adapter = HTTPAdapter(pool_connections=1, pool_maxsize=max(pool, 1), max_retries=0)
        # connections that a request's deadline can shut (see _Deadline)
        adapter.poolmanager.pool_classes_by_scheme = {"http": _WatchedHTTPConnectionPool,
                                                      "https": _WatchedHTTPSConnectionPool}
        session.mount("http://", adapter)
        session.mount("https://", adapter)
        return session

    # ---- queries ------------------------------------------------------------------------

    def query_range(  # type: ignore[override]
        self, promql: str, start: int, end: int, step: int
    ) -> list[Series]:
        """Series of ``promql`` on the grid ``start, start + step, …, end`` (aligned ints)."""
        pieces = split_range(int(start), int(end), int(step), self.max_points)
        whole = f" (piece of {_iso(start)} .. {_iso(end)})" if len(pieces) > 1 else ""

        def fetch(piece: tuple[int, int]) -> list[Series]:
            params = {"query": promql, "start": piece[0], "end": piece[1], "step": int(step)}
            return self._series("api/v1/query_range", params, whole)

        if len(pieces) == 1:
            return fetch(pieces[0])
        return join_pieces(list(self._executor().map(fetch, pieces)))

    def query(self, promql: str, at: int) -> list[Series]:  # type: ignore[override]
        """Series of ``promql`` evaluated at the instant ``at`` (epoch seconds)."""
        return self._series("api/v1/query", {"query": promql, "time": at})

    def rules(self) -> list[dict]:
        """Alerting and recording rule groups (``GET /api/v1/rules`` → ``data.groups``)."""
        data = self._do_query("api/v1/rules", {})
        return list(data.get("groups", [])) if isinstance(data, dict) else []

    def _series(self, path: str, params: dict, note: str = "") -> list[Series]:
        data = self._do_query(path, params, note)
        try:
            return parse_data(data)
        except (SourceError, KeyError, TypeError, IndexError, ValueError) as exc:
            raise self._error(path, params, str(exc) or type(exc).__name__, 1, note) from None

    # ---- HTTP ---------------------------------------------------------------------------

    def _do_query(self, path: str, params: dict, note: str = "") -> dict:
        """GET ``path`` with retries; return the answer's ``data`` or raise SourceError."""
        url = urljoin(self.api_url, path)
        logger.debug("GET %s %s%s", urlsplit(url).path, _describe(params), note)
        attempt = 0
        while True:
            attempt += 1
            left = self._fetch_left()
            if left <= 0:
                raise self._error(path, params, self._spent(), attempt - 1, note)
            data, failure = self._attempt(url, params, min(self.total_timeout, left))
            if failure is None:
                return data
            if not failure.retry or attempt > self.retries:
                raise self._error(path, params, failure.reason, attempt, note)
            delay = self._delay(attempt, failure.wait)
            if delay >= self._fetch_left():
                raise self._error(path, params, failure.reason + "; " + self._spent(), attempt,
                                  note)
            logger.info("%s: %s; attempt %d of %d in %.2f s", urlsplit(url).path,
                        failure.reason, attempt + 1, self.retries + 1, delay)
            time.sleep(delay)

    def _fetch_left(self) -> float:
        if self._fetch_deadline is None:
            return float("inf")
        return self._fetch_deadline - time.monotonic()

    def _spent(self) -> str:
        return (f"the source's time bound of {self.fetch_timeout:g} s (source.timeouts.fetch) "
                "is spent")

    def _attempt(self, url: str, params: dict,
                 seconds: float) -> tuple[dict | None, _Failure | None]:
        with _Deadline(seconds) as deadline:
            try:
                resp = self.http.get(url, params=params, timeout=self.timeout,
                                     verify=self.verify, cert=self.cert, stream=True)
            except requests.RequestException as exc:
                return None, self._late(deadline) or _exception_failure(exc, self.timeout)
            try:
                try:
                    too_large = _read_body(resp, self.max_bytes)
                except (requests.RequestException, OSError) as exc:
                    return None, self._late(deadline) or _exception_failure(exc, self.timeout)
                late = self._late(deadline)  # a shut socket may end an answer "normally"
                if late or too_large:
                    return None, late or too_large
                if 200 <= resp.status_code < 300:
                    return _success_data(resp)
                return None, _response_failure(resp)
            finally:
                resp.close()

    def _late(self, deadline: _Deadline) -> _Failure | None:
        if not deadline.expired:
            return None
        if deadline.seconds < self.total_timeout:
            return _Failure(f"timed out: no complete answer before {self._spent()}", retry=False)
        return _Failure(f"timed out: no complete answer within the total deadline of "
                        f"{self.total_timeout:g} s per request (source.timeouts.total)",
                        retry=True)

    def _delay(self, attempt: int, retry_after: float | None) -> float:
        delay = self.backoff * 2 ** (attempt - 1)
        delay += random.uniform(0, 0.1 * delay)  # jitter: concurrent pieces do not retry in step
        if retry_after is not None:
            delay = max(delay, retry_after)
        return min(delay, MAX_DELAY)

    def _error(
        self, path: str, params: dict, reason: str, attempts: int, note: str = ""
    ) -> SourceError:
        tried = f" (gave up after {attempts} attempts)" if attempts > 1 else ""
        where = _describe(params)
        return SourceError(f"query to {self.url}/{path} failed: {reason}{tried}"
                           + (f"; {where}{note}" if where else ""))

    def _executor(self) -> ThreadPoolExecutor:
        with self._pool_lock:
            if self._pool is None:
                self._pool = ThreadPoolExecutor(self.concurrency, thread_name_prefix="mm2-prom")
            return self._pool

    def close(self) -> None:
        """Stop the worker threads and close pooled connections."""
        with self._pool_lock:
            if self._pool is not None:
                self._pool.shutdown(wait=False, cancel_futures=True)
                self._pool = None
        self.http.close()

    def __exit__(self, *exc) -> None:
        self.close()


# --------------------------------------------------------------------------------------------
# MetricSource
# --------------------------------------------------------------------------------------------


def client_for(source: "Source") -> PrometheusClient:
    """A client configured from a campaign's ``source`` section (secrets read now)."""
    from ..params import BasicAuth, BearerAuth

    if source.url is None:
        raise SourceError("the campaign's source has no url (it is a snapshot)")
    token = basic = None
    if isinstance(source.auth, BearerAuth):
        token = source.auth.token.read_secret()
    elif isinstance(source.auth, BasicAuth):
        basic = (source.auth.username.read(), source.auth.password.read_secret())
    tls = source.tls
    cert = None
    if tls is not None and tls.cert_file is not None:
        cert = (str(tls.cert_file), str(tls.key_file)) if tls.key_file else str(tls.cert_file)
    return PrometheusClient(
        source.url,
        connect_timeout=source.timeouts.connect.total_seconds(),
        read_timeout=source.timeouts.read.total_seconds(),
        total_timeout=source.timeouts.total.total_seconds(),
        fetch_timeout=source.timeouts.fetch.total_seconds(),
        max_bytes=source.max_response_mb * 2**20,
        retries=source.retries,
        max_points=source.max_points,
        concurrency=source.concurrency,
        bearer_token=token,
        basic_auth=basic,
        ca_file=str(tls.ca_file) if tls is not None and tls.ca_file else None,
        cert=cert,
        verify=tls.verify if tls is not None else True,
    )


class PrometheusSource(MetricSource):
    """Catalog queries answered by a Prometheus-compatible HTTP API."""

    def __init__(self, campaign: "Campaign", *, client: PrometheusClient | None = None):
        super().__init__(campaign)
        self.client = client or client_for(campaign.source)

    @property
    def origin(self) -> str:
        return self.client.url

    def _fetch(self, promql: str, start: int, end: int, step: int, instant: bool) -> list[Series]:
        if instant:
            return self.client.query(promql, start)
        return self.client.query_range(promql, start, end, step)

    def query_range_promql(
        self,
        promql: str,
        start: datetime,
        end: datetime,
        step: int | timedelta | None = None,
    ) -> QueryResult:
        """Evaluate raw ``promql`` over ``[start, end]``, aligned as catalog queries are."""
        step_s = self._step(step)
        s, e = align(to_epoch(start), to_epoch(end), step_s)
        series = self._fetch(promql, s, e, step_s, instant=False)
        return QueryResult("", promql, _utc(s), _utc(e), step_s, self.origin,
                           self._frame(series, promql, s, e, step_s, instant=False))

    def rules(self) -> list[dict]:
        """Rule groups loaded by the server (for the alerts criterion)."""
        return self.client.rules()

    def close(self) -> None:
        self.client.close()


def _utc(seconds: int) -> datetime:
    return datetime.fromtimestamp(seconds, tz=timezone.utc)


__all__ = ["PrometheusClient", "PrometheusSource", "client_for", "join_pieces", "parse_data",
           "safe_url", "split_range"]
