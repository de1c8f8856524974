from reporting.reports.models import ReportSubscription  # noqa: F401
