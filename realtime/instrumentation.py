"""Signal receivers that feed `livechat.metrics` from outside the real-time path.

Connected in `RealtimeConfig.ready()`: `realtime` is the one app that may listen to both
`messaging` and Django's request signals.
"""

import sys

from livechat import metrics


def count_message(sender, message, **kwargs) -> None:
    """`messaging.signals.message_sent`: a new message committed, whoever sent it."""
    metrics.messages_sent(message.sender_type).inc()


def count_request_exception(sender, request=None, **kwargs) -> None:
    """`got_request_exception`: an HTTP request failed with an exception nobody handled
    (sent while that exception is being handled, so it is `sys.exc_info()`)."""
    metrics.database_error_seen(sys.exc_info()[1], where="http")
