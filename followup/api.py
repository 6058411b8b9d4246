"""The widget's email endpoints: the transcript button, and the link that reopens the chat."""

from drf_spectacular.utils import extend_schema
from rest_framework import permissions, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from conversations.wire import serialize_visitor
from dashboard.widget_api import _VisitorView
from followup import services
from followup.links import visitor_from_resume_token
from livechat.authentication import WidgetSessionThrottle, actor_for
from livechat.errors import ValidationFailed
from livechat.rest import body_fields


class TranscriptInSerializer(serializers.Serializer):
    email = serializers.EmailField(required=False, allow_blank=True)


class TranscriptOutSerializer(serializers.Serializer):
    status = serializers.CharField(help_text="queued (sent by the outbox shortly) or sent")
    email = serializers.EmailField()


class WidgetTranscriptView(_VisitorView):
    @extend_schema(
        summary="Email me the transcript of my closed conversation",
        request=TranscriptInSerializer,
        responses={202: TranscriptOutSerializer},
    )
    def post(self, request):
        row = services.transcript_request(
            actor=actor_for(request), **body_fields(request, ("email",))
        )
        state = "sent" if row.status == "sent" else "queued"
        return Response({"status": state, "email": row.to}, status=status.HTTP_202_ACCEPTED)


class ResumeInSerializer(serializers.Serializer):
    token = serializers.CharField()


class ResumeOutSerializer(serializers.Serializer):
    token = serializers.CharField()
    language = serializers.CharField()


class WidgetResumeView(APIView):
    """Exchanges the signed link of an email for a visitor token. A POST made by the page the
    link opens, so mail scanners that fetch links never sign anyone in or out."""

    authentication_classes = []
    permission_classes = [permissions.AllowAny]
    throttle_classes = [WidgetSessionThrottle]

    @extend_schema(
        summary="Reopen the chat from an email link (the link's signed token)",
        request=ResumeInSerializer,
        responses=ResumeOutSerializer,
        auth=[],
    )
    def post(self, request):
        token = body_fields(request, ("token",)).get("token")
        visitor = visitor_from_resume_token(token) if isinstance(token, str) else None
        if visitor is None:
            raise ValidationFailed.field("token", "This link has expired or is not valid.")
        return Response(
            {
                "token": services.visitor_resume(visitor),
                "language": visitor.language,
                "visitor": serialize_visitor(visitor),
            }
        )
