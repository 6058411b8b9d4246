"""Reading a live process's `/metrics` (with the live tests' METRICS_TOKEN)."""

from __future__ import annotations

from prometheus_client.parser import text_string_to_metric_families

from realtime.client import http
from tests.support.live_fixtures import METRICS_TOKEN


class Scrape:
    """One scrape: `scrape.value("livechat_ws_frames_in_total", type="sync")` sums the
    samples of that name whose labels include the ones given (0 when there are none)."""

    def __init__(self, text: str):
        self.samples = [
            (sample.name, sample.labels, sample.value)
            for family in text_string_to_metric_families(text)
            for sample in family.samples
        ]

    def value(self, name: str, **labels: str) -> float:
        return sum(
            value
            for sample_name, sample_labels, value in self.samples
            if sample_name == name and labels.items() <= sample_labels.items()
        )


def scrape(base_url: str, *, token: str = METRICS_TOKEN) -> Scrape:
    status, body, _elapsed = http(
        "GET", f"{base_url}/metrics", headers={"Authorization": f"Bearer {token}"}
    )
    assert status == 200, (status, body)
    return Scrape(body)
