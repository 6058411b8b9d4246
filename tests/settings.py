"""The test suite's settings: the real settings module, with what tests need set explicitly.

Tests run with DEBUG off (as in production) over plain HTTP on loopback; live servers get
their own environment (tests/support/livestack.py).
"""

import os

os.environ.setdefault("DJANGO_SECRET_KEY", "tests-only-secret-key-never-used-outside-tests")
os.environ.setdefault("DJANGO_DEBUG", "0")
os.environ.setdefault("DJANGO_HTTPS", "0")
# In-process tests run the email outbox themselves (tests/followup), not in the background.
os.environ.setdefault("EMAIL_OUTBOX_WORKER", "0")

from livechat.settings import *  # noqa: F403

if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    # A file, not Django's shared in-memory test database: in shared-cache mode SQLite fails
    # any write that meets another thread's open transaction at once ("database table is
    # locked") instead of waiting, and the AI works in threads of its own beside every
    # send. A file gets the embedded default's WAL mode and busy timeout, as `make run` does.
    import tempfile

    DATABASES["default"]["TEST"] = {  # noqa: F405
        "NAME": os.path.join(tempfile.gettempdir(), f"livechat-test-{os.getpid()}.sqlite3")
    }
