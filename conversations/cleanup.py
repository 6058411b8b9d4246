"""`livechat_cleanup` steps for visitors: widget sessions nobody used, and widget tokens
that are revoked or idle for longer than VISITOR_TOKEN_IDLE_DAYS."""

from datetime import timedelta

from django.conf import settings
from django.db.models import Q, QuerySet
from django.db.models.functions import Coalesce
from django.utils import timezone

from conversations.models import Visitor

# Every page view with the widget may open a session; one that never led to a
# conversation holds nothing worth keeping after this long.
UNUSED_VISITOR_AGE = timedelta(days=30)


def unused_visitors() -> QuerySet[Visitor]:
    cutoff = timezone.now() - UNUSED_VISITOR_AGE
    return Visitor.objects.filter(conversation__isnull=True, created_at__lt=cutoff)


def delete_rows(rows: QuerySet) -> int:
    return rows.delete()[0]


def stale_tokens() -> QuerySet[Visitor]:
    """Revoked tokens whose hash is still stored, and tokens idle for too long."""
    idle_since = timezone.now() - timedelta(days=settings.VISITOR_TOKEN_IDLE_DAYS)
    return Visitor.objects.filter(
        Q(token_revoked_at__isnull=False) & ~Q(token_hash="")
        | Q(token_revoked_at__isnull=True, last_seen_at__lt=idle_since)
    )


def forget_tokens(rows: QuerySet[Visitor]) -> int:
    """Revoke (if not yet) and drop the stored hash: the token can never work again.
    Nobody is connected with a token idle for months, so no socket needs closing."""
    return rows.update(token_hash="", token_revoked_at=Coalesce("token_revoked_at", timezone.now()))
