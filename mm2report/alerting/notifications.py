"""The notifications Alertmanager delivered during a campaign: the proof that an alert arrived.

The file (``alerts.notifications``) is what a webhook receiver recorded
(:class:`~mm2report.alerting.webhook.WebhookReceiver.save`): a JSON list of
``{"at": <epoch seconds received>, "body": <Alertmanager's webhook payload>}``. Each firing
alert in it gives its name, the instant Prometheus fired it (``startsAt``) and when the
notification arrived.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path


class NotificationError(ValueError):
    """The notifications file is missing or not a webhook receiver's log."""


@dataclass(frozen=True)
class Notification:
    alert: str
    fired_at: float  # startsAt: when Prometheus fired the alert, epoch seconds
    received_at: float  # when the webhook received the notification
    campaign: str | None = None  # the rule's campaign label


def load_notifications(path: Path) -> tuple[Notification, ...]:
    try:
        items = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise NotificationError(f"cannot read {path}: {exc.strerror or exc}") from None
    except ValueError as exc:
        raise NotificationError(f"{path} is not JSON: {exc}") from None
    if not isinstance(items, list):
        raise NotificationError(f"{path}: expected a list of received notifications")
    out = []
    for i, item in enumerate(items):
        try:
            received = float(item["at"])
            for alert in item["body"].get("alerts", []):
                if alert.get("status") != "firing":
                    continue
                labels = alert.get("labels", {})
                starts = datetime.fromisoformat(str(alert["startsAt"]).replace("Z", "+00:00"))
                out.append(Notification(str(labels["alertname"]), starts.timestamp(), received,
                                        labels.get("campaign")))
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise NotificationError(f"{path}: notification {i} is not an Alertmanager webhook "
                                    f"payload ({exc!r})") from None
    return tuple(sorted(out, key=lambda n: n.fired_at))


__all__ = ["Notification", "NotificationError", "load_notifications"]
