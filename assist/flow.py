"""From a visitor's message to the AI's suggestions, answer or hand-off.

`messaging` announces each new message once it is committed (`message_sent`); for a
visitor's message we start a job off the sender's path (`assist.runner`) that reads the
conversation, asks the provider within AI_TIMEOUT, and hands the result to
`assist.services.assist_turn_complete`, which records it and acts.
"""

import asyncio
import logging
from functools import partial

from django.conf import settings

from assist import runner, selectors, services
from assist.providers import get_provider
from livechat import async_db
from messaging.models import SenderType

logger = logging.getLogger(__name__)


def on_message_sent(sender, message, **kwargs) -> None:
    """`message_sent` receiver: runs on the sender's thread, so it only hands over. A message
    the send statement found the AI has nothing to do with (`messaging.fast_send` sets
    `ai_may_act`, the answer of `selectors.ai_may_act`) is not even handed over."""
    if (
        message.sender_type == SenderType.VISITOR
        and settings.AI_PROVIDER != "off"
        and getattr(message, "ai_may_act", True)
    ):
        runner.submit(
            partial(
                answer_visitor_message,
                message_id=str(message.pk),
                conversation_id=str(message.conversation_id),
                seq=message.seq,
            )
        )


def context_worth_a_turn(*, message_id: str, conversation_id: str, seq: int):
    """The message's context, or None when the AI has nothing to do with it: the message is
    gone, or the AI does not answer this conversation and has nothing to suggest from (no
    article, no team response). Then no turn is recorded: it would say "nothing" at the
    price of five queries for every visitor message of a team that has no sources."""
    context = selectors.assist_context(
        message_id=message_id, conversation_id=conversation_id, seq=seq
    )
    if context is None or (not context.ai_answering and not get_provider().can_suggest()):
        return None
    return context


async def answer_visitor_message(*, message_id: str, conversation_id: str, seq: int) -> None:
    # On the server's loop, first the one-statement check from the loop (`ai_may_act`): most
    # visitor messages of a team without sources end here, without a thread or the ORM.
    # Elsewhere (a command's short-lived loop) the pool would be made for one job.
    if (
        runner.on_server_loop()
        and async_db.available()
        and not await selectors.ai_may_act(conversation_id)
    ):
        return
    context = await runner.database(context_worth_a_turn)(
        message_id=message_id, conversation_id=conversation_id, seq=seq
    )
    if context is None:
        return
    try:
        async with asyncio.timeout(settings.AI_TIMEOUT):
            suggestions = await get_provider().suggest(context)
    except TimeoutError:
        logger.warning("AI provider gave no answer within %s s", settings.AI_TIMEOUT)
        suggestions = None
    except Exception:
        logger.exception("AI provider failed")
        suggestions = None
    await runner.database(services.assist_turn_complete)(context=context, suggestions=suggestions)
