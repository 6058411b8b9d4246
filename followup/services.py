"""Email follow-up: what gets queued, and the outbox that sends it.

Requests and the scheduler only write `OutboundEmail` rows; `outbox_process` sends them, off
every request path, and retries on SMTP failure. Rows are claimed with
`SELECT … FOR UPDATE SKIP LOCKED`, one row per short transaction, so any number of workers
(every daphne process, a cron command) share the outbox and never send a row twice.
"""

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import get_connection
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from conversations import services as conversation_services
from conversations.actors import Actor
from conversations.models import Conversation, ConversationStatus, Visitor
from followup.emails import followup_email, transcript_email
from followup.models import EmailKind, EmailStatus, OutboundEmail
from livechat.errors import Conflict, Forbidden, NotFound, ValidationFailed
from messaging.models import Message, SenderType

logger = logging.getLogger(__name__)

# At most one follow-up per conversation in this long.
FOLLOWUP_MIN_INTERVAL = timedelta(hours=1)
# Replies older than this are not chased any more.
FOLLOWUP_MAX_AGE = timedelta(days=3)
# A visitor asking again for the same transcript within this long gets the one queued.
TRANSCRIPT_REPEAT_WINDOW = timedelta(minutes=10)
REPLY_SENDERS = (SenderType.AGENT, SenderType.AI)


def _replies(conversation: Conversation):
    """What the visitor sees from the other side: agents' and the AI's live messages (never a
    private note). Positions are the visitor's (`visitor_seq`), like its read mark."""
    return Message.objects.filter(
        conversation_id=conversation.pk,
        sender_type__in=REPLY_SENDERS,
        deleted_at__isnull=True,
        internal=False,
    )


def _may_email(visitor: Visitor) -> bool:
    return bool(visitor.email) and visitor.email_unsubscribed_at is None


# --- requests -------------------------------------------------------------------------------


def transcript_request(*, actor: Actor, email=None) -> OutboundEmail:
    """The visitor asks for the transcript of its closed conversation (the widget's button),
    at `email` (which becomes the visitor's address) or the one it left earlier."""
    if not actor.is_visitor:
        raise Forbidden("Only the visitor can ask for its transcript.")
    if email not in (None, ""):
        conversation_services.clean_email(email)  # refused before anything changes
    conversation = (
        Conversation.objects.select_related("visitor").filter(visitor_id=actor.visitor.pk).first()
    )
    if conversation is None:
        raise NotFound("No conversation yet: it starts with the first message.")
    if conversation.status != ConversationStatus.CLOSED:
        raise Conflict("The transcript can be emailed once the conversation is closed.")
    with transaction.atomic():
        visitor = conversation_services.visitor_update(actor=actor, email=email or UNCHANGED)
        if not visitor.email:
            raise ValidationFailed.field("email", "An email address is required.")
        if visitor.email_unsubscribed_at is not None:
            # Asking for it is consent again: the visitor typed the address just now.
            Visitor.objects.filter(pk=visitor.pk).update(email_unsubscribed_at=None)
        now = timezone.now()
        recent = OutboundEmail.objects.filter(
            conversation=conversation,
            kind=EmailKind.TRANSCRIPT,
            to=visitor.email,
            created_at__gte=now - TRANSCRIPT_REPEAT_WINDOW,
        ).first()
        if recent is not None:
            return recent
        return OutboundEmail.objects.create(
            kind=EmailKind.TRANSCRIPT,
            conversation=conversation,
            to=visitor.email,
            next_attempt_at=now,
        )


# `visitor_update` leaves the email alone when given this.
UNCHANGED = conversation_services.UNSET


def unsubscribe(visitor: Visitor) -> None:
    """No more emails to this visitor; pending ones are cancelled."""
    with transaction.atomic():
        Visitor.objects.filter(pk=visitor.pk, email_unsubscribed_at__isnull=True).update(
            email_unsubscribed_at=timezone.now()
        )
        OutboundEmail.objects.filter(
            conversation__visitor_id=visitor.pk, status=EmailStatus.PENDING
        ).update(status=EmailStatus.CANCELLED)


def visitor_resume(visitor: Visitor) -> str:
    """A fresh visitor token for the chat reopened from an email link. The visitor keeps one
    token at a time, so this signs out the browser it used before (its sockets close 4401)."""
    conversation_services.visitor_revoke_token(visitor=visitor)
    token = visitor.issue_token()
    visitor.save(update_fields=["token_hash", "token_revoked_at"])
    return token


# --- the scheduler -------------------------------------------------------------------------------


def followups_schedule(*, now: datetime | None = None, limit: int = 100) -> int:
    """Queue one follow-up for each conversation whose visitor left an email and has not read
    an agent's (or the AI's) reply for `EMAIL_FOLLOWUP_AFTER`; at most one per conversation
    per hour, and never twice for the same replies. Returns how many were queued."""
    now = now or timezone.now()
    due = now - timedelta(seconds=settings.EMAIL_FOLLOWUP_AFTER)
    unread = _unread_reply_filter().filter(
        created_at__lte=due, created_at__gte=now - FOLLOWUP_MAX_AGE
    )
    recently_emailed = OutboundEmail.objects.filter(
        conversation=OuterRef("pk"),
        kind=EmailKind.FOLLOWUP,
        created_at__gt=now - FOLLOWUP_MIN_INTERVAL,
    )
    candidates = (
        Conversation.objects.filter(
            updated_at__gte=now - FOLLOWUP_MAX_AGE,
            visitor__email__isnull=False,
            visitor__email_unsubscribed_at__isnull=True,
        )
        .exclude(visitor__email="")
        .filter(Exists(unread))
        .exclude(Exists(recently_emailed))
        .values_list("pk", flat=True)[:limit]
    )
    queued = 0
    for pk in list(candidates):
        queued += _queue_followup(pk, now=now, due=due)
    return queued


def _unread_reply_filter():
    """Replies after the visitor's read mark and after the last follow-up's, per conversation."""
    return Message.objects.filter(
        conversation=OuterRef("pk"),
        sender_type__in=REPLY_SENDERS,
        deleted_at__isnull=True,
        internal=False,
        visitor_seq__gt=OuterRef("visitor_last_read_seq"),
    ).exclude(
        Exists(
            OutboundEmail.objects.filter(
                conversation=OuterRef("conversation"),
                kind=EmailKind.FOLLOWUP,
                up_to_seq__gte=OuterRef("visitor_seq"),
            )
        )
    )


def _queue_followup(conversation_id, *, now: datetime, due: datetime) -> int:
    with transaction.atomic():
        # The conversation's row lock makes concurrent schedulers take turns; one that finds
        # it busy skips it until its next round.
        conversation = (
            Conversation.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("visitor")
            .filter(pk=conversation_id)
            .first()
        )
        if conversation is None or not _may_email(conversation.visitor):
            return 0
        if OutboundEmail.objects.filter(
            Q(created_at__gt=now - FOLLOWUP_MIN_INTERVAL) | Q(status=EmailStatus.PENDING),
            conversation=conversation,
            kind=EmailKind.FOLLOWUP,
        ).exists():
            return 0
        last = (
            _replies(conversation)
            .filter(visitor_seq__gt=conversation.visitor_last_read_seq, created_at__lte=due)
            .order_by("-visitor_seq")
            .values_list("visitor_seq", flat=True)
            .first()
        )
        if last is None:
            return 0
        OutboundEmail.objects.create(
            kind=EmailKind.FOLLOWUP,
            conversation=conversation,
            to=conversation.visitor.email,
            up_to_seq=last,
            next_attempt_at=now,
        )
        return 1


# --- the outbox ----------------------------------------------------------------------------------


def _retry_delay(attempts: int) -> timedelta:
    """1, 2, 4 … minutes, at most an hour."""
    return timedelta(minutes=min(60, 2 ** max(0, attempts - 1)))


def _build(row: OutboundEmail):
    """The message to send for `row`, or None when it should not go out any more."""
    conversation = row.conversation
    visitor = conversation.visitor
    if visitor.email_unsubscribed_at is not None:
        return None
    if row.kind == EmailKind.FOLLOWUP:
        if visitor.email != row.to:
            return None
        replies = list(
            _replies(conversation)
            .filter(
                visitor_seq__gt=conversation.visitor_last_read_seq, visitor_seq__lte=row.up_to_seq
            )
            .select_related("sender_agent")
            .order_by("visitor_seq")
        )
        if not replies:  # read meanwhile, or deleted
            return None
        return followup_email(conversation=conversation, to=row.to, replies=replies)
    messages = list(
        Message.objects.filter(
            conversation_id=conversation.pk, deleted_at__isnull=True, internal=False
        )
        .select_related("sender_agent", "sender_visitor")
        .order_by("seq")
    )
    return transcript_email(conversation=conversation, to=row.to, messages=messages)


def outbox_process(*, now: datetime | None = None, limit: int = 50) -> int:
    """Send what is due, each row in its own transaction holding the row's lock while it is
    sent (so no other worker takes it); a failure schedules a retry. Returns rows handled."""
    handled = 0
    connection = None
    try:
        for _ in range(limit):
            current = now or timezone.now()
            with transaction.atomic():
                row = (
                    OutboundEmail.objects.select_for_update(skip_locked=True, of=("self",))
                    .select_related("conversation__visitor")
                    .filter(status=EmailStatus.PENDING, next_attempt_at__lte=current)
                    .order_by("next_attempt_at")
                    .first()
                )
                if row is None:
                    break
                handled += 1
                message = _build(row)
                if message is None:
                    row.status = EmailStatus.CANCELLED
                    row.save(update_fields=["status"])
                    continue
                try:
                    if connection is None:
                        connection = get_connection(timeout=settings.EMAIL_TIMEOUT)
                    message.connection = connection
                    message.send()
                except Exception as exc:
                    _failed(row, exc, now=current)
                    connection = None  # a broken connection is not reused
                    continue
                row.status = EmailStatus.SENT
                row.sent_at = timezone.now()
                row.attempts += 1
                row.save(update_fields=["status", "sent_at", "attempts"])
    finally:
        if connection is not None:
            try:
                connection.close()
            except Exception:
                logger.warning("closing the SMTP connection failed", exc_info=True)
    return handled


def _failed(row: OutboundEmail, exc: Exception, *, now: datetime) -> None:
    row.attempts += 1
    row.last_error = f"{type(exc).__name__}: {exc}"[:500]
    if row.attempts >= settings.EMAIL_MAX_ATTEMPTS:
        row.status = EmailStatus.FAILED
        logger.error("email %s failed for good after %s attempts: %s", row.pk, row.attempts, exc)
    else:
        row.next_attempt_at = now + _retry_delay(row.attempts)
        logger.warning("email %s not sent (attempt %s), retrying: %s", row.pk, row.attempts, exc)
    row.save(update_fields=["attempts", "last_error", "status", "next_attempt_at"])


def outbox_run_once(*, now: datetime | None = None) -> tuple[int, int]:
    """One round of the worker: queue due follow-ups, then send what is due."""
    return followups_schedule(now=now), outbox_process(now=now)
