"""`manage.py livechat_smoke` against a real daphne process."""

import io

import pytest
from django.core.management import CommandError, call_command

from tests.support.factories import AgentFactory

pytestmark = [pytest.mark.live, pytest.mark.django_db(transaction=True)]


def test_smoke_passes_against_a_live_server(livestack):
    AgentFactory(username="deployer", first_name="Dee", password="smoke-test-password-1")
    out = io.StringIO()
    call_command(
        "livechat_smoke",
        url=livestack.servers[0].url,
        username="deployer",
        password="smoke-test-password-1",
        stdout=out,
    )
    lines = out.getvalue().splitlines()
    checks = [line for line in lines if line.strip()[:1] in "✓✗-"]
    assert len(checks) == 12, out.getvalue()
    assert all(line.strip().startswith("✓") and line.endswith(" ms") for line in checks)
    assert "reconnect + sync" in out.getvalue()
    assert lines[-1] == "All 12 checks passed."


def test_smoke_fails_loudly_with_bad_credentials(livestack):
    out = io.StringIO()
    with pytest.raises(CommandError, match="12 of 12"):
        call_command(
            "livechat_smoke",
            url=livestack.servers[0].url,
            username="nobody",
            password="wrong",
            stdout=out,
        )
    assert "✗ agent login" in out.getvalue()
    assert "not run" in out.getvalue()
