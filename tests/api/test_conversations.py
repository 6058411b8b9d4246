"""Agents' conversation endpoints: list, filters, detail, updates."""

import pytest

from conversations.actors import Actor
from messaging.services import message_send

pytestmark = pytest.mark.django_db


def test_list_requires_credentials(anonymous):
    r = anonymous.get("/api/v1/conversations/")
    assert r.status_code == 401
    assert r.json() == {
        "detail": "Authentication credentials were not provided.",
        "code": "not_authenticated",
    }


def test_list_refuses_a_user_who_is_not_an_agent(as_stranger):
    r = as_stranger.get("/api/v1/conversations/")
    assert r.status_code == 403
    assert r.json()["code"] == "forbidden"


def test_list_is_newest_activity_first(as_alice, conversation, other_conversation):
    message_send(actor=Actor.for_visitor(conversation.visitor), body="Still there?")
    r = as_alice.get("/api/v1/conversations/")
    assert r.status_code == 200
    ids = [c["id"] for c in r.json()["results"]]
    assert ids == [str(conversation.pk), str(other_conversation.pk)]
    first = r.json()["results"][0]
    assert first["last_message"]["body"] == "Still there?"
    assert first["last_seq"] == 2
    assert first["visitor"] == {
        "id": str(conversation.visitor.pk),
        "name": "Budi",
        "email": "budi@example.com",
    }
    assert first["assignee"] is None
    # An empty knowledge base: the AI does not speak for the team (PROTOCOL section 8).
    assert first["ai_enabled"] is False
    assert r.json()["count"] == 2


def test_list_filters(as_alice, alice, conversation, other_conversation):
    as_alice.patch(
        f"/api/v1/conversations/{conversation.pk}/", {"assignee_id": str(alice.pk)}, format="json"
    )
    as_alice.patch(
        f"/api/v1/conversations/{other_conversation.pk}/", {"status": "pending"}, format="json"
    )

    def ids(query):
        r = as_alice.get(f"/api/v1/conversations/?{query}")
        assert r.status_code == 200, r.content
        return {c["id"] for c in r.json()["results"]}

    assert ids("status=open") == {str(conversation.pk)}
    assert ids("status=pending") == {str(other_conversation.pk)}
    assert ids("assignee=me") == {str(conversation.pk)}
    assert ids("assignee=none") == {str(other_conversation.pk)}
    assert ids(f"assignee={alice.pk}") == {str(conversation.pk)}
    assert ids("q=sari") == {str(other_conversation.pk)}  # visitor name
    assert ids("q=budi@example") == {str(conversation.pk)}  # email
    assert ids("q=anyone") == {str(conversation.pk)}  # message text


@pytest.mark.parametrize("query", ["status=bogus", "assignee=someone"])
def test_list_rejects_bad_filters(as_alice, query):
    r = as_alice.get(f"/api/v1/conversations/?{query}")
    assert r.status_code == 400
    assert r.json()["code"] == "validation_error"


def test_search_never_matches_deleted_text(as_alice, alice, conversation):
    msg, _ = message_send(
        actor=Actor.for_agent(alice), conversation_id=conversation.pk, body="secret-coupon-123"
    )
    as_alice.delete(f"/api/v1/conversations/{conversation.pk}/messages/{msg.pk}/")
    r = as_alice.get("/api/v1/conversations/?q=secret-coupon")
    assert r.json()["results"] == []


def test_detail(as_alice, conversation):
    r = as_alice.get(f"/api/v1/conversations/{conversation.pk}/")
    assert r.status_code == 200
    assert set(r.json()) == {
        "id",
        "status",
        "ai_enabled",
        "visitor",
        "assignee",
        "created_at",
        "updated_at",
        "last_message",
        "last_seq",
        "version",
        "first_response_at",
    }
    assert r.json()["created_at"].endswith("Z")


@pytest.mark.parametrize("cid", ["00000000-0000-0000-0000-000000000000", "not-a-uuid"])
def test_detail_unknown_is_404(as_alice, cid):
    r = as_alice.get(f"/api/v1/conversations/{cid}/")
    assert r.status_code == 404
    assert r.json()["code"] == "not_found"


def test_patch_status_assignee_and_ai(as_alice, bob, conversation):
    url = f"/api/v1/conversations/{conversation.pk}/"
    r = as_alice.patch(
        url, {"status": "closed", "assignee_id": str(bob.pk), "ai_enabled": False}, format="json"
    )
    assert r.status_code == 200, r.content
    body = r.json()
    assert body["status"] == "closed"
    assert body["assignee"] == {"id": str(bob.pk), "name": "Bob Baker"}
    assert body["ai_enabled"] is False
    conversation.refresh_from_db()
    assert conversation.closed_at is not None
    r = as_alice.patch(url, {"status": "open", "assignee_id": None}, format="json")
    assert r.json()["status"] == "open"
    assert r.json()["assignee"] is None


@pytest.mark.parametrize(
    "payload",
    [
        {"status": "archived"},
        {"ai_enabled": "yes"},
        {"assignee_id": "999999"},
        {"assignee_id": "abc"},
    ],
)
def test_patch_rejects_bad_values_and_changes_nothing(as_alice, conversation, payload):
    before = conversation.version
    r = as_alice.patch(f"/api/v1/conversations/{conversation.pk}/", payload, format="json")
    assert r.status_code == 400, r.content
    assert r.json()["code"] == "validation_error"
    conversation.refresh_from_db()
    assert conversation.version == before
    assert conversation.status == "open"


def test_patch_cannot_assign_a_non_agent(as_alice, stranger, conversation):
    r = as_alice.patch(
        f"/api/v1/conversations/{conversation.pk}/", {"assignee_id": stranger.pk}, format="json"
    )
    assert r.status_code == 400


def test_malformed_json_is_a_clear_400(as_alice, conversation):
    r = as_alice.patch(
        f"/api/v1/conversations/{conversation.pk}/",
        data="{not json",
        content_type="application/json",
    )
    assert r.status_code == 400
    assert r.json()["code"] == "invalid_json"


def test_unknown_api_url_is_json_404(as_alice):
    r = as_alice.get("/api/v1/nothing-here/")
    assert r.status_code == 404
    assert r.json()["code"] == "not_found"


@pytest.mark.parametrize(
    "query, field",
    [
        ("assignee=%C2%B2", "assignee"),  # "²": isdigit() says yes, int() says no
        ("q=%00", "q"),
        ("q=refund%00", "q"),
    ],
)
def test_odd_filters_are_a_400_not_a_500(as_alice, query, field):
    r = as_alice.get(f"/api/v1/conversations/?{query}")
    assert r.status_code == 400, r.content[:300]
    assert r.json()["code"] == "validation_error" and field in r.json()["errors"]


@pytest.mark.parametrize("assignee", ["99999999999999999999", "9633698279335383"])
def test_an_agent_id_nobody_has_filters_to_nothing(as_alice, conversation, assignee):
    # The schema allows any digits; an id past what the database holds is nobody's.
    r = as_alice.get(f"/api/v1/conversations/?assignee={assignee}")
    assert r.status_code == 200, r.content[:300]
    assert r.json()["results"] == []
