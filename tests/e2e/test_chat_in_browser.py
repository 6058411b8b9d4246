"""Two agent tabs and one visitor, in a real browser, against a live daphne + PostgreSQL + Redis.

The tests run in file order and build on each other (one conversation, one server), the way
a person would check the product: each test is one step and asserts what the step shows.
"""

import os
import re
import time
import urllib.request
from types import SimpleNamespace

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import SCREENSHOTS, login

NOT_CONNECTED = re.compile(r"reconnecting|disconnected")
RECONNECT_TIMEOUT = 45_000  # ms: the backoff is capped at 30 s, with jitter


@pytest.fixture(scope="module")
def world(stack, people, browser):
    base = stack.servers[0].url
    ctx_a = browser.new_context(viewport={"width": 1440, "height": 900}, locale="en-US")
    ctx_b = browser.new_context(viewport={"width": 1280, "height": 800}, locale="en-US")
    ctx_v = browser.new_context(viewport={"width": 1280, "height": 800}, locale="en-US")
    errors = []
    alice = login(ctx_a, base, people["alice"])
    bob = login(ctx_b, base, people["bob"])
    visitor = ctx_v.new_page()
    for page in (alice, bob, visitor):
        page.on("pageerror", lambda exc: errors.append(str(exc)))
    if os.environ.get("E2E_TRACE"):
        for name, page in (("A", alice), ("B", bob), ("V", visitor)):
            page.on(
                "websocket",
                lambda ws, n=name: (
                    ws.on("framesent", lambda f: print(f"{time.monotonic():.2f} {n}>", f[:160])),
                    ws.on(
                        "framereceived", lambda f: print(f"{time.monotonic():.2f} {n}<", f[:160])
                    ),
                ),
            )
    visitor.goto(f"{base}/demo/")
    world = SimpleNamespace(
        base=base,
        stack=stack,
        browser=browser,
        ctx_a=ctx_a,
        ctx_b=ctx_b,
        ctx_v=ctx_v,
        alice=alice,
        bob=bob,
        agents=(alice, bob),
        visitor=visitor,
        widget=visitor.frame_locator("#prolivechat-frame"),
        errors=errors,
    )
    yield world
    for ctx in (ctx_a, ctx_b, ctx_v):
        ctx.close()
    assert not errors, f"JavaScript errors in the pages: {errors}"


def send(textbox, text: str) -> None:
    textbox.fill(text)
    textbox.press("Enter")


def within(seconds: float, *checks) -> None:
    """Every check (a callable taking a timeout in ms) must pass before one shared deadline."""
    deadline = time.monotonic() + seconds
    for check in checks:
        check(max(1, int((deadline - time.monotonic()) * 1000)))


def agent_msg(page, text):
    return page.locator("#messages .msg:not(.msg--pending) .msg-body", has_text=text)


def widget_msg(world, text):
    return world.widget.locator("#w-messages .msg:not(.msg--pending) .msg-body", has_text=text)


def widget_frame(page):
    return next(f for f in page.frames if "/widget/" in f.url)


def test_visitor_message_appears_in_both_agent_tabs_within_a_second(world):
    expect(world.widget.locator("#widget[data-ready]")).to_be_attached()
    world.visitor.click("#prolivechat-launcher")
    world.widget.locator("#w-name").fill("Budi")
    send(world.widget.locator("#w-input"), "Halo, pesanan saya belum sampai")
    for page in world.agents:
        item = page.locator(".conv-item", has_text="Budi")
        expect(item).to_be_visible(timeout=5000)
        expect(item.locator(".conv-preview")).to_have_text("Halo, pesanan saya belum sampai")
        item.click()
        expect(agent_msg(page, "Halo, pesanan saya belum sampai")).to_be_visible()

    send(world.widget.locator("#w-input"), "Nomor pesanan 4821")
    within(
        1.0,
        *[
            lambda ms, p=page: expect(agent_msg(p, "Nomor pesanan 4821")).to_be_visible(timeout=ms)
            for page in world.agents
        ],
    )


def test_agent_reply_appears_in_the_widget_and_is_marked_read(world):
    send(world.alice.locator("#composer-input"), "Hi Budi, let me check that for you")
    within(
        1.0,
        lambda ms: expect(widget_msg(world, "let me check that")).to_be_visible(timeout=ms),
        lambda ms: expect(agent_msg(world.bob, "let me check that")).to_be_visible(timeout=ms),
    )
    own = world.alice.locator("#messages .msg--own", has_text="let me check that")
    # The widget is open and visible, so the visitor has read it: ✓ becomes ✓✓.
    expect(own.locator(".msg-receipt.is-read")).to_have_text("✓✓", timeout=5000)


def test_edit_and_delete_show_in_every_tab(world):
    alice = world.alice
    mine = alice.locator("#messages .msg--own", has_text="let me check that")
    mine.hover()
    mine.locator("[data-act=edit]").click()
    box = alice.locator("#messages .msg.is-editing .edit-box")
    box.fill("Hi Budi, I am checking the courier now")
    box.press("Enter")
    for page in world.agents:
        edited = page.locator("#messages .msg", has_text="checking the courier now")
        expect(edited.locator(".msg-edited")).to_be_visible(timeout=3000)
        expect(agent_msg(page, "let me check that")).to_have_count(0)
    expect(widget_msg(world, "checking the courier now")).to_be_visible(timeout=3000)
    expect(
        world.widget.locator(".msg", has_text="checking the courier now").locator(".msg-edited")
    ).to_be_visible()

    send(alice.locator("#composer-input"), "oops, wrong chat")
    expect(widget_msg(world, "oops, wrong chat")).to_be_visible(timeout=3000)
    typo = alice.locator("#messages .msg--own", has_text="oops, wrong chat")
    typo.hover()
    typo.locator("[data-act=delete]").click()
    alice.locator("#confirm-dialog .btn-danger").click()
    for page in world.agents:
        expect(agent_msg(page, "oops, wrong chat")).to_have_count(0, timeout=3000)
        expect(page.locator("#messages .msg--deleted")).to_have_count(1)
    expect(widget_msg(world, "oops, wrong chat")).to_have_count(0, timeout=3000)
    expect(world.widget.locator("#w-messages .msg--deleted")).to_have_text(
        re.compile("This message was deleted")
    )


def test_typing_indicator_appears_and_disappears(world):
    box = world.widget.locator("#w-input")
    box.press_sequentially("Sebentar ya", delay=40)
    for page in world.agents:
        expect(page.locator("#typing")).to_be_visible(timeout=3000)
        expect(page.locator("#typing-text")).to_have_text("Budi is typing…")
    box.fill("")
    for page in world.agents:
        expect(page.locator("#typing")).to_be_hidden(timeout=4000)

    composer = world.alice.locator("#composer-input")
    composer.press_sequentially("Almost there", delay=40)
    expect(world.widget.locator("#w-typing")).to_be_visible(timeout=3000)
    expect(world.widget.locator("#w-typing")).to_contain_text("Agent is typing…")
    composer.fill("")
    expect(world.widget.locator("#w-typing")).to_be_hidden(timeout=4000)


HIDE_TAB_WITH_FAKE_NOTIFICATIONS = """() => {
  window.__notes = [];
  window.__chimes = 0;
  window.Notification = class {
    static permission = 'granted';
    constructor(title, options) { window.__notes.push([title, options.body]); }
    addEventListener() {}
  };
  const start = OscillatorNode.prototype.start;
  OscillatorNode.prototype.start = function (...a) {
    window.__chimes += 1;
    return start.apply(this, a);
  };
  Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => 'hidden' });
  document.dispatchEvent(new Event('visibilitychange'));
}"""


def test_hidden_tab_gets_a_sound_and_a_desktop_notification(world):
    bob = world.bob
    bob.evaluate(HIDE_TAB_WITH_FAKE_NOTIFICATIONS)
    bob.click("#notify-btn")  # the agent allows it (a click also unlocks audio)
    expect(bob.locator("#notify-btn")).to_have_attribute("aria-pressed", "true")
    send(world.widget.locator("#w-input"), "Are you still there?")
    # Polled from here: wait_for_function would need eval, which our CSP forbids.
    deadline = time.monotonic() + 3
    while not bob.evaluate("window.__notes.length") and time.monotonic() < deadline:
        time.sleep(0.05)
    assert bob.evaluate("window.__notes") == [["New message from Budi", "Are you still there?"]]
    assert bob.evaluate("window.__chimes") >= 2  # the chime: two notes, hidden tab
    assert bob.title().startswith("(1) ")
    bob.evaluate(
        "() => { delete document.visibilityState;"
        " document.dispatchEvent(new Event('visibilitychange')); }"
    )
    expect(bob).not_to_have_title(re.compile(r"^\(1\)"))


def test_status_assignment_and_ai_toggle_show_in_the_other_tab(world):
    alice, bob = world.alice, world.bob
    alice.click("#status-btn")
    alice.click("[data-set-status=pending]")
    expect(bob.locator("#status-btn")).to_have_attribute("data-status", "pending", timeout=3000)
    expect(bob.locator("#status-label")).to_have_text("Pending")

    # Off: the knowledge base was empty when the conversation began (PROTOCOL section 8).
    expect(bob.locator("#ai-toggle")).not_to_be_checked()
    alice.click(".ai-row")
    expect(alice.locator("#ai-toggle")).to_be_checked()
    expect(bob.locator("#ai-toggle")).to_be_checked(timeout=3000)

    alice.click("#assign-btn")
    alice.locator("#assign-pop .menu-item", has_text="Bob Baker").click()
    expect(bob.locator("#assign-label")).to_have_text("You", timeout=3000)
    expect(alice.locator("#assign-label")).to_have_text("Bob Baker")

    alice.click("#status-btn")
    alice.click("[data-set-status=open]")
    expect(bob.locator("#status-btn")).to_have_attribute("data-status", "open", timeout=3000)


def test_presence_away_shows_in_the_other_tab(world, people):
    bob_id = str(people["bob"].pk)
    member = world.alice.locator(f"#team-list .member[data-id='{bob_id}']")
    expect(member).to_have_attribute("data-status", "online", timeout=5000)
    world.bob.click("#me-btn")
    world.bob.click("#me-pop [data-presence=away]")
    expect(member).to_have_attribute("data-status", "away", timeout=3000)
    expect(member.locator(".member-status")).to_have_text("Away")
    world.bob.click("#me-btn")
    world.bob.click("#me-pop [data-presence=online]")
    expect(member).to_have_attribute("data-status", "online", timeout=3000)


def test_older_history_loads_on_scroll_up(world):
    alice = world.alice
    alice.locator(".conv-item", has_text="Tom Becker").click()
    expect(agent_msg(alice, "SPRING10")).to_be_visible()
    expect(alice.locator("#messages .msg")).to_have_count(50)
    alice.locator("#transcript").evaluate("el => { el.scrollTop = 0; }")
    expect(alice.locator("#messages .msg")).to_have_count(61, timeout=5000)
    expect(agent_msg(alice, "Earlier question 1").first).to_be_attached()
    alice.locator(".conv-item", has_text="Budi").click()
    expect(agent_msg(alice, "checking the courier now")).to_be_visible()


SHIPPING = (
    "We ship every order within 2 working days with JNE or SiCepat.\n\n"
    "Delivery takes 1-2 days within Java and 2-5 days to Bali, Sumatra and Sulawesi.\n\n"
    "Shipping costs Rp 15.000 within Java and Rp 30.000 to the other islands, and is free "
    "for orders over Rp 300.000."
)


def test_a_supervisor_adds_an_article_and_a_suggestion_from_it_goes_into_the_composer(world):
    # Alice (a supervisor) writes the article on the knowledge-base page, in another tab.
    kb = world.ctx_a.new_page()
    kb.on("pageerror", lambda exc: world.errors.append(str(exc)))
    kb.goto(f"{world.base}/dashboard/knowledge/")
    expect(kb.locator("#kb[data-ready]")).to_be_attached()
    kb.click("#kb-new")
    kb.fill("#kb-title", "Shipping and delivery times")
    kb.fill("#kb-body", SHIPPING)
    kb.click("#kb-save")
    expect(kb.locator("#toast")).to_have_text("Saved.")
    expect(kb.locator(".kb-item", has_text="Shipping and delivery times")).to_be_visible()
    kb.close()

    # The visitor asks; the passage that answers appears in Alice's AI panel ...
    send(world.widget.locator("#w-input"), "How long does delivery to Bali take?")
    suggestion = world.alice.locator("#suggestions .suggestion", has_text="2-5 days to Bali")
    expect(suggestion).to_be_visible(timeout=5000)
    expect(suggestion.locator(".suggestion-source")).to_have_text("Shipping and delivery times")
    expect(suggestion).not_to_contain_text("JNE")  # the passage, not the whole article
    # ... one click puts it into the composer, unsent; Alice edits it and sends it.
    suggestion.click()
    composer = world.alice.locator("#composer-input")
    expect(composer).to_have_value(SHIPPING.split("\n\n")[1])
    expect(widget_msg(world, "2-5 days to Bali")).to_have_count(0)
    composer.press("End")
    composer.press_sequentially(" Yours is on its way today.", delay=10)
    composer.press("Enter")
    expect(widget_msg(world, "and Sulawesi. Yours is on its way today.")).to_be_visible(
        timeout=3000
    )
    # Alice replied long ago: the AI suggests, it does not answer by itself.
    expect(world.widget.locator("#w-messages .msg--ai")).to_have_count(0)

    # The screenshots for the README: a conversation with some history, and the AI's
    # suggestion for the visitor's latest question.
    send(world.widget.locator("#w-input"), "Great, thank you! And what does shipping cost?")
    expect(agent_msg(world.alice, "Great, thank you!")).to_be_visible(timeout=3000)
    expect(
        world.alice.locator("#suggestions .suggestion", has_text="Rp 30.000 to the other islands")
    ).to_be_visible(timeout=5000)
    world.widget.locator("#w-input").press_sequentially("One more thing", delay=30)
    expect(world.alice.locator("#typing")).to_be_visible(timeout=3000)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    world.alice.screenshot(path=str(SCREENSHOTS / "dashboard.png"))
    world.widget.locator("#w-input").fill("")
    world.visitor.screenshot(path=str(SCREENSHOTS / "widget.png"))


def test_server_restart_keeps_what_was_typed_and_delivers_it_once(world):
    server = world.stack.servers[0]
    server.stop()
    for page in world.agents:
        expect(page.locator("#conn")).to_have_attribute("data-state", NOT_CONNECTED, timeout=5000)
    expect(world.widget.locator("#w-conn")).to_have_attribute(
        "data-state", NOT_CONNECTED, timeout=5000
    )
    expect(world.alice.locator("#conn-label")).to_have_text(
        re.compile("Reconnecting…|Disconnected")
    )

    send(world.widget.locator("#w-input"), "Typed while the server was down")
    send(world.alice.locator("#composer-input"), "Agent reply typed while down")
    expect(world.widget.locator(".msg--pending", has_text="server was down")).to_contain_text(
        "sending…"
    )
    expect(world.alice.locator(".msg--pending", has_text="typed while down")).to_contain_text(
        "sending…"
    )

    server.start()
    for page in world.agents:
        expect(page.locator("#conn")).to_have_attribute(
            "data-state", "connected", timeout=RECONNECT_TIMEOUT
        )
        expect(page.locator("#conn-label")).to_have_text("Connected")
    expect(world.widget.locator("#w-conn")).to_have_attribute(
        "data-state", "connected", timeout=RECONNECT_TIMEOUT
    )
    for page in world.agents:
        expect(agent_msg(page, "Typed while the server was down")).to_have_count(1, timeout=10000)
        expect(agent_msg(page, "Agent reply typed while down")).to_have_count(1, timeout=10000)
    expect(widget_msg(world, "Agent reply typed while down")).to_have_count(1, timeout=10000)
    expect(widget_msg(world, "Typed while the server was down")).to_have_count(1)
    expect(world.widget.locator(".msg--pending")).to_have_count(0)
    expect(world.alice.locator(".msg--pending")).to_have_count(0)
    time.sleep(1)  # a late duplicate would show up now
    for page in world.agents:
        expect(agent_msg(page, "Typed while the server was down")).to_have_count(1)


def test_browser_offline_and_back_delivers_once(world):
    world.ctx_v.set_offline(True)
    world.ctx_a.set_offline(True)
    expect(world.widget.locator("#w-conn")).to_have_attribute(
        "data-state", NOT_CONNECTED, timeout=5000
    )
    expect(world.alice.locator("#conn")).to_have_attribute(
        "data-state", NOT_CONNECTED, timeout=5000
    )
    send(world.widget.locator("#w-input"), "Typed while my wifi was off")
    send(world.alice.locator("#composer-input"), "Agent typed while offline")
    expect(world.widget.locator(".msg--pending", has_text="wifi was off")).to_be_visible()
    expect(world.alice.locator(".msg--pending", has_text="while offline")).to_be_visible()
    expect(agent_msg(world.bob, "wifi was off")).to_have_count(0)

    world.ctx_v.set_offline(False)
    world.ctx_a.set_offline(False)
    expect(world.widget.locator("#w-conn")).to_have_attribute(
        "data-state", "connected", timeout=RECONNECT_TIMEOUT
    )
    expect(world.alice.locator("#conn")).to_have_attribute(
        "data-state", "connected", timeout=RECONNECT_TIMEOUT
    )
    for page in world.agents:
        expect(agent_msg(page, "Typed while my wifi was off")).to_have_count(1, timeout=10000)
        expect(agent_msg(page, "Agent typed while offline")).to_have_count(1, timeout=10000)
    expect(widget_msg(world, "Agent typed while offline")).to_have_count(1, timeout=10000)
    expect(widget_msg(world, "Typed while my wifi was off")).to_have_count(1)
    expect(world.widget.locator(".msg--pending")).to_have_count(0)


def test_widget_reload_keeps_the_conversation(world):
    world.visitor.reload()
    expect(world.widget.locator("#widget[data-ready]")).to_be_attached()
    # The panel was open before the reload, and opens again by itself.
    expect(world.widget.locator("#w-conn")).to_have_attribute(
        "data-state", "connected", timeout=10000
    )
    expect(widget_msg(world, "Halo, pesanan saya belum sampai")).to_be_visible()
    expect(widget_msg(world, "checking the courier now")).to_be_visible()
    expect(world.widget.locator("#w-intro")).to_be_hidden()
    send(world.widget.locator("#w-input"), "Still here after a reload")
    for page in world.agents:
        expect(agent_msg(page, "Still here after a reload")).to_have_count(1, timeout=3000)
        expect(page.locator(".conv-item", has_text="Budi")).to_have_count(1)


def test_script_in_a_message_renders_as_text(world):
    payload = '<script>window.__pwned = 1</script><img src=x onerror="window.__pwned = 2"><b>b</b>'
    send(world.widget.locator("#w-input"), payload)
    for page in world.agents:
        body = page.locator("#messages .msg--visitor .msg-body").last
        expect(body).to_have_text(payload, timeout=3000)
        assert page.locator("#messages script, #messages img, #messages b").count() == 0
        assert page.evaluate("window.__pwned") is None
    expect(world.widget.locator("#w-messages .msg--visitor .msg-body").last).to_have_text(payload)
    frame = widget_frame(world.visitor)
    assert frame.evaluate("window.__pwned") is None
    assert frame.locator("#w-messages script, #w-messages img, #w-messages b").count() == 0


def test_widget_on_another_site_with_unread_count_and_frame_ancestors(world, host_site):
    ctx = world.browser.new_context(viewport={"width": 1280, "height": 800}, locale="id-ID")
    try:
        host = ctx.new_page()
        host.goto(host_site.page("shop.html", world.base))
        launcher = host.locator("#prolivechat-launcher")
        expect(launcher).to_be_visible()
        widget = host.frame_locator("#prolivechat-frame")
        expect(widget.locator("#w-title")).to_have_text("Host shop")
        expect(widget.locator("#widget[data-ready]")).to_be_attached()
        launcher.click()
        widget.locator("#w-name").fill("Sari")
        send(widget.locator("#w-input"), "Halo dari situs lain")
        item = world.alice.locator(".conv-item", has_text="Sari")
        expect(item).to_be_visible(timeout=5000)
        launcher.click()  # closed: replies now count as unread on the bubble
        item.click()
        send(world.alice.locator("#composer-input"), "Halo Sari!")
        send(world.alice.locator("#composer-input"), "Ada yang bisa dibantu?")
        expect(host.locator("#prolivechat-unread")).to_have_text("2", timeout=3000)
        launcher.click()
        expect(host.locator("#prolivechat-unread")).to_be_hidden(timeout=3000)
        expect(widget.locator("#w-conn")).to_have_attribute("data-state", "connected")
        expect(widget.locator(".w-typing span").last).to_have_text("Agen sedang mengetik…")
    finally:
        ctx.close()

    # The widget page may only be framed by the configured sites (and the chat server itself).
    with urllib.request.urlopen(f"{world.base}/widget/") as response:
        csp = response.headers["Content-Security-Policy"]
    assert f"frame-ancestors 'self' {host_site.origin}" in csp
    assert "script-src 'self';" in csp


def test_widget_fits_a_360px_phone(world):
    ctx = world.browser.new_context(
        viewport={"width": 360, "height": 740}, locale="en-US", is_mobile=True, has_touch=True
    )
    try:
        phone = ctx.new_page()
        phone.goto(f"{world.base}/demo/")
        phone.click("#prolivechat-launcher")
        frame = phone.locator("#prolivechat-frame")
        expect(frame).to_be_visible()
        box = frame.bounding_box()
        assert box["width"] <= 360 and box["height"] <= 740
        widget = widget_frame(phone)
        widget.wait_for_selector("#widget[data-ready]", state="attached")
        assert widget.evaluate("document.documentElement.scrollWidth") <= 360
        send(phone.frame_locator("#prolivechat-frame").locator("#w-input"), "Hi from my phone")
        expect(agent_msg(world.alice, "Hi from my phone")).to_have_count(0)  # another visitor
        expect(world.alice.locator(".conv-item", has_text="Visitor")).not_to_have_count(0)
        phone.screenshot(path=str(SCREENSHOTS / "widget-mobile.png"))
    finally:
        ctx.close()
