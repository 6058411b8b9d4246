"""Agent login page, the set-a-password page of invitations, and the DRF token endpoint."""

from django.contrib.auth import views as auth_views
from django.urls import reverse_lazy
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


class AgentSetPasswordView(auth_views.PasswordResetConfirmView):
    """Where an invitation or reset link (conversations.team.agent_password_link) lands:
    the agent chooses a password and is signed in."""

    template_name = "registration/set_password.html"
    post_reset_login = True
    # Named, so signing in still works once other backends (sign-in throttling) are added.
    post_reset_login_backend = "django.contrib.auth.backends.ModelBackend"
    success_url = reverse_lazy("dashboard")

    def get_user(self, uidb64):
        user = super().get_user(uidb64)
        # A deactivated account's links stop working with it.
        return user if user is not None and user.is_active else None


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
