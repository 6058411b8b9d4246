"""`manage.py create_agent USERNAME [--password P] [--supervisor]`: idempotent."""

import getpass
import sys

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from conversations.actors import AGENTS_GROUP, SUPERVISORS_GROUP


class Command(BaseCommand):
    help = "Create an agent (or make an existing user one). Prompts for the password unless given."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--password", help="set this password (non-interactive)")
        parser.add_argument("--supervisor", action="store_true", help="staff with admin access")
        parser.add_argument("--name", default="", help="display name, e.g. 'Alice Smith'")
        parser.add_argument("--email", default="")

    def handle(self, *args, username, password, supervisor, name, email, **options):
        if password is None:
            if not options.get("interactive", True) or not self.stdin_is_tty():
                raise CommandError("--password is required when not run interactively.")
            password = getpass.getpass("Password: ")
            if password != getpass.getpass("Password (again): "):
                raise CommandError("The passwords do not match.")
        if not password:
            raise CommandError("The password may not be empty.")

        User = get_user_model()
        with transaction.atomic():
            user, created = User.objects.get_or_create(username=username)
            if name:
                first, _, last = name.partition(" ")
                user.first_name, user.last_name = first, last
            if email:
                user.email = email
            # The same rules as every other way of setting a password (AUTH_PASSWORD_VALIDATORS).
            try:
                validate_password(password, user)
            except ValidationError as exc:
                raise CommandError(f"Password refused: {' '.join(exc.messages)}") from None
            user.set_password(password)
            user.is_active = True
            if supervisor:
                user.is_staff = True
            user.save()
            user.groups.add(Group.objects.get(name=AGENTS_GROUP))
            if supervisor:
                user.groups.add(Group.objects.get(name=SUPERVISORS_GROUP))
        role = "supervisor" if supervisor else "agent"
        verb = "Created" if created else "Updated"
        self.stdout.write(self.style.SUCCESS(f"{verb} {role} {username!r}."))

    def stdin_is_tty(self) -> bool:
        return sys.stdin.isatty()
