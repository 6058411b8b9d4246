from django.urls import path

from dashboard import views
from dashboard.widget_api import WidgetReadStateView

urlpatterns = [
    path("", views.home, name="home"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("dashboard/knowledge/", views.knowledge, name="dashboard-knowledge"),
    path("dashboard/canned/", views.canned_responses, name="dashboard-canned"),
    path("dashboard/agents.json", views.agents, name="dashboard-agents"),
    path("dashboard/read-state.json", views.read_state, name="dashboard-read-state"),
    path("widget/", views.widget, name="widget"),
    path("widget/jsi18n/<str:lang>/", views.widget_catalog, name="widget-jsi18n"),
    path("widget/read-state.json", WidgetReadStateView.as_view(), name="widget-read-state"),
    path("demo/", views.demo, name="demo"),
]
