"""REST endpoints for attachments (PROTOCOL section 6): uploads by agents and visitors, and
the redirect to a fresh signed URL."""

from django.http import HttpResponseRedirect
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.authentication import SessionAuthentication
from rest_framework.permissions import BasePermission
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.authentication import ApiTokenAuthentication
from livechat.authentication import (
    AgentOnlyThrottle,
    AgentThrottle,
    IsAgent,
    IsVisitor,
    UploadThrottle,
    VisitorThrottle,
    VisitorTokenAuthentication,
    actor_for,
)
from livechat.errors import ValidationFailed
from livechat.schema import error
from messaging.attachments import access_attachment, attachment_upload
from messaging.serializers import AttachmentSerializer, AttachmentUploadSerializer
from messaging.uploads import AttachmentParser, strict_file_names

UPLOAD_SCHEMA = {
    "request": {"multipart/form-data": AttachmentUploadSerializer},
    "responses": {
        201: AttachmentSerializer,
        400: error("Empty, damaged, or a name with a path or controls (`validation_error`)."),
        413: error("`too_large`: over ATTACHMENT_MAX_BYTES, or an image or archive bomb."),
        415: error("`unsupported_type`: not an accepted type (decided from the bytes)."),
    },
}


class _UploadView(APIView):
    parser_classes = [AttachmentParser]

    def initialize_request(self, request, *args, **kwargs):
        strict_file_names(request)
        return super().initialize_request(request, *args, **kwargs)


def _uploaded_file(request):
    files = request.FILES.getlist("file")
    if len(files) != 1:
        raise ValidationFailed.field("file", "Send exactly one file in the field `file`.")
    return files[0]


class AgentAttachmentUploadView(_UploadView):
    throttle_classes = [AgentThrottle, UploadThrottle]

    @extend_schema(summary="Upload a file to a conversation (then send it)", **UPLOAD_SCHEMA)
    def post(self, request, conversation_id):
        attachment = attachment_upload(
            actor=actor_for(request),
            conversation_id=conversation_id,
            upload=_uploaded_file(request),
        )
        return Response(attachment.to_wire(), status=status.HTTP_201_CREATED)


class WidgetAttachmentUploadView(_UploadView):
    authentication_classes = [VisitorTokenAuthentication]
    permission_classes = [IsVisitor]
    throttle_classes = [VisitorThrottle, UploadThrottle]

    @extend_schema(summary="Upload a file as the visitor (then send it)", **UPLOAD_SCHEMA)
    def post(self, request):
        attachment = attachment_upload(actor=actor_for(request), upload=_uploaded_file(request))
        return Response(attachment.to_wire(), status=status.HTTP_201_CREATED)


class IsAgentOrVisitor(BasePermission):
    message = "Agents and visitors only."

    def has_permission(self, request, view) -> bool:
        return IsVisitor().has_permission(request, view) or IsAgent().has_permission(request, view)


class AttachmentDetailView(APIView):
    authentication_classes = [
        VisitorTokenAuthentication,
        ApiTokenAuthentication,
        SessionAuthentication,
    ]
    # Agents and visitors; a visitor gets 404 for what is not theirs (access_attachment),
    # so that ids cannot be probed.
    permission_classes = [IsAgentOrVisitor]
    throttle_classes = [VisitorThrottle, AgentOnlyThrottle]

    @extend_schema(
        summary="Redirect to a fresh signed URL of the file",
        description=(
            "302 to the file's signed `url` (it expires after ATTACHMENT_URL_TTL). A client "
            "that asks with `Accept: application/json` gets the Attachment object with fresh "
            "URLs instead (200)."
        ),
        responses={302: None, 200: AttachmentSerializer},
    )
    def get(self, request, attachment_id):
        attachment = access_attachment(actor=actor_for(request), attachment_id=attachment_id)
        wire = attachment.to_wire()
        if request.headers.get("Accept", "").split(";")[0].strip() == "application/json":
            return Response(wire)
        response = HttpResponseRedirect(request.build_absolute_uri(wire["url"]))
        response["Cache-Control"] = "no-store"
        return response
