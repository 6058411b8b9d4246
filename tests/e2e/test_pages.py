"""The pages the browser tests drive, checked over plain HTTP: access, CSP, page data."""

import re

import pytest

from conversations.actors import Actor
from messaging.services import message_send

pytestmark = pytest.mark.django_db


def test_dashboard_sends_non_agents_to_the_login_page(client, stranger):
    assert client.get("/dashboard/").url.startswith("/accounts/login/?next=/dashboard/")
    client.force_login(stranger)
    assert client.get("/dashboard/").url.startswith("/accounts/login/")


def test_dashboard_has_no_inline_script_and_a_strict_csp(client, alice):
    client.force_login(alice)
    r = client.get("/dashboard/")
    assert r.status_code == 200
    html = r.content.decode()
    assert "script-src 'self';" in r["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in r["Content-Security-Policy"]
    # Every <script> has a src; no on* handler attributes anywhere.
    assert re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", html) == []
    assert re.search(r"\son[a-z]+=", html) is None
    assert f'data-me-id="{alice.pk}"' in html


def test_agents_json_lists_agents_for_agents_only(client, alice, bob, stranger):
    assert client.get("/dashboard/agents.json").status_code == 403
    client.force_login(stranger)
    assert client.get("/dashboard/agents.json").status_code == 403
    client.force_login(alice)
    agents = client.get("/dashboard/agents.json").json()["agents"]
    assert {a["name"] for a in agents} >= {"Alice Anders", "Bob Baker"}
    assert "Eve" not in {a["name"] for a in agents}


def test_read_state_gives_both_read_marks(client, alice, conversation, visitor):
    message_send(actor=Actor.for_agent(alice), conversation_id=conversation.pk, body="Hi!")
    client.force_login(alice)
    r = client.get(f"/dashboard/read-state.json?ids={conversation.pk},not-a-uuid")
    assert r.json() == {
        str(conversation.pk): {"last_seq": 2, "agent_last_read_seq": 0, "visitor_last_read_seq": 0}
    }


def test_widget_read_state_needs_the_visitor_token(client, visitor, conversation):
    assert client.get("/widget/read-state.json").status_code == 401
    r = client.get("/widget/read-state.json", HTTP_AUTHORIZATION=f"Visitor {visitor.token}")
    assert r.json()["last_seq"] == 1


def test_widget_page_may_be_framed_by_the_allowed_sites_only(client, settings):
    settings.WIDGET_ALLOWED_ORIGINS = ["https://shop.example"]
    r = client.get("/widget/?lang=id&color=%23ff0000&title=Toko")
    csp = r["Content-Security-Policy"]
    assert "frame-ancestors 'self' https://shop.example" in csp
    assert "X-Frame-Options" not in r
    html = r.content.decode()
    assert 'lang="id"' in html and "Agen sedang mengetik…" in html
    assert 'data-color="#ff0000"' in html and "Toko" in html


def test_widget_page_escapes_its_title_and_rejects_odd_colours(client):
    html = client.get("/widget/?title=<script>x</script>&color=red;}").content.decode()
    assert "<script>x</script>" not in html
    assert 'data-color=""' in html


def test_demo_shop_embeds_the_widget_with_one_script_tag(client):
    html = client.get("/demo/").content.decode()
    scripts = re.findall(r"<script[^>]*>", html)
    assert len(scripts) == 1
    # Production settings serve the hashed, cache-busted name; embedding sites use the plain one.
    loader = r'src="http://testserver/static/widget/loader(\.[0-9a-f]{12})?\.js"'
    assert re.search(loader, scripts[0])


def test_javascript_catalog_speaks_indonesian(client):
    body = client.get("/widget/jsi18n/id/").content.decode()
    for text in ("Terhubung", "Terputus", "Menyambung"):
        assert text in body
    assert "Terhubung" not in client.get("/widget/jsi18n/en/").content.decode()
