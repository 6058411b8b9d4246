"""Report figures against values computed by hand, for a seeded history.

The same moments fall on different days and hours in Asia/Jakarta (UTC+7, no daylight
saving time), Europe/Amsterdam (which moves its clocks on 29 March and 25 October 2026) and
UTC; the ranges' first and last minutes are exercised on purpose.
"""

import pytest

from tests.support.history import Chat, utc

pytestmark = pytest.mark.django_db

URL = "/api/v1/reports/overview/"


@pytest.fixture
def jakarta_history(alice, bob, supervisor):
    """Times in UTC; the report asks for 1-2 March 2026 in Jakarta, i.e. from
    28 Feb 17:00 UTC to 2 Mar 17:00 UTC."""
    a = Chat("A", utc(2026, 2, 28, 16, 59))  # 23:59 the day before: not created in range
    a.agent_says(alice, utc(2026, 2, 28, 17, 1))
    Chat("B", utc(2026, 2, 28, 17, 0)).agent_says(alice, utc(2026, 2, 28, 17, 1)).close(
        alice, utc(2026, 2, 28, 17, 30)
    )
    c = Chat("C", utc(2026, 3, 1, 3, 0)).agent_says(bob, utc(2026, 3, 1, 3, 2))
    c.assign(supervisor, alice).close(alice, utc(2026, 3, 1, 4, 0))
    c.visitor_says(utc(2026, 3, 1, 4, 30))  # reopens
    c.agent_says(alice, utc(2026, 3, 1, 4, 40)).close(alice, utc(2026, 3, 1, 5, 0))
    Chat("D", utc(2026, 3, 1, 16, 59, 59)).agent_says(bob, utc(2026, 3, 1, 17, 4, 59))
    Chat("E", utc(2026, 3, 1, 17, 0)).ai_says(utc(2026, 3, 1, 17, 0, 5))
    Chat("F", utc(2026, 3, 2, 16, 59))
    Chat("G", utc(2026, 3, 2, 17, 0)).agent_says(alice, utc(2026, 3, 2, 17, 2))  # 3 March
    a.close(alice, utc(2026, 3, 2, 10, 0))  # closed in range, created before it


def test_jakarta_totals(as_supervisor, jakarta_history):
    r = as_supervisor.get(URL, {"from": "2026-03-01", "to": "2026-03-02", "tz": "Asia/Jakarta"})
    assert r.status_code == 200, r.content
    report = r.json()
    assert report["conversations"] == {"created": 5, "closed": 3, "reopened": 1, "ai_answered": 1}
    # B 60 s, C 120 s, D 300 s; p90 interpolates 80% of the way from 120 to 300.
    assert report["first_response_seconds"] == {"median": 120.0, "p90": 264.0, "count": 3}
    # B 1800 s, C 7200 s (creation to the last close), A 41 h 1 min = 147660 s.
    assert report["resolution_seconds"] == {"median": 7200.0, "p90": 119568.0, "count": 3}
    assert report["messages"] == {"visitor": 6, "agent": 5, "ai": 1}


def test_jakarta_days_hours_and_agents(as_supervisor, alice, bob, jakarta_history):
    report = as_supervisor.get(
        URL, {"from": "2026-03-01", "to": "2026-03-02", "tz": "Asia/Jakarta"}
    ).json()
    assert report["per_day"] == [
        {"date": "2026-03-01", "created": 3, "closed": 2, "first_response_median": 120.0},
        {"date": "2026-03-02", "created": 2, "closed": 1, "first_response_median": None},
    ]
    hours = [0] * 24
    hours[0], hours[10], hours[23] = 2, 1, 2
    assert report["per_hour"] == hours
    assert report["per_agent"] == [
        {
            "agent": {"id": str(alice.pk), "name": "Alice Anders"},
            "conversations": 2,  # B (answered first), C (assigned)
            "replies": 3,
            "first_response_median": 60.0,
            "resolution_median": 7200.0,  # A, B, C
        },
        {
            "agent": {"id": str(bob.pk), "name": "Bob Baker"},
            "conversations": 1,  # D
            "replies": 2,
            "first_response_median": 210.0,  # C 120 s, D 300 s
            "resolution_median": None,
        },
    ]


def test_the_same_moments_in_utc(as_supervisor, jakarta_history):
    report = as_supervisor.get(URL, {"from": "2026-03-01", "to": "2026-03-02", "tz": "UTC"}).json()
    # C, D, E, F and G are created on 1-2 March UTC; A and B on 28 February.
    assert [d["created"] for d in report["per_day"]] == [3, 2]
    assert report["conversations"]["created"] == 5
    assert report["per_hour"][3] == 1 and report["per_hour"][16] == 2


def test_an_agent_filter_keeps_that_agents_conversations(as_supervisor, bob, jakarta_history):
    report = as_supervisor.get(
        URL, {"from": "2026-03-01", "to": "2026-03-02", "tz": "Asia/Jakarta", "agent": bob.pk}
    ).json()
    assert report["conversations"] == {"created": 1, "closed": 0, "reopened": 0, "ai_answered": 0}
    assert report["first_response_seconds"] == {"median": 300.0, "p90": 300.0, "count": 1}
    assert report["resolution_seconds"] == {"median": None, "p90": None, "count": 0}
    assert report["messages"] == {"visitor": 1, "agent": 1, "ai": 0}
    assert [d["created"] for d in report["per_day"]] == [1, 0]
    # Bob's row is the one the whole team's report shows.
    assert report["per_agent"] == [
        {
            "agent": {"id": str(bob.pk), "name": "Bob Baker"},
            "conversations": 1,
            "replies": 2,
            "first_response_median": 210.0,
            "resolution_median": None,
        }
    ]


@pytest.fixture
def amsterdam_history(alice, bob):
    """Summer time starts on 29 March 2026 at 01:00 UTC (02:00 CET becomes 03:00 CEST)."""
    Chat("P", utc(2026, 3, 27, 22, 59))  # 27 March 23:59 CET
    Chat("Q", utc(2026, 3, 27, 23, 0)).agent_says(alice, utc(2026, 3, 27, 23, 1, 30))  # 00:00
    Chat("R", utc(2026, 3, 28, 23, 30))  # 29 March 00:30 CET
    Chat("S", utc(2026, 3, 29, 1, 30)).agent_says(bob, utc(2026, 3, 29, 1, 30, 30)).close(
        bob, utc(2026, 3, 29, 2, 30)
    )  # 03:30 CEST, closed 04:30 CEST
    Chat("T", utc(2026, 3, 29, 21, 30))  # 23:30 CEST
    Chat("U", utc(2026, 3, 29, 22, 0))  # 30 March 00:00 CEST


def test_amsterdam_across_the_start_of_summer_time(as_supervisor, amsterdam_history):
    report = as_supervisor.get(
        URL, {"from": "2026-03-28", "to": "2026-03-29", "tz": "Europe/Amsterdam"}
    ).json()
    assert report["conversations"]["created"] == 4  # Q, R, S, T
    assert report["per_day"] == [
        {"date": "2026-03-28", "created": 1, "closed": 0, "first_response_median": 90.0},
        {"date": "2026-03-29", "created": 3, "closed": 1, "first_response_median": 30.0},
    ]
    hours = [0] * 24
    hours[0], hours[3], hours[23] = 2, 1, 1
    assert report["per_hour"] == hours
    assert report["first_response_seconds"] == {"median": 60.0, "p90": 84.0, "count": 2}
    assert report["resolution_seconds"] == {"median": 3600.0, "p90": 3600.0, "count": 1}


def test_the_same_moments_in_utc_fall_on_other_days(as_supervisor, amsterdam_history):
    report = as_supervisor.get(URL, {"from": "2026-03-28", "to": "2026-03-29"}).json()
    # The server's TIME_ZONE (UTC) by default: R on the 28th; S, T and U on the 29th.
    assert [d["created"] for d in report["per_day"]] == [1, 3]
    assert report["per_hour"][23] == 1 and report["per_hour"][22] == 1


def test_the_hour_that_happens_twice_when_summer_time_ends(as_supervisor):
    Chat("first 02:30", utc(2026, 10, 25, 0, 30))  # 02:30 CEST
    Chat("second 02:30", utc(2026, 10, 25, 1, 30))  # 02:30 CET
    Chat("03:30", utc(2026, 10, 25, 2, 30))
    report = as_supervisor.get(
        URL, {"from": "2026-10-25", "to": "2026-10-25", "tz": "Europe/Amsterdam"}
    ).json()
    assert report["per_hour"][2] == 2 and report["per_hour"][3] == 1
    assert report["per_day"] == [
        {"date": "2026-10-25", "created": 3, "closed": 0, "first_response_median": None}
    ]


def test_every_day_of_the_range_is_listed_even_when_empty(as_supervisor, db):
    report = as_supervisor.get(URL, {"from": "2026-02-27", "to": "2026-03-02"}).json()
    assert [d["date"] for d in report["per_day"]] == [
        "2026-02-27",
        "2026-02-28",
        "2026-03-01",
        "2026-03-02",
    ]
    assert all(d["created"] == 0 and d["first_response_median"] is None for d in report["per_day"])
    assert report["per_hour"] == [0] * 24 and report["per_agent"] == []
    assert report["first_response_seconds"] == {"median": None, "p90": None, "count": 0}
