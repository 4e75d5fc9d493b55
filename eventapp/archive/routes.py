"""The public archive, organisers' document upload and the download of documents."""
from __future__ import annotations

from typing import NamedTuple

from flask import (
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask import session as http_session
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup

from eventapp import audit
from eventapp.archive import bp
from eventapp.archive.documents import (
    IMAGE_TYPES,
    DocumentData,
    add_document,
    delete_document,
    get_document,
    list_event_documents,
    stored_path,
)
from eventapp.archive.forms import DeleteDocumentForm, DocumentForm, filters_from_args
from eventapp.archive.search import Excerpt, excerpt
from eventapp.archive.services import (
    ArchiveMaterial,
    ArchiveResult,
    get_archive_facets,
    get_archive_material,
    get_archive_stamp,
    search_archive,
)
from eventapp.auth.decorators import get_managed_event_or_404, may_manage_event, organiser_required
from eventapp.display import day_text
from eventapp.events.cache import LRU, build_token
from eventapp.extensions import db
from eventapp.html_text import escape_text
from eventapp.i18n import current_language, html_language, request_locale
from eventapp.labels import label, topic_choices
from eventapp.models import (
    Document,
    DocumentKind,
    Event,
    EventFormat,
    EventKind,
    EventStatus,
    Visibility,
)
from eventapp.rules.errors import RuleError
from eventapp.rules.times import utc_to_local

# Rendered archive pages for anonymous visitors (see index()).
rendered_pages: LRU[bytes] = LRU(256)
# Served files are never run as a page, whatever a browser thinks of them.
FILE_CSP = "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox"


@bp.get("/archive/")
def index() -> Response:
    language = current_language()
    # Anonymous pages without flash messages are the same for everyone: a rendered page is
    # kept per archive state, language and query string, and any change to an event, a
    # new event or one that ends changes the state (one query of index look-ups).
    is_shared = (
        current_app.config["PAGE_CACHE"]
        and not current_user.is_authenticated
        and "_flashes" not in http_session
    )
    key = None
    stamp = get_archive_stamp(db.session)
    if is_shared:
        args = tuple(sorted(request.args.items(multi=True)))
        key = (stamp, language, args, build_token())
        body = rendered_pages.get(key)
        if body is not None:
            return Response(body, mimetype="text/html")
    filters = filters_from_args(request.args)
    page = search_archive(db.session, filters, get_archive_facets(db.session, stamp))
    labels = _result_labels(language)
    locale = str(request_locale())
    topics_label = labels["texts"]["topics"]
    cards = {
        event.id: result_html(
            _result_card(event, excerpt(event, page.query.terms, language), labels, language, locale),
            topics_label,
        )
        for event in page.events
    }
    names = sorted(((city.text("name", language), city.slug) for city in page.cities),
                   key=lambda pair: pair[0].casefold())
    body = render_template(
        "archive/index.html",
        page=page,
        cards=cards,
        filters=filters,
        year_options=options_html([(str(year), str(year)) for year in page.years],
                                  str(filters.year) if filters.year else None),
        city_options=options_html([(slug, name) for name, slug in names], filters.city),
        topic_options=options_html(list(labels["topics"].items()), filters.topic),
        format_options=options_html(list(labels["formats"].items()),
                                    filters.format.value if filters.format else None),
        texts=labels["texts"],
    ).encode()
    if key is not None:
        rendered_pages.put(key, body)
    return Response(body, mimetype="text/html")


# Labels of kinds, formats and topics per language: twenty results ask for about eighty,
# and each lookup through the translations costs more than the rest of a result.
_labels_by_language: dict[str, dict[str, dict[str, str]]] = {}


def _result_labels(language: str) -> dict[str, dict[str, str]]:
    labels = _labels_by_language.get(language)
    if labels is None:
        labels = _labels_by_language[language] = {
            "kinds": {kind.value: label(kind) for kind in EventKind},
            "formats": {item.value: label(item) for item in EventFormat},
            "topics": dict(topic_choices()),
            "texts": _page_texts(),
        }
    return labels


def _page_texts() -> dict[str, str]:
    """The archive page's fixed words in the current language, looked up once per language
    (each lookup in the template costs about as much as a result's excerpt). Plain strings,
    escaped by the template like any text."""
    return {
        "archive": _("Archive"),
        "lead": _("Past meetings, visits and conferences of the alliance, with reports, "
                  "documents and recordings."),
        "search_words": _("Search words"),
        "search_help": _("Search titles, summaries, reports and documents in German, "
                         "English and Chinese."),
        "year": _("Year"),
        "all_years": _("All years"),
        "host_city": _("Host city"),
        "all_cities": _("All cities"),
        "topic": _("Topic"),
        "all_topics": _("All topics"),
        "format": _("Format"),
        "all_formats": _("All formats"),
        "search": _("Search"),
        "reset": _("Reset"),
        "topics": _("Topics"),
        "pages": _("Pages"),
        "previous_page": _("Previous page"),
        "next_page": _("Next page"),
    }


class ResultCard(NamedTuple):
    """Everything one result shows, as finished strings: a template that calls helpers
    for each of twenty results spends more time in the calls than in the page. A named
    tuple, immutable like the frozen dataclass it was and made about five times faster
    (a frozen dataclass sets each of its twelve fields through object.__setattr__)."""

    slug: str
    kicker: str
    title: Markup
    title_language: str
    first_day: str
    last_day: str
    first_iso: str
    last_iso: str
    city: str | None
    text: Markup | None
    text_language: str
    topics: list[str]


def _result_card(
    event: ArchiveResult, shown: Excerpt, labels: dict[str, dict[str, str]], language: str,
    locale: str,
) -> ResultCard:
    first, last = event.starts_at, event.ends_at
    return ResultCard(
        slug=event.slug,
        kicker=f"{labels['kinds'][event.kind]} · {labels['formats'][event.format]}",
        title=shown.title,
        title_language=html_language(shown.title_language),
        first_day=day_text(utc_to_local(first, event.timezone).date(), "long", locale),
        last_day=day_text(utc_to_local(last, event.timezone).date(), "long", locale),
        first_iso=first.date().isoformat(),
        last_iso=last.date().isoformat(),
        city=event.host_city.text("name", language) if event.host_city else None,
        text=shown.text,
        text_language=html_language(shown.text_language),
        topics=[labels["topics"].get(topic, topic) for topic in event.topics],
    )


_e = escape_text


def options_html(options: list[tuple[str, str]], selected: str | None) -> Markup:
    """The <option>s of a filter's select, the selected value marked: fifty options per
    page cost more as template loops than the results do."""
    return Markup("".join(  # noqa: S704  (every value escaped)
        f'<option value="{_e(value)}"{" selected" if value == selected else ""}>{_e(text)}</option>'
        for value, text in options
    ))


def result_html(card: ResultCard, topics_label: str) -> Markup:
    """One result as HTML, built as plain strings: a Jinja macro per result made about
    thirty Markup objects each. Every value is escaped here except the title and the
    passage, which come escaped with their <mark>s (archive/search.py)."""
    days = f'<time datetime="{_e(card.first_iso)}">{_e(card.first_day)}</time>'
    if card.last_day != card.first_day:
        days += f' – <time datetime="{_e(card.last_iso)}">{_e(card.last_day)}</time>'
    parts = [
        '\n<li class="archive-result">',
        f'\n  <p class="card-kicker">{_e(card.kicker)}</p>',
        f'\n  <h3 class="archive-result-title"><a href="/events/{_e(card.slug)}/"'
        f' lang="{_e(card.title_language)}">{card.title}</a></h3>',
        f'\n  <p class="card-meta">{days}</p>',
    ]
    if card.city:
        parts.append(f'\n  <p class="card-meta">{_e(card.city)}</p>')
    if card.text:
        parts.append(f'\n  <p class="archive-snippet" lang="{_e(card.text_language)}">{card.text}</p>')
    if card.topics:
        topics = "".join(f"<li>{_e(topic)}</li>" for topic in card.topics)
        parts.append(f'\n  <ul class="tags" aria-label="{_e(topics_label)}">\n    {topics}\n  </ul>')
    parts.append("\n</li>")
    return Markup("".join(parts))  # noqa: S704  (every value escaped above)


@bp.app_template_global("archive_material")
def archive_material(event: Event) -> ArchiveMaterial | None:
    """For templates/events/_archive_section.html: the event's public archive material."""
    return get_archive_material(db.session, event)



@bp.route("/manage/events/<slug>/documents", methods=["GET", "POST"])
@organiser_required
def manage_documents(slug: str) -> Response | tuple[str, int] | str:
    event = get_managed_event_or_404(slug)
    form = DocumentForm()
    if form.validate_on_submit():
        upload = form.file.data
        data = DocumentData(
            kind=DocumentKind(form.kind.data),
            title=form.titles(),
            visibility=Visibility(form.visibility.data),
            url=(form.url.data or "").strip() or None,
            filename=upload.filename if upload else None,
            stream=upload.stream if upload and upload.filename else None,
        )
        try:
            document = add_document(
                db.session,
                event,
                data,
                current_app.config["UPLOAD_FOLDER"],
                current_app.config["MAX_UPLOAD_BYTES"],
            )
        except RuleError as error:
            db.session.rollback()
            field = f"title_{event.main_language}" if error.field == "title" else error.field
            form[field if field in form else "file"].errors.append(str(error.message))
        else:
            audit.record(
                db.session, current_user, "document.add", "document", document.id,
                event_id=event.id, summary=document.original_filename or document.url or "",
                changes={"kind": document.kind, "visibility": document.visibility,
                         "title": document.title_i18n},
            )
            db.session.commit()
            flash(_("The document was added to the archive."), "success")
            return redirect(url_for("archive.manage_documents", slug=event.slug))
    status = 422 if form.is_submitted() else 200
    return render_template(
        "archive/manage_documents.html",
        event=event,
        form=form,
        delete_form=DeleteDocumentForm(),
        documents=list_event_documents(db.session, event),
    ), status


@bp.route("/manage/events/<slug>/documents/<int:document_id>/delete", methods=["GET", "POST"])
@organiser_required
def remove_document(slug: str, document_id: int) -> Response | str:
    """GET and an unconfirmed POST show what will be removed; only `confirm=1` removes it."""
    event = get_managed_event_or_404(slug)
    document = get_document(db.session, document_id)
    if document is None or document.event_id != event.id:
        abort(404)
    form = DeleteDocumentForm()
    if request.method == "POST" and not form.validate_on_submit():
        abort(400)
    if not form.is_confirmed:
        language = current_language()
        name = document.text("title", language) or document.original_filename or document.url or ""
        confirm = {
            "name": "remove-document",
            "title": _("Remove this document?"),
            "lines": [
                _("“%(name)s” will be removed from the archive of “%(event)s”; an uploaded file "
                  "is deleted for good.", name=name, event=event.text("title", language)),
                _("This cannot be undone."),
            ],
            "url": url_for("archive.remove_document", slug=event.slug, document_id=document.id),
            "button": _("Yes, remove the document"),
            "back_url": url_for("archive.manage_documents", slug=event.slug),
            "back_text": _("No, keep it"),
        }
        return render_template("confirm.html", confirm=confirm, form=DeleteDocumentForm(formdata=None))
    audit.record(
        db.session, current_user, "document.remove", "document", document.id,
        event_id=event.id, summary=document.original_filename or document.url or "",
        changes={"kind": document.kind, "title": document.title_i18n},
    )
    delete_document(db.session, document, current_app.config["UPLOAD_FOLDER"])
    db.session.commit()
    flash(_("The document was removed."), "success")
    return redirect(url_for("archive.manage_documents", slug=event.slug))


def _may_download(document: Document) -> bool:
    """Public documents of visible events for everyone; participants-only documents, for
    now, to signed-in organisers only (participant sign-in comes with registration)."""
    if may_manage_event(document.event_id):
        return True
    return document.visibility == Visibility.PUBLIC and document.event.status != EventStatus.DRAFT


@bp.get("/documents/<int:document_id>/<path:name>")
def document_file(document_id: int, name: str) -> Response:
    document = get_document(db.session, document_id)
    # The same 404 whether the document does not exist or may not be seen.
    if document is None or not _may_download(document):
        abort(404)
    if document.url:
        return redirect(document.url)
    path = stored_path(document, current_app.config["UPLOAD_FOLDER"])
    if path is None or not path.is_file():
        abort(404)
    if name != document.original_filename:
        return redirect(url_for("archive.document_file", document_id=document.id,
                                name=document.original_filename))
    response = send_file(
        path,
        mimetype=document.content_type,
        as_attachment=document.content_type not in IMAGE_TYPES,
        download_name=document.original_filename,
        conditional=True,
        etag=True,
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = FILE_CSP
    if document.visibility == Visibility.PUBLIC:
        response.headers["Cache-Control"] = "public, max-age=3600"
    else:
        response.headers["Cache-Control"] = "private, no-store"
    return response
