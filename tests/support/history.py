"""Conversations with chosen timestamps, made through the real services: each step runs the
service, then moves the rows it wrote to the step's moment."""

from datetime import UTC, datetime

from conversations import services as conversation_services
from conversations.actors import Actor
from conversations.models import Conversation, ConversationStatusChange
from messaging.models import Message
from messaging.services import message_send


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


class Chat:
    """One visitor's conversation, step by step."""

    def __init__(self, name: str, at: datetime, body: str = "Hello"):
        self.visitor, _token = conversation_services.visitor_create(name=name)
        message, _ = message_send(actor=Actor.for_visitor(self.visitor), body=body)
        self.conversation = message.conversation
        Conversation.objects.filter(pk=self.conversation.pk).update(created_at=at)
        self._stamp_message(message, at)

    def _stamp_message(self, message, at: datetime) -> None:
        Message.objects.filter(pk=message.pk).update(created_at=at)

    def _stamp_status(self, at: datetime, *, before: set[int]) -> None:
        ConversationStatusChange.objects.filter(conversation=self.conversation).exclude(
            pk__in=before
        ).update(changed_at=at)

    def _changes(self) -> set[int]:
        return set(
            ConversationStatusChange.objects.filter(conversation=self.conversation).values_list(
                "pk", flat=True
            )
        )

    def visitor_says(self, at: datetime, body: str = "More") -> "Chat":
        before = self._changes()
        message, _ = message_send(actor=Actor.for_visitor(self.visitor), body=body)
        self._stamp_message(message, at)
        self._stamp_status(at, before=before)
        return self

    def agent_says(self, agent, at: datetime, body: str = "Happy to help") -> "Chat":
        answered = Conversation.objects.get(pk=self.conversation.pk).first_response_at
        message, _ = message_send(
            actor=Actor.for_agent(agent), conversation_id=self.conversation.pk, body=body
        )
        self._stamp_message(message, at)
        if answered is None:
            Conversation.objects.filter(pk=self.conversation.pk).update(first_response_at=at)
        return self

    def ai_says(self, at: datetime, body: str = "Here is our returns policy") -> "Chat":
        message, _ = message_send(actor=Actor.ai(), conversation_id=self.conversation.pk, body=body)
        self._stamp_message(message, at)
        return self

    def close(self, agent, at: datetime) -> "Chat":
        before = self._changes()
        conversation_services.conversation_update(
            actor=Actor.for_agent(agent), conversation_id=self.conversation.pk, status="closed"
        )
        Conversation.objects.filter(pk=self.conversation.pk).update(closed_at=at)
        self._stamp_status(at, before=before)
        return self

    def assign(self, by, to) -> "Chat":
        conversation_services.conversation_update(
            actor=Actor.for_agent(by), conversation_id=self.conversation.pk, assignee_id=to.pk
        )
        return self
