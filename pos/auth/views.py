"""Sign-in pages, language choice, the cashier PIN switch, and account pages."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_limiter.errors import RateLimitExceeded
from flask_login import current_user, login_required, login_user, logout_user
from sqlalchemy.exc import SQLAlchemyError
from wtforms import SelectChoice

from pos.auth import passwords, service, throttle
from pos.auth.forms import ROLE_LABELS, LoginForm, PasswordForm, PinForm, PinSwitchForm, UserForm
from pos.auth.models import ROLES, User
from pos.db import set_write_intent, write_intent
from pos.errors import PosError, wants_json
from pos.extensions import db, login_manager
from pos.organizer.service import get_exhibitor, list_exhibitors
from pos.web import client_ip, landing_url, saved, show_error, whole_number

bp = Blueprint("auth", __name__)

# The session cookie keeps the key of its server-side session (pos.auth.models.UserSession).
SESSION_KEY = "sid"


def _agent() -> str:
    return request.user_agent.string or ""


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    number = whole_number(user_id)
    if number is None:
        return None
    return service.session_user(number, session.get(SESSION_KEY), ip=client_ip(), agent=_agent())


def _sign_in_browser(user: User, locale: str | None = None) -> None:
    """A fresh session for ``user`` in this browser (flushed; the caller commits)."""
    key = service.start_session(user, ip=client_ip(), agent=_agent())
    session.clear()
    login_user(user)
    session[SESSION_KEY] = key
    session["locale"] = user.locale or locale


@bp.after_app_request
def _record_use(response):
    """Write a session's or token's last use, noted while the request was served (at
    most every few minutes each), in its own short transaction after the request's."""
    if "pos_used" in g:
        try:
            db.session.rollback()
            with write_intent():
                service.record_use()
                db.session.commit()
        except SQLAlchemyError:
            db.session.rollback()
            current_app.logger.warning("could not record the last use of a session or token")
    return response


def _with_retry_after(response, seconds: int):
    response.headers["Retry-After"] = str(seconds)
    return response


@bp.app_errorhandler(RateLimitExceeded)
def _throttled(_exc: RateLimitExceeded):
    """Flask-Limiter refused a sign-in or a PIN before anything was checked."""
    wait = throttle.retry_after()
    pin = request.endpoint == "auth.switch_cashier"
    if pin:
        message = _(
            "Too many wrong PINs from this tablet. Try again in %(wait)s.",
            wait=service.describe_wait(wait),
        )
    else:
        message = _(
            "Too many failed sign-ins from here. Try again in %(wait)s.",
            wait=service.describe_wait(wait),
        )
    if wants_json():
        answer = current_app.make_response(
            ({"error": "too_many_attempts", "message": message}, 429)
        )
    elif pin:
        form = PinSwitchForm()
        form.pin.errors = [message]
        answer = current_app.make_response(_switch_page(form, 429))
    else:
        form = LoginForm()
        form.password.errors = [message]
        answer = current_app.make_response((render_template("auth/login.html", form=form), 429))
    return _with_retry_after(answer, wait)


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
@throttle.limit_password_attempts
def login():
    # Read without SQLite's write lock; the service takes it after checking the password.
    set_write_intent(False)
    form = LoginForm()
    if request.method == "GET":
        form.next.data = request.args.get("next", "")
    if form.validate_on_submit():
        try:
            user = service.authenticate(form.username.data, form.password.data, ip=client_ip())
        except PosError as exc:
            db.session.commit()
            show_error(form, exc)
            answer = current_app.make_response(
                (render_template("auth/login.html", form=form), exc.status)
            )
            return _retry_later(answer, exc)
        if user is None:
            db.session.commit()
            form.password.errors.append(_("Wrong username or password."))
            return render_template("auth/login.html", form=form), 401
        _sign_in_browser(user)
        db.session.commit()
        return redirect(_safe_next(form.next.data) or landing_url(user))
    return render_template("auth/login.html", form=form)


def _retry_later(answer, exc: PosError):
    """A throttled (TooManyAttempts) or busy (Busy) answer says when to try again."""
    return _with_retry_after(answer, exc.retry_after) if exc.retry_after else answer


@bp.post("/logout")
def logout():
    if current_user.is_authenticated:
        service.end_session(current_user, session.get(SESSION_KEY), ip=client_ip())
        db.session.commit()
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


def _switch_page(form: PinSwitchForm, status: int = 200):
    colleagues = service.pin_colleagues(current_user)
    chosen = None
    posted, asked = whole_number(form.user_id.data), whole_number(request.args.get("user"))
    if posted is not None:
        chosen = next((u for u in colleagues if u.id == posted), None)
    elif asked is not None:
        chosen = next((u for u in colleagues if u.id == asked), None)
        form.user_id.data = str(chosen.id) if chosen else ""
    page = render_template("auth/switch.html", form=form, colleagues=colleagues, chosen=chosen)
    return page, status


@bp.route("/switch", methods=["GET", "POST"])
@login_required
@throttle.limit_pin_attempts
def switch_cashier():
    """Hand the tablet to a booth cashier: tap your name, type your PIN."""
    set_write_intent(False)  # the service takes the write lock after checking the PIN
    form = PinSwitchForm()
    if form.validate_on_submit():
        try:
            user = service.switch_cashier(
                current_user, whole_number(form.user_id.data) or 0, form.pin.data, ip=client_ip()
            )
        except PosError as exc:
            db.session.commit()
            show_error(form, exc)
            return _retry_later(current_app.make_response(_switch_page(form, exc.status)), exc)
        if user is None:
            db.session.commit()
            form.pin.errors.append(_("Wrong PIN."))
            return _switch_page(form, 401)
        locale = session.get("locale")
        service.revoke_session(session.get(SESSION_KEY))  # the tablet's previous user
        _sign_in_browser(user, locale)
        db.session.commit()
        flash(_("%(name)s is now signed in on this tablet.", name=user.name), "success")
        return redirect(landing_url(user))
    return _switch_page(form)


# --- accounts ---------------------------------------------------------------------------


def _require_account_manager() -> None:
    if current_user.role not in ("organizer", "manager"):
        abort(403)


@bp.get("/users")
@login_required
def users():
    _require_account_manager()
    accounts = service.list_users(current_user)
    return render_template(
        "auth/users.html", users=accounts, failures=service.recent_failures(accounts)
    )


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
            return render_template("auth/user_form.html", form=form), exc.status
        else:
            saved(_("Account created."))
            return redirect(url_for("auth.users"))
    return render_template("auth/user_form.html", form=form)


@bp.route("/users/<int:user_id>/pin", methods=["GET", "POST"])
@login_required
def set_pin(user_id: int):
    target = service.pin_target(current_user, user_id)
    form = PinForm()
    if form.validate_on_submit():
        try:
            service.set_pin(current_user, target, form.pin.data)
            db.session.commit()
        except PosError as exc:
            db.session.rollback()
            show_error(form, exc)
            return render_template("auth/pin_form.html", form=form, target=target), exc.status
        saved(_("PIN set for %(name)s.", name=target.name))
        return redirect(url_for("auth.users"))
    return render_template("auth/pin_form.html", form=form, target=target)


@bp.route("/users/<int:user_id>/password", methods=["GET", "POST"])
@login_required
def set_password(user_id: int):
    set_write_intent(False)  # the service takes the write lock after hashing
    own = user_id == current_user.id
    target = current_user._get_current_object() if own else service.get_user(current_user, user_id)
    form = PasswordForm()
    if not own:
        del form.current_password
    if form.validate_on_submit():
        try:
            service.set_password(
                current_user,
                target,
                form.password.data,
                current_password=form.current_password.data if own else None,
                ip=client_ip(),
            )
            if own:  # every session ended: this browser gets a fresh one
                _sign_in_browser(target, session.get("locale"))
            db.session.commit()
        except PosError as exc:
            # A wrong current password is in the audit log and counts like a failed
            # sign-in: keep it. Anything else leaves nothing behind.
            if isinstance(exc, service.WrongCurrentPassword):
                db.session.commit()
            else:
                db.session.rollback()
            show_error(form, exc)
            answer = current_app.make_response(_password_page(form, target, own, exc.status))
            return _retry_later(answer, exc)
        saved(_("Password changed for %(name)s.", name=target.name))
        return redirect(url_for("auth.index") if own else url_for("auth.users"))
    return _password_page(form, target, own)


def _password_page(form: PasswordForm, target: User, own: bool, status: int = 200):
    page = render_template(
        "auth/password_form.html",
        form=form,
        target=target,
        own=own,
        min_length=passwords.min_length(target.role),
    )
    return page, status


@bp.post("/users/<int:user_id>/active")
@login_required
def set_active(user_id: int):
    target = service.get_user(current_user, user_id)
    service.set_active(current_user, target, request.form.get("active") == "1")
    db.session.commit()
    saved()
    return redirect(url_for("auth.users"))


@bp.post("/users/<int:user_id>/unlock")
@login_required
def unlock(user_id: int):
    """Let an account that failed too often be tried again at once."""
    target = service.get_user(current_user, user_id)
    service.unlock_account(current_user, target, ip=client_ip())
    db.session.commit()
    saved(_("%(name)s may try to sign in again.", name=target.name))
    return redirect(url_for("auth.users"))
