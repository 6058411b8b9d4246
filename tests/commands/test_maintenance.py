"""`livechat_close_stale`, `livechat_cleanup`, `livechat_export`, `livechat_seed_demo`:
happy paths, dry runs, bad input, and the exit codes scripts rely on."""

import csv
import io
import json
import uuid
from datetime import timedelta

import pytest
from django.db.models import Count, Max, Min
from django.utils import timezone

from conversations import services as conversation_services
from conversations.models import Conversation, Visitor
from messaging.models import Message
from tests.support.factories import VisitorFactory
from tests.support.history import Chat, utc

pytestmark = pytest.mark.django_db(transaction=True)

COMMANDS = [
    "livechat_close_stale",
    "livechat_cleanup",
    "livechat_export",
    "livechat_seed_demo",
    "livechat_forget_visitor",
    "livechat_export_visitor",
    "livechat_purge",
    "livechat_smoke",
]


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_explains_itself(manage, command):
    run = manage(command, "--help")
    assert run.code == 0 and "usage:" in run.out and len(run.out) > 200


def quiet_for(conversation, hours: float) -> None:
    Message.objects.filter(conversation=conversation).update(
        created_at=timezone.now() - timedelta(hours=hours)
    )


def test_close_stale_closes_quiet_conversations_as_the_system(
    manage, conversation, other_conversation, sent_frames
):
    quiet_for(conversation, 25)
    quiet_for(other_conversation, 2)
    dry = manage("livechat_close_stale", "--idle", "24h", "--dry-run")
    assert dry.code == 0 and "Would close 1 conversation" in dry.out
    assert not sent_frames
    run = manage("livechat_close_stale", "--idle", "24h")
    assert run.code == 0 and "Closed 1 conversation" in run.out
    conversation.refresh_from_db()
    other_conversation.refresh_from_db()
    assert conversation.status == "closed" and other_conversation.status == "open"
    note = conversation.messages.order_by("-seq").first()
    assert note.sender_type == "system" and "quiet" in note.body
    kinds = [
        (frame["type"], frame.get("message", frame.get("conversation"))) for _, frame in sent_frames
    ]
    assert [k for k, _ in kinds] == ["new_message", "conversation:updated"]
    assert kinds[0][1]["sender"] == {"type": "system", "id": None, "name": "System"}
    assert kinds[1][1]["status"] == "closed"
    # Already closed: nothing more to do.
    assert "Closed 0" in manage("livechat_close_stale", "--idle", "24h").out


def test_close_stale_takes_a_message_and_refuses_odd_input(manage, conversation):
    quiet_for(conversation, 50)
    assert manage("livechat_close_stale", "--idle", "soon").code == 2
    assert manage("livechat_close_stale").code == 2
    assert manage("livechat_close_stale", "--idle", "2d", "--message", "  ").code == 2
    assert manage("livechat_close_stale", "--idle", "2d", "--message", "Bye!").code == 0
    assert conversation.messages.order_by("-seq").first().body == "Bye!"


def test_cleanup_removes_unused_sessions_and_dead_tokens(manage, settings, visitor, conversation):
    settings.VISITOR_TOKEN_IDLE_DAYS = 90
    old_unused, new_unused, revoked, idle = (VisitorFactory() for _ in range(4))
    long_ago = timezone.now() - timedelta(days=31)
    Visitor.objects.filter(pk=old_unused.pk).update(created_at=long_ago)
    # Budi has a conversation: he stays however old his session is.
    Visitor.objects.filter(pk=visitor.pk).update(created_at=long_ago)
    conversation_services.visitor_revoke_token(visitor=revoked)
    Visitor.objects.filter(pk=idle.pk).update(last_seen_at=timezone.now() - timedelta(days=91))
    dry = manage("livechat_cleanup", "--dry-run")
    assert dry.code == 0
    assert "visitors without a conversation, older than 30 days: would remove 1" in dry.out
    assert "revoked and idle visitor tokens: would remove 2" in dry.out
    run = manage("livechat_cleanup")
    assert run.code == 0, run.err
    assert "removed 1" in run.out and "removed 2" in run.out
    assert not Visitor.objects.filter(pk=old_unused.pk).exists()
    assert Visitor.objects.filter(pk__in=[visitor.pk, new_unused.pk]).count() == 2
    for v in (revoked, idle):
        v.refresh_from_db()
        assert v.token_hash == "" and v.token_revoked_at is not None
        assert conversation_services.visitor_authenticate(token=v.token) is None
    assert conversation_services.visitor_authenticate(token=visitor.token) is not None
    assert "would remove 0" in manage("livechat_cleanup", "--dry-run").out


def test_cleanup_reports_a_failing_step_and_runs_the_others(manage, monkeypatch, db):
    from livechat.cleanup import FunctionStep
    from messaging.management.commands import livechat_cleanup

    def broken(*, dry_run):
        raise RuntimeError("storage unreachable")

    steps = [FunctionStep("broken", broken), *livechat_cleanup.STEPS]
    monkeypatch.setattr(livechat_cleanup, "STEPS", steps)
    run = manage("livechat_cleanup")
    assert run.code == 1 and "broken: failed: storage unreachable" in run.err
    assert "visitor tokens: removed 0" in run.out


@pytest.fixture
def transcripts_history(alice):
    """Two conversations on 1 March in Jakarta, one late on 28 February (Jakarta time)."""
    Chat("Budi", utc(2026, 2, 28, 16, 0), body="Halo").agent_says(alice, utc(2026, 2, 28, 16, 1))
    Chat("Tom", utc(2026, 2, 28, 17, 30), body='=HYPERLINK("http://x")')
    Chat("Sari", utc(2026, 3, 1, 9, 0), body="Kapan dikirim?").agent_says(
        alice, utc(2026, 3, 1, 9, 2), body="Hari ini"
    )


def test_export_jsonl_streams_a_conversation_per_line(manage, transcripts_history):
    args = ["livechat_export", "--from", "2026-03-01", "--to", "2026-03-01"]
    run = manage(*args, "--tz", "Asia/Jakarta", "--format", "jsonl")
    assert run.code == 0, run.err
    lines = [json.loads(line) for line in run.out.splitlines()]
    assert [line["conversation"]["visitor"]["name"] for line in lines] == ["Tom", "Sari"]
    assert [m["body"] for m in lines[1]["messages"]] == ["Kapan dikirim?", "Hari ini"]
    # The same day in UTC holds only Sari.
    assert len(manage(*args, "--format", "jsonl").out.splitlines()) == 1


def test_export_csv_to_a_file(manage, transcripts_history, tmp_path):
    target = tmp_path / "march.csv"
    run = manage(
        "livechat_export", "--from", "2026-02-01", "--to", "2026-03-31", "--format", "csv",
        "-o", str(target),
    )  # fmt: skip
    assert run.code == 0 and "Exported 3 conversation(s)" in run.err
    rows = list(csv.DictReader(io.StringIO(target.read_text(encoding="utf-8"))))
    assert [(r["visitor_name"], r["sender_type"], r["body"]) for r in rows] == [
        ("Budi", "visitor", "Halo"),
        ("Budi", "agent", "Happy to help"),
        ("Tom", "visitor", '\'=HYPERLINK("http://x")'),  # never a formula in a spreadsheet
        ("Sari", "visitor", "Kapan dikirim?"),
        ("Sari", "agent", "Hari ini"),
    ]


@pytest.mark.parametrize(
    "args",
    [
        ["--from", "2026-03-01"],
        ["--from", "2026-3-1", "--to", "2026-03-02"],
        ["--from", "2026-03-02", "--to", "2026-03-01"],
        ["--from", "2026-03-01", "--to", "2026-03-02", "--format", "xml"],
        ["--from", "2026-03-01", "--to", "2026-03-02", "--tz", "Nowhere/Special"],
    ],
)
def test_export_bad_input(manage, db, args):
    assert manage("livechat_export", *args).code == 2


def test_seed_demo_writes_consistent_history(manage, client, supervisor):
    run = manage("livechat_seed_demo", "--conversations", "60", "--seed", "3", "--no-input")
    assert run.code == 0, run.err
    assert Conversation.objects.count() == 60
    per_conversation = Conversation.objects.annotate(
        n=Count("messages"), low=Min("messages__seq"), high=Max("messages__seq")
    )
    for c in per_conversation.select_related("last_message"):
        assert (c.low, c.high, c.n) == (1, c.last_seq, c.last_seq)
        assert c.last_message.seq == c.last_seq
        assert (c.closed_at is not None) == (c.status == "closed")
        first_agent = c.messages.filter(sender_type="agent").order_by("seq").first()
        assert c.first_response_at == (first_agent and first_agent.created_at)
        versions = list(c.messages.values_list("version", flat=True))
        assert len(set(versions)) == len(versions) and max(versions) <= c.version
    languages = " ".join(Message.objects.values_list("body", flat=True))
    assert "Halo" in languages or "Kak" in languages
    assert "order" in languages or "Hi" in languages
    assert Message.objects.filter(edited_at__isnull=False).exists()
    client.force_login(supervisor)
    today = timezone.localdate()
    report = client.get(
        "/api/v1/reports/overview/",
        {"from": str(today - timedelta(days=30)), "to": str(today)},
    ).json()
    assert report["conversations"]["created"] == 60
    assert report["messages"]["agent"] > 0 and report["per_agent"]


def test_seed_demo_bad_input_and_dry_run(manage, db):
    assert manage("livechat_seed_demo", "--conversations", "0", "--no-input").code == 2
    assert manage("livechat_seed_demo", "--conversations", "x").code == 2
    assert manage("livechat_seed_demo", "--conversations", "5", "--days", "0").code == 2
    dry = manage("livechat_seed_demo", "--conversations", "5", "--dry-run")
    assert dry.code == 0 and "Would add 5" in dry.out
    assert not Conversation.objects.exists()


def test_progress_bars_draw_on_request(manage, conversation):
    quiet_for(conversation, 30)
    run = manage("livechat_close_stale", "--idle", "1d", "--progress")
    assert run.code == 0 and "closing" in run.err and "100%" in run.err


def test_cleanup_removes_uploads_never_sent_after_a_day(manage, media, visitor, as_visitor):
    from messaging.models import Attachment
    from tests.api.test_attachments import upload
    from tests.support import files

    old = upload(as_visitor, files.png(64, 64), "old.png", "image/png").json()
    new = upload(as_visitor, files.png(64, 64), "new.png", "image/png").json()
    Attachment.objects.filter(pk=old["id"]).update(created_at=timezone.now() - timedelta(days=2))
    assert (
        "never sent in a message, older than a day: would remove 1"
        in manage("livechat_cleanup", "--dry-run").out
    )
    run = manage("livechat_cleanup")
    assert run.code == 0, run.err
    assert list(Attachment.objects.values_list("pk", flat=True)) == [uuid.UUID(new["id"])]
    assert len([p for p in media.rglob("*") if p.is_file()]) == 1  # new.png, its own thumbnail
