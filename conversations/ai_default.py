"""Whether a new conversation starts with the AI answering (`ai_enabled`, PROTOCOL section 8).

`AI_DEFAULT_ENABLED` decides when it is set. Unset, the AI is on only where it can answer
at all, which only the app providing the AI knows (`assist`: the provider is `openai`, or
`retrieval` with an active article): it registers that test here at start-up, so this
app never depends on it. Without a registered test the AI stays off: a fresh install
never speaks for the team.
"""

from collections.abc import Callable

from django.conf import settings

_can_answer: Callable[[], bool] = lambda: False  # noqa: E731


def register_ai_availability(can_answer: Callable[[], bool]) -> None:
    global _can_answer
    _can_answer = can_answer


def ai_enabled_default() -> bool:
    """The `ai_enabled` of a conversation being created (the model field's default)."""
    configured = settings.AI_DEFAULT_ENABLED
    if configured is not None:
        return bool(configured)
    return _can_answer()
