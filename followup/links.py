"""Signed links in emails: one reopens the chat (and expires), one unsubscribes (never
expires: an old email's unsubscribe link must keep working)."""

from django.conf import settings
from django.core import signing
from django.urls import reverse

from conversations.models import Visitor

RESUME_SALT = "followup.resume"
UNSUBSCRIBE_SALT = "followup.unsubscribe"


def absolute(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def resume_url(visitor: Visitor) -> str:
    token = signing.TimestampSigner(salt=RESUME_SALT).sign(str(visitor.pk))
    return absolute(reverse("email-resume", args=[token]))


def unsubscribe_url(visitor: Visitor) -> str:
    token = signing.Signer(salt=UNSUBSCRIBE_SALT).sign(str(visitor.pk))
    return absolute(reverse("email-unsubscribe", args=[token]))


def visitor_from_resume_token(token: str) -> Visitor | None:
    """The visitor of a resume link still valid (`EMAIL_LINK_MAX_AGE`), else None."""
    try:
        pk = signing.TimestampSigner(salt=RESUME_SALT).unsign(
            token, max_age=settings.EMAIL_LINK_MAX_AGE
        )
    except (signing.BadSignature, TypeError):
        return None
    return Visitor.objects.filter(pk=pk).first()


def visitor_from_unsubscribe_token(token: str) -> Visitor | None:
    try:
        pk = signing.Signer(salt=UNSUBSCRIBE_SALT).unsign(token)
    except (signing.BadSignature, TypeError):
        return None
    return Visitor.objects.filter(pk=pk).first()
