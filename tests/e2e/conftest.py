"""Browser tests: Playwright (Debian's /usr/bin/chromium) against a live daphne process on
the test's PostgreSQL database and Redis (tests/support/livestack.py).

Skips cleanly when PostgreSQL / Redis are not configured (CI always configures them) or
when Chromium or Playwright are missing. The browser, its pages and the server are shared
by the tests of a module: the steps build on each other like a person clicking through.
"""

import functools
import http.server
import os
import shutil
import tempfile
import threading
import uuid
from pathlib import Path

import pytest

from tests.support.live_fixtures import LIVE_TEST_ENV, live_config, live_static  # noqa: F401
from tests.support.livestack import LiveStack, free_port

CHROMIUM = os.environ.get("LIVECHAT_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    # Hidden/occluded pages must keep their timers running: the tabs share one headless window.
    "--disable-background-timer-throttling",
    "--disable-renderer-backgrounding",
    "--disable-backgrounding-occluded-windows",
]
# Every run takes the screenshots; `UPDATE_SCREENSHOTS=1 make test` writes them over the
# committed ones in docs/screenshots/ (otherwise a test run would dirty the work tree).
SCREENSHOTS = (
    Path(__file__).resolve().parents[2] / "docs" / "screenshots"
    if os.environ.get("UPDATE_SCREENSHOTS")
    else Path(tempfile.gettempdir()) / "livechat-screenshots"
)
PASSWORD = "e2e-correct-horse-battery"


def pytest_collection_modifyitems(items):
    here = Path(__file__).parent
    for item in items:
        if here in Path(item.fspath).parents and "world" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.e2e)
            item.add_marker(pytest.mark.live)
            # Makes pytest-django create the test database; the data the live server must
            # see is committed by the module fixtures, outside the test's transaction.
            item.add_marker(pytest.mark.django_db)


@pytest.fixture(scope="module")
def _django_beside_playwright():
    """Playwright's sync API runs an event loop in the test thread, which makes Django refuse
    database calls from it (meant for async views); our database calls stay synchronous."""
    old = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    yield
    if old is None:
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    else:
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = old


@pytest.fixture(scope="module")
def playwright_sync(_django_beside_playwright):
    sync_api = pytest.importorskip("playwright.sync_api")
    if not Path(CHROMIUM).exists():
        pytest.skip(f"no Chromium at {CHROMIUM} (make setup installs Debian's chromium)")
    with sync_api.sync_playwright() as p:
        yield p


@pytest.fixture(scope="module")
def browser(playwright_sync):
    browser = playwright_sync.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    yield browser
    browser.close()


class HostSite:
    """A customer's website on another origin, embedding the widget with one script tag."""

    def __init__(self):
        self.port = free_port()
        self.root = Path(tempfile.mkdtemp(prefix="livechat-host-"))
        handler = functools.partial(_QuietHandler, directory=str(self.root))
        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", self.port), handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def page(self, name: str, chat_url: str) -> str:
        (self.root / name).write_text(
            "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>Host shop</title>"
            "</head><body><h1>Another shop</h1>"
            f"<script src='{chat_url}/static/widget/loader.js' async data-title='Host shop'>"
            "</script></body></html>"
        )
        return f"{self.origin}/{name}"

    def start(self):
        self.thread.start()
        return self

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()
        shutil.rmtree(self.root, ignore_errors=True)


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def host_site():
    site = HostSite().start()
    yield site
    site.close()


@pytest.fixture(scope="module")
def stack(live_config, live_static, host_site):  # noqa: F811
    """One daphne process of our own: the tests stop and restart it."""
    media = tempfile.mkdtemp(prefix="livechat-media-")  # uploaded files
    env = {**LIVE_TEST_ENV, "WIDGET_ALLOWED_ORIGINS": host_site.origin, "MEDIA_ROOT": media}
    with LiveStack(1, **live_config, extra_env=env) as live:
        yield live
    shutil.rmtree(media, ignore_errors=True)


@pytest.fixture(scope="module")
def people(django_db_blocker, stack):
    """Agents Alice and Bob, committed so that the live process sees them; removed after."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    from assist.models import KnowledgeArticle
    from conversations.models import Visitor

    User = get_user_model()
    suffix = uuid.uuid4().hex[:6]
    with django_db_blocker.unblock():
        agents_group, _ = Group.objects.get_or_create(name="agents")
        Group.objects.get_or_create(name="supervisors")
        users = {}
        for key, first, last in [("alice", "Alice", "Anders"), ("bob", "Bob", "Baker")]:
            user = User.objects.create_user(
                username=f"{key}-{suffix}", password=PASSWORD, first_name=first, last_name=last
            )
            user.groups.add(agents_group)
            users[key] = user
        # Alice also supervises: she keeps the knowledge base the AI answers from.
        users["alice"].is_staff = True
        users["alice"].save(update_fields=["is_staff"])
        users["alice"].groups.add(Group.objects.get(name="supervisors"))
        before = set(Visitor.objects.values_list("pk", flat=True))
        articles_before = set(KnowledgeArticle.objects.values_list("pk", flat=True))
        _seed_inbox(users)
    yield users
    with django_db_blocker.unblock():
        from assist.runner import wait_idle

        wait_idle(10)
        # Committed by the live server: other tests must not find the AI able to answer.
        KnowledgeArticle.objects.exclude(pk__in=articles_before).delete()
        Visitor.objects.exclude(pk__in=before).delete()
        for user in users.values():
            user.delete()
        # Pooled connections would keep the test database busy and block its teardown.
        from django.db import connections

        for connection in connections.all():
            if hasattr(connection, "close_pool"):
                connection.close_pool()


def _seed_inbox(users) -> None:
    """A few other conversations, so the inbox (and its screenshot) looks like a real day."""
    from conversations import services as conversation_services
    from conversations.actors import Actor
    from messaging.services import message_send

    alice, bob = Actor.for_agent(users["alice"]), Actor.for_agent(users["bob"])
    chats = [
        ("Maya Putri", "maya@example.co.id", ["Apakah bisa kirim ke Surabaya hari ini?"], None),
        (
            "Tom Becker",
            None,
            # A long history: the dashboard loads the latest 50, the rest on scrolling up.
            [f"Earlier question {i}" for i in range(1, 61)]
            + ["Hi! My discount code SPRING10 isn't accepted at checkout."],
            None,
        ),
        ("Lucía Fernández", "lucia@example.es", ["Can I return beans I haven't opened?"], alice),
        ("Kenji Sato", "kenji@example.jp", ["Thanks, all sorted!"], bob),
    ]
    for name, email, lines, agent in chats:
        visitor, _token = conversation_services.visitor_create(name=name, email=email)
        for line in lines:
            message, _ = message_send(actor=Actor.for_visitor(visitor), body=line)
        if agent is not None:
            message_send(
                actor=agent,
                conversation_id=message.conversation_id,
                body="Happy to help! Let me look into it.",
            )
    conversation_services.conversation_update(
        actor=bob, conversation_id=message.conversation_id, status="pending"
    )


def login(context, base_url: str, user):
    page = context.new_page()
    page.goto(f"{base_url}/accounts/login/?next=/dashboard/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/dashboard/**")
    page.wait_for_selector("#conn[data-state=connected]")
    return page
