"""The booth's printers page (its manager, an organizer): the LAN printers with their
state, adding, changing and removing one, printing a test page."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from pos import links
from pos.auth.permissions import Action
from pos.errors import PosError
from pos.extensions import db
from pos.printing import escpos, sender, service
from pos.printing.forms import PrinterForm
from pos.web import booth_in_view, form_data, saved, show_error

bp = Blueprint("printing", __name__)

FIELDS = ("name", "host", "port", "paper", "auto_print")


def _list_url(exhibitor_id: int) -> str:
    return url_for("printing.printers", exhibitor_id=exhibitor_id)


@bp.get("/printers")
@login_required
def printers():
    exhibitor = booth_in_view(Action.MANAGE)
    if exhibitor is None:
        return redirect(url_for("organizer.exhibitors"))
    return render_template(
        "printing/printers.html",
        exhibitor=exhibitor,
        printers=service.list_printers(current_user, exhibitor.id),
        columns=escpos.PAPER_COLUMNS,
    )


@bp.route("/printers/new", methods=["GET", "POST"])
@login_required
def new_printer():
    exhibitor = booth_in_view(Action.MANAGE)
    if exhibitor is None:
        return redirect(url_for("organizer.exhibitors"))
    form = PrinterForm()
    if form.validate_on_submit():
        try:
            printer = service.add_printer(current_user, exhibitor.id, **form_data(form, *FIELDS))
            db.session.commit()
        except PosError as exc:
            db.session.rollback()
            show_error(form, exc)
            return render_template(
                "printing/printer_form.html", form=form, exhibitor=exhibitor, printer=None
            ), exc.status
        saved(_("Printer %(name)s added.", name=printer.name))
        return redirect(_list_url(exhibitor.id))
    return render_template(
        "printing/printer_form.html", form=form, exhibitor=exhibitor, printer=None
    )


@bp.route("/printers/<int:printer_id>/edit", methods=["GET", "POST"])
@login_required
def edit_printer(printer_id: int):
    printer = service.get_printer(current_user, printer_id, Action.MANAGE)
    exhibitor = printer.exhibitor
    form = PrinterForm(obj=printer)
    if form.validate_on_submit():
        try:
            service.update_printer(current_user, printer.id, form_data(form, *FIELDS))
            db.session.commit()
        except PosError as exc:
            db.session.rollback()
            show_error(form, exc)
            return render_template(
                "printing/printer_form.html", form=form, exhibitor=exhibitor, printer=printer
            ), exc.status
        saved()
        return redirect(_list_url(exhibitor.id))
    return render_template(
        "printing/printer_form.html", form=form, exhibitor=exhibitor, printer=printer
    )


@bp.post("/printers/<int:printer_id>/delete")
@login_required
def remove_printer(printer_id: int):
    printer = service.get_printer(current_user, printer_id, Action.MANAGE)
    exhibitor_id, name = printer.exhibitor_id, printer.name
    service.remove_printer(current_user, printer.id)
    db.session.commit()
    saved(_("Printer %(name)s removed.", name=name))
    return redirect(_list_url(exhibitor_id))


@bp.post("/printers/<int:printer_id>/test")
@login_required
def test_page(printer_id: int):
    printer = service.get_printer(current_user, printer_id, Action.MANAGE)
    exhibitor_id, name = printer.exhibitor_id, printer.name
    service.queue_test_page(current_user, printer.id, url_root=links.public_base())
    db.session.commit()
    sender.wake()
    saved(_("Test page sent to %(name)s. Its state shows below.", name=name))
    return redirect(_list_url(exhibitor_id))
