from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.i18n import JavaScriptCatalog, set_language
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from canned.api import (
    CannedResponseDetailView,
    CannedResponseListView,
    CannedResponseRenderView,
)
from conversations.api import ConversationDetailView, ConversationListView, VisitorDetailView
from dashboard import views as dashboard_views
from dashboard.widget_api import (
    WidgetConversationView,
    WidgetMessagesView,
    WidgetSessionView,
    WidgetVisitorView,
)
from followup import views as followup_views
from followup.api import WidgetResumeView, WidgetTranscriptView
from livechat.accounts import AgentLoginView, ObtainAuthTokenView
from livechat.health import healthz
from messaging.api import MessageDetailView, MessageListView

api_v1 = [
    path("auth/token/", ObtainAuthTokenView.as_view(), name="api-token"),
    path("widget/session/", WidgetSessionView.as_view(), name="widget-session"),
    path("widget/conversation/", WidgetConversationView.as_view(), name="widget-conversation"),
    path("widget/messages/", WidgetMessagesView.as_view(), name="widget-messages"),
    path("widget/visitor/", WidgetVisitorView.as_view(), name="widget-visitor"),
    path("widget/availability/", dashboard_views.widget_availability, name="widget-availability"),
    path("widget/transcript/", WidgetTranscriptView.as_view(), name="widget-transcript"),
    path("widget/resume/", WidgetResumeView.as_view(), name="widget-resume"),
    path("visitors/<str:visitor_id>/", VisitorDetailView.as_view(), name="visitor-detail"),
    path("conversations/", ConversationListView.as_view(), name="conversation-list"),
    path(
        "conversations/<str:conversation_id>/",
        ConversationDetailView.as_view(),
        name="conversation-detail",
    ),
    path(
        "conversations/<str:conversation_id>/messages/",
        MessageListView.as_view(),
        name="message-list",
    ),
    path(
        "conversations/<str:conversation_id>/messages/<str:message_id>/",
        MessageDetailView.as_view(),
        name="message-detail",
    ),
    path("canned-responses/", CannedResponseListView.as_view(), name="canned-list"),
    path(
        "canned-responses/<str:canned_id>/",
        CannedResponseDetailView.as_view(),
        name="canned-detail",
    ),
    path(
        "canned-responses/<str:canned_id>/render/",
        CannedResponseRenderView.as_view(),
        name="canned-render",
    ),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="api-docs"),
]

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("healthz/", healthz),
    path("api/v1/", include(api_v1)),
    path("email/resume/<str:token>/", followup_views.resume, name="email-resume"),
    path("email/unsubscribe/<str:token>/", followup_views.unsubscribe, name="email-unsubscribe"),
    path("accounts/login/", AgentLoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/setlang/", set_language, name="set_language"),
    path("jsi18n/", JavaScriptCatalog.as_view(), name="javascript-catalog"),
    path("admin/", admin.site.urls),
    path("", include("dashboard.urls")),
]

handler404 = "livechat.views.not_found"
handler500 = "livechat.views.server_error"

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
