"""Redaction of configured secrets (mm2report.redact) and the source limits' parameters.

The registry is process-wide: every secret here is random, so registering it changes nothing
else a test in this process prints."""

from __future__ import annotations

import base64
import io
import json
import logging
import secrets

import pytest

import datasets
from mm2report import redact
from mm2report.errors import ParameterError, SourceError
from mm2report.params import SecretRef, validate_campaign


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def test_a_token_and_its_base64_are_redacted_from_errors_logs_and_streams(caplog):
    token = "tok/" + secrets.token_hex(10) + "+="  # '/' and '+': percent and URL-safe forms
    redact.register(token)
    text = f"a {token} b {b64(token)} c {token.replace('/', '%2F').replace('+', '%2B').replace('=', '%3D')}"
    assert redact.redact(text) == "a [redacted] b [redacted] c [redacted]"
    assert str(SourceError(f"server said {token}")) == "server said [redacted]"
    caplog.set_level(logging.WARNING)
    logging.getLogger("anything.at.all").warning("header %s", f"Bearer {token}")
    assert caplog.records[-1].getMessage() == "header Bearer [redacted]"
    out = io.StringIO()
    print(f"token={token}", file=redact.Stream(out))
    assert out.getvalue() == "token=[redacted]\n"


def test_basic_auth_password_and_the_header_it_travels_in():
    password = "pw-" + secrets.token_hex(8)
    redact.register(password, user="reader")
    header = f"Basic {b64('reader:' + password)}"
    assert redact.redact(header) == "Basic [redacted]"
    assert redact.redact(f"{password} {b64(password)}") == "[redacted] [redacted]"
    assert redact.redact("reader") == "reader"  # the user name alone is no secret


def test_files_are_scrubbed_of_escaped_spellings_too(tmp_path):
    secret = 'q"<&' + secrets.token_hex(8)
    redact.register(secret)
    (tmp_path / "a.json").write_text(json.dumps({"error": f"x {secret}"}))
    (tmp_path / "b.html").write_text(f"<p>{secret.replace('&', '&amp;').replace('<', '&lt;')}</p>")
    (tmp_path / "c.bin").write_bytes(b"\xff\xfe" + secret.encode())
    (tmp_path / "clean.txt").write_text("nothing here")
    changed = redact.scrub_tree(tmp_path)
    assert sorted(p.name for p in changed) == ["a.json", "b.html"]
    assert json.loads((tmp_path / "a.json").read_text()) == {"error": "x [redacted]"}
    assert (tmp_path / "b.html").read_text() == "<p>[redacted]</p>"


def test_a_secret_too_short_to_redact_is_refused(monkeypatch):
    monkeypatch.setenv("MM2_SHORT_SECRET", "abc12")
    with pytest.raises(ParameterError) as info:
        SecretRef(env="MM2_SHORT_SECRET").read_secret()
    assert info.value.problems == [("source.auth", (
        "the secret in environment variable MM2_SHORT_SECRET is shorter than 8 characters: "
        "mm2report redacts credentials from every output and cannot tell one that short from "
        "ordinary text"))]
    assert "abc12" not in str(info.value)


@pytest.mark.parametrize("timeouts, message", [
    ({"read": "60s", "total": "30s"}, "total must be at least read"),
    ({"total": "2h"}, "fetch must be at least total"),
])
def test_source_time_bounds_are_ordered(timeouts, message):
    params = datasets.campaign_dict(url="http://127.0.0.1:9")
    params["source"]["timeouts"] = timeouts
    with pytest.raises(ParameterError) as info:
        validate_campaign(params)
    assert any(message in reason for _, reason in info.value.problems), info.value.problems


def test_source_limits_defaults():
    source = validate_campaign(datasets.campaign_dict(url="http://127.0.0.1:9")).source
    assert source.timeouts.total.total_seconds() == 180
    assert source.timeouts.fetch.total_seconds() == 3600
    assert source.max_response_mb == 64
