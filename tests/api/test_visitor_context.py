"""The visitor context of the dashboard's side panel, and agents correcting a visitor."""

import pytest

from conversations.actors import Actor
from conversations.models import Visitor
from conversations.services import visitor_create
from messaging.services import message_send

pytestmark = pytest.mark.django_db

IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1"
)
WINDOWS_CHROME = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/120.0.0.0 Safari/537.36"
)


def url(visitor) -> str:
    return f"/api/v1/visitors/{visitor.pk}/"


def test_a_session_keeps_only_origin_and_path_language_and_time_zone(anonymous):
    r = anonymous.post(
        "/api/v1/widget/session/",
        {
            "page_url": "https://shop.example/checkout?token=s3cret&email=a@b.c#pay",
            "language": "id-ID",
            "time_zone": "Asia/Jakarta",
        },
        format="json",
        HTTP_USER_AGENT=IPHONE,
    )
    assert r.status_code == 201, r.content
    visitor = Visitor.objects.get(pk=r.json()["visitor"]["id"])
    assert visitor.page_url == "https://shop.example/checkout"
    assert visitor.language == "id" and visitor.time_zone == "Asia/Jakarta"


def test_an_unknown_time_zone_or_language_is_ignored_not_refused(anonymous):
    r = anonymous.post(
        "/api/v1/widget/session/",
        {"time_zone": "Mars/Olympus", "language": "tlh"},
        format="json",
    )
    assert r.status_code == 201
    visitor = Visitor.objects.get(pk=r.json()["visitor"]["id"])
    assert visitor.time_zone == "" and visitor.language == ""


def test_the_context_has_page_browser_os_time_zone_and_history(as_alice):
    earlier, _ = visitor_create(name="Budi", email="Budi@Example.com")
    message_send(actor=Actor.for_visitor(earlier), body="Last month's question")
    visitor, _ = visitor_create(
        name="Budi",
        email="budi@example.com",
        page_url="https://shop.example/cart",
        user_agent=IPHONE,
        time_zone="Asia/Jakarta",
    )
    message, _ = message_send(actor=Actor.for_visitor(visitor), body="Hi again")
    r = as_alice.get(url(visitor))
    assert r.status_code == 200, r.content
    body = r.json()
    assert body["id"] == str(visitor.pk) and body["name"] == "Budi"
    assert body["conversation_id"] == str(message.conversation_id)
    assert body["page_url"] == "https://shop.example/cart"
    assert body["browser"] == {"name": "Mobile Safari", "version": "17.1"}
    assert body["os"] == {"name": "iOS", "version": "17.1"}
    assert body["device"] == "iPhone"
    assert body["time_zone"] == "Asia/Jakarta"
    assert body["first_seen_at"].endswith("Z")
    assert body["earlier_conversations"] == 1


def test_a_desktop_browser_and_an_empty_user_agent(as_alice):
    desktop, _ = visitor_create(user_agent=WINDOWS_CHROME)
    body = as_alice.get(url(desktop)).json()
    assert body["browser"] == {"name": "Chrome", "version": "120.0"}
    assert body["os"] == {"name": "Windows", "version": "10"}
    assert body["device"] is None
    unknown, _ = visitor_create(user_agent="")
    body = as_alice.get(url(unknown)).json()
    assert body["browser"]["name"] == "" and body["os"]["name"] == ""
    assert body["earlier_conversations"] == 0


@pytest.mark.django_db(transaction=True)
def test_an_agent_edits_name_and_email_and_every_agent_sees_it(
    as_alice, visitor, conversation, sent_frames
):
    r = as_alice.patch(
        url(visitor), {"name": "  Budi   Santoso ", "email": "Budi@EXAMPLE.com"}, format="json"
    )
    assert r.status_code == 200, r.content
    assert r.json()["name"] == "Budi Santoso" and r.json()["email"] == "Budi@example.com"
    visitor.refresh_from_db()
    assert visitor.name == "Budi Santoso" and visitor.email == "Budi@example.com"
    ((recipients, frame),) = sent_frames
    assert recipients == ["agents"]
    assert frame["type"] == "visitor:updated"
    assert frame["visitor"]["name"] == "Budi Santoso"
    assert frame["visitor"]["conversation_id"] == str(conversation.pk)
    # The same values again: nothing changes, nothing is sent.
    as_alice.patch(url(visitor), {"name": "Budi Santoso"}, format="json")
    assert len(sent_frames) == 1


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"email": "not an email"}, "email"),
        ({"email": "budi@"}, "email"),
        ({"email": 42}, "email"),
        ({"name": "x" * 101}, "name"),
        ({"name": ["Budi"]}, "name"),
    ],
)
def test_bad_input_is_refused_and_changes_nothing(as_alice, visitor, payload, field, sent_frames):
    r = as_alice.patch(url(visitor), payload, format="json")
    assert r.status_code == 400 and field in r.json()["errors"]
    fresh = Visitor.objects.get(pk=visitor.pk)
    assert (fresh.name, fresh.email) == ("Budi", "budi@example.com")
    assert sent_frames == []


def test_an_email_can_be_removed(as_alice, visitor):
    r = as_alice.patch(url(visitor), {"email": ""}, format="json")
    assert r.status_code == 200 and r.json()["email"] is None


def test_visitors_and_strangers_cannot_read_or_edit_visitors(
    as_visitor, as_stranger, other_visitor
):
    for client in (as_visitor, as_stranger):
        assert client.get(url(other_visitor)).status_code in (401, 403)
        assert client.patch(url(other_visitor), {"name": "x"}, format="json").status_code in (
            401,
            403,
        )


def test_an_unknown_visitor_is_404(as_alice):
    assert as_alice.get("/api/v1/visitors/nope/").status_code == 404


@pytest.mark.django_db(transaction=True)
def test_the_widget_leaves_an_email_for_replies(as_visitor, visitor, sent_frames):
    r = as_visitor.patch("/api/v1/widget/visitor/", {"email": "new@example.com"}, format="json")
    assert r.status_code == 200 and r.json()["email"] == "new@example.com"
    bad = as_visitor.patch("/api/v1/widget/visitor/", {"email": "nope"}, format="json")
    assert bad.status_code == 400 and bad.json()["code"] == "validation_error"
    assert Visitor.objects.get(pk=visitor.pk).email == "new@example.com"
    assert [f["type"] for _, f in sent_frames] == ["visitor:updated"]
