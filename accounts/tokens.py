"""API tokens: issued by `POST /api/v1/auth/token/`, sent as `Authorization: Token <key>`."""

import secrets
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from accounts.models import ApiToken, hash_api_key

# Each client (a script, an integration) gets its own token; a user's oldest go beyond this.
MAX_TOKENS_PER_USER = 10
# Writing last_used_at on every request would turn reads into writes.
LAST_USED_RESOLUTION = timedelta(minutes=1)
MAX_KEY_LENGTH = 200


def api_token_issue(*, user) -> str:
    """A new token for `user`; returns its key (shown once, stored hashed)."""
    key = secrets.token_urlsafe(32)  # 256 bits
    now = timezone.now()
    with transaction.atomic():
        ApiToken.objects.filter(user=user, expires_at__lte=now).delete()
        ApiToken.objects.create(
            user=user,
            key_hash=hash_api_key(key),
            prefix=key[:6],
            expires_at=now + timedelta(seconds=int(settings.API_TOKEN_TTL)),
        )
        oldest = ApiToken.objects.filter(user=user).values_list("pk", flat=True)
        ApiToken.objects.filter(pk__in=list(oldest[MAX_TOKENS_PER_USER:])).delete()
    return key


def api_token_user(*, key):
    """The user an unexpired key belongs to, or None. Looked up by the key's hash."""
    if not isinstance(key, str) or not key or len(key) > MAX_KEY_LENGTH:
        return None
    now = timezone.now()
    token = (
        ApiToken.objects.select_related("user")
        .filter(key_hash=hash_api_key(key), expires_at__gt=now)
        .first()
    )
    if token is None:
        return None
    if token.last_used_at is None or now - token.last_used_at > LAST_USED_RESOLUTION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user


def api_tokens_revoke(*, user_id) -> None:
    """Every token of the user stops working (password change, deactivation)."""
    ApiToken.objects.filter(user_id=user_id).delete()
