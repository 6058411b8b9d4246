"""`manage.py reindex_knowledge`: rebuild the knowledge base's search passages.

Needed only after an upgrade that changes how text becomes search terms (`assist.text`);
articles edited since are indexed as they are saved.
"""

from django.core.management.base import BaseCommand

from assist.services import knowledge_reindex


class Command(BaseCommand):
    help = "Rebuild the search passages of every knowledge-base article."

    def handle(self, *args, **options) -> None:
        self.stdout.write(f"Reindexed {knowledge_reindex()} article(s).")
