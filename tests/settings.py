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
