"""The widget's REST side: sessions, the visitor's conversation and history."""

import pytest

from conversations.models import Visitor

pytestmark = pytest.mark.django_db


def test_session_creates_visitor_and_returns_token_once(anonymous):
    r = anonymous.post(
        "/api/v1/widget/session/",
        {"name": "Budi", "email": "budi@example.com", "page_url": "https://shop.example/cart"},
        format="json",
    )
    assert r.status_code == 201, r.content
    body = r.json()
    assert body["visitor"]["name"] == "Budi"
    assert body["visitor"]["email"] == "budi@example.com"
    visitor = Visitor.objects.get(pk=body["visitor"]["id"])
    assert visitor.page_url == "https://shop.example/cart"
    # Only a hash is stored; the token is long enough to carry >= 128 random bits.
    assert body["token"] not in visitor.token_hash
    assert len(body["token"].split(".")[1]) >= 22


def test_session_without_any_field_gives_an_anonymous_visitor(anonymous):
    r = anonymous.post("/api/v1/widget/session/", {}, format="json")
    assert r.status_code == 201
    assert r.json()["visitor"]["name"].startswith("Visitor ")
    assert r.json()["visitor"]["email"] is None


@pytest.mark.parametrize(
    ("language", "kept"), [("id", "id"), ("en-GB", "en"), ("id_ID", "id"), ("fr", ""), ("", "")]
)
def test_session_keeps_the_widgets_language(anonymous, language, kept):
    """What the AI's hand-off is written in; a language we do not speak is no error."""
    r = anonymous.post("/api/v1/widget/session/", {"language": language}, format="json")
    assert r.status_code == 201
    assert Visitor.objects.get(pk=r.json()["visitor"]["id"]).language == kept


@pytest.mark.parametrize(
    "payload, field",
    [
        ({"email": "not-an-email"}, "email"),
        ({"name": "x" * 101}, "name"),
        ({"page_url": "nope"}, "page_url"),
    ],
)
def test_session_rejects_bad_fields(anonymous, payload, field):
    r = anonymous.post("/api/v1/widget/session/", payload, format="json")
    assert r.status_code == 400
    assert r.json()["code"] == "validation_error"
    assert field in r.json()["detail"]
    assert not Visitor.objects.exists()


def test_session_refuses_a_foreign_origin(anonymous):
    r = anonymous.post(
        "/api/v1/widget/session/", {}, format="json", HTTP_ORIGIN="https://evil.example"
    )
    assert r.status_code == 403
    assert r.json()["code"] == "forbidden"


def test_session_allows_configured_widget_origin_with_cors(anonymous, settings):
    settings.WIDGET_ALLOWED_ORIGINS = ["https://shop.example"]
    settings.CORS_ALLOWED_ORIGINS = ["https://shop.example"]
    r = anonymous.post(
        "/api/v1/widget/session/", {}, format="json", HTTP_ORIGIN="https://shop.example"
    )
    assert r.status_code == 201
    assert r["Access-Control-Allow-Origin"] == "https://shop.example"


def test_cors_is_never_granted_outside_the_widget_api(as_alice, settings):
    settings.CORS_ALLOWED_ORIGINS = ["https://shop.example"]
    r = as_alice.get("/api/v1/conversations/", HTTP_ORIGIN="https://shop.example")
    assert r.status_code == 200
    assert "Access-Control-Allow-Origin" not in r


def test_session_is_throttled(anonymous, monkeypatch):
    from livechat.authentication import WidgetSessionThrottle

    monkeypatch.setattr(WidgetSessionThrottle, "rate", "3/min", raising=False)
    codes = [
        anonymous.post("/api/v1/widget/session/", {}, format="json").status_code for _ in range(4)
    ]
    assert codes == [201, 201, 201, 429]
    r = anonymous.post("/api/v1/widget/session/", {}, format="json")
    assert r.json()["code"] == "rate_limited"


def test_conversation_is_404_before_first_message(as_visitor):
    r = as_visitor.get("/api/v1/widget/conversation/")
    assert r.status_code == 404
    assert r.json()["code"] == "not_found"


def test_visitor_sees_own_conversation_and_messages(as_visitor, conversation):
    r = as_visitor.get("/api/v1/widget/conversation/")
    assert r.status_code == 200
    assert r.json()["id"] == str(conversation.pk)
    assert r.json()["status"] == "open"
    assert r.json()["last_message"]["body"] == "Hello, is anyone there?"
    r = as_visitor.get("/api/v1/widget/messages/")
    assert r.status_code == 200
    assert [m["seq"] for m in r.json()["results"]] == [1]
    assert r.json()["version"] == 1


def test_visitor_never_sees_another_visitors_conversation(as_other_visitor, conversation):
    assert as_other_visitor.get("/api/v1/widget/conversation/").status_code == 404
    assert as_other_visitor.get("/api/v1/widget/messages/").status_code == 404


@pytest.mark.parametrize("header", ["Visitor nonsense", "Visitor a.b", "Visitor ", "Token abc"])
def test_widget_endpoints_refuse_bad_tokens(anonymous, header, conversation):
    r = anonymous.get("/api/v1/widget/messages/", HTTP_AUTHORIZATION=header)
    assert r.status_code == 401
    assert r.json()["code"] == "not_authenticated"


def test_revoked_token_stops_working(as_visitor, visitor, conversation):
    from conversations.services import visitor_revoke_token

    visitor_revoke_token(visitor=visitor)
    assert as_visitor.get("/api/v1/widget/messages/").status_code == 401


def test_visitor_token_never_opens_agent_endpoints(as_visitor, conversation):
    for url in [
        "/api/v1/conversations/",
        f"/api/v1/conversations/{conversation.pk}/",
        f"/api/v1/conversations/{conversation.pk}/messages/",
    ]:
        r = as_visitor.get(url)
        assert r.status_code in (401, 403), url
    r = as_visitor.post(
        f"/api/v1/conversations/{conversation.pk}/messages/", {"body": "x"}, format="json"
    )
    assert r.status_code in (401, 403)
