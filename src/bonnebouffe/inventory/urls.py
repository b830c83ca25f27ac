"""Stock pages (urls_stock.py) and traceability / reconciliation reports (urls_reports.py)."""

from .urls_reports import urlpatterns as report_patterns
from .urls_stock import urlpatterns as stock_patterns

app_name = "inventory"
urlpatterns = stock_patterns + report_patterns
