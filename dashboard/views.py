from django.contrib.auth.views import redirect_to_login
from django.shortcuts import redirect, render

from conversations.actors import user_is_agent


def home(request):
    return redirect("dashboard")


def dashboard(request):
    if not user_is_agent(request.user):
        return redirect_to_login(request.get_full_path())
    return render(request, "dashboard/index.html")
