"""What the emails say: multipart text and HTML, in the visitor's language, times in the
visitor's time zone, with a link that reopens the chat and one that unsubscribes."""

from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import formats, translation
from django.utils.translation import gettext as _

from conversations.models import Conversation, Visitor
from followup.links import resume_url, unsubscribe_url
from messaging.models import Message
from messaging.wire import message_sender


def _language(visitor: Visitor) -> str:
    return visitor.language or settings.LANGUAGE_CODE


def _when(moment, visitor: Visitor) -> str:
    zone = ZoneInfo(visitor.time_zone) if visitor.time_zone else None
    local = moment.astimezone(zone) if zone else moment
    return formats.date_format(local, "DATETIME_FORMAT")


def _lines(messages: list[Message], visitor: Visitor) -> list[dict]:
    return [
        {"who": message_sender(m)["name"], "when": _when(m.created_at, visitor), "body": m.body}
        for m in messages
    ]


def _message(*, visitor: Visitor, to: str, subject: str, template: str, context: dict):
    unsubscribe = unsubscribe_url(visitor)
    context = {
        **context,
        "site_name": settings.EMAIL_SITE_NAME,
        "visitor_name": visitor.name,
        "unsubscribe_url": unsubscribe,
    }
    email = EmailMultiAlternatives(
        subject=subject,
        body=render_to_string(f"followup/{template}.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[to],
        headers={
            # RFC 8058: mail clients show "Unsubscribe" and may POST to it in one click.
            "List-Unsubscribe": f"<{unsubscribe}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            "Auto-Submitted": "auto-generated",
            "Content-Language": translation.get_language(),
        },
    )
    email.attach_alternative(render_to_string(f"followup/{template}.html", context), "text/html")
    return email


def followup_email(
    *, conversation: Conversation, to: str, replies: list[Message]
) -> EmailMultiAlternatives:
    visitor = conversation.visitor
    with translation.override(_language(visitor)):
        subject = _("New reply from %(site)s") % {"site": settings.EMAIL_SITE_NAME}
        return _message(
            visitor=visitor,
            to=to,
            subject=subject,
            template="followup",
            context={"replies": _lines(replies, visitor), "resume_url": resume_url(visitor)},
        )


def transcript_email(
    *, conversation: Conversation, to: str, messages: list[Message]
) -> EmailMultiAlternatives:
    visitor = conversation.visitor
    with translation.override(_language(visitor)):
        subject = _("Your conversation with %(site)s") % {"site": settings.EMAIL_SITE_NAME}
        return _message(
            visitor=visitor,
            to=to,
            subject=subject,
            template="transcript",
            context={
                "messages": _lines(messages, visitor),
                "started": _when(conversation.created_at, visitor),
                "resume_url": resume_url(visitor),
            },
        )
