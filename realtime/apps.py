from django.apps import AppConfig


class RealtimeConfig(AppConfig):
    name = "realtime"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.core.signals import got_request_exception

        from messaging.signals import message_sent
        from realtime import instrumentation

        message_sent.connect(instrumentation.count_message, dispatch_uid="metrics.messages")
        got_request_exception.connect(
            instrumentation.count_request_exception, dispatch_uid="metrics.request_exceptions"
        )
