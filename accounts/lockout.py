"""Sign-in lockout (PROTOCOL section 5): after LOGIN_FAILURE_LIMIT failed attempts for one
username, from any address, within LOGIN_LOCKOUT_MINUTES, that username is refused for
LOGIN_LOCKOUT_MINUTES on every way in (`/accounts/login/`, `/admin/login/`, the token
endpoint, any `authenticate()`), even with the right password; an address with
LOGIN_ADDRESS_FAILURE_LIMIT failures (any usernames: password spraying) likewise.

Kept in Django's cache rather than with django-axes: the cache is Redis in production, so
every process shares the counters, and locmem in the one-process embedded run. Counting is
one atomic `incr` per failure (axes' cache handler reads then writes, so parallel guesses
can go uncounted; its database handler writes a row per guess, turning an attack into
database load). A refused attempt never checks the password, so its answer cannot depend
on it; it is not counted either (the lock is not extended by hammering).

A cache outage fails open, like the throttles: an unreachable Redis must not lock every
agent out. It is logged.
"""

import hashlib
import logging
import math
import time

from django.conf import settings
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.utils.translation import ngettext

from livechat.client_address import client_address

logger = logging.getLogger(__name__)

# Overridden per test, so tests sharing one Redis never see each other's counters.
KEY_PREFIX = "signin"


def _window() -> int:
    return int(settings.LOGIN_LOCKOUT_MINUTES) * 60


def _key(kind: str, value: str, what: str) -> str:
    digest = hashlib.sha256(value.encode("utf-8", "replace")).hexdigest()[:40]
    return f"{KEY_PREFIX}:{kind}:{digest}:{what}"


def _subjects(username, address) -> list[tuple[str, str, int]]:
    """`(kind, value, failure limit)` for what an attempt is counted against."""
    found = []
    if isinstance(username, str) and username:
        found.append(("user", username, int(settings.LOGIN_FAILURE_LIMIT)))
    if address:
        found.append(("addr", address, int(settings.LOGIN_ADDRESS_FAILURE_LIMIT)))
    return found


def address_of(request) -> str:
    return client_address(request.META) if request is not None else ""


def locked_for(*, username, address: str) -> int:
    """Seconds until the username or the address may try again; 0 when neither is locked."""
    keys = [_key(kind, value, "locked") for kind, value, _ in _subjects(username, address)]
    if not keys:
        return 0
    try:
        until = cache.get_many(keys).values()
    except Exception:
        logger.warning("sign-in lockout: cache unavailable; not checking", exc_info=True)
        return 0
    remaining = max((float(u) - time.time() for u in until), default=0.0)
    return math.ceil(remaining) if remaining > 0 else 0


def record_failure(*, username, address: str) -> None:
    if locked_for(username=username, address=address):
        return  # refused unheard: nothing new to count
    window = _window()
    try:
        for kind, value, limit in _subjects(username, address):
            failures = _key(kind, value, "failures")
            cache.add(failures, 0, timeout=window)  # the window opens at the first failure
            try:
                count = cache.incr(failures)
            except ValueError:  # expired between add and incr
                cache.add(failures, 1, timeout=window)
                count = 1
            if count >= limit:
                cache.add(_key(kind, value, "locked"), time.time() + window, timeout=window)
                logger.warning("sign-in lockout: %s locked for %d s", kind, window)
    except Exception:
        logger.warning("sign-in lockout: cache unavailable; failure not counted", exc_info=True)


def record_success(*, username) -> None:
    """The right password from someone not locked out: that username starts afresh (its
    address does not: one good account must not reset a sprayer's count)."""
    if not isinstance(username, str) or not username:
        return
    try:
        cache.delete(_key("user", username, "failures"))
    except Exception:
        logger.warning("sign-in lockout: cache unavailable", exc_info=True)


def unlock(*, username: str = "", address: str = "") -> None:
    """Forget the failures and the lock of a username and/or an address (an operator's
    `manage.py signin_unlock`)."""
    cache.delete_many(
        [
            _key(kind, value, what)
            for kind, value, _limit in _subjects(username, address)
            for what in ("failures", "locked")
        ]
    )


def lockout_message(seconds: int) -> str:
    minutes = max(1, math.ceil(seconds / 60))
    return ngettext(
        "Too many failed sign-in attempts. Try again in %(minutes)d minute.",
        "Too many failed sign-in attempts. Try again in %(minutes)d minutes.",
        minutes,
    ) % {"minutes": minutes}


class LockoutBackend:
    """First in AUTHENTICATION_BACKENDS: refuses a locked username or address before any
    backend looks at the password. It has no `get_user`, so it never owns a session."""

    def authenticate(self, request, username=None, **credentials):
        if locked_for(username=username, address=address_of(request)):
            raise PermissionDenied
        return None


def _failed(sender, credentials, request=None, **kwargs) -> None:
    record_failure(username=credentials.get("username"), address=address_of(request))


def _logged_in(sender, request, user, **kwargs) -> None:
    record_success(username=user.get_username())


def connect_signals() -> None:
    user_login_failed.connect(_failed, dispatch_uid="livechat_signin_failed")
    user_logged_in.connect(_logged_in, dispatch_uid="livechat_signin_succeeded")
