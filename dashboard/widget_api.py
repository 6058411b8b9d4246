"""The widget's REST endpoints, authenticated by the visitor token (`/api/v1/widget/…`),
and the read marks the widget page needs after a reload."""

from drf_spectacular.utils import extend_schema
from rest_framework import permissions, status
from rest_framework.response import Response
from rest_framework.views import APIView

from conversations import services
from conversations.selectors import agent_seq_of, visitor_conversation, visitor_seq_of
from conversations.serializers import ConversationSerializer, VisitorSerializer
from conversations.wire import serialize_conversation, serialize_visitor
from dashboard.serializers import (
    WidgetSessionOutSerializer,
    WidgetSessionSerializer,
    WidgetVisitorUpdateSerializer,
)
from livechat.authentication import (
    IsVisitor,
    VisitorThrottle,
    VisitorTokenAuthentication,
    WidgetSessionThrottle,
    actor_for,
)
from livechat.errors import Forbidden, NotFound
from livechat.origins import widget_origin_allowed
from livechat.rest import body_fields
from livechat.schema import error
from messaging.api import PAGE_PARAMETERS, message_page_response
from messaging.serializers import MessagePageSerializer


class WidgetSessionView(APIView):
    authentication_classes = []
    permission_classes = [permissions.AllowAny]
    throttle_classes = [WidgetSessionThrottle]

    @extend_schema(
        summary="Start a visitor session; returns the visitor token (shown once)",
        request=WidgetSessionSerializer,
        responses={
            201: WidgetSessionOutSerializer,
            403: error("This website may not embed the widget (`forbidden`)."),
        },
        auth=[],
    )
    def post(self, request):
        origin = request.headers.get("Origin")
        if origin is not None and not widget_origin_allowed(origin, request=request):
            raise Forbidden("This website is not allowed to use the chat widget.")
        serializer = WidgetSessionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        visitor, token = services.visitor_create(
            **serializer.validated_data, user_agent=request.headers.get("User-Agent", "")
        )
        return Response(
            {"visitor": serialize_visitor(visitor), "token": token},
            status=status.HTTP_201_CREATED,
        )


NO_CONVERSATION_YET = error("No conversation yet: it starts with the first message (`not_found`).")


class _VisitorView(APIView):
    authentication_classes = [VisitorTokenAuthentication]
    permission_classes = [IsVisitor]
    throttle_classes = [VisitorThrottle]

    def visitor_conversation(self, request):
        conversation = visitor_conversation(request.user.visitor)
        if conversation is None:
            raise NotFound("No conversation yet: it starts with the first message.")
        return conversation


class WidgetConversationView(_VisitorView):
    @extend_schema(
        summary="The visitor's conversation",
        responses={200: ConversationSerializer, 404: NO_CONVERSATION_YET},
    )
    def get(self, request):
        conversation = self.visitor_conversation(request)
        return Response(serialize_conversation(conversation, for_visitor=True))


class WidgetVisitorView(_VisitorView):
    @extend_schema(
        summary="Leave or change your name and email (the offline form, email follow-ups)",
        request=WidgetVisitorUpdateSerializer,
        responses=VisitorSerializer,
    )
    def patch(self, request):
        visitor = services.visitor_update(
            actor=actor_for(request), **body_fields(request, ("name", "email"))
        )
        return Response(serialize_visitor(visitor))


class WidgetMessagesView(_VisitorView):
    @extend_schema(
        summary="A page of the visitor's conversation",
        parameters=PAGE_PARAMETERS,
        responses={200: MessagePageSerializer, 404: NO_CONVERSATION_YET},
    )
    def get(self, request):
        return message_page_response(request, self.visitor_conversation(request), for_visitor=True)


def read_marks(conversation, *, for_visitor: bool = False) -> dict:
    """The read marks the contract's Conversation does not carry (badges and ✓✓), all in
    the numbering of the side that asks."""
    if for_visitor:
        return {
            "last_seq": conversation.visitor_last_seq,
            "agent_last_read_seq": visitor_seq_of(conversation, conversation.agent_last_read_seq),
            "visitor_last_read_seq": conversation.visitor_last_read_seq,
        }
    return {
        "last_seq": conversation.last_seq,
        "agent_last_read_seq": conversation.agent_last_read_seq,
        "visitor_last_read_seq": agent_seq_of(conversation, conversation.visitor_last_read_seq),
    }


class WidgetReadStateView(_VisitorView):
    """The visitor's own read marks, so the widget can show ✓✓ after a reload."""

    @extend_schema(exclude=True)  # a helper of our own widget page, not part of the public API
    def get(self, request):
        conversation = visitor_conversation(request.user.visitor)
        if conversation is None:
            return Response({"last_seq": 0, "agent_last_read_seq": 0, "visitor_last_read_seq": 0})
        return Response(read_marks(conversation, for_visitor=True))
