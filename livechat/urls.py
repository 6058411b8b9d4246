from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.i18n import JavaScriptCatalog, set_language
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from assist.api import ConversationSuggestionsView, KnowledgeDetailView, KnowledgeListView
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
from livechat.accounts import AgentLoginView, AgentSetPasswordView, ObtainAuthTokenView
from livechat.health import healthz
from livechat.metrics_endpoint import metrics
from messaging.api import MessageDetailView, MessageListView
from messaging.attachment_api import (
    AgentAttachmentUploadView,
    AttachmentDetailView,
    WidgetAttachmentUploadView,
)
from messaging.downloads import attachment_file
from reports.api import ReportOverviewView
from reports.views import reports_page

api_v1 = [
    path("auth/token/", ObtainAuthTokenView.as_view(), name="api-token"),
    path("widget/session/", WidgetSessionView.as_view(), name="widget-session"),
    path("widget/conversation/", WidgetConversationView.as_view(), name="widget-conversation"),
    path("widget/messages/", WidgetMessagesView.as_view(), name="widget-messages"),
    path("widget/attachments/", WidgetAttachmentUploadView.as_view(), name="widget-attachments"),
    path(
        "attachments/<uuid:attachment_id>/",
        AttachmentDetailView.as_view(),
        name="attachment-detail",
    ),
    path("widget/visitor/", WidgetVisitorView.as_view(), name="widget-visitor"),
    path("widget/availability/", dashboard_views.widget_availability, name="widget-availability"),
    path("widget/transcript/", WidgetTranscriptView.as_view(), name="widget-transcript"),
    path("widget/resume/", WidgetResumeView.as_view(), name="widget-resume"),
    path("visitors/<uuid:visitor_id>/", VisitorDetailView.as_view(), name="visitor-detail"),
    path("conversations/", ConversationListView.as_view(), name="conversation-list"),
    path(
        "conversations/<uuid:conversation_id>/",
        ConversationDetailView.as_view(),
        name="conversation-detail",
    ),
    path(
        "conversations/<uuid:conversation_id>/messages/",
        MessageListView.as_view(),
        name="message-list",
    ),
    path(
        "conversations/<uuid:conversation_id>/messages/<uuid:message_id>/",
        MessageDetailView.as_view(),
        name="message-detail",
    ),
    path(
        "conversations/<uuid:conversation_id>/attachments/",
        AgentAttachmentUploadView.as_view(),
        name="attachment-upload",
    ),
    path("reports/overview/", ReportOverviewView.as_view(), name="report-overview"),
    path(
        "conversations/<uuid:conversation_id>/suggestions/",
        ConversationSuggestionsView.as_view(),
        name="conversation-suggestions",
    ),
    path("knowledge/", KnowledgeListView.as_view(), name="knowledge-list"),
    path("knowledge/<uuid:article_id>/", KnowledgeDetailView.as_view(), name="knowledge-detail"),
    path("canned-responses/", CannedResponseListView.as_view(), name="canned-list"),
    path(
        "canned-responses/<uuid:canned_id>/",
        CannedResponseDetailView.as_view(),
        name="canned-detail",
    ),
    path(
        "canned-responses/<uuid:canned_id>/render/",
        CannedResponseRenderView.as_view(),
        name="canned-render",
    ),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="api-docs"),
]

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("healthz/", healthz),
    path("metrics", metrics, name="metrics"),
    path("api/v1/", include(api_v1)),
    path("email/resume/<str:token>/", followup_views.resume, name="email-resume"),
    path("email/unsubscribe/<str:token>/", followup_views.unsubscribe, name="email-unsubscribe"),
    path("accounts/login/", AgentLoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "accounts/password/<uidb64>/<token>/",
        AgentSetPasswordView.as_view(),
        name="agent-set-password",
    ),
    path("i18n/setlang/", set_language, name="set_language"),
    path("jsi18n/", JavaScriptCatalog.as_view(), name="javascript-catalog"),
    path("admin/", admin.site.urls),
    path(
        "attachments/<uuid:attachment_id>/<str:variant>/<int:expires>/<str:signature>/",
        attachment_file,
        name="attachment-file",
    ),
    path("dashboard/reports/", reports_page, name="reports"),
    path("", include("dashboard.urls")),
]

handler404 = "livechat.views.not_found"
handler500 = "livechat.views.server_error"
