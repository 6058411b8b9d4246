"""Credentials for the personas: REST clients with a DRF token or a visitor token."""

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
