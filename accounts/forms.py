"""The sign-in forms of `/accounts/login/` and `/admin/login/`, with the lockout's own error."""

from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm

from accounts import lockout


class _LockoutFirst:
    """A locked username or address gets the lockout error before the password is looked
    at, so the answer is the same whether the password was right or not."""

    def clean(self):
        username = self.cleaned_data.get("username")
        remaining = lockout.locked_for(username=username, address=lockout.address_of(self.request))
        if remaining:
            raise forms.ValidationError(lockout.lockout_message(remaining), code="locked")
        return super().clean()


class LoginForm(_LockoutFirst, AuthenticationForm):
    pass


class AdminLoginForm(_LockoutFirst, AdminAuthenticationForm):
    pass
