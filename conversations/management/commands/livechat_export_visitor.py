"""`manage.py livechat_export_visitor <id|email> [--output FILE] [--zip]`: everything stored
about a visitor (conversations/export.py), as JSON or as a zip with their files."""

from django.core.management.base import CommandError

from conversations.erasure import visitors_matching
from conversations.export import export_json, visitor_export, write_zip
from livechat.commands import EXIT_NOT_FOUND, MaintenanceCommand, output_stream, usage_error
from livechat.errors import ValidationFailed


class Command(MaintenanceCommand):
    help = (
        "Export everything stored about a visitor (by id, or every visitor with that email): "
        "JSON on standard output or in --output, or with --zip a zip of export.json and "
        "the visitor's files."
    )

    def add_arguments(self, parser):
        parser.add_argument("visitor", help="a visitor id, or an email address")
        parser.add_argument("--output", "-o", default="-", help="a file; '-' is stdout")
        parser.add_argument("--zip", action="store_true", help="a zip with the files too")

    def handle(self, *args, visitor, output, zip, **options):
        if zip and output == "-":
            raise usage_error("--zip needs --output FILE.zip (a zip is not written to a terminal).")
        try:
            visitors = visitors_matching(visitor)
        except ValidationFailed as exc:
            raise usage_error(exc.message)
        if not visitors.exists():
            raise CommandError("No visitor matches; nothing to export.", returncode=EXIT_NOT_FOUND)
        document, files = visitor_export(visitors)
        with output_stream(self, output, binary=zip) as out:
            if zip:
                write_zip(document, files, out)
            else:
                out.write(export_json(document) + "\n")
        if output != "-":
            self.stderr.write(
                f"Wrote {len(document['visitors'])} visitor(s) and {len(files)} file(s) "
                f"to {output}."
            )
