"""Agents' tools in a real browser: the visitor context that follows the host page, private
notes that the widget never shows (nor leaves a gap for), mentions, and the `/` picker.

One visitor on another site's page, Alice and Bob in their dashboards; the steps build on
each other like a person clicking through.
"""

import re
from types import SimpleNamespace

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import login


@pytest.fixture(scope="module")
def world(stack, people, browser, host_site, django_db_blocker):
    from canned.services import canned_response_create
    from conversations.actors import Actor

    base = stack.servers[0].url
    with django_db_blocker.unblock():
        canned = canned_response_create(
            actor=Actor.for_agent(people["alice"]),
            shortcut="thx",
            title="Thanks",
            body="Thanks {{visitor.name}}, {{agent.name}} here!",
        )
    ctx_a = browser.new_context(viewport={"width": 1440, "height": 900}, locale="en-US")
    ctx_b = browser.new_context(viewport={"width": 1280, "height": 800}, locale="en-US")
    ctx_v = browser.new_context(viewport={"width": 1280, "height": 800}, locale="en-US")
    errors = []
    alice = login(ctx_a, base, people["alice"])
    bob = login(ctx_b, base, people["bob"])
    visitor = ctx_v.new_page()
    for page in (alice, bob, visitor):
        page.on("pageerror", lambda exc: errors.append(str(exc)))
    visitor.goto(host_site.page("tools.html", base) + "?coupon=SECRET#top")
    yield SimpleNamespace(
        base=base,
        alice=alice,
        bob=bob,
        visitor=visitor,
        people=people,
        widget=visitor.frame_locator("#prolivechat-frame"),
        errors=errors,
    )
    for ctx in (ctx_a, ctx_b, ctx_v):
        ctx.close()
    with django_db_blocker.unblock():
        canned.delete()
    assert not errors, f"JavaScript errors in the pages: {errors}"


def send(textbox, text: str) -> None:
    textbox.fill(text)
    textbox.press("Enter")


def test_the_side_panel_shows_where_the_visitor_is_and_follows_the_page(world, host_site):
    world.visitor.click("#prolivechat-launcher")
    world.widget.locator("#w-name").fill("Rina")
    send(world.widget.locator("#w-input"), "Is the Toraja still in stock?")
    item = world.alice.locator(".conv-item", has_text="Rina")
    expect(item).to_be_visible(timeout=5000)
    item.click()
    page_fact = world.alice.locator("#fact-page a")
    expect(page_fact).to_have_text(f"{host_site.origin[len('http://') :]}/tools.html", timeout=5000)
    expect(world.alice.locator("#fact-browser")).to_contain_text("Chrome")
    expect(world.alice.locator("#fact-local-time")).not_to_have_text("—")
    # A single-page shop moves on: the panel follows, never showing the query string.
    world.visitor.evaluate("history.pushState({}, '', '/checkout/pay?card=4111')")
    expect(page_fact).to_have_text(re.compile(r"/checkout/pay$"), timeout=5000)
    assert "4111" not in world.alice.locator("#visitor-card").inner_text()
    assert "SECRET" not in world.alice.locator("#visitor-card").inner_text()


def test_a_note_stays_with_the_agents_and_mentions_bob(world):
    bob_name = world.people["bob"].username
    world.alice.click(".mode-btn[data-mode=note]")
    send(world.alice.locator("#composer-input"), f"Stock is low, @{bob_name} can you confirm?")
    note = world.alice.locator("#messages .msg--note:not(.msg--pending)")
    expect(note).to_be_visible(timeout=5000)
    expect(note.locator(".msg-note-label")).to_have_text("Only agents see this")
    # Bob looks at another screen: a toast tells him he was mentioned.
    expect(world.bob.locator("#toast")).to_contain_text("mentioned you", timeout=5000)
    world.bob.locator(".conv-item", has_text="Rina").click()
    expect(world.bob.locator("#messages .msg--note .msg-body")).to_contain_text("Stock is low")

    world.alice.click(".mode-btn[data-mode=reply]")
    send(world.alice.locator("#composer-input"), "Yes, we have 3 bags left!")
    reply = world.widget.locator(
        "#w-messages .msg:not(.msg--pending) .msg-body", has_text="3 bags left"
    )
    expect(reply).to_be_visible(timeout=5000)
    # The widget never shows the note, and numbers the reply right after the question.
    assert "Stock is low" not in world.widget.locator("#w-messages").inner_text()
    expect(world.widget.locator("#w-messages .msg--note")).to_have_count(0)
    seqs = world.widget.locator("#w-messages .msg:not(.msg--pending)").evaluate_all(
        "nodes => nodes.map(n => Number(n.dataset.seq))"
    )
    assert seqs == [1, 2]
    frame = next(f for f in world.visitor.frames if "/widget/" in f.url)
    conv_id = frame.evaluate(
        "() => window.livechat.transcript.messages.values().next().value.conversation_id"
    )
    # The widget's socket saw consecutive versions: its watermark is the reply's, no resync.
    assert frame.evaluate(f"() => window.livechat.socket.version('{conv_id}')") == 2


def test_a_reload_of_the_widget_still_shows_no_note(world, host_site):
    world.visitor.goto(host_site.page("tools.html", world.base))
    world.visitor.wait_for_function("() => window.ProLivechat")
    world.visitor.evaluate("() => window.ProLivechat.open()")
    expect(world.widget.locator("#w-messages .msg-body", has_text="3 bags left")).to_be_visible(
        timeout=5000
    )
    assert "Stock is low" not in world.widget.locator("#w-messages").inner_text()


def test_the_slash_picker_inserts_the_rendered_response(world):
    box = world.alice.locator("#composer-input")
    box.fill("")
    box.type("/th")
    option = world.alice.locator(".canned-item", has_text="/thx")
    expect(option).to_be_visible(timeout=5000)
    box.press("Enter")
    expect(box).to_have_value("Thanks Rina, Alice Anders here!", timeout=5000)
    box.type(" /")
    expect(world.alice.locator(".canned-pop")).to_be_visible()
    box.press("Escape")
    expect(world.alice.locator(".canned-pop")).to_be_hidden()
    expect(box).to_have_value("Thanks Rina, Alice Anders here! /")
