"""`Authorization: Token <key>` for REST clients (PROTOCOL section 1), on hashed keys."""

from rest_framework import authentication, exceptions

from accounts.tokens import api_token_user


class ApiTokenAuthentication(authentication.TokenAuthentication):
    """DRF's header parsing and `WWW-Authenticate: Token`; the key is checked against
    `ApiToken` (hashed, expiring) instead of DRF's plain-text table."""

    def authenticate_credentials(self, key):
        user = api_token_user(key=key)
        if user is None:
            raise exceptions.AuthenticationFailed("Invalid or expired token.")
        if not user.is_active:
            raise exceptions.AuthenticationFailed("User inactive or deleted.")
        return user, None
