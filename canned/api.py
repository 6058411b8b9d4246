"""Agents' REST endpoints for canned responses (PROTOCOL section 7)."""

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, status
from rest_framework.response import Response
from rest_framework.views import APIView

from canned import services
from canned.selectors import access_canned_response, canned_response_list
from canned.serializers import (
    CannedRenderInSerializer,
    CannedRenderOutSerializer,
    CannedResponseInSerializer,
    CannedResponsePatchSerializer,
    CannedResponseSerializer,
)
from canned.wire import serialize_canned_response
from livechat.authentication import AgentThrottle, actor_for
from livechat.rest import body_fields
from livechat.schema import error

FIELDS = ("shortcut", "title", "body", "scope")

SHORTCUT_TAKEN = error("The shortcut is taken in this scope (`conflict`).")


class CannedResponseListView(generics.ListAPIView):
    serializer_class = CannedResponseSerializer
    throttle_classes = [AgentThrottle]

    @extend_schema(
        summary="The team's canned responses and your own, by shortcut",
        parameters=[OpenApiParameter("q", str, description="matches shortcut, title and body")],
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        return canned_response_list(user=self.request.user, q=self.request.query_params.get("q"))

    @extend_schema(
        summary="Create a canned response (team ones: supervisors)",
        request=CannedResponseInSerializer,
        responses={201: CannedResponseSerializer, 409: SHORTCUT_TAKEN},
    )
    def post(self, request):
        canned = services.canned_response_create(
            actor=actor_for(request), **body_fields(request, FIELDS)
        )
        return Response(serialize_canned_response(canned), status=status.HTTP_201_CREATED)


class CannedResponseDetailView(APIView):
    throttle_classes = [AgentThrottle]

    @extend_schema(summary="One canned response", responses=CannedResponseSerializer)
    def get(self, request, canned_id):
        canned = access_canned_response(actor=actor_for(request), canned_id=canned_id)
        return Response(serialize_canned_response(canned))

    @extend_schema(
        summary="Change a canned response (yours; team ones: supervisors)",
        request=CannedResponsePatchSerializer,
        responses={200: CannedResponseSerializer, 409: SHORTCUT_TAKEN},
    )
    def patch(self, request, canned_id):
        canned = services.canned_response_update(
            actor=actor_for(request), canned_id=canned_id, **body_fields(request, FIELDS)
        )
        return Response(serialize_canned_response(canned))

    @extend_schema(
        summary="Delete a canned response (yours; team ones: supervisors)",
        responses={204: None},
    )
    def delete(self, request, canned_id):
        services.canned_response_delete(actor=actor_for(request), canned_id=canned_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


class CannedResponseRenderView(APIView):
    throttle_classes = [AgentThrottle]

    @extend_schema(
        summary="The response's text for a conversation, its variables filled in",
        request=CannedRenderInSerializer,
        responses=CannedRenderOutSerializer,
    )
    def post(self, request, canned_id):
        text = services.canned_response_render(
            actor=actor_for(request),
            canned_id=canned_id,
            **body_fields(request, ("conversation_id",)),
        )
        return Response({"text": text})
