"""The common WebSocket send in one statement, from the event loop (issue 14).

A visitor's or an agent's plain message to a conversation that exists is most of what a
server does. `messaging.services.message_send` does it in a worker thread with the ORM in
six round trips (BEGIN, lock, client_id check, insert, update, COMMIT), then hops back to
the loop for each broadcast; that was half of daphne's CPU. Here the same work is one call
of `livechat_message_send` (messaging/migrations/0007) through the loop's own psycopg pool
(`livechat.async_db`), and the events, the ack and the `message_sent` receivers come from
the very objects and functions the ORM path uses, so clients and the database cannot tell
the two apart (tests/realtime/test_fast_send.py compares them).

Everything else returns None, and the caller takes the ORM path: SQLite, notes,
attachments, a visitor's first message (it creates the conversation), a visitor's message
to a closed conversation (it reopens it), a repeated `client_id` (answered with the first
message), a conversation that does not exist (the ORM path says so), a concurrent twin.
Invalid input is refused by the same cleaners, before either path touches the database.
"""

import datetime
import logging
import uuid

import psycopg
from django.conf import settings
from django.db import utils as db_utils
from django.utils import timezone
from psycopg_pool import PoolTimeout

from conversations.access import parse_id
from conversations.actors import Actor
from conversations.models import Conversation
from livechat import async_db
from messaging import events, signals
from messaging.models import Message
from messaging.services import clean_send
from realtime.broadcast import asend, called_on_server_loop

logger = logging.getLogger(__name__)

SEND = "SELECT * FROM livechat_message_send(%s, %s, %s, %s, %s, %s, %s)"

# What `Conversation.from_db` is given: the counters and ids the events need. Any other
# field is deferred (reading one would query, which nothing on this path does).
CONVERSATION_FIELDS = [
    "id",
    "visitor_id",
    "version",
    "last_seq",
    "visitor_version",
    "visitor_last_seq",
]


def enabled() -> bool:
    return settings.FAST_SEND and async_db.available()


async def message_send(
    *, actor: Actor, body, client_id, conversation_id, attachments=None, internal=None
) -> Message | None:
    """Send as `messaging.services.message_send` would and return the new message, its
    events delivered and `message_sent` sent; or None, having written nothing, when the
    ORM path must do it. Call it in the conversation's turn (`realtime.turns`)."""
    if not enabled() or not (actor.is_visitor or actor.is_agent):
        return None
    attachment_ids, body, client_id, internal = clean_send(
        actor=actor, body=body, client_id=client_id, attachments=attachments, internal=internal
    )
    if attachment_ids or internal:
        return None
    # What `access_conversation` refuses first, with the same error.
    conversation_pk = None if actor.is_visitor else parse_id(conversation_id, what="Conversation")
    message_id = uuid.uuid4()
    row = await _execute(
        message_id=message_id,
        conversation_pk=conversation_pk,
        actor=actor,
        body=body,
        client_id=client_id,
    )
    if row is None:
        return None
    message = _message(row, message_id=message_id, actor=actor, body=body, client_id=client_id)
    for event in events.new_message(message):
        await asend(event)
    _announce(message)
    return message


async def _execute(*, message_id, conversation_pk, actor, body, client_id) -> tuple | None:
    """The statement's row for a sent message; None for every other outcome."""
    try:
        pool = await async_db.pool()
        async with pool.connection() as conn:
            params = (
                message_id,
                conversation_pk,
                actor.visitor.pk if actor.is_visitor else None,
                actor.user.pk if actor.is_agent else None,
                body,
                client_id,
                # Read once a connection is ours: the statement adds its wait for the lock.
                timezone.now(),
            )
            cursor = await conn.execute(SEND, params)
            row = await cursor.fetchone()
    except psycopg.errors.UniqueViolation:
        # A concurrent twin with the same client_id (an agent's, to another conversation)
        # committed first: the ORM path answers with it.
        return None
    except PoolTimeout as exc:
        raise db_utils.OperationalError(str(exc)) from exc
    except psycopg.Error as exc:
        raise _as_django_error(exc) from exc
    return row if row[0] == "sent" else None


def _as_django_error(exc: psycopg.Error) -> db_utils.DatabaseError:
    """The error Django's own wrapper would have raised, so callers (`DATABASE_UNAVAILABLE`,
    the error metrics) see what they see from the ORM path."""
    for kind in type(exc).__mro__:
        wrapped = getattr(db_utils, kind.__name__, None)
        if isinstance(wrapped, type) and issubclass(wrapped, db_utils.DatabaseError):
            return wrapped(*exc.args)
    return db_utils.DatabaseError(*exc.args)


def _message(row: tuple, *, message_id, actor: Actor, body: str, client_id) -> Message:
    """The Message the ORM path would hold after its commit, from the statement's row."""
    (
        _outcome,
        conversation_pk,
        visitor_pk,
        seq,
        version,
        visitor_seq,
        visitor_version,
        created_at,
        ai_may_act,
    ) = row
    created_at = created_at.astimezone(datetime.UTC)  # as `timezone.now()` gives it
    conversation = Conversation.from_db(
        "default",
        CONVERSATION_FIELDS,
        [conversation_pk, visitor_pk, version, seq, visitor_version, visitor_seq],
    )
    if actor.is_visitor:
        conversation.visitor = actor.visitor
    message = Message(
        id=message_id,
        conversation=conversation,
        seq=seq,
        version=version,
        visitor_seq=visitor_seq,
        visitor_version=visitor_version,
        client_id=client_id,
        sender_type=actor.type,
        sender_agent=actor.user if actor.is_agent else None,
        sender_visitor=actor.visitor if actor.is_visitor else None,
        body=body,
        attachments_data=[],
        internal=False,
        created_at=created_at,
    )
    message._state.adding = False
    message._state.db = "default"
    if ai_may_act is not None:
        # For `assist.flow` (`message_sent`): the statement has answered its first question.
        message.ai_may_act = ai_may_act
    return message


def _announce(message: Message) -> None:
    """`message_sent`, as the ORM path's robust on-commit hook sends it. Its receivers return
    quickly by contract (they hand work over), so they run here on the loop."""
    with called_on_server_loop():
        responses = signals.message_sent.send_robust(sender=Message, message=message)
    for receiver, response in responses:
        if isinstance(response, Exception):
            logger.error("message_sent receiver %r failed", receiver, exc_info=response)
