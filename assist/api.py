"""Agents' REST endpoints of the AI: the knowledge base (read: agents; write: supervisors) and a
conversation's latest suggestions."""

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, status
from rest_framework.response import Response
from rest_framework.views import APIView

from assist import selectors, services
from assist.serializers import (
    KnowledgeArticleCreateSerializer,
    KnowledgeArticleSerializer,
    KnowledgeArticleUpdateSerializer,
    SuggestionsSerializer,
)
from assist.wire import serialize_article, serialize_suggestions
from conversations.access import access_conversation, parse_id
from livechat.authentication import AgentThrottle, actor_for
from livechat.errors import NotFound
from livechat.rest import body_fields

ARTICLE_FIELDS = ("title", "body", "active")


class KnowledgeListView(generics.ListAPIView):
    serializer_class = KnowledgeArticleSerializer
    throttle_classes = [AgentThrottle]

    @extend_schema(
        summary="The knowledge base's articles, by title",
        parameters=[
            OpenApiParameter("q", str, description="search titles and text"),
            OpenApiParameter("active", str, enum=["true", "false"]),
        ],
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        params = self.request.query_params
        return selectors.knowledge_articles(q=params.get("q"), active=params.get("active"))

    @extend_schema(
        summary="Add an article (supervisors)",
        request=KnowledgeArticleCreateSerializer,
        responses={201: KnowledgeArticleSerializer},
    )
    def post(self, request):
        article = services.knowledge_article_create(
            actor=actor_for(request), **body_fields(request, ARTICLE_FIELDS)
        )
        return Response(serialize_article(article), status=status.HTTP_201_CREATED)


class KnowledgeDetailView(APIView):
    throttle_classes = [AgentThrottle]

    @extend_schema(summary="One article", responses=KnowledgeArticleSerializer)
    def get(self, request, article_id):
        pk = parse_id(article_id, what="Article")
        article = selectors.knowledge_articles().filter(pk=pk).first()
        if article is None:
            raise NotFound("Article not found.")
        return Response(serialize_article(article))

    @extend_schema(
        summary="Change an article (supervisors)",
        request=KnowledgeArticleUpdateSerializer,
        responses=KnowledgeArticleSerializer,
    )
    def patch(self, request, article_id):
        article = services.knowledge_article_update(
            actor=actor_for(request), article_id=article_id, **body_fields(request, ARTICLE_FIELDS)
        )
        return Response(serialize_article(article))

    @extend_schema(summary="Remove an article (supervisors)", responses={204: None})
    def delete(self, request, article_id):
        services.knowledge_article_delete(actor=actor_for(request), article_id=article_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


class ConversationSuggestionsView(APIView):
    throttle_classes = [AgentThrottle]

    @extend_schema(
        summary="The AI's suggestions for the visitor's latest message",
        responses=SuggestionsSerializer,
    )
    def get(self, request, conversation_id):
        conversation = access_conversation(
            actor=actor_for(request), conversation_id=conversation_id
        )
        turn = selectors.latest_turn(conversation.pk)
        return Response(
            serialize_suggestions(
                conversation_id=conversation.pk,
                message_id=turn.message_id if turn else None,
                suggestions=turn.suggestions if turn else [],
            )
        )
