"""OpenAPI schema, docs page, and the production settings' deploy check."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]


def test_schema_describes_every_endpoint(client):
    r = client.get("/api/v1/schema/", HTTP_ACCEPT="application/json")
    assert r.status_code == 200
    paths = r.json()["paths"]
    expected = {
        "/api/v1/widget/session/": {"post"},
        "/api/v1/widget/conversation/": {"get"},
        "/api/v1/widget/messages/": {"get"},
        "/api/v1/conversations/": {"get"},
        "/api/v1/conversations/{conversation_id}/": {"get", "patch"},
        "/api/v1/conversations/{conversation_id}/messages/": {"get", "post"},
        "/api/v1/conversations/{conversation_id}/messages/{message_id}/": {"patch", "delete"},
        "/api/v1/auth/token/": {"post"},
    }
    for path, methods in expected.items():
        assert path in paths, path
        assert methods <= set(paths[path]), (path, paths[path].keys())
    message = r.json()["components"]["schemas"]["Message"]["properties"]
    assert {"id", "seq", "version", "client_id", "sender", "body", "deleted"} <= set(message)


def test_docs_page_is_served_without_external_assets(client):
    r = client.get("/api/v1/docs/")
    assert r.status_code == 200
    html = r.content.decode()
    assert "swagger" in html.lower()
    assert "cdn" not in html.lower()


def _clean_environ() -> dict:
    """This process's environment without what the test settings or CI set for the suite."""
    return {
        k: v
        for k, v in os.environ.items()
        if k not in ("DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE")
        and not k.startswith("DJANGO_")
    }


def _manage(*args, **env):
    environ = _clean_environ()
    environ.update(env)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=environ,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_is_clean_with_production_settings():
    r = _manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DJANGO_DEBUG="0",
        DJANGO_SECRET_KEY="x" * 20 + "a-real-long-random-production-secret-key-1234567890",
        ALLOWED_HOSTS="chat.example.com",
    )
    assert r.returncode == 0, r.stdout + r.stderr
    assert "no issues" in r.stdout


def test_production_settings_refuse_to_start_without_a_secret():
    r = _manage("check", DJANGO_DEBUG="0", DJANGO_SECRET_KEY="")
    assert r.returncode != 0
    assert "DJANGO_SECRET_KEY" in r.stderr


def test_debug_is_off_unless_asked_for_and_no_public_secret_exists(tmp_path):
    show = "from django.conf import settings; print(settings.DEBUG)"
    r = _manage("shell", "-c", show, DJANGO_SECRET_KEY="z" * 60)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip().splitlines()[-1] == "False"
    # Debug mode does not bring back a built-in (and so public) secret key either.
    r = _manage("check", DJANGO_DEBUG="1", DJANGO_SECRET_KEY="")
    assert r.returncode != 0 and "DJANGO_SECRET_KEY is not set" in r.stderr


def test_cookies_are_hardened():
    from django.conf import settings

    assert settings.SESSION_COOKIE_HTTPONLY
    assert settings.SESSION_COOKIE_SAMESITE == "Lax"


def test_production_settings_serve_pages_and_static_files_without_collectstatic(tmp_path):
    """A bare `daphne` start with DJANGO_DEBUG=0 must not 500 on `{% static %}`."""
    script = (
        "import django, re; django.setup()\n"
        "from django.test import Client\n"
        "c = Client(HTTP_HOST='127.0.0.1')\n"
        "r = c.get('/accounts/login/')\n"
        'css = re.search(r\'href="(/static/[^"]+\\.css)"\', r.content.decode()).group(1)\n'
        "print(r.status_code, c.get(css).status_code)\n"
    )
    environ = _clean_environ()
    environ.update(
        DJANGO_SETTINGS_MODULE="livechat.settings",
        DJANGO_DEBUG="0",
        DJANGO_HTTPS="0",
        DJANGO_SECRET_KEY="y" * 60,
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
    )
    r = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env=environ,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert r.stdout.split() == ["200", "200"], r.stdout + r.stderr


def test_schema_documents_every_error_with_the_shared_body_and_exact_inputs(client):
    schema = client.get("/api/v1/schema/", HTTP_ACCEPT="application/json").json()
    error = schema["components"]["schemas"]["Error"]
    assert sorted(error["required"]) == ["code", "detail"]
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            responses = operation["responses"]
            assert any(code.startswith("2") for code in responses), (method, path)
            errors = {code for code in responses if code[0] in "45"}
            # Anyone may ask: a token for a password, a new widget session, and the chat a
            # signed email link reopens.
            public = ("/api/v1/auth/token/", "/api/v1/widget/session/", "/api/v1/widget/resume/")
            if path not in public:
                assert {"401", "403", "429"} <= errors, (method, path)
            for code in errors:
                body = responses[code]["content"]["application/json"]["schema"]
                assert body == {"$ref": "#/components/schemas/Error"}, (method, path, code)
            for parameter in operation.get("parameters", []):
                if parameter["in"] == "path":
                    assert parameter["schema"]["format"] == "uuid", (path, parameter)
                    assert "404" in errors
                elif parameter.get("required"):
                    assert "400" in errors, parameter
                else:
                    assert parameter.get("allowEmptyValue") and "400" in errors, parameter
            if "requestBody" in operation:
                assert {"400", "413", "415"} <= errors, (method, path)
    edit = schema["paths"]["/api/v1/conversations/{conversation_id}/messages/{message_id}/"]
    body = edit["patch"]["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    assert schema["components"]["schemas"][body.rsplit("/", 1)[1]]["required"] == ["body"]
    assert "409" in edit["patch"]["responses"]
