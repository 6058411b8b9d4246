"""`manage.py livechat_close_stale --idle 24h [--dry-run]`: close conversations nobody wrote
in for that long, as the system: a system message, then the close, through the services,
so every dashboard and widget sees both live."""

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext

from conversations.actors import Actor
from conversations.models import Conversation, ConversationStatus
from conversations.services import conversation_update
from livechat.commands import MaintenanceCommand, parse_duration, progress, usage_error
from messaging.services import message_send


def stale(cutoff) -> QuerySet[Conversation]:
    return Conversation.objects.filter(
        status__in=[ConversationStatus.OPEN, ConversationStatus.PENDING],
        last_message__created_at__lt=cutoff,
    )


class Command(MaintenanceCommand):
    help = (
        "Close open and pending conversations whose last message is older than --idle, "
        "posting a system message to the visitor first."
    )

    def add_arguments(self, parser):
        parser.add_argument("--idle", required=True, help="e.g. 24h, 3d")
        parser.add_argument("--message", help="the system message (default: a polite note)")
        parser.add_argument("--dry-run", action="store_true", help="count, close nothing")

    def handle(self, *args, idle, message, dry_run, **options):
        cutoff = timezone.now() - parse_duration(idle, option="--idle")
        if message is not None and not message.strip():
            raise usage_error("--message: may not be blank.")
        ids = list(stale(cutoff).order_by("updated_at").values_list("pk", flat=True))
        if dry_run:
            self.stdout.write(f"Would close {len(ids)} conversation(s).")
            return
        with translation.override(settings.LANGUAGE_CODE):
            body = message or gettext(
                "This conversation was closed because it has been quiet for a while. "
                "Write to us again any time."
            )
        system = Actor.system()
        closed = 0
        with progress(self, total=len(ids), unit="conv", desc="closing") as bar:
            for pk in ids:
                with transaction.atomic():
                    # Locked and asked again: a message may have arrived since the list.
                    if stale(cutoff).select_for_update(of=("self",)).filter(pk=pk).exists():
                        message_send(actor=system, conversation_id=pk, body=body)
                        conversation_update(
                            actor=system, conversation_id=pk, status=ConversationStatus.CLOSED
                        )
                        closed += 1
                bar.update(1)
        self.stdout.write(self.style.SUCCESS(f"Closed {closed} conversation(s)."))
