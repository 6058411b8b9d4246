from django.apps import AppConfig


class AssistConfig(AppConfig):
    """The knowledge base, the AI providers, and the suggestion / auto-reply flow."""

    name = "assist"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from assist.flow import on_message_sent
        from assist.providers import ai_can_answer
        from conversations.ai_default import register_ai_availability
        from messaging.signals import message_sent

        message_sent.connect(on_message_sent, dispatch_uid="assist_answer_visitor_messages")
        register_ai_availability(ai_can_answer)
