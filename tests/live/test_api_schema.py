"""The OpenAPI schema tells the truth: schemathesis against a live production process.

The same run an outside reviewer makes (`st run`, every check), with a bounded number of
examples and a fixed seed, so it takes well under a minute and a failure reproduces: an
undocumented status code, a response that does not match its schema, a schema-valid request
refused or a schema-violating one accepted, a server error. Agent operations use an agent's
token; the widget's use a visitor's token. Path ids are usually a real conversation and one
of the agent's own messages (so the answers are the full objects), sometimes generated
(not found). `SCHEMATHESIS_SEED=<n>` explores another part of the input space.
"""

import json
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from channels.db import database_sync_to_async

from conversations.actors import Actor
from messaging import services
from realtime.client import http
from tests.support.factories import PASSWORD

pytestmark = [pytest.mark.live, pytest.mark.django_db(transaction=True)]

ST = Path(sys.executable).with_name("st")
SEED = int(os.environ.get("SCHEMATHESIS_SEED", "7031"))
EXAMPLES = 15

# Answers the schema cannot express, and why. JSON Schema cannot say "the right password",
# "the id of an existing agent" or "a URL and an address Django's validators accept" (host
# name rules, lengths), so those schema-valid requests are refused with 400.
SCHEMA_VALID_BUT_REFUSED = {
    "POST /api/v1/auth/token/": ("wrong credentials", ["400"]),
    "PATCH /api/v1/conversations/{conversation_id}/": (
        "an assignee_id that is no agent's",
        ["400"],
    ),
    "POST /api/v1/widget/session/": ("a page_url or email Django's validators refuse", ["400"]),
    "POST /api/v1/conversations/{conversation_id}/messages/": (
        "attachment ids that are not the sender's own unused uploads",
        ["400"],
    ),
    # The type is decided from the bytes (PROTOCOL section 6): random bytes are no image.
    "POST /api/v1/conversations/{conversation_id}/attachments/": (
        "a file whose bytes are not an accepted type",
        ["400", "415"],
    ),
    "POST /api/v1/widget/resume/": ("a link token that is not ours, or expired", ["400"]),
    "GET /api/v1/reports/overview/": (
        "a range over 366 days, an unknown time zone, or an id that is no agent's",
        ["400"],
    ),
    "POST /api/v1/widget/attachments/": (
        "a file whose bytes are not an accepted type",
        ["400", "415"],
    ),
}
ACCEPTED = ["2xx", "3xx", "401", "403", "404", "409", "429", "5xx"]  # schemathesis' default


def config(*, agent_token: str, visitor_token: str, conversation_id: str, message_id: str) -> str:
    refused = "".join(
        textwrap.dedent(f"""
        [[operations]]
        include-name = "{name}"  # {why}
        checks.positive_data_acceptance.expected-statuses = {json.dumps([*ACCEPTED, *extra])}
        """)
        for name, (why, extra) in SCHEMA_VALID_BUT_REFUSED.items()
    )
    return (
        textwrap.dedent(f"""
        headers = {{ Authorization = "Token {agent_token}" }}
        seed = {SEED}

        [generation]
        database = "none"

        [dictionaries.conversations]
        values = ["{conversation_id}"]

        [dictionaries.messages]
        values = ["{message_id}"]

        [parameters]
        "path.conversation_id" = {{ dictionary = "conversations", probability = 0.8 }}
        "path.message_id" = {{ dictionary = "messages", probability = 0.8 }}

        [[operations]]
        include-path-regex = "^/api/v1/widget/(conversation|messages|attachments)/$"
        headers = {{ Authorization = "Visitor {visitor_token}" }}
        """)
        + refused
    )


@database_sync_to_async
def conversation_with_messages(alice, visitor) -> tuple[str, str]:
    first, _ = services.message_send(
        actor=Actor.for_visitor(visitor), body="Halo, pesanan saya?", client_id="v1"
    )
    conversation_id = str(first.conversation_id)
    reply, _ = services.message_send(
        actor=Actor.for_agent(alice),
        conversation_id=conversation_id,
        body="Sebentar ya",
        client_id="a1",
    )
    return conversation_id, str(reply.pk)


async def test_the_live_api_matches_its_openapi_schema(livestack, alice, visitor, tmp_path):
    url = livestack.servers[0].url
    status, body, _elapsed = http(
        "POST", f"{url}/api/v1/auth/token/", body={"username": "alice", "password": PASSWORD}
    )
    assert status == 200, body
    conversation_id, message_id = await conversation_with_messages(alice, visitor)
    settings_file = tmp_path / "schemathesis.toml"
    settings_file.write_text(
        config(
            agent_token=body["token"],
            visitor_token=visitor.token,
            conversation_id=conversation_id,
            message_id=message_id,
        )
    )
    run = subprocess.run(
        [str(ST), "--config-file", str(settings_file), "run", f"{url}/api/v1/schema/",
         "--url", url, "--checks", "all", "--max-examples", str(EXAMPLES)],
        cwd=tmp_path, capture_output=True, text=True, timeout=300,
        env={**os.environ, "NO_COLOR": "1", "COLUMNS": "120"},
    )  # fmt: skip
    report = run.stdout + run.stderr
    assert run.returncode == 0, report[-12000:]
    selected = re.search(r"Selected: (\d+)/(\d+)", report)
    assert selected and selected[1] == selected[2] and int(selected[1]) >= 11, report[-3000:]
