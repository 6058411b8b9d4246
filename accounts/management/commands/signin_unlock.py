"""`manage.py signin_unlock [USERNAME] [--address A]`: lift a sign-in lockout at once."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from accounts import lockout


class Command(BaseCommand):
    help = "Forget the failed sign-ins of a username and/or an address (lifting their lockout)."

    def add_arguments(self, parser):
        parser.add_argument("username", nargs="?", default="")
        parser.add_argument("--address", default="", help="a client address, e.g. 203.0.113.7")

    def handle(self, *args, username, address, **options):
        if not username and not address:
            raise CommandError("Give a username, an --address, or both.")
        if "locmem" in settings.CACHES["default"]["BACKEND"]:
            # The counters live in the server process's memory, out of this one's reach.
            raise CommandError("Without REDIS_URL the lockout lives in the server: restart it.")
        lockout.unlock(username=username, address=address)
        self.stdout.write(self.style.SUCCESS("Unlocked."))
