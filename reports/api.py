"""`GET /api/v1/reports/overview/` (PROTOCOL section 9): JSON, or `per_day` as CSV."""

import csv
import io

from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from livechat.authentication import AgentThrottle
from reports.query import report_query
from reports.selectors import report_overview
from reports.serializers import ReportOverviewSerializer

CSV_COLUMNS = ["date", "created", "closed", "first_response_median"]


def per_day_csv(per_day: list[dict]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    for row in per_day:
        median = row["first_response_median"]
        writer.writerow({**row, "first_response_median": "" if median is None else median})
    return out.getvalue()


class ReportOverviewView(APIView):
    throttle_classes = [AgentThrottle]

    def perform_content_negotiation(self, request, force=False):
        # `?format=csv` is ours to answer (DRF would look for a renderer named csv and 404);
        # errors are JSON either way.
        return JSONRenderer(), JSONRenderer.media_type

    @extend_schema(
        summary="Team report for a date range (supervisors; agents for themselves)",
        parameters=[
            OpenApiParameter(
                "from", OpenApiTypes.DATE, required=True, description="YYYY-MM-DD, inclusive"
            ),
            OpenApiParameter(
                "to", OpenApiTypes.DATE, required=True, description="YYYY-MM-DD, inclusive"
            ),
            OpenApiParameter("tz", str, description="IANA time zone; default the server's"),
            OpenApiParameter("agent", str, description="an agent id"),
            OpenApiParameter("format", str, enum=["json", "csv"], description="csv: per_day"),
        ],
        responses=ReportOverviewSerializer,
    )
    def get(self, request):
        query = report_query(request.query_params, user=request.user)
        overview = report_overview(period=query.period, agent_id=query.agent_id)
        if query.format == "csv":
            response = HttpResponse(per_day_csv(overview["per_day"]), content_type="text/csv")
            name = f"livechat-report-{query.period.date_from}-{query.period.date_to}.csv"
            response["Content-Disposition"] = f'attachment; filename="{name}"'
            return response
        return Response(overview)
