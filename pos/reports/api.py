"""Reports under /api/v1/reports: JSON, and beside it PDF, CSV and XLSX."""

from __future__ import annotations

from flask import Blueprint, Response

from pos.api import endpoint, exhibitor_in_question
from pos.reports import audit, exports, service
from pos.reports.schemas import (
    AuditExportQuery,
    AuditLog,
    AuditQuery,
    DailyExportQuery,
    DailyQuery,
    DailySummary,
    EventExportQuery,
    EventQuery,
    EventReport,
)

bp = Blueprint("reports_api", __name__)


def _summary(user, query: DailyQuery) -> dict:
    exhibitor_id = exhibitor_in_question(user, query.exhibitor_id)
    return service.daily_summary(user, exhibitor_id, service.parse_day(query.date))


@endpoint(
    bp,
    "/reports/daily",
    "GET",
    summary="A booth's daily summary (the event-local day; default today)",
    query=DailyQuery,
    response=DailySummary,
    errors=(404,),
)
def daily(user, query: DailyQuery):
    return _summary(user, query)


@endpoint(
    bp,
    "/reports/daily.csv",
    "GET",
    summary="The daily summary as CSV (machine column names; lang=id|en for people)",
    query=DailyExportQuery,
    content_type="text/csv",
    errors=(404,),
)
def daily_csv(user, query: DailyExportQuery):
    summary = _summary(user, query)
    response = Response(exports.daily_summary_csv(summary, query.lang), mimetype="text/csv")
    filename = f"daily-{summary['booth']}-{summary['date']}.csv"
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@endpoint(
    bp,
    "/reports/event",
    "GET",
    summary="The event's totals of a day (or of the whole event) by exhibitor, category, "
    "payment method, region and buyer origin (organizers)",
    query=EventQuery,
    response=EventReport,
    errors=(404,),
)
def event(user, query: EventQuery):
    day = "today" if query.date == "today" else service.parse_day(query.date)
    return service.event_report(user, query.event_id, day)


@endpoint(
    bp,
    "/reports/daily.pdf",
    "GET",
    summary="The daily summary on A4, with charts, to print and sign",
    query=DailyQuery,
    content_type="application/pdf",
    errors=(404,),
)
def daily_pdf(user, query: DailyQuery):
    summary = _summary(user, query)
    response = Response(service.daily_summary_pdf(user, summary), mimetype="application/pdf")
    filename = f"daily-{summary['booth']}-{summary['date']}.pdf"
    response.headers["Content-Disposition"] = f'inline; filename="{filename}"'
    return response


def _download(content, mimetype: str, filename: str) -> Response:
    response = Response(content, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@endpoint(
    bp,
    "/reports/event.csv",
    "GET",
    summary="One row per exhibitor per day of the event, as CSV (organizers; machine "
    "column names, lang=id|en for people)",
    query=EventExportQuery,
    content_type="text/csv",
    errors=(404,),
)
def event_csv(user, query: EventExportQuery):
    event, document = service.event_rows_csv(user, query.event_id, query.lang)
    return _download(document, "text/csv", f"event-{event.id}.csv")


@endpoint(
    bp,
    "/reports/event.xlsx",
    "GET",
    summary="One row per exhibitor per day of the event, as an Excel workbook (organizers; "
    "machine column names, lang=id|en for people)",
    query=EventExportQuery,
    content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    errors=(404,),
)
def event_xlsx(user, query: EventExportQuery):
    event, document = service.event_rows_xlsx(user, query.event_id, query.lang)
    return _download(
        document,
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        f"event-{event.id}.xlsx",
    )


@endpoint(
    bp,
    "/reports/day-close",
    "GET",
    summary="A booth's day close (Z report): shifts, expected and counted cash, methods, "
    "voids and refunds",
    query=DailyQuery,
    errors=(404,),
)
def day_close(user, query: DailyQuery):
    return _close(user, query)


def _close(user, query: DailyQuery) -> dict:
    exhibitor_id = exhibitor_in_question(user, query.exhibitor_id)
    return service.day_close(user, exhibitor_id, service.parse_day(query.date))


@endpoint(
    bp,
    "/reports/day-close.pdf",
    "GET",
    summary="The day close on A4, to print and sign",
    query=DailyQuery,
    content_type="application/pdf",
    errors=(404,),
)
def day_close_pdf(user, query: DailyQuery):
    close = _close(user, query)
    response = Response(service.day_close_pdf(close), mimetype="application/pdf")
    response.headers["Content-Disposition"] = (
        f'inline; filename="day-close-{close["booth"]}-{close["date"]}.pdf"'
    )
    return response


@endpoint(
    bp,
    "/reports/settlement",
    "GET",
    summary="A booth's settlement for the event: by day and method, and what it owes the organizer",
    query=DailyQuery,
    errors=(404,),
)
def settlement(user, query: DailyQuery):
    return service.settlement(user, exhibitor_in_question(user, query.exhibitor_id))


@endpoint(
    bp,
    "/reports/settlement.pdf",
    "GET",
    summary="The settlement statement on A4, for the exhibitor to sign",
    query=DailyQuery,
    content_type="application/pdf",
    errors=(404,),
)
def settlement_pdf(user, query: DailyQuery):
    statement = service.settlement(user, exhibitor_in_question(user, query.exhibitor_id))
    response = Response(service.settlement_pdf(statement), mimetype="application/pdf")
    response.headers["Content-Disposition"] = (
        f'inline; filename="settlement-{statement["booth"]}.pdf"'
    )
    return response


@endpoint(
    bp,
    "/reports/event.pdf",
    "GET",
    summary="The event report with charts, of a day or of the whole event (organizers)",
    query=EventQuery,
    content_type="application/pdf",
    errors=(404,),
)
def event_pdf(user, query: EventQuery):
    day = "today" if query.date == "today" else service.parse_day(query.date)
    event_id, document = service.event_report_pdf(user, query.event_id, day)
    response = Response(document, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'inline; filename="event-{event_id}.pdf"'
    return response


@endpoint(
    bp,
    "/audit",
    "GET",
    summary="The audit log, newest first, a page at a time: an event's entries (its "
    "organizers) or the manager's own booth's; filtered by event-local days, action, "
    "user and booth",
    query=AuditQuery,
    response=AuditLog,
    errors=(404,),
)
def audit_log(user, query: AuditQuery):
    page = audit.audit_log(user, query.wanted(), before=query.before, limit=query.limit)
    return AuditLog.from_page(page).model_dump(mode="json")


@endpoint(
    bp,
    "/audit.csv",
    "GET",
    summary="Every audit entry the filters select, oldest first, as CSV (machine column "
    "names and ISO times; lang=id|en for people)",
    query=AuditExportQuery,
    content_type="text/csv",
    errors=(404,),
)
def audit_log_csv(user, query: AuditExportQuery):
    event, content = audit.audit_csv(user, query.wanted(), query.lang)
    return _download(content, "text/csv", f"audit-{event.id}.csv")
