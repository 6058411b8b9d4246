"""Agent login page, the set-a-password page of invitations, and the API token endpoint."""

from django.contrib.auth import authenticate
from django.contrib.auth import views as auth_views
from django.urls import reverse_lazy
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import exceptions, permissions, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import lockout
from accounts.forms import LoginForm
from accounts.tokens import api_token_issue
from conversations.actors import user_is_agent
from livechat.authentication import AuthTokenThrottle
from livechat.errors import ValidationFailed

# The one answer to every refused username and password, whatever was wrong with them.
BAD_CREDENTIALS = "Unable to log in with provided credentials."


class AgentLoginView(auth_views.LoginView):
    template_name = "registration/login.html"
    authentication_form = LoginForm
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


class SignInLocked(exceptions.Throttled):
    default_detail = "Too many failed sign-in attempts."


class ObtainAuthTokenView(APIView):
    authentication_classes = []
    permission_classes = [permissions.AllowAny]
    throttle_classes = [AuthTokenThrottle]

    @extend_schema(
        summary="Exchange an agent's username and password for an API token",
        request=inline_serializer(
            "TokenIn",
            {"username": serializers.CharField(), "password": serializers.CharField()},
        ),
        responses=inline_serializer("TokenOut", {"token": serializers.CharField()}),
        auth=[],
    )
    def post(self, request):
        data = request.data if isinstance(request.data, dict) else {}
        username, password = data.get("username"), data.get("password")
        missing = [
            name
            for name, value in (("username", username), ("password", password))
            if not isinstance(value, str) or not value
        ]
        if missing:
            raise ValidationFailed(
                f"{', '.join(missing)}: This field is required.",
                errors={name: ["This field is required."] for name in missing},
            )
        if "\x00" in username:
            # No username holds one (PostgreSQL text cannot); refused like any wrong name.
            raise ValidationFailed(BAD_CREDENTIALS)
        address = lockout.address_of(request)
        remaining = lockout.locked_for(username=username, address=address)
        if remaining:
            raise SignInLocked(wait=remaining)
        user = authenticate(request, username=username, password=password)
        if user is None or not user_is_agent(user):
            if user is not None:
                # The right password of someone who may not have a token must look and
                # count exactly like a wrong one.
                lockout.record_failure(username=username, address=address)
            raise ValidationFailed(BAD_CREDENTIALS)
        lockout.record_success(username=username)
        return Response({"token": api_token_issue(user=user)})
