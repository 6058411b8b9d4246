"""Canned responses over REST (PROTOCOL section 7): who sees and changes what, the shortcut
rules, search, and filling in the variables."""

import pytest

from canned.models import CannedResponse
from canned.selectors import team_canned_responses

pytestmark = pytest.mark.django_db

URL = "/api/v1/canned-responses/"


def detail(canned_id) -> str:
    return f"{URL}{canned_id}/"


def create(client, **fields):
    return client.post(URL, fields, format="json")


@pytest.fixture
def team_refund(as_supervisor):
    r = create(
        as_supervisor,
        shortcut="refund",
        title="Refund policy",
        body="Hi {{visitor.name}}, refunds take 3 days. — {{agent.name}}",
        scope="team",
    )
    assert r.status_code == 201, r.content
    return r.json()


def test_an_agent_creates_a_personal_response(as_alice, alice):
    r = create(as_alice, shortcut="hello", title="Greeting", body="  Hello {{visitor.name}}!  ")
    assert r.status_code == 201, r.content
    body = r.json()
    assert body["shortcut"] == "hello" and body["title"] == "Greeting"
    assert body["body"] == "Hello {{visitor.name}}!"
    assert body["scope"] == "personal"
    assert body["owner"] == {"id": str(alice.pk), "name": "Alice Anders"}
    assert body["updated_at"].endswith("Z")


def test_a_supervisor_creates_a_team_response(team_refund):
    assert team_refund["scope"] == "team" and team_refund["owner"] is None


def test_an_agent_cannot_create_a_team_response(as_alice):
    r = create(as_alice, shortcut="x", body="y", scope="team")
    assert r.status_code == 403 and r.json()["code"] == "forbidden"
    assert not CannedResponse.objects.exists()


def test_the_list_holds_team_ones_and_only_my_personal_ones(as_alice, as_bob, team_refund):
    create(as_alice, shortcut="mine", body="Alice's")
    create(as_bob, shortcut="bobs", body="Bob's")
    shortcuts = [c["shortcut"] for c in as_alice.get(URL).json()["results"]]
    assert shortcuts == ["mine", "refund"]
    shortcuts = [c["shortcut"] for c in as_bob.get(URL).json()["results"]]
    assert shortcuts == ["bobs", "refund"]


@pytest.mark.parametrize(
    ("q", "found"),
    [("ref", ["refund"]), ("POLICY", ["refund"]), ("3 days", ["refund"]), ("/ship", ["shipping"])],
)
def test_q_matches_shortcut_title_and_body(as_alice, team_refund, q, found):
    create(as_alice, shortcut="shipping", title="Where is my parcel", body="It ships today.")
    r = as_alice.get(URL, {"q": q})
    assert [c["shortcut"] for c in r.json()["results"]] == found


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"shortcut": "ok", "body": ""}, "body"),
        ({"shortcut": "ok", "body": "   \n "}, "body"),
        ({"shortcut": "ok"}, "body"),
        ({"shortcut": "ok", "body": "x" * 5001}, "body"),
        ({"shortcut": "ok", "body": 7}, "body"),
        ({"shortcut": "", "body": "b"}, "shortcut"),
        ({"shortcut": "has space", "body": "b"}, "shortcut"),
        ({"shortcut": "x" * 33, "body": "b"}, "shortcut"),
        ({"shortcut": "émoji", "body": "b"}, "shortcut"),
        ({"body": "b"}, "shortcut"),
        ({"shortcut": "ok", "body": "b", "title": "t" * 101}, "title"),
        ({"shortcut": "ok", "body": "b", "scope": "everyone"}, "scope"),
    ],
)
def test_bad_input_is_a_clear_400_and_creates_nothing(as_alice, fields, field):
    r = create(as_alice, **fields)
    assert r.status_code == 400, r.content
    assert r.json()["code"] == "validation_error"
    assert field in r.json()["errors"]
    assert not CannedResponse.objects.exists()


def test_a_shortcut_is_unique_per_scope_and_owner(as_alice, as_bob, as_supervisor, team_refund):
    assert create(as_alice, shortcut="Thanks", body="1").status_code == 201
    again = create(as_alice, shortcut="thanks", body="2")
    assert again.status_code == 409 and again.json()["code"] == "conflict"
    # Another agent, and the team, may use the same shortcut.
    assert create(as_bob, shortcut="thanks", body="3").status_code == 201
    assert create(as_supervisor, shortcut="thanks", body="4", scope="team").status_code == 201
    assert create(as_supervisor, shortcut="REFUND", body="5", scope="team").status_code == 409
    assert CannedResponse.objects.count() == 4


def test_the_owner_edits_and_deletes_a_personal_response(as_alice, as_bob):
    mine = create(as_alice, shortcut="hi", body="Hi").json()
    assert as_bob.patch(detail(mine["id"]), {"body": "x"}, format="json").status_code == 404
    assert as_bob.delete(detail(mine["id"])).status_code == 404
    r = as_alice.patch(detail(mine["id"]), {"body": "Hello", "title": "Hello"}, format="json")
    assert r.status_code == 200 and r.json()["body"] == "Hello" and r.json()["title"] == "Hello"
    empty = as_alice.patch(detail(mine["id"]), {"body": ""}, format="json")
    assert empty.status_code == 400
    assert CannedResponse.objects.get().body == "Hello"
    assert as_alice.delete(detail(mine["id"])).status_code == 204
    assert not CannedResponse.objects.exists()


def test_only_supervisors_change_team_responses(as_alice, as_supervisor, team_refund):
    r = as_alice.patch(detail(team_refund["id"]), {"body": "changed"}, format="json")
    assert r.status_code == 403
    assert as_alice.delete(detail(team_refund["id"])).status_code == 403
    r = as_supervisor.patch(detail(team_refund["id"]), {"title": "Refunds"}, format="json")
    assert r.status_code == 200 and r.json()["title"] == "Refunds"
    assert as_supervisor.delete(detail(team_refund["id"])).status_code == 204


def test_the_scope_cannot_change(as_supervisor, team_refund):
    r = as_supervisor.patch(detail(team_refund["id"]), {"scope": "personal"}, format="json")
    assert r.status_code == 400 and "scope" in r.json()["errors"]


def test_render_fills_in_the_variables(as_bob, bob, team_refund, conversation):
    r = as_bob.post(
        f"{detail(team_refund['id'])}render/",
        {"conversation_id": str(conversation.pk)},
        format="json",
    )
    assert r.status_code == 200, r.content
    assert r.json() == {"text": "Hi Budi, refunds take 3 days. — Bob Baker"}


def test_unknown_or_empty_variables_render_as_empty_strings(as_alice, visitor, conversation):
    visitor.name = ""
    visitor.email = None
    visitor.save()
    canned = create(
        as_alice, shortcut="v", body="[{{visitor.name}}|{{ visitor.email }}|{{nope}}|{{x.y}}]"
    ).json()
    r = as_alice.post(
        f"{detail(canned['id'])}render/", {"conversation_id": str(conversation.pk)}, format="json"
    )
    assert r.json() == {"text": "[|||]"}


def test_render_needs_a_conversation_the_agent_can_see(as_alice, team_refund):
    r = as_alice.post(f"{detail(team_refund['id'])}render/", {}, format="json")
    assert r.status_code == 400 and "conversation_id" in r.json()["errors"]
    r = as_alice.post(
        f"{detail(team_refund['id'])}render/",
        {"conversation_id": "00000000-0000-0000-0000-000000000000"},
        format="json",
    )
    assert r.status_code == 404


def test_shortcuts_starting_with_q_come_first(as_alice, team_refund):
    create(as_alice, shortcut="hours", body="We're here 9 to 5.")
    create(as_alice, shortcut="addresses", title="Our stores", body="Two stores.")
    r = as_alice.get(URL, {"q": "re"})
    assert [c["shortcut"] for c in r.json()["results"]] == ["refund", "addresses", "hours"]


def test_visitors_and_strangers_get_nothing(as_visitor, as_stranger, anonymous, team_refund):
    for client in (as_visitor, as_stranger):
        assert client.get(URL).status_code in (401, 403)
        assert create(client, shortcut="x", body="y").status_code in (401, 403)
    assert anonymous.get(URL).status_code in (401, 403)


def test_the_team_selector_gives_the_ai_only_team_responses(as_alice, team_refund):
    create(as_alice, shortcut="private", body="mine only")
    assert [c.shortcut for c in team_canned_responses()] == ["refund"]
