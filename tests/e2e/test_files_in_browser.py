# ruff: noqa: E501 - the scripts run in the page read best one statement per line
"""Files in a real browser: a visitor drags a screenshot into the widget and the agent sees
it; the agent pastes one into the dashboard and the visitor sees it; a file too large is
refused with a clear message before anything is sent."""

import base64

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import SCREENSHOTS, login
from tests.support import files

# Builds File objects in the page from base64 and hands them over as a drop or a paste,
# exactly as the browser does for files dragged from the desktop or a pasted screenshot.
TRANSFER = """
([selector, kind, items]) => {
  const dt = new DataTransfer();
  for (const [name, type, b64] of items) {
    const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
    dt.items.add(new File([bytes], name, { type }));
  }
  const target = document.querySelector(selector);
  if (kind === 'paste') {
    target.dispatchEvent(new ClipboardEvent('paste', { clipboardData: dt, bubbles: true, cancelable: true }));
    return;
  }
  for (const type of ['dragenter', 'dragover', 'drop']) {
    target.dispatchEvent(new DragEvent(type, { dataTransfer: dt, bubbles: true, cancelable: true }));
  }
}
"""


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


@pytest.fixture(scope="module")
def world(stack, people, browser):
    base = stack.servers[0].url
    errors = []
    agent_ctx = browser.new_context(viewport={"width": 1440, "height": 900}, locale="en-US")
    visitor_ctx = browser.new_context(viewport={"width": 1280, "height": 800}, locale="en-US")
    agent = login(agent_ctx, base, people["alice"])
    visitor = visitor_ctx.new_page()
    for page in (agent, visitor):
        page.on("pageerror", lambda exc: errors.append(str(exc)))
    visitor.goto(f"{base}/demo/")
    yield {"base": base, "agent": agent, "visitor": visitor, "errors": errors}
    agent_ctx.close()
    visitor_ctx.close()
    assert not errors, f"JavaScript errors in the pages: {errors}"


def widget_frame(page):
    return next(f for f in page.frames if "/widget/" in f.url)


def test_a_visitor_drags_a_screenshot_into_the_widget_and_the_agent_sees_it(world):
    visitor, agent = world["visitor"], world["agent"]
    visitor.click("#prolivechat-launcher")
    frame = widget_frame(visitor)
    frame.locator("#widget[data-ready]").wait_for(state="attached")
    frame.fill("#w-name", "Dewi")
    screenshot = files.png(1200, 800)
    frame.evaluate(TRANSFER, ["#widget", "drop", [["receipt.png", "image/png", b64(screenshot)]]])
    item = frame.locator(".tray-item.is-done")
    expect(item).to_contain_text("receipt.png", timeout=10_000)
    frame.locator("#w-input").fill("Here is my receipt")
    frame.locator("#w-input").press("Enter")
    sent = frame.locator("#w-messages .msg:not(.msg--pending) .att-image img")
    expect(sent).to_be_visible(timeout=10_000)
    expect(frame.locator("#w-tray")).to_be_hidden()

    conversation = agent.locator(".conv-item", has_text="Dewi")
    expect(conversation).to_be_visible(timeout=5000)
    conversation.click()
    image = agent.locator("#messages .att-image img")
    expect(image).to_be_visible(timeout=10_000)
    expect(image).to_have_attribute("alt", "receipt.png")
    # Loaded (visible comes first, with its layout size) and the thumbnail's own width.
    agent.wait_for_function(
        "() => { const img = document.querySelector('#messages .att-image img');"
        " return img && img.complete && img.naturalWidth > 0; }",
        timeout=10_000,
    )
    assert image.evaluate("img => img.naturalWidth") == 320
    # It opens full size, re-encoded at its own size.
    assert agent.locator("#messages .att-image").get_attribute("target") == "_blank"


def test_the_agent_pastes_a_screenshot_and_a_document_goes_as_a_card(world):
    visitor, agent = world["visitor"], world["agent"]
    shot = files.png(640, 400)
    agent.evaluate(TRANSFER, ["#composer-input", "paste", [["image.png", "image/png", b64(shot)]]])
    agent.locator("#attach-btn").focus()  # the attach button is a real button
    agent.set_input_files(
        "#file-input",
        files=[{"name": "guide.pdf", "mimeType": "application/pdf", "buffer": files.pdf()}],
    )
    expect(agent.locator("#tray .tray-item.is-done")).to_have_count(2, timeout=10_000)
    agent.locator("#composer-input").press("Enter")
    frame = widget_frame(visitor)
    expect(frame.locator("#w-messages .att-image img")).to_have_count(2, timeout=10_000)
    card = frame.locator("#w-messages .att-file")
    expect(card).to_contain_text("guide.pdf")
    expect(card).to_contain_text("PDF")
    # The pasted screenshot got a name of its own.
    names = frame.locator("#w-messages .att-image img").evaluate_all("els => els.map(e => e.alt)")
    assert names[0] == "receipt.png" and names[1].startswith("screenshot-")


def test_a_file_too_large_is_refused_with_a_clear_message(world):
    frame = widget_frame(world["visitor"])
    too_big = int(frame.locator("#widget").get_attribute("data-attachment-max-bytes")) + 1
    frame.evaluate(
        """([n]) => {
          const dt = new DataTransfer();
          dt.items.add(new File([new Uint8Array(n)], 'video.mov', { type: 'video/quicktime' }));
          const el = document.querySelector('#widget');
          for (const t of ['dragenter', 'dragover', 'drop']) el.dispatchEvent(new DragEvent(t, { dataTransfer: dt, bubbles: true, cancelable: true }));
        }""",
        [too_big],
    )
    expect(frame.locator("#w-toast")).to_contain_text("too large")
    expect(frame.locator("#w-tray")).to_be_hidden()


def test_screenshots_desktop_and_phone(world):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    world["agent"].screenshot(path=str(SCREENSHOTS / "dashboard-files.png"))
    phone_ctx = world["visitor"].context.browser.new_context(
        viewport={"width": 360, "height": 740}, locale="en-US"
    )
    phone = phone_ctx.new_page()
    # The same visitor on a phone: its token lives in the chat server's storage.
    token = widget_frame(world["visitor"]).evaluate(
        "localStorage.getItem('livechat.visitor.token')"
    )
    phone.goto(f"{world['base']}/widget/")
    phone.evaluate("t => localStorage.setItem('livechat.visitor.token', t)", token)
    phone.reload()
    expect(phone.locator("#w-messages .att-image img")).to_have_count(2, timeout=10_000)
    phone.wait_for_timeout(500)
    phone.screenshot(path=str(SCREENSHOTS / "widget-files-mobile.png"))
    overflow = phone.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    phone_ctx.close()
    assert overflow <= 0
