"""REST endpoints for message history and agents' messages."""

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from conversations.access import access_conversation, parse_id
from livechat.authentication import AgentThrottle, actor_for
from livechat.errors import NotFound
from livechat.rest import body_fields
from livechat.schema import error
from messaging import services
from messaging.models import Message
from messaging.selectors import message_page, parse_page_params
from messaging.serializers import (
    MessageCreateSerializer,
    MessageEditSerializer,
    MessagePageSerializer,
    MessageSerializer,
)

_COUNT = {"type": "integer", "minimum": 0}
PAGE_PARAMETERS = [
    OpenApiParameter("after_seq", _COUNT, description="messages with seq > N"),
    OpenApiParameter("before_seq", _COUNT, description="the messages just before seq N"),
    OpenApiParameter(
        "since_version", _COUNT, description="messages created/edited/deleted after V"
    ),
    OpenApiParameter(
        "limit", {"type": "integer", "minimum": 1}, description="default 50; above 200 is 200"
    ),
]


def message_page_response(request, conversation, *, for_visitor: bool = False) -> Response:
    page = message_page(
        conversation=conversation,
        for_visitor=for_visitor,
        **parse_page_params(request.query_params),
    )
    return Response(
        {
            "results": page.messages,
            "has_more": page.has_more,
            "version": page.version,
        }
    )


class MessageListView(APIView):
    throttle_classes = [AgentThrottle]

    @extend_schema(
        summary="A page of a conversation's messages, in seq order",
        parameters=PAGE_PARAMETERS,
        responses=MessagePageSerializer,
    )
    def get(self, request, conversation_id):
        conversation = access_conversation(
            actor=actor_for(request), conversation_id=conversation_id
        )
        return message_page_response(request, conversation)

    @extend_schema(
        summary="Send a message as the agent (idempotent by client_id)",
        request=MessageCreateSerializer,
        responses={201: MessageSerializer, 200: MessageSerializer},
    )
    def post(self, request, conversation_id):
        message, created = services.message_send(
            actor=actor_for(request),
            conversation_id=conversation_id,
            **body_fields(request, ("body", "client_id", "attachments", "internal")),
        )
        return Response(
            message.to_wire(),
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )


class MessageDetailView(APIView):
    throttle_classes = [AgentThrottle]

    def _in_conversation(self, request, conversation_id, message_id) -> None:
        conversation = access_conversation(
            actor=actor_for(request), conversation_id=conversation_id
        )
        pk = parse_id(message_id, what="Message")
        if not Message.objects.filter(pk=pk, conversation_id=conversation.pk).exists():
            raise NotFound("Message not found.")

    @extend_schema(
        summary="Edit your own message",
        request=MessageEditSerializer,
        responses={
            200: MessageSerializer,
            409: error("The message was deleted: it can no longer be edited (`conflict`)."),
        },
    )
    def patch(self, request, conversation_id, message_id):
        fields = body_fields(request, ("body",))
        self._in_conversation(request, conversation_id, message_id)
        message = services.message_edit(
            actor=actor_for(request), message_id=message_id, body=fields.get("body")
        )
        return Response(message.to_wire())

    @extend_schema(summary="Delete your own message (supervisors: any)", responses={204: None})
    def delete(self, request, conversation_id, message_id):
        self._in_conversation(request, conversation_id, message_id)
        services.message_delete(actor=actor_for(request), message_id=message_id)
        return Response(status=status.HTTP_204_NO_CONTENT)
