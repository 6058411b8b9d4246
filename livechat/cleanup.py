"""The steps of `manage.py livechat_cleanup`: each removes one kind of leftover.

A step is anything with a `name` and `run(command, *, dry_run) -> int` (the rows it removed,
or would remove). `QueryStep` covers "these rows, in batches, with a progress bar";
`FunctionStep` wraps a function another app provides, `fn(*, dry_run) -> int`.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.core.management.base import BaseCommand
from django.db import transaction
from django.db.models import QuerySet

from livechat.commands import progress

BATCH = 1000


@dataclass(frozen=True)
class QueryStep:
    name: str
    # The rows to clean up now (a fresh queryset on every call: each batch asks again).
    candidates: Callable[[], QuerySet]
    # What to do with one batch (a queryset of at most BATCH rows); returns rows changed.
    apply: Callable[[QuerySet], int]

    def run(self, command: BaseCommand, *, dry_run: bool) -> int:
        total = self.candidates().count()
        if dry_run or not total:
            return total
        done = 0
        with progress(command, total=total, unit="row", desc=self.name) as bar:
            while ids := list(self.candidates().values_list("pk", flat=True)[:BATCH]):
                model = self.candidates().model
                with transaction.atomic():
                    self.apply(model.objects.filter(pk__in=ids))
                done += len(ids)
                bar.update(len(ids))
        return done


@dataclass(frozen=True)
class FunctionStep:
    name: str
    fn: Callable[..., int]

    def run(self, command: BaseCommand, *, dry_run: bool) -> int:
        return self.fn(dry_run=dry_run)
