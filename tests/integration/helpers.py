"""Test helpers for the source tests: a fault-injecting proxy, a silent server, TLS material.

The proxy sits in front of a *real* Prometheus: it answers scripted faults first, then forwards.
Nothing here imitates Prometheus' query behaviour.
"""

from __future__ import annotations

import base64
import json
import socket
import subprocess
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import requests

# bcrypt (cost 4, to keep each request cheap) of the password "s3cret-pw", made once with
# Python's crypt module (libxcrypt): crypt.crypt("s3cret-pw", crypt.mksalt(METHOD_BLOWFISH, rounds=16)).
BASIC_USER = "mm2-reader"
BASIC_PASSWORD = "s3cret-pw"
BASIC_HASH = "$2b$04$Ub4zngof1ASQ5vt2cNBGL.NJQxGDXOvXkqb/UuBrZZ1d7zMiBz0oG"


@dataclass(frozen=True)
class Fault:
    """One scripted answer.

    ``{authorization}`` in the body is replaced by the request's ``Authorization`` header, as
    a careless server or proxy quoting the request in its error would; ``{secret}`` and
    ``{secret_b64}`` by the credential it carries (the token, or the basic-auth password the
    header encodes) and its base64. ``drip`` sends the body
    one byte every ``drip`` seconds (from the status line on when ``drip_all``); ``length``
    False sends no ``Content-Length`` (the answer ends when the connection closes)."""

    status: int
    body: bytes = b""
    headers: tuple[tuple[str, str], ...] = ()
    drip: float = 0.0
    drip_all: bool = False
    length: bool = True


def credential_of(authorization: str) -> str:
    """The secret an ``Authorization`` header carries: the token, or the basic-auth password."""
    kind, _, value = authorization.partition(" ")
    if kind == "Basic":
        return base64.b64decode(value).decode().partition(":")[2]
    return value


def fill_credentials(body: bytes, authorization: str) -> bytes:
    secret = credential_of(authorization)
    return (body.replace(b"{authorization}", authorization.encode())
            .replace(b"{secret_b64}", base64.b64encode(secret.encode()))
            .replace(b"{secret}", secret.encode()))


_ECHO = "upstream saw Authorization: {authorization} (credential {secret}, {secret_b64})"


def _echo_into(body: bytes) -> bytes:
    """A forwarded JSON answer quoting the request's credentials (placeholders, filled later)."""
    try:
        data = json.loads(body)
    except ValueError:
        return body
    if not isinstance(data, dict) or data.get("status") != "success":
        return body
    data["warnings"] = [*data.get("warnings", []), _ECHO]
    for group in (data.get("data") or {}).get("groups", []) if isinstance(data.get("data"), dict) else []:
        for rule in group.get("rules", []):
            rule["lastError"] = _ECHO
    return json.dumps(data).encode()


class FaultProxy:
    """HTTP proxy on 127.0.0.1: serves queued faults (or a permanent one), else forwards.

    ``seen`` holds the headers of every request received, ``require_authorization`` makes it
    answer 401 unless the ``Authorization`` header matches. ``echo`` makes it quote the request's
    credentials in the answers it forwards, as a server could: in a ``warnings`` entry of every
    JSON answer and in the ``lastError`` of every alert rule.
    """

    def __init__(self, upstream: str):
        self.upstream = upstream.rstrip("/")
        self.queue: list[Fault] = []
        self.always: Fault | None = None
        self.require_authorization: str | None = None
        self.echo = False
        self.seen: list[dict[str, str]] = []
        self._lock = threading.Lock()
        self._forward = requests.Session()
        self._forward.trust_env = False
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def reset(self) -> None:
        with self._lock:
            self.queue, self.always, self.require_authorization = [], None, None
            self.echo = False
            self.seen = []

    def _next(self, headers: dict[str, str]) -> Fault | None:
        with self._lock:
            self.seen.append(headers)
            wanted = self.require_authorization
            if wanted is not None and headers.get("Authorization") != wanted:
                return Fault(401, b"Unauthorized\n")
            if self.queue:
                return self.queue.pop(0)
            return self.always

    def _handler(self):
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 (http.server API)
                fault = proxy._next(dict(self.headers.items()))
                if fault is None:
                    resp = proxy._forward.get(proxy.upstream + self.path, timeout=30,
                                              headers={"Accept-Encoding": "identity"})
                    fault = Fault(resp.status_code, resp.content,
                                  (("Content-Type", resp.headers.get("Content-Type", "")),))
                    if proxy.echo:
                        fault = Fault(fault.status, _echo_into(fault.body), fault.headers)
                body = fill_credentials(fault.body, self.headers.get("Authorization", ""))
                phrase = self.responses.get(fault.status, ("",))[0]
                head = [f"{self.protocol_version} {fault.status} {phrase}\r\n"]
                head += [f"{name}: {value}\r\n" for name, value in fault.headers]
                if fault.length:
                    head.append(f"Content-Length: {len(body)}\r\n")
                else:
                    head.append("Connection: close\r\n")
                    self.close_connection = True
                raw_head = ("".join(head) + "\r\n").encode()
                try:
                    if fault.drip and fault.drip_all:
                        self._drip(raw_head + body, fault.drip)
                        return
                    self.wfile.write(raw_head)
                    if fault.drip:
                        self._drip(body, fault.drip)
                    else:
                        self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    self.close_connection = True

            def _drip(self, data: bytes, every: float) -> None:
                for i in range(len(data)):
                    self.wfile.write(data[i:i + 1])
                    self.wfile.flush()
                    time.sleep(every)

            def log_message(self, *args):  # keep test output quiet
                pass

        return Handler

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._forward.close()


class SilentServer:
    """Accepts TCP connections and never answers (a hung server or a black-holing proxy)."""

    def __init__(self):
        self._sock = socket.socket()
        self._sock.bind(("127.0.0.1", 0))
        self._sock.listen(16)
        self._held: list[socket.socket] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._sock.getsockname()[1]}"

    def _accept(self) -> None:
        self._sock.settimeout(0.1)
        while not self._stop.is_set():
            try:
                conn, _ = self._sock.accept()
            except (socket.timeout, OSError):
                continue
            self._held.append(conn)

    def close(self) -> None:
        self._stop.set()
        self._thread.join()
        for conn in self._held:
            conn.close()
        self._sock.close()


@dataclass(frozen=True)
class TlsMaterial:
    ca: Path
    server_cert: Path
    server_key: Path
    client_cert: Path
    client_key: Path
    other_ca: Path  # a CA that signed nothing used here


def _openssl(*args: str, cwd: Path) -> None:
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True)


def _ca(directory: Path, name: str) -> None:
    _openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
             "-nodes", "-keyout", f"{name}.key", "-out", f"{name}.pem", "-days", "2",
             "-subj", f"/CN=mm2report test {name}",
             "-addext", "basicConstraints=critical,CA:TRUE",
             "-addext", "keyUsage=critical,keyCertSign,cRLSign", cwd=directory)


def _leaf(directory: Path, name: str, extensions: str) -> None:
    (directory / f"{name}.ext").write_text(extensions)
    _openssl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
             "-keyout", f"{name}.key", "-out", f"{name}.csr", "-subj", f"/CN={name}",
             cwd=directory)
    _openssl("x509", "-req", "-in", f"{name}.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
             "-CAcreateserial", "-out", f"{name}.pem", "-days", "2",
             "-extfile", f"{name}.ext", cwd=directory)


def make_tls(directory: Path) -> TlsMaterial:
    """A CA, a server certificate for 127.0.0.1, a client certificate and an unrelated CA."""
    directory.mkdir(parents=True, exist_ok=True)
    _ca(directory, "ca")
    _ca(directory, "other-ca")
    _leaf(directory, "server", "subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\n"
          "keyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n")
    _leaf(directory, "client", "basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\n"
          "extendedKeyUsage=clientAuth\n")
    return TlsMaterial(directory / "ca.pem", directory / "server.pem", directory / "server.key",
                       directory / "client.pem", directory / "client.key",
                       directory / "other-ca.pem")


def web_config(path: Path, tls: TlsMaterial, *, basic_auth: bool = False,
               client_certs: bool = False) -> Path:
    """A Prometheus ``--web.config.file``: TLS, optionally basic auth or required client certs."""
    lines = ["tls_server_config:", f"  cert_file: {tls.server_cert}", f"  key_file: {tls.server_key}"]
    if client_certs:
        lines += ["  client_auth_type: RequireAndVerifyClientCert", f"  client_ca_file: {tls.ca}"]
    if basic_auth:
        lines += ["basic_auth_users:", f"  {BASIC_USER}: '{BASIC_HASH}'"]
    path.write_text("\n".join(lines) + "\n")
    return path


# Shared fixtures (imported by the test modules that use them): one FaultProxy in front of the
# small real Prometheus per module, reset around every test that scripts faults.
@pytest.fixture(scope="module")
def proxy(prometheus_small):
    server = FaultProxy(prometheus_small.url)
    yield server
    server.close()


@pytest.fixture
def fresh_proxy(proxy):
    proxy.reset()
    yield proxy
    proxy.reset()
