"""What the widget learns of the host page, and where our pages may connect (issue 9,
finding 6). The browser side of both is in tests/e2e/test_sessions_in_browser.py."""

import pytest
from django.test import Client
from rest_framework.test import APIClient

from conversations.models import Visitor

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "sent, stored",
    [
        ("https://shop.example/cart", "https://shop.example/cart"),
        ("https://shop.example/reset?token=s3cret#step-2", "https://shop.example/reset"),
        ("https://ann:hunter2@shop.example:8443/a/b?x=1", "https://shop.example:8443/a/b"),
        ("HTTPS://Shop.Example:443/", "https://shop.example/"),
        ("http://[2001:db8::1]:8080/p?q", "http://[2001:db8::1]:8080/p"),
        ("", ""),
    ],
)
def test_a_session_stores_only_the_pages_origin_and_path(sent, stored):
    """Whatever a widget sends: a query string or fragment may hold the host's secrets."""
    r = APIClient().post("/api/v1/widget/session/", {"page_url": sent}, format="json")
    assert r.status_code == 201, r.content
    assert Visitor.objects.get(pk=r.json()["visitor"]["id"]).page_url == stored


@pytest.mark.parametrize("path", ["/dashboard/", "/widget/", "/demo/", "/accounts/login/"])
def test_pages_may_connect_to_their_own_origin_only(alice, path):
    """`connect-src ws: wss:` let a page's scripts open sockets to any host."""
    client = Client()
    client.force_login(alice)
    csp = client.get(path)["Content-Security-Policy"]
    directives = dict(d.strip().split(" ", 1) for d in csp.split(";") if " " in d.strip())
    assert directives["connect-src"] == "'self'", csp
