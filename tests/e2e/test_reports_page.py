"""The supervisors' reports page in Chromium against a live daphne, on a month of demo data
(`livechat_seed_demo`): the figures on the page are the API's, the filters work, the charts
draw under the strict CSP, and the page is screenshotted for the docs."""

import uuid
from datetime import timedelta
from types import SimpleNamespace
from urllib.parse import parse_qs, urlparse
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import expect

from tests.e2e.conftest import PASSWORD, SCREENSHOTS

TZ = "Asia/Jakarta"


@pytest.fixture(scope="module")
def world(stack, people, browser, django_db_blocker):
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    from conversations.models import Agent, Visitor

    with django_db_blocker.unblock():
        before = set(Visitor.objects.values_list("pk", flat=True))
        call_command(
            "livechat_seed_demo", conversations=400, days=30, seed=11, tz=TZ, interactive=False
        )
        sam = get_user_model().objects.create_user(
            username=f"sam-{uuid.uuid4().hex[:6]}",
            password=PASSWORD,
            first_name="Sam",
            last_name="Super",
            is_staff=True,
        )
        sam.groups.add(*Group.objects.filter(name__in=["agents", "supervisors"]))
    base = stack.servers[0].url
    context = browser.new_context(
        viewport={"width": 1440, "height": 1000}, locale="en-US", timezone_id=TZ
    )
    errors = []
    page = context.new_page()
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    # CSP violations and script errors are console errors; failed loads are checked by URL
    # (Chromium's favicon request, which no page makes, only shows as a console line).
    page.on(
        "console",
        lambda m: (
            errors.append(m.text)
            if m.type == "error" and not m.text.startswith("Failed to load resource")
            else None
        ),
    )
    page.on("response", lambda r: errors.append(f"{r.status} {r.url}") if r.status >= 400 else None)
    page.goto(f"{base}/accounts/login/?next=/dashboard/")
    page.fill("#id_username", sam.username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/dashboard/**")
    yield SimpleNamespace(base=base, page=page, context=context, sam=sam, errors=errors)
    context.close()
    with django_db_blocker.unblock():
        Visitor.objects.exclude(pk__in=before).delete()
        Agent.objects.filter(username__startswith="demo-").delete()
        sam.delete()
    assert not errors, errors


def loaded(page) -> None:
    page.wait_for_selector("#reports[data-loaded] #kpis[aria-busy='false']", timeout=20_000)


def expected(world, days: int, agent_id=None) -> dict:
    from reports.selectors import ReportRange, report_overview

    today = timezone.now().astimezone(ZoneInfo(TZ)).date()
    period = ReportRange(today - timedelta(days=days - 1), today, ZoneInfo(TZ))
    return report_overview(period=period, agent_id=agent_id)


def test_the_inbox_links_to_the_reports_for_supervisors(world):
    page = world.page
    page.click(".top-nav a[href='/dashboard/reports/']")
    page.wait_for_url("**/dashboard/reports/**")
    loaded(page)
    expect(page.locator(".preset[data-days='7']")).to_have_attribute("aria-pressed", "true")


def test_the_cards_show_the_apis_figures(world):
    page = world.page
    page.click(".preset[data-days='30']")
    page.wait_for_selector("#reports[data-loaded] .preset[data-days='30'][aria-pressed='true']")
    loaded(page)
    report = expected(world, 30)
    created = report["conversations"]["created"]
    assert created >= 380  # the seed's month (a few fall on the 31st day back)
    expect(page.locator("#kpi-created")).to_have_text(f"{created:,}")
    share = report["conversations"]["ai_answered"] / created
    expect(page.locator("#kpi-ai")).to_have_text(f"{share * 100:.1f}%".replace(".0%", "%"))
    rows = page.locator("#agents-body tr")
    expect(rows).to_have_count(len(report["per_agent"]))
    first = report["per_agent"][0]
    expect(rows.first).to_contain_text(first["agent"]["name"])
    expect(rows.first.locator("td").first).to_have_text(f"{first['conversations']:,}")


def test_the_charts_draw(world):
    page = world.page
    for chart in ("chart-volume", "chart-first", "chart-hours"):
        box = page.locator(f"#{chart}").bounding_box()
        assert box and box["width"] > 200 and box["height"] > 150, chart


def test_the_agent_filter_and_the_csv_link(world):
    page = world.page
    rina = page.locator("#agent option", has_text="Rina Wijaya")
    page.select_option("#agent", rina.get_attribute("value"))
    page.wait_for_selector(f"#reports[data-loaded$='/{rina.get_attribute('value')}']")
    loaded(page)
    expect(page.locator("#agents-body tr")).to_have_count(1)
    expect(page.locator("#agents-body tr")).to_contain_text("Rina Wijaya")
    href = page.locator("#export").get_attribute("href")
    params = parse_qs(urlparse(href).query)
    assert params["format"] == ["csv"] and params["tz"] == [TZ]
    assert params["agent"] == [rina.get_attribute("value")]
    answer = world.context.request.get(world.base + href)
    assert answer.status == 200 and answer.headers["content-type"].startswith("text/csv")
    lines = answer.text().splitlines()
    assert lines[0] == "date,created,closed,first_response_median" and len(lines) == 31
    page.select_option("#agent", "")
    page.wait_for_selector("#reports[data-loaded$='/']")


def test_screenshot_for_the_docs(world):
    page = world.page
    page.click(".preset[data-days='30']")
    loaded(page)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "reports.png"), full_page=True)
    phone = world.context.new_page()
    phone.set_viewport_size({"width": 360, "height": 800})
    phone.goto(page.url)
    loaded(phone)
    # Nothing wider than the phone but the agents table, which scrolls in its own box.
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, width
    phone.close()


def test_today_shows_the_day_so_far(world):
    page = world.page
    page.click(".preset[data-days='1']")
    loaded(page)
    report = expected(world, 1)
    expect(page.locator("#kpi-created")).to_have_text(f"{report['conversations']['created']:,}")
    assert len(page.locator("#chart-volume").all()) == 1
