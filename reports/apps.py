from django.apps import AppConfig
from django.db.backends.signals import connection_created


class ReportsConfig(AppConfig):
    name = "reports"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from reports.sql import register_sqlite_functions

        connection_created.connect(register_sqlite_functions, dispatch_uid="reports_sqlite")
