"""Issue 9 in a real browser: a dashboard whose session ends says so (finding 2), one whose
session still stands comes back by itself, and the widget tells the chat server nothing of
the host page but its origin and path, under `connect-src 'self'` (finding 6)."""

import uuid
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import PASSWORD, SCREENSHOTS, login

SIGNED_OUT = "#signed-out"


@pytest.fixture(scope="module")
def admin_user(django_db_blocker, stack):
    from django.contrib.auth import get_user_model

    with django_db_blocker.unblock():
        user = get_user_model().objects.create_superuser(
            username=f"root-{uuid.uuid4().hex[:6]}", password=PASSWORD, first_name="Root"
        )
    yield user
    with django_db_blocker.unblock():
        user.delete()


@pytest.fixture(scope="module")
def world(stack, people, browser):
    errors = []
    contexts = []

    def context(**options):
        ctx = browser.new_context(**{"viewport": {"width": 1280, "height": 800}, **options})
        ctx.on("page", lambda page: page.on("pageerror", lambda exc: errors.append(str(exc))))
        contexts.append(ctx)
        return ctx

    yield type("World", (), {"base": stack.servers[0].url, "context": staticmethod(context)})
    for ctx in contexts:
        ctx.close()
    assert not errors, f"JavaScript errors in the pages: {errors}"


def sign_out_from_the_menu(page) -> None:
    page.click("#me-btn")
    page.click("#me-pop form button[type=submit]")
    page.wait_for_url("**/accounts/login/**")


def test_signing_out_in_one_tab_signs_out_the_others(world, people):
    ctx = world.context(locale="en-US")
    first = login(ctx, world.base, people["alice"])
    second = ctx.new_page()
    second.goto(f"{world.base}/dashboard/")
    expect(second.locator("#conn")).to_have_attribute("data-state", "connected")

    sign_out_from_the_menu(second)
    dialog = first.locator(SIGNED_OUT)
    expect(dialog).to_be_visible(timeout=3000)
    expect(dialog.locator("h2")).to_have_text("You are signed out")
    expect(first.locator("#conn-label")).to_have_text("Signed out")
    first.screenshot(path=str(SCREENSHOTS / "signed-out.png"))

    first.click("#signed-out-login")
    first.wait_for_url("**/accounts/login/?next=/dashboard/")
    first.fill("#id_username", people["alice"].username)
    first.fill("#id_password", PASSWORD)
    first.click("button[type=submit]")
    first.wait_for_url("**/dashboard/**")
    expect(first.locator("#conn")).to_have_attribute("data-state", "connected")
    expect(first.locator(SIGNED_OUT)).to_be_hidden()


def test_signing_out_elsewhere_leaves_this_browser_connected(world, people):
    here = login(world.context(locale="en-US"), world.base, people["bob"])
    elsewhere = login(world.context(locale="en-US"), world.base, people["bob"])
    reopened = []
    here.on("websocket", lambda ws: reopened.append(ws.url))
    sign_out_from_the_menu(elsewhere)
    # The server closed every socket of Bob's; this browser's session is still good, so
    # its dashboard opened a new socket by itself.
    for _ in range(50):
        if reopened:
            break
        here.wait_for_timeout(100)
    assert reopened, "the dashboard's socket was not closed and reopened"
    expect(here.locator("#conn")).to_have_attribute("data-state", "connected", timeout=5000)
    expect(here.locator(SIGNED_OUT)).to_be_hidden()


def test_a_deactivated_agent_sees_signed_out_in_indonesian(world, people, admin_user):
    phone = world.context(
        locale="id-ID", viewport={"width": 360, "height": 740}, is_mobile=True, has_touch=True
    )
    agent = login(phone, world.base, people["alice"])
    # A supervisor deactivates Alice in the admin.
    admin = login_admin(world.context(locale="en-US"), world.base, admin_user)
    admin.goto(f"{world.base}/admin/auth/user/{people['alice'].pk}/change/")
    admin.uncheck("#id_is_active")
    admin.click("input[name=_save]")
    admin.wait_for_url("**/admin/auth/user/")

    dialog = agent.locator(SIGNED_OUT)
    expect(dialog).to_be_visible(timeout=3000)
    expect(dialog.locator("h2")).to_have_text("Anda sudah keluar")
    expect(dialog.locator("#signed-out-login")).to_have_text("Masuk lagi")
    box = dialog.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 360
    agent.screenshot(path=str(SCREENSHOTS / "signed-out-mobile.png"))


def login_admin(ctx, base: str, user):
    page = ctx.new_page()
    page.goto(f"{base}/admin/login/?next=/admin/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url("**/admin/")
    return page


def test_the_widget_sends_only_the_host_pages_origin_and_path(world, host_site):
    from conversations.models import Visitor

    ctx = world.context(locale="en-US")
    host = ctx.new_page()
    sockets = []
    host.on("websocket", lambda ws: sockets.append(ws.url))
    url = host_site.page("checkout.html", world.base) + "?order=4821&reset=s3cret#pay"
    host.goto(url)
    frame_src = host.locator("#prolivechat-frame").get_attribute("src")
    assert "checkout" not in frame_src and "s3cret" not in frame_src, frame_src
    assert set(dict(p.split("=") for p in urlsplit(frame_src).query.split("&"))) <= {
        "lang",
        "title",
        "color",
    }, frame_src

    host.click("#prolivechat-launcher")
    widget = host.frame_locator("#prolivechat-frame")
    name = f"Privacy {uuid.uuid4().hex[:6]}"
    widget.locator("#w-name").fill(name)
    widget.locator("#w-input").fill("Where is my order?")
    widget.locator("#w-input").press("Enter")
    # Under connect-src 'self' the widget's socket still connects (and sends).
    expect(widget.locator("#w-conn")).to_have_attribute("data-state", "connected", timeout=5000)
    expect(widget.locator("#w-messages .msg:not(.msg--pending)")).to_have_count(1, timeout=5000)
    assert any(s.endswith("/ws/visitor/") for s in sockets), sockets
    assert Visitor.objects.get(name=name).page_url == f"{host_site.origin}/checkout.html"
