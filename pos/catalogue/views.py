"""The fair's public pages: /e/<slug> (the fair, with a search of every booth's
products) and /e/<slug>/<booth> (one exhibitor), no login, Indonesian or English.

A rendered page is kept by the process for CATALOGUE_CACHE_SECONDS and answered with an
ETag (304 to a phone that has it) and ``Cache-Control: public, max-age``, so a thousand
phones in the hall cost the laptop a dictionary lookup each. The language is the
``?lang=`` of the link (the page's switch), else the phone's Accept-Language.
"""

from __future__ import annotations

import gzip
import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import quote, urlencode

from flask import (
    Blueprint,
    Response,
    current_app,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.wrappers import Request

from pos import links
from pos.auth.permissions import Action, require_organizer
from pos.catalogue import service
from pos.catalogue.extras import views_count
from pos.catalogue.forms import ProfileForm, PublicProductsForm, PublishForm
from pos.errors import PosError
from pos.extensions import db
from pos.i18n import LANGUAGE_NAMES
from pos.inventory.attributes import CATEGORY_LABELS
from pos.organizer import service as organizer_service
from pos.web import carry_out, form_data, saved, show_error

bp = Blueprint("catalogue", __name__)
# The controls (signed in), apart so that the public pages' kind error page is theirs.
manage = Blueprint("catalogue_manage", __name__)
PROFILE = ("story", "whatsapp", "show_whatsapp", "instagram", "show_instagram")


def booth_path(slug: str, booth: str) -> str:
    return f"/e/{quote(slug)}/{quote(booth)}"


def chosen_language() -> tuple[str, bool]:
    """The page's language, and whether the link chose it (else the phone did)."""
    languages = current_app.config["LANGUAGES"]
    asked = request.args.get("lang")
    if asked in languages:
        return asked, True
    best = request.accept_languages.best_match(languages)
    return best or current_app.config["BABEL_DEFAULT_LOCALE"], False


def public_answer(response: Response, req: Request, *, etag: str | None = None) -> Response:
    """An answer anyone may keep for a short while: ETag, 304, Cache-Control."""
    if etag is None:
        etag = hashlib.sha256(response.get_data()).hexdigest()[:32]
    response.set_etag(etag)
    response.headers["Cache-Control"] = (
        f"public, max-age={int(current_app.config['CATALOGUE_MAX_AGE_SECONDS'])}"
    )
    response.vary.add("Accept-Language")
    return response.make_conditional(req)


@dataclass(frozen=True)
class KeptPage:
    body: bytes
    gzipped: bytes
    etag: str


def _page(key: tuple, render: Callable[[], str]) -> Response:
    """The page of ``key``: kept by this process for a few seconds, else rendered (which
    reads the database, and raises NotFound or CatalogueClosed: never kept). A kept page
    costs no query at all. It is compressed once when rendered, not for every phone
    (Flask-Compress leaves an answer that has its Content-Encoding alone)."""
    language, _chosen = chosen_language()
    key = (*key, language)
    now = time.monotonic()
    page = service.kept_page(key, now)
    if page is None:
        with service.rendering:
            page = service.kept_page(key, time.monotonic())  # another thread's, meanwhile
            if page is None:
                with force_locale(language):
                    body = render().encode()
                page = KeptPage(body, gzip.compress(body, 6), hashlib.sha256(body).hexdigest()[:32])
                seconds = float(current_app.config["CATALOGUE_CACHE_SECONDS"])
                if seconds > 0:
                    service.keep_page(key, time.monotonic() + seconds, page)
    if "gzip" in request.accept_encodings:
        response = Response(page.gzipped, mimetype="text/html")
        response.headers["Content-Encoding"] = "gzip"
        etag = page.etag + "-gzip"
    else:
        response = Response(page.body, mimetype="text/html")
        etag = page.etag
    response.vary.add("Accept-Encoding")
    return public_answer(response, request, etag=etag)


def _language_links(language_chosen: bool) -> dict[str, str]:
    args = {k: v for k, v in request.args.items() if k != "lang"}
    return {code: "?" + urlencode(args | {"lang": code}) for code in LANGUAGE_NAMES}


def _context(event, phase: str) -> dict:
    language, chosen = chosen_language()
    return {
        "event": event,
        "phase": phase,
        "after_fair": phase == service.AFTER_FAIR,
        "lang_query": f"?lang={language}" if chosen else "",
        "language_links": _language_links(chosen),
        "base": links.public_base(),
        "categories": CATEGORY_LABELS,
        "photo_path": lambda key, size="thumb": url_for(
            "catalogue.photo", slug=event.slug, name=f"{key}-{size}.jpg"
        ),
    }


@bp.get("/e/<slug>")
def event_page(slug: str):
    q = request.args.get("q", "").strip()[:200]
    category = request.args.get("category") or None
    if category not in CATEGORY_LABELS:
        category = None

    def render() -> str:
        event, phase = service.public_event(slug)
        searched = bool(q or category)
        hits = service.search_products(event, q, category) if searched else []
        return render_template(
            "catalogue/event.html",
            fair=service.fair_page(event),
            q=q,
            category=category,
            searched=searched,
            hits=hits,
            **_context(event, phase),
        )

    return _page(("event", slug, q, category), render)


@bp.get("/e/<slug>/<booth>")
def booth_page(slug: str, booth: str):
    def render() -> str:
        event, phase = service.public_event(slug)
        exhibitor = service.public_exhibitor(event, booth)
        return render_template(
            "catalogue/booth.html",
            page=service.booth_page(exhibitor),
            **_context(event, phase),
        )

    answer = _page(("booth", slug, booth.upper()), render)
    views_count.note_booth_view(slug, booth, views_count.asked_products())  # extras
    return answer


@bp.get("/e/<slug>/photos/<name>")
def photo(slug: str, name: str):
    """A photo shown in the catalogue (named by its content's hash, so kept a year)."""
    event, _phase = service.public_event(slug)
    path = service.public_photo(event, name)
    response = send_file(path, mimetype="image/jpeg", conditional=True, etag=True)
    response.headers["Cache-Control"] = "public, max-age=31536000, immutable"
    return response


@bp.errorhandler(PosError)
def kind_page(exc: PosError):
    """Not found or closed: a page that says so kindly, in the reader's language."""
    language, _chosen = chosen_language()
    with force_locale(language):
        html = render_template("catalogue/closed.html", status=exc.status, message=exc.message)
    return html, exc.status, exc.headers()


@bp.app_template_global()
def public_page_url(exhibitor) -> str | None:
    """The exhibitor's public page (absolute) while buyers can open it, else None: the
    receipt's "contact the maker"."""
    path = service.page_url_of(exhibitor)
    return links.public_base() + path if path else None


# --- the controls: the booth's public profile, the organizer's switch ------------------


@manage.route("/exhibitors/<int:exhibitor_id>/public-profile", methods=["GET", "POST"])
@login_required
def profile(exhibitor_id: int):
    """The booth's public page as its manager (or the organizer) keeps it."""
    exhibitor = organizer_service.get_exhibitor(current_user, exhibitor_id, Action.MANAGE)
    products = service.booth_products(current_user, exhibitor)
    form = ProfileForm(obj=exhibitor)
    if form.validate_on_submit():
        try:
            service.update_profile(current_user, exhibitor, form_data(form, *PROFILE))
            if form.cover.data:
                service.set_cover_photo(current_user, exhibitor, form.cover.data.read())
            elif form.remove_cover.data:
                service.set_cover_photo(current_user, exhibitor, None)
            db.session.commit()
        except PosError as exc:
            db.session.rollback()
            show_error(form, exc)
        else:
            saved()
            return redirect(url_for("catalogue_manage.profile", exhibitor_id=exhibitor.id))
    choices = PublicProductsForm(public=[p.id for p in products if p.public])
    choices.public.choices = [(p.id, f"{p.sku} · {p.name}") for p in products]
    return render_template(
        "catalogue/profile.html",
        form=form,
        products_form=choices,
        exhibitor=exhibitor,
        public_url=service.page_url_of(exhibitor),
        publish_form=PublishForm(),
    )


@manage.post("/exhibitors/<int:exhibitor_id>/public-products")
@login_required
def public_products(exhibitor_id: int):
    exhibitor = organizer_service.get_exhibitor(current_user, exhibitor_id, Action.MANAGE)
    form = PublicProductsForm()
    carry_out(
        form,
        lambda: service.set_public_products(current_user, exhibitor, set(form.public.data or [])),
        lambda: _("Saved."),
    )
    return redirect(url_for("catalogue_manage.profile", exhibitor_id=exhibitor.id))


@manage.post("/exhibitors/<int:exhibitor_id>/catalogue")
@login_required
def publish(exhibitor_id: int):
    """The organizer takes a booth out of the catalogue at once, or puts it back."""
    exhibitor = organizer_service.get_exhibitor(current_user, exhibitor_id)
    require_organizer(current_user, exhibitor.event)
    form = PublishForm()
    carry_out(
        form,
        lambda: service.set_published(current_user, exhibitor, form.published.data == "1"),
        lambda: (
            _("%(booth)s is in the public catalogue again.", booth=exhibitor.booth)
            if exhibitor.catalogue_published
            else _("%(booth)s is no longer in the public catalogue.", booth=exhibitor.booth)
        ),
    )
    return redirect(url_for("catalogue_manage.profile", exhibitor_id=exhibitor.id))
