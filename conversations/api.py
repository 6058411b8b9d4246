"""Agents' REST endpoints for conversations."""

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics
from rest_framework.response import Response
from rest_framework.views import APIView

from conversations import services
from conversations.access import access_conversation, access_visitor
from conversations.selectors import conversation_list, conversation_queryset
from conversations.serializers import (
    ConversationSerializer,
    ConversationUpdateSerializer,
    VisitorDetailSerializer,
    VisitorUpdateSerializer,
)
from conversations.visitor_context import visitor_detail
from livechat.authentication import AgentThrottle, actor_for
from livechat.rest import body_fields
from livechat.schema import NO_NUL


class ConversationListView(generics.ListAPIView):
    serializer_class = ConversationSerializer
    throttle_classes = [AgentThrottle]

    @extend_schema(
        summary="List conversations, newest activity first",
        parameters=[
            OpenApiParameter("status", str, enum=["open", "pending", "closed"]),
            OpenApiParameter(
                "assignee",
                {"type": "string", "pattern": "^(me|none|[0-9]+)$"},
                description="`me`, `none` or an agent id",
            ),
            OpenApiParameter(
                "q",
                {"type": "string", "pattern": NO_NUL},
                description="search visitor name, email and message text",
            ),
        ],
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        params = self.request.query_params
        return conversation_list(
            user=self.request.user,
            status=params.get("status"),
            assignee=params.get("assignee"),
            q=params.get("q"),
        )


class ConversationDetailView(APIView):
    throttle_classes = [AgentThrottle]

    @extend_schema(summary="One conversation", responses=ConversationSerializer)
    def get(self, request, conversation_id):
        conversation = access_conversation(
            actor=actor_for(request),
            conversation_id=conversation_id,
            queryset=conversation_queryset(),
        )
        return Response(ConversationSerializer(conversation).data)

    @extend_schema(
        summary="Change status, assignee or the AI flag",
        request=ConversationUpdateSerializer,
        responses=ConversationSerializer,
    )
    def patch(self, request, conversation_id):
        services.conversation_update(
            actor=actor_for(request),
            conversation_id=conversation_id,
            **body_fields(request, ("status", "assignee_id", "ai_enabled")),
        )
        conversation = conversation_queryset().get(pk=conversation_id)
        return Response(ConversationSerializer(conversation).data)


class VisitorDetailView(APIView):
    throttle_classes = [AgentThrottle]

    @extend_schema(
        summary="A visitor with the side panel's context (page, browser, local time, history)",
        responses=VisitorDetailSerializer,
    )
    def get(self, request, visitor_id):
        visitor = access_visitor(actor=actor_for(request), visitor_id=visitor_id)
        return Response(visitor_detail(visitor))

    @extend_schema(
        summary="Correct a visitor's name or email",
        request=VisitorUpdateSerializer,
        responses=VisitorDetailSerializer,
    )
    def patch(self, request, visitor_id):
        visitor = services.visitor_update(
            actor=actor_for(request),
            visitor_id=visitor_id,
            **body_fields(request, ("name", "email")),
        )
        return Response(visitor_detail(visitor))
