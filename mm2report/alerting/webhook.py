"""A local webhook receiver for Alertmanager: it records every notification it is sent.

Alertmanager's webhook posts JSON (``version`` 4: ``status``, ``alerts`` with ``labels``,
``annotations``, ``startsAt``, ``endsAt``); the receiver keeps each body with the instant it
arrived, for the lab and the tests to check that each fault's alert was really delivered.
"""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class WebhookReceiver:
    """An HTTP endpoint on 127.0.0.1 (a free port) collecting Alertmanager notifications."""

    def __init__(self) -> None:
        self.received: list[dict] = []  # {"at": epoch seconds, "body": the JSON sent}
        self._lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 (http.server's name)
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length)
                try:
                    body = json.loads(raw)
                except ValueError:
                    self.send_response(400)
                    self.end_headers()
                    return
                with receiver._lock:
                    receiver.received.append({"at": time.time(), "body": body})
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args):  # quiet
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/alerts"

    def start(self) -> "WebhookReceiver":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> "WebhookReceiver":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def save(self, path) -> None:
        """Write what was received (``alerts.notifications`` reads it)."""
        from pathlib import Path

        with self._lock:
            items = list(self.received)
        Path(path).write_text(json.dumps(items, indent=1), encoding="utf-8")

    def firing(self) -> list[dict]:
        """Every firing alert received: its labels, ``startsAt`` and the arrival time."""
        with self._lock:
            items = list(self.received)
        out = []
        for item in items:
            for alert in item["body"].get("alerts", []):
                if alert.get("status") == "firing":
                    out.append({"alertname": alert.get("labels", {}).get("alertname"),
                                "labels": alert.get("labels", {}),
                                "startsAt": alert.get("startsAt"), "received": item["at"]})
        return out


__all__ = ["WebhookReceiver"]
