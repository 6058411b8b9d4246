"""`manage.py seed_demo_knowledge`: the demo shop's articles, into an empty knowledge base.

Run by `make run`, so that a newcomer sees a suggestion and an auto-reply on `/demo/`.
A knowledge base that has any article already is left as it is.
"""

from django.core.management.base import BaseCommand

from assist.demo import ARTICLES
from assist.models import KnowledgeArticle
from assist.services import knowledge_article_create
from conversations.actors import Actor


class Command(BaseCommand):
    help = "Add the demo shop's articles (English and Indonesian) to an empty knowledge base."

    def handle(self, *args, **options) -> None:
        existing = KnowledgeArticle.objects.count()
        if existing:
            self.stdout.write(f"The knowledge base has {existing} article(s): left as it is.")
            return
        for title, body in ARTICLES:
            knowledge_article_create(actor=Actor.system(), title=title, body=body)
        self.stdout.write(f"Added {len(ARTICLES)} demo articles to the knowledge base.")
