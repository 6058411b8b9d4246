"""Reads of canned responses: an agent's picker and page, and the AI's retrieval source."""

from django.db.models import Case, IntegerField, Q, QuerySet, Value, When

from canned.models import CannedResponse, CannedScope
from conversations.access import parse_id
from conversations.actors import Actor
from livechat.errors import Forbidden, NotFound

MAX_QUERY_LENGTH = 200


def canned_response_list(*, user, q: str | None = None) -> QuerySet[CannedResponse]:
    """The team's responses and `user`'s own personal ones, by shortcut; `q` matches the
    shortcut, title and body (case-insensitive), best first: shortcuts starting with it,
    then shortcuts and titles containing it, then bodies."""
    qs = CannedResponse.objects.select_related("owner").filter(
        Q(scope=CannedScope.TEAM) | Q(scope=CannedScope.PERSONAL, owner=user)
    )
    q = (q or "").strip()[:MAX_QUERY_LENGTH].lstrip("/")
    if not q:
        return qs.order_by("shortcut", "scope", "pk")
    rank = Case(
        When(shortcut__istartswith=q, then=Value(0)),
        When(Q(shortcut__icontains=q) | Q(title__icontains=q), then=Value(1)),
        default=Value(2),
        output_field=IntegerField(),
    )
    return (
        qs.filter(Q(shortcut__icontains=q) | Q(title__icontains=q) | Q(body__icontains=q))
        .annotate(rank=rank)
        .order_by("rank", "shortcut", "scope", "pk")
    )


def team_canned_responses() -> QuerySet[CannedResponse]:
    """Every team response: the second retrieval source of the AI assist (PROTOCOL section 8).
    Personal responses are an agent's own and never leave their owner."""
    return CannedResponse.objects.filter(scope=CannedScope.TEAM).order_by("shortcut")


def access_canned_response(*, actor: Actor, canned_id, write: bool = False) -> CannedResponse:
    """A response `actor` may see (team ones, own personal ones: anyone else's is NotFound),
    and for `write`, may change (team ones: supervisors only)."""
    if not actor.is_agent:
        raise Forbidden("Only agents can use canned responses.")
    pk = parse_id(canned_id, what="Canned response")
    canned = CannedResponse.objects.select_related("owner").filter(pk=pk).first()
    if canned is None or (
        canned.scope == CannedScope.PERSONAL and canned.owner_id != actor.user.pk
    ):
        raise NotFound("Canned response not found.")
    if write and canned.scope == CannedScope.TEAM and not actor.is_supervisor:
        raise Forbidden("Only supervisors can change team responses.")
    return canned
