"""REST authentication and permissions for the three kinds of caller."""

import logging

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, permissions, throttling

from conversations.actors import Actor, user_is_agent
from conversations.models import Visitor
from conversations.services import visitor_authenticate
from livechat.client_address import client_address

logger = logging.getLogger(__name__)


class VisitorPrincipal:
    """`request.user` for a visitor: authenticated, but never a Django user or an agent."""

    is_authenticated = True
    is_anonymous = False
    is_active = True
    is_staff = False
    is_superuser = False
    pk = None

    def __init__(self, visitor: Visitor):
        self.visitor = visitor

    def __str__(self) -> str:
        return f"visitor {self.visitor.pk}"


class VisitorTokenAuthentication(authentication.BaseAuthentication):
    """`Authorization: Visitor <token>` from the widget."""

    keyword = "Visitor"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].decode(errors="replace").lower() != self.keyword.lower():
            return None
        if len(header) != 2:
            raise authentication.exceptions.AuthenticationFailed("Invalid visitor token header.")
        visitor = visitor_authenticate(token=header[1].decode(errors="replace"))
        if visitor is None:
            raise authentication.exceptions.AuthenticationFailed(
                "Invalid or revoked visitor token."
            )
        return VisitorPrincipal(visitor), None

    def authenticate_header(self, request) -> str:
        return self.keyword


def actor_for(request) -> Actor:
    if isinstance(request.user, VisitorPrincipal):
        return Actor.for_visitor(request.user.visitor)
    return Actor.for_agent(request.user)


class IsAgent(permissions.BasePermission):
    message = "Only agents can do this."

    def has_permission(self, request, view) -> bool:
        return not isinstance(request.user, VisitorPrincipal) and user_is_agent(request.user)


class IsVisitor(permissions.BasePermission):
    message = "A visitor token is required."

    def has_permission(self, request, view) -> bool:
        return isinstance(request.user, VisitorPrincipal)


class _FailOpenMixin:
    """A throttle must not turn a cache (Redis) outage into a 500 for every request.

    Anonymous callers are keyed on the address our proxies report (`TRUSTED_PROXIES`), not
    on DRF's reading of `X-Forwarded-For`, which trusts whatever the client wrote there.
    """

    def allow_request(self, request, view):
        try:
            return super().allow_request(request, view)
        except Exception:
            logger.warning("throttle cache unavailable; allowing request", exc_info=True)
            return True

    def get_ident(self, request) -> str:
        return client_address(request.META)


class WidgetSessionThrottle(_FailOpenMixin, throttling.AnonRateThrottle):
    scope = "widget_session"


class AuthTokenThrottle(_FailOpenMixin, throttling.AnonRateThrottle):
    scope = "auth_token"


class AgentThrottle(_FailOpenMixin, throttling.UserRateThrottle):
    scope = "agent"


class VisitorThrottle(_FailOpenMixin, throttling.SimpleRateThrottle):
    scope = "visitor"

    def get_cache_key(self, request, view):
        if not isinstance(request.user, VisitorPrincipal):
            return None
        return self.cache_format % {"scope": self.scope, "ident": request.user.visitor.pk}


class AgentOnlyThrottle(AgentThrottle):
    """The agents' rate on an endpoint visitors use too (they have VisitorThrottle)."""

    def get_cache_key(self, request, view):
        if isinstance(request.user, VisitorPrincipal):
            return None
        return super().get_cache_key(request, view)


class UploadThrottle(_FailOpenMixin, throttling.SimpleRateThrottle):
    """File uploads, per visitor or per agent: each one costs storage and CPU."""

    scope = "upload"

    def get_cache_key(self, request, view):
        if isinstance(request.user, VisitorPrincipal):
            ident = f"v{request.user.visitor.pk}"
        elif request.user and request.user.is_authenticated:
            ident = f"u{request.user.pk}"
        else:
            return None
        return self.cache_format % {"scope": self.scope, "ident": ident}


class VisitorTokenScheme(OpenApiAuthenticationExtension):
    """Describes `Authorization: Visitor <token>` in the OpenAPI schema."""

    target_class = VisitorTokenAuthentication
    name = "visitorToken"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "`Visitor <token>` from POST /api/v1/widget/session/",
        }
