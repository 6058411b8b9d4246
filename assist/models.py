import uuid

from django.conf import settings
from django.core.validators import MaxLengthValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

MAX_TITLE_LENGTH = 200
# Long enough for any help-centre page; an article is quoted a passage at a time.
MAX_ARTICLE_LENGTH = 20_000


class KnowledgeArticle(models.Model):
    """What the team knows, in its own words: the AI suggests and answers from these."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    title = models.CharField(_("title"), max_length=MAX_TITLE_LENGTH)
    body = models.TextField(_("body"), validators=[MaxLengthValidator(MAX_ARTICLE_LENGTH)])
    active = models.BooleanField(
        _("active"), default=True, help_text=_("Only active articles are suggested and answered.")
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["title", "id"]
        verbose_name = _("knowledge base article")
        verbose_name_plural = _("knowledge base articles")

    def __str__(self) -> str:
        return self.title


class KnowledgePassage(models.Model):
    """One passage of an article, as the retrieval finds it (rebuilt whenever it changes)."""

    article = models.ForeignKey(KnowledgeArticle, on_delete=models.CASCADE, related_name="passages")
    position = models.PositiveSmallIntegerField()
    text = models.TextField()
    # The search terms of the passage and its article's title (`assist.text.terms`), each
    # once, space-separated and framed by spaces (" kirim ship "), so that `LIKE '% term %'`
    # finds whole terms on any database; PostgreSQL indexes them for full-text search
    # (migration 0002).
    terms = models.TextField()

    class Meta:
        ordering = ["article", "position"]
        constraints = [
            models.UniqueConstraint(fields=["article", "position"], name="assist_passage_unique")
        ]

    def __str__(self) -> str:
        return f"{self.article} #{self.position}"


class TurnOutcome(models.TextChoices):
    SUGGESTED = "suggested", _("Suggestions only")
    REPLIED = "replied", _("Answered by the AI")
    HANDED_OFF = "handed_off", _("Handed off to the team")
    FAILED = "failed", _("The provider failed")


class AssistTurn(models.Model):
    """What the AI made of one visitor message: its suggestions and what it did.

    Keyed by the message, so each visitor message is answered (or handed off) at most
    once, whichever process handles it and however often.
    """

    message = models.OneToOneField(
        "messaging.Message", on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    conversation = models.ForeignKey(
        "conversations.Conversation", on_delete=models.CASCADE, related_name="+"
    )
    # The message's: a conversation's latest turn has the highest.
    seq = models.PositiveIntegerField()
    suggestions = models.JSONField(default=list)
    outcome = models.CharField(max_length=12, choices=TurnOutcome.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["conversation", "-seq"], name="assist_turn_latest_idx")]

    def __str__(self) -> str:
        return f"{self.get_outcome_display()} (message #{self.seq})"
