"""Who may read reports, what bad input gets, and the CSV export."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.support.history import Chat, utc

pytestmark = pytest.mark.django_db

URL = "/api/v1/reports/overview/"
RANGE = {"from": "2026-03-01", "to": "2026-03-07"}


def test_supervisors_read_the_team_report(as_supervisor):
    assert as_supervisor.get(URL, RANGE).status_code == 200


def test_an_agent_reads_only_their_own(as_alice, alice, bob):
    assert as_alice.get(URL, {**RANGE, "agent": alice.pk}).status_code == 200
    for params in (RANGE, {**RANGE, "agent": bob.pk}):
        r = as_alice.get(URL, params)
        assert r.status_code == 403 and r.json()["code"] == "forbidden"


def test_strangers_visitors_and_anonymous_are_refused(as_stranger, as_visitor, anonymous):
    assert as_stranger.get(URL, RANGE).status_code == 403
    assert as_visitor.get(URL, RANGE).status_code in (401, 403)
    assert anonymous.get(URL, RANGE).status_code in (401, 403)


def test_session_clients_work_too(client, supervisor):
    client.force_login(supervisor)
    assert client.get(URL, RANGE).status_code == 200


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"to": "2026-03-01"}, "from"),
        ({"from": "2026-03-01"}, "to"),
        ({"from": "1 March", "to": "2026-03-02"}, "from"),
        ({"from": "2026-02-30", "to": "2026-03-02"}, "from"),
        ({"from": "2026-03-02", "to": "2026-03-01"}, "to"),
        ({"from": "2025-01-01", "to": "2026-01-02"}, "to"),  # 367 days
        ({**RANGE, "tz": "Mars/Olympus"}, "tz"),
        ({**RANGE, "tz": "../../etc/passwd"}, "tz"),
        ({**RANGE, "agent": "abc"}, "agent"),
        ({**RANGE, "agent": "999999"}, "agent"),
        ({**RANGE, "format": "xml"}, "format"),
    ],
)
def test_bad_input_is_a_400_naming_the_parameter(as_supervisor, params, field):
    r = as_supervisor.get(URL, params)
    assert r.status_code == 400
    body = r.json()
    assert body["code"] == "validation_error" and field in body["errors"]


def test_a_whole_leap_year_is_allowed(as_supervisor):
    r = as_supervisor.get(URL, {"from": "2028-01-01", "to": "2028-12-31"})
    assert r.status_code == 200 and len(r.json()["per_day"]) == 366


def test_an_agent_that_is_not_one_is_refused(as_supervisor, stranger):
    r = as_supervisor.get(URL, {**RANGE, "agent": stranger.pk})
    assert r.status_code == 400


def test_csv_gives_per_day(as_supervisor, alice):
    Chat("Budi", utc(2026, 3, 2, 9, 0)).agent_says(alice, utc(2026, 3, 2, 9, 0, 45))
    r = as_supervisor.get(URL, {**RANGE, "format": "csv"})
    assert r.status_code == 200
    assert r["Content-Type"].startswith("text/csv")
    assert 'filename="livechat-report-2026-03-01-2026-03-07.csv"' in r["Content-Disposition"]
    lines = r.content.decode().splitlines()
    assert lines[0] == "date,created,closed,first_response_median"
    assert lines[1] == "2026-03-01,0,0,"
    assert lines[2] == "2026-03-02,1,0,45.0"
    assert len(lines) == 8


def test_csv_errors_are_json(as_supervisor):
    r = as_supervisor.get(URL, {"from": "x", "to": "y", "format": "csv"})
    assert r.status_code == 400 and r.json()["code"] == "validation_error"


def test_the_number_of_queries_does_not_grow_with_the_data(as_supervisor, alice, bob):
    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert as_supervisor.get(URL, RANGE).status_code == 200
        return len(queries)

    Chat("one", utc(2026, 3, 2, 9, 0)).agent_says(alice, utc(2026, 3, 2, 9, 1))
    count()  # a token's first request also records when it was last used
    few = count()
    for i in range(5):
        Chat(f"v{i}", utc(2026, 3, 3, i, 0)).agent_says(bob, utc(2026, 3, 3, i, 1)).close(
            bob, utc(2026, 3, 3, i, 9)
        )
    assert count() == few
