"""Sign-in pages, language choice, the cashier PIN switch, and account pages."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, abort, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user
from wtforms import SelectChoice

from pos.auth import service
from pos.auth.forms import ROLE_LABELS, LoginForm, PasswordForm, PinForm, PinSwitchForm, UserForm
from pos.auth.models import ROLES, User
from pos.errors import PosError
from pos.extensions import db, login_manager
from pos.organizer.service import get_exhibitor, list_exhibitors
from pos.web import client_ip, landing_url, saved, show_error, whole_number

bp = Blueprint("auth", __name__)


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    number = whole_number(user_id)
    user = db.session.get(User, number) if number is not None else None
    return user if user is not None and user.active else None


def _safe_next(target: str | None) -> str | None:
    """Only same-site paths: never send someone off to another host after sign-in."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


@bp.get("/")
def index():
    if current_user.is_authenticated:
        return redirect(landing_url(current_user))
    return redirect(url_for("auth.login"))


@bp.route("/login", methods=["GET", "POST"])
def login():
    form = LoginForm()
    if request.method == "GET":
        form.next.data = request.args.get("next", "")
    if form.validate_on_submit():
        try:
            user = service.authenticate(form.username.data, form.password.data, ip=client_ip())
        except PosError as exc:
            db.session.commit()
            show_error(form, exc)
            return render_template("auth/login.html", form=form), exc.status
        db.session.commit()
        if user is None:
            form.password.errors.append(_("Wrong username or password."))
            return render_template("auth/login.html", form=form), 401
        session.clear()
        login_user(user)
        session["locale"] = user.locale
        return redirect(_safe_next(form.next.data) or landing_url(user))
    return render_template("auth/login.html", form=form)


@bp.post("/logout")
def logout():
    logout_user()
    session.clear()
    flash(_("You have signed out."), "success")
    return redirect(url_for("auth.login"))


@bp.post("/language")
def set_language():
    locale = request.form.get("locale", "")
    if current_user.is_authenticated:
        try:
            service.set_locale(current_user, locale)
            db.session.commit()
        except PosError as exc:
            flash(exc.message, "error")
    if locale in ("id", "en"):
        session["locale"] = locale
    return redirect(_safe_next(request.form.get("next")) or url_for("auth.index"))


# --- the shared booth tablet ------------------------------------------------------------


@bp.route("/switch", methods=["GET", "POST"])
@login_required
def switch_cashier():
    """Hand the tablet to a colleague: tap your name, type your PIN."""
    colleagues = service.pin_colleagues(current_user)
    form = PinSwitchForm()
    chosen = None
    posted, asked = whole_number(form.user_id.data), whole_number(request.args.get("user"))
    if posted is not None:
        chosen = next((u for u in colleagues if u.id == posted), None)
    elif asked is not None:
        chosen = next((u for u in colleagues if u.id == asked), None)
        form.user_id.data = str(chosen.id) if chosen else ""
    if form.validate_on_submit():
        try:
            user = service.switch_cashier(current_user, posted or 0, form.pin.data, ip=client_ip())
        except PosError as exc:
            db.session.commit()
            show_error(form, exc)
            return render_template(
                "auth/switch.html", form=form, colleagues=colleagues, chosen=chosen
            ), exc.status
        db.session.commit()
        if user is None:
            form.pin.errors.append(_("Wrong PIN."))
            return render_template(
                "auth/switch.html", form=form, colleagues=colleagues, chosen=chosen
            ), 401
        locale = session.get("locale")
        session.clear()
        login_user(user)
        session["locale"] = user.locale or locale
        flash(_("%(name)s is now signed in on this tablet.", name=user.name), "success")
        return redirect(landing_url(user))
    return render_template("auth/switch.html", form=form, colleagues=colleagues, chosen=chosen)


# --- accounts ---------------------------------------------------------------------------


def _require_account_manager() -> None:
    if current_user.role not in ("organizer", "manager"):
        abort(403)


@bp.get("/users")
@login_required
def users():
    _require_account_manager()
    return render_template("auth/users.html", users=service.list_users(current_user))


@bp.route("/users/new", methods=["GET", "POST"])
@login_required
def new_user():
    _require_account_manager()
    form = UserForm()
    if current_user.is_organizer:
        form.role.choices = [SelectChoice(role, ROLE_LABELS[role]) for role in ROLES]
        form.exhibitor_id.choices = [SelectChoice("", "—")] + [
            SelectChoice(str(e.id), e.label) for e in list_exhibitors(current_user)
        ]
    else:
        form.role.choices = [SelectChoice("cashier", ROLE_LABELS["cashier"])]
        form.exhibitor_id.choices = [
            SelectChoice(str(current_user.exhibitor_id), current_user.exhibitor.label)
        ]
    if form.validate_on_submit():
        try:
            exhibitor = None
            if form.exhibitor_id.data and form.role.data != "organizer":
                exhibitor = get_exhibitor(current_user, int(form.exhibitor_id.data))
            service.create_user(
                current_user,
                username=form.username.data,
                role=form.role.data,
                password=form.password.data,
                exhibitor=exhibitor,
                display_name=form.display_name.data or "",
                locale=form.locale.data,
            )
            db.session.commit()
        except PosError as exc:
            db.session.rollback()
            show_error(form, exc)
        else:
            saved(_("Account created."))
            return redirect(url_for("auth.users"))
    return render_template("auth/user_form.html", form=form)


@bp.route("/users/<int:user_id>/pin", methods=["GET", "POST"])
@login_required
def set_pin(user_id: int):
    target = current_user if user_id == current_user.id else service.get_user(current_user, user_id)
    form = PinForm()
    if form.validate_on_submit():
        try:
            service.set_pin(current_user, target, form.pin.data)
            db.session.commit()
        except PosError as exc:
            db.session.rollback()
            show_error(form, exc)
        else:
            saved(_("PIN set for %(name)s.", name=target.name))
            return redirect(
                url_for("auth.users") if not current_user.is_cashier else url_for("auth.index")
            )
    return render_template("auth/pin_form.html", form=form, target=target)


@bp.route("/users/<int:user_id>/password", methods=["GET", "POST"])
@login_required
def set_password(user_id: int):
    target = current_user if user_id == current_user.id else service.get_user(current_user, user_id)
    form = PasswordForm()
    if form.validate_on_submit():
        try:
            service.set_password(current_user, target, form.password.data)
            db.session.commit()
        except PosError as exc:
            db.session.rollback()
            show_error(form, exc)
        else:
            saved(_("Password changed for %(name)s.", name=target.name))
            return redirect(url_for("auth.index"))
    return render_template("auth/password_form.html", form=form, target=target)


@bp.post("/users/<int:user_id>/active")
@login_required
def set_active(user_id: int):
    target = service.get_user(current_user, user_id)
    service.set_active(current_user, target, request.form.get("active") == "1")
    db.session.commit()
    saved()
    return redirect(url_for("auth.users"))
