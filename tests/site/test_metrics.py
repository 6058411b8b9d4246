"""`/metrics`: off until configured, then only for the scraper's token or address; and the
JSON log format. What the metrics count over real sockets is in tests/live/test_metrics.py."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "scrape-me-7f3a9c1e5b"


def metric_names(response) -> set[str]:
    return {family.name for family in text_string_to_metric_families(response.content.decode())}


def test_metrics_are_off_unless_configured(client, settings):
    settings.METRICS_TOKEN = ""
    settings.METRICS_ALLOWED_IPS = []
    r = client.get("/metrics", HTTP_AUTHORIZATION="Bearer anything")
    assert r.status_code == 404
    assert r.json()["code"] == "not_found"


def test_the_token_admits_a_scraper_and_nothing_else_does(client, settings):
    settings.METRICS_TOKEN = TOKEN
    settings.METRICS_ALLOWED_IPS = []
    r = client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
    assert r.status_code == 200
    assert r["Content-Type"].startswith("text/plain")
    assert {
        "livechat_ws_open_sockets",
        "livechat_ws_frames_in",
        "livechat_ws_frames_out",
        "livechat_ws_frame_seconds",
        "livechat_messages_sent",
        "livechat_broadcast_errors",
        "livechat_channel_layer_errors",
        "livechat_database_errors",
        "livechat_sync_messages",
        "livechat_sync_bytes",
    } <= metric_names(r)

    for header in (None, "Bearer wrong", f"Token {TOKEN}", f"Bearer {TOKEN}x", "Bearer ünïcode"):
        extra = {"HTTP_AUTHORIZATION": header} if header is not None else {}
        refused = client.get("/metrics", **extra)
        assert refused.status_code == 401, header
        assert refused["WWW-Authenticate"] == "Bearer"
        assert refused.json() == {
            "detail": "A metrics token is required.",
            "code": "not_authenticated",
        }
    assert client.post("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}").status_code == 405


def test_an_allowed_address_is_admitted_but_never_through_a_proxy(client, settings):
    settings.METRICS_TOKEN = ""
    settings.METRICS_ALLOWED_IPS = ["10.1.0.0/16", "::1"]
    assert client.get("/metrics", REMOTE_ADDR="10.1.2.3").status_code == 200
    assert client.get("/metrics", REMOTE_ADDR="::1").status_code == 200
    for address in ("10.2.0.1", "127.0.0.1", "not-an-address", ""):
        r = client.get("/metrics", REMOTE_ADDR=address)
        assert r.status_code == 403, address
        assert r.json()["code"] == "forbidden"
    # A proxy on an allowed address forwards everyone's requests: none is admitted by address.
    for header in ("HTTP_X_FORWARDED_FOR", "HTTP_FORWARDED", "HTTP_X_REAL_IP"):
        r = client.get("/metrics", REMOTE_ADDR="10.1.2.3", **{header: "10.1.2.3"})
        assert r.status_code == 403, header


def test_with_both_set_either_admits(client, settings):
    settings.METRICS_TOKEN = TOKEN
    settings.METRICS_ALLOWED_IPS = ["10.1.0.0/16"]
    assert client.get("/metrics", REMOTE_ADDR="10.1.2.3").status_code == 200
    outside = {"REMOTE_ADDR": "192.0.2.1"}
    assert (
        client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}", **outside).status_code == 200
    )
    assert client.get("/metrics", **outside).status_code == 401


def _run(code: str, **env) -> subprocess.CompletedProcess:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    environ.update({"DJANGO_SECRET_KEY": "s" * 60, "DJANGO_SETTINGS_MODULE": "livechat.settings"})
    environ.update(env)
    return subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {code}"],
        cwd=ROOT,
        env=environ,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_bad_settings_refuse_to_start_with_a_clear_message():
    r = _run("", METRICS_ALLOWED_IPS="10.0.0.0/8,not-a-network")
    assert r.returncode != 0 and "METRICS_ALLOWED_IPS" in r.stderr
    r = _run("", LOG_FORMAT="yaml")
    assert r.returncode != 0 and "LOG_FORMAT must be plain or json" in r.stderr


def test_json_logs_are_one_object_per_line_with_the_exception():
    code = (
        "import logging; log = logging.getLogger('livechat.test');"
        "log.warning('two\\nlines, %s', 'Terhubung ✓');"
        "\ntry:\n    1 / 0\nexcept ZeroDivisionError:\n    log.exception('it failed')"
    )
    r = _run(code, LOG_FORMAT="json", LOG_LEVEL="INFO")
    assert r.returncode == 0, r.stderr
    lines = r.stderr.strip().splitlines()
    entries = [json.loads(line) for line in lines]
    assert len(entries) == 2, lines
    warning, error = entries
    assert warning["level"] == "WARNING" and warning["logger"] == "livechat.test"
    assert warning["message"] == "two\nlines, Terhubung ✓"
    assert warning["time"].endswith("Z") and "exception" not in warning
    assert error["level"] == "ERROR" and error["message"] == "it failed"
    assert "ZeroDivisionError: division by zero" in error["exception"]
    assert error["exception"].startswith("Traceback (most recent call last):")


@pytest.mark.parametrize("log_format", ["plain", ""])
def test_plain_logs_stay_the_default(log_format):
    env = {"LOG_FORMAT": log_format} if log_format else {}
    r = _run("import logging; logging.getLogger('x').warning('hello')", **env)
    assert r.returncode == 0, r.stderr
    line = r.stderr.strip()
    assert line.endswith("WARNING x hello") and not line.startswith("{")


def test_with_https_on_metrics_are_scraped_over_plain_http_like_healthz():
    code = (
        "from django.test import Client; c = Client();"
        "print(c.get('/metrics', HTTP_AUTHORIZATION='Bearer t0ken').status_code,"
        " c.get('/accounts/login/').status_code)"
    )
    r = _run(code, DJANGO_HTTPS="1", METRICS_TOKEN="t0ken", ALLOWED_HOSTS="testserver")
    assert r.returncode == 0, r.stderr
    assert r.stdout.split() == ["200", "301"]
