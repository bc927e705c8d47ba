"""The statements page (a booth's statements: issue, download; the organizers also
revoke) and the public verification page /v/<token>."""

from __future__ import annotations

from flask import Blueprint, Response, redirect, render_template, request, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required

from pos import links
from pos.auth.permissions import Action, require_organizer
from pos.errors import PosError
from pos.extensions import db
from pos.formats import format_stamp
from pos.inventory.attributes import CATEGORY_LABELS
from pos.organizer.service import current_event
from pos.receipts.api import pdf_response
from pos.sales.models import METHOD_LABELS
from pos.statements import service
from pos.statements.forms import IssueStatementForm, RevokeStatementForm
from pos.web import booth_in_view, saved

bp = Blueprint("statements", __name__)


def _page(exhibitor, form=None, revoke_form=None, status: int = 200):
    if exhibitor is not None:
        statements = service.list_statements(current_user, exhibitor.id)
        event = exhibitor.event
    else:
        require_organizer(current_user)
        event = current_event(current_user)
        statements = service.event_statements(current_user, event.id) if event else []
    ready, why_not = True, ""
    if exhibitor is not None:
        try:
            service.check_fair_is_over(exhibitor)
        except PosError as exc:
            ready, why_not = False, exc.message
        if ready and not (event.organizer_name.strip() and event.organizer_office.strip()):
            ready = False
            why_not = _(
                "The organizer's name and office, which the statement is issued under, "
                "are not in the event's settings yet. Ask the organizer to fill them in."
            )
    if form is None:
        form = IssueStatementForm(
            language=exhibitor.receipt_language if exhibitor is not None else "id"
        )
    return render_template(
        "statements/list.html",
        exhibitor=exhibitor,
        event=event,
        statements=statements,
        form=form,
        revoke_form=revoke_form or RevokeStatementForm(),
        ready=ready,
        why_not=why_not,
        base=links.public_base(),
        bank_cannot_reach=only_local(links.public_base()),
    ), status


def only_local(base: str) -> bool:
    """Whether links on ``base`` work only on the venue's network (a LAN or loopback
    address, ``localhost``, a ``.local`` name): a bank could not open them."""
    import ipaddress
    from urllib.parse import urlsplit

    host = (urlsplit(base).hostname or "").lower()
    if host in ("", "localhost") or host.endswith((".local", ".localhost", ".lan")):
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return "." not in host  # a bare machine name
    return address.is_private or address.is_loopback or address.is_link_local


@bp.get("/statements")
@login_required
def statements():
    return _page(booth_in_view(Action.STATEMENT))


@bp.post("/statements")
@login_required
def issue():
    exhibitor = booth_in_view(Action.STATEMENT)
    if exhibitor is None:
        return redirect(url_for("statements.statements"))
    form = IssueStatementForm()
    if not form.validate_on_submit():
        return _page(exhibitor, form=form, status=400)
    try:
        statement, created = service.issue_statement(current_user, exhibitor.id, form.language.data)
        db.session.commit()
    except PosError as exc:
        db.session.rollback()
        form.language.errors = [*form.language.errors, exc.message]
        return _page(exhibitor, form=form, status=exc.status)
    if created:
        saved(_("Statement %(number)s issued.", number=statement.number))
    else:
        saved(
            _(
                "Nothing changed since statement %(number)s: it is still valid.",
                number=statement.number,
            )
        )
    return redirect(url_for("statements.statements", exhibitor_id=exhibitor.id))


@bp.get("/statements/<int:statement_id>.pdf")
@login_required
def statement_pdf(statement_id: int):
    statement = service.get_statement(current_user, statement_id)
    number = statement.number
    return pdf_response(service.statement_pdf(statement, links.public_base()), f"{number}.pdf")


@bp.post("/statements/<int:statement_id>/revoke")
@login_required
def revoke(statement_id: int):
    statement = service.get_statement(current_user, statement_id)
    require_organizer(current_user, statement.exhibitor.event)
    exhibitor = statement.exhibitor
    form = RevokeStatementForm()
    if not form.validate_on_submit():
        return _page(exhibitor, revoke_form=form, status=400)
    try:
        service.revoke_statement(current_user, statement_id, form.reason.data)
        db.session.commit()
    except PosError as exc:
        db.session.rollback()
        form.reason.errors = [*form.reason.errors, exc.message]
        return _page(exhibitor, revoke_form=form, status=exc.status)
    saved(_("Statement %(number)s revoked.", number=statement.number))
    return redirect(url_for("statements.statements", exhibitor_id=exhibitor.id))


# --- public ------------------------------------------------------------------------------


@bp.get("/v/<token>")
def verify(token: str):
    """The statement's verification page for a bank, no login: its frozen figures while
    it is valid; 410 once revoked and 404 for a link that names no statement (or one
    whose figures no longer match their hash), neither with any figure."""
    found = service.verify(token)
    statement = found.statement
    asked = request.args.get("lang")
    language = asked if asked in ("id", "en") else (statement.language if statement else None)
    language = language or str(request.accept_languages.best_match(["id", "en"]) or "id")
    status = {service.VALID: 200, service.REVOKED: 410, service.UNKNOWN: 404}[found.status]
    with force_locale(language):
        html = render_template(
            "statements/verify.html",
            found=found,
            statement=statement,
            snapshot=found.snapshot,
            language=language,
            categories=CATEGORY_LABELS,
            methods=METHOD_LABELS,
            revoked_when=(
                format_stamp(statement.revoked_at, statement.exhibitor.event.timezone, language)
                if statement is not None and statement.revoked_at
                else ""
            ),
        )
    response = Response(html, status=status, mimetype="text/html")
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Robots-Tag"] = "noindex"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response
