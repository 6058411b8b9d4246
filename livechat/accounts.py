"""Agent login page and the DRF token endpoint."""

from django.contrib.auth import views as auth_views
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import permissions, serializers
from rest_framework.authtoken.models import Token
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.response import Response
from rest_framework.views import APIView

from conversations.actors import user_is_agent
from livechat.authentication import AuthTokenThrottle
from livechat.errors import ValidationFailed


class AgentLoginView(auth_views.LoginView):
    template_name = "registration/login.html"
    redirect_authenticated_user = True


class ObtainAuthTokenView(APIView):
    authentication_classes = []
    permission_classes = [permissions.AllowAny]
    throttle_classes = [AuthTokenThrottle]

    @extend_schema(
        summary="Exchange an agent's username and password for an API token",
        request=AuthTokenSerializer,
        responses=inline_serializer("TokenOut", {"token": serializers.CharField()}),
        auth=[],
    )
    def post(self, request):
        serializer = AuthTokenSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        user = serializer.validated_data["user"]
        if not user_is_agent(user):
            raise ValidationFailed("Only agents can obtain an API token.")
        token, _ = Token.objects.get_or_create(user=user)
        return Response({"token": token.key})
