"""ASGI entry point: HTTP through Django, WebSockets through Channels."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "livechat.settings")
# Django must be set up before anything imports models.
django_asgi_app = get_asgi_application()

from channels.routing import ProtocolTypeRouter  # noqa: E402

import livechat.daphne_uploads  # noqa: E402, F401  (under daphne: Django parses uploads)
from followup.worker import StartOutboxWorker  # noqa: E402
from messaging.uploads import UploadSizeGuard  # noqa: E402
from realtime.routing import websocket_application  # noqa: E402

application = StartOutboxWorker(
    ProtocolTypeRouter(
        {
            "http": UploadSizeGuard(django_asgi_app),
            "websocket": websocket_application,
        }
    )
)
