"""WebSocket routes. Every refused handshake is an HTTP 403 (a close before accept)."""

from channels.auth import AuthMiddlewareStack
from channels.routing import URLRouter
from channels.security.websocket import WebsocketDenier
from django.urls import path, re_path

from livechat.origins import agent_origin_allowed, widget_origin_allowed
from realtime.agent_consumer import AgentConsumer
from realtime.base import SERVER_SEND
from realtime.visitor_consumer import VisitorConsumer


class KeepServerSend:
    """Keeps the server's own `send` in the scope, for the consumer's outgoing text frames
    (`LivechatConsumer.write_text`) to skip the session middleware in between. Visitor
    sockets have none: their consumer's `send` is the server's already."""

    def __init__(self, application):
        self.application = application

    async def __call__(self, scope, receive, send):
        # The server's own scope for this one connection: a copy would cost every socket
        # its size for as long as it is open.
        scope[SERVER_SEND] = send
        return await self.application(scope, receive, send)


class AgentOriginValidator:
    """The agent's socket: only the chat server's own origin, scheme and port included."""

    def __init__(self, application):
        self.application = application
        self.denier = WebsocketDenier.as_asgi()

    async def __call__(self, scope, receive, send):
        if not agent_origin_allowed(scope):
            return await self.denier(scope, receive, send)
        return await self.application(scope, receive, send)


class WidgetOriginValidator:
    """The widget's socket: the server's own origin (its iframe) or WIDGET_ALLOWED_ORIGINS.

    A missing or `null` Origin is refused, even with `*`: browsers always send one.
    """

    def __init__(self, application):
        self.application = application
        self.denier = WebsocketDenier.as_asgi()

    async def __call__(self, scope, receive, send):
        origin = None
        for name, value in scope.get("headers", []):
            if name == b"origin":
                origin = value.decode("latin1")
        if origin is None or not widget_origin_allowed(origin):
            return await self.denier(scope, receive, send)
        return await self.application(scope, receive, send)


websocket_urlpatterns = [
    path(
        "ws/agent/",
        KeepServerSend(AgentOriginValidator(AuthMiddlewareStack(AgentConsumer.as_asgi()))),
    ),
    path("ws/visitor/", WidgetOriginValidator(VisitorConsumer.as_asgi())),
    re_path(r"", WebsocketDenier.as_asgi()),
]

websocket_application = URLRouter(websocket_urlpatterns)
