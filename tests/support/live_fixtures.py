"""Fixtures for test packages that start their own live servers (faults, security).

`live_static` here runs collectstatic once per pytest process, however many packages
import it (tests/support/livestack.py's own runs once per package that imports it).
"""

from pathlib import Path

import pytest

from tests.support.livestack import base_env, collect_static

_collected: list[bool] = []


@pytest.fixture(scope="session")
def live_static(live_config) -> None:
    if not _collected:
        collect_static(base_env(**live_config))
        _collected.append(True)


def mark_live(items, here: Path, *, transaction: bool = True) -> None:
    """Mark the items under `here` as live and transactional (the servers see commits only)."""
    for item in items:
        if here in Path(item.fspath).parents:
            item.add_marker(pytest.mark.live)
            if item.get_closest_marker("django_db") is None:
                item.add_marker(pytest.mark.django_db(transaction=transaction))
