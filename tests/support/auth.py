"""Credentials for the personas: REST clients with a DRF token or a visitor token, and an
agent's session cookie for sockets."""

from rest_framework.test import APIClient


def api_token(user) -> str:
    """A fresh API token of `user`, as `POST /api/v1/auth/token/` would issue it."""
    from accounts.tokens import api_token_issue

    return api_token_issue(user=user)


def token_client(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {api_token(user)}")
    return client


def visitor_client(visitor) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Visitor {visitor.token}")
    return client


def session_cookie(user) -> str:
    """`sessionid=…` of a fresh session of `user`, committed in the (test) database: an
    agent's socket without the login page (and its deliberately slow password hash)."""
    from django.conf import settings
    from django.test import Client

    client = Client()
    client.force_login(user)
    return f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"
