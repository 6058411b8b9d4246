import hashlib

from django.conf import settings
from django.db import models


def hash_api_key(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8", "replace")).hexdigest()


class ApiToken(models.Model):
    """A REST client's `Authorization: Token <key>`.

    Only the SHA-256 of the key is stored (a database leak hands out no access; the key
    has 256 random bits, so a fast hash is enough), looked up by that hash. It expires
    after API_TOKEN_TTL, and every token of an agent is deleted when the agent's password
    changes or the account is deactivated; supervisors delete tokens in the admin.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    # The key's first characters: enough to tell tokens apart in the admin, useless to use.
    prefix = models.CharField(max_length=8, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(db_index=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = "API token"

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.user})"
