"""Credentials for the personas: REST clients with a DRF token or a visitor token, and an
agent's session cookie for sockets."""

from rest_framework.test import APIClient


def token_client(user) -> APIClient:
    from rest_framework.authtoken.models import Token

    client = APIClient()
    token, _ = Token.objects.get_or_create(user=user)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
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
