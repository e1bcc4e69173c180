"""Campaign regexes are judged as Prometheus judges them: the check of ``mm2report check``
(``promql.check_re2``) agrees with a real Prometheus server on every pattern below, accepted or
refused, and Python's ``re`` would not (it is wrong both ways on several of them)."""

from __future__ import annotations

import re
import warnings

import pytest
import requests

from mm2report.promql import check_re2, quote

pytestmark = pytest.mark.integration

# (pattern, Prometheus accepts it)
PATTERNS = [
    ("orders|payments", True),
    (r"orders\.v[0-9]+", True),
    (r"\pL+", True),  # Unicode class: Python re refuses it
    (r"\p{Greek}", True),
    (r"[[:alpha:]]+", True),
    (r"(?i)orders", True),
    (r"(?P<name>orders)", True),
    (r"\Qa.b\E", True),
    (r"(?U)a+", True),
    (r"a{1000}", True),
    ("(?>orders)", False),  # atomic group: Python re accepts it
    ("orders++", False),  # possessive quantifier: Python re accepts it
    ("(o)?(?(1)rders|x)", False),  # conditional: Python re accepts it
    ("(?#comment)orders", False),  # comment group: Python re accepts it
    ("(?=orders)", False),
    ("(?<!x)orders", False),
    (r"(o)\1", False),
    (r"orders\Z", False),
    ("a**", False),
    ("a{1001}", False),
    ("orders(", False),
    (r"\C", False),
    (r"\\C", True),  # an escaped backslash followed by C
    ("(?<name>orders)", False),  # Go before 1.22 (Debian 12 Prometheus): refused
]


def _prometheus_accepts(url: str, pattern: str) -> bool:
    r = requests.get(f"{url}/api/v1/query", params={"query": f"up{{job=~{quote(pattern)}}}"},
                     timeout=10)
    body = r.json()
    if r.status_code == 200 and body["status"] == "success":
        return True
    assert r.status_code == 400 and body["errorType"] == "bad_data", (pattern, r.text)
    return False


def _check_accepts(pattern: str) -> bool:
    try:
        check_re2(pattern)
    except ValueError:
        return False
    return True


@pytest.mark.parametrize("pattern,accepted", PATTERNS, ids=[p for p, _ in PATTERNS])
def test_check_agrees_with_a_real_prometheus(prometheus_small, pattern, accepted):
    assert _prometheus_accepts(prometheus_small.url, pattern) is accepted
    assert _check_accepts(pattern) is accepted


def test_python_re_would_disagree_with_prometheus():
    """Why RE2 itself is used: Python's re is wrong in both directions on these patterns."""
    def python_accepts(pattern: str) -> bool:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # "possible nested set" for [[:alpha:]]
                re.compile(pattern)
        except re.error:
            return False
        return True

    wrong = [p for p, ok in PATTERNS if python_accepts(p) != ok]
    assert r"\pL+" in wrong and "(?>orders)" in wrong and "orders++" in wrong
