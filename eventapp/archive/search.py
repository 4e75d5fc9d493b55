"""Full-text search over the archive, in the database's own engine.

One normaliser serves the index and the query, so both always agree:
- lower case, German umlauts folded (ö -> oe, ß -> ss) and, as a second token at the same
  place, without the umlaut (ö -> o); other accents dropped (é -> e);
- Chinese has no spaces, so every run of Han characters is indexed as its overlapping
  character bigrams (佛山市 -> 佛山 山市, plus the last character alone). Any substring of two or
  more characters is then a phrase of consecutive bigrams, whatever a segmenter would say.
  At query time jieba splits a Chinese run into words (佛山贵阳 -> 佛山 贵阳), each searched
  as such a phrase, so words need not be adjacent in the text.
- Latin words of three or more letters match as prefixes, which also finds German compounds
  and inflections (Wirtschaftsförderung finds Wirtschaftsförderungen).
- German and English glue words (und, the, für …) in a query with other words are not
  searched for: "Forschung und Entwicklung" needs no "und" in the text, and the passages
  shown do not mark every "und" (nor "andere" for "and"). They stay in the index.

Results come in two tiers: events whose title holds every searched word, then the others;
newest first within each. Every row carries a sort key that orders the archive (start time,
then id, as one integer), so that a page of results is the first rows of the index in key
order, not a ranking of every match: a common word costs a count, not a sort of thousands.

SQLite keeps the normalised text in the FTS5 table `search_events` (columns title and
body) whose rowid IS the sort key, so FTS5 reads matches newest first and stops after a
page; `search_keys` maps event ids to their keys. PostgreSQL keeps a tsvector built from the
same tokens (title weight A, body weight B) and the sort key in `search_events` with a GIN
index. Queries are built from the normalised tokens only, so user input never reaches the
FTS syntax.
"""
from __future__ import annotations

import bisect
import logging
import re
import threading
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from markupsafe import Markup, escape
from sqlalchemy import (
    BigInteger,
    Column,
    Integer,
    MetaData,
    Table,
    Text,
    delete,
    insert,
    inspect,
    select,
)
from sqlalchemy import event as sa_event
from sqlalchemy import text as sql_text
from sqlalchemy.dialects.postgresql import TSVECTOR
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from eventapp.html_text import escape_text
from eventapp.models import City, Document, Event, Visibility

HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
# A character of a Latin token: a letter or digit that is not Han (nor "_").
LATIN = rf"[^\W_{HAN}]"
TOKEN_RE = re.compile(rf"[{HAN}]+|{LATIN}+")
HAN_RE = re.compile(rf"^[{HAN}]+$")
UMLAUTS = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue"})
UMLAUTS_PLAIN = str.maketrans({"ä": "a", "ö": "o", "ü": "u"})
MAX_QUERY_CHARS = 200
MAX_QUERY_TERMS = 12
MIN_PREFIX_LENGTH = 3
# Articles, conjunctions, prepositions and auxiliaries, folded as fold() spells them (für ->
# fuer, typed without dots: fur). Short on purpose: a word with a meaning of its own here
# ("it" for IT, "who" for WHO, "war") stays searchable.
STOP_WORDS = frozenset({
    # English
    "a", "an", "and", "are", "as", "at", "be", "been", "by", "for", "from", "in", "into", "is",
    "of", "on", "or", "the", "this", "that", "these", "those", "to", "was", "were", "with",
    # German (an, in: above)
    "als", "am", "auch", "auf", "aus", "bei", "das", "dem", "den", "der", "des", "die",
    "ein", "eine", "einem", "einen", "einer", "eines", "fuer", "fur", "im", "ist", "mit",
    "nach", "oder", "sich", "sind", "sowie", "ueber", "um", "und", "vom", "von", "wie", "zu",
    "zum", "zur",
})
# PostgreSQL keeps positions up to 16383.
MAX_POSITION = 16383
# PostgreSQL refuses a longer lexeme in a tsvector (its own to_tsvector skips such words).
MAX_LEXEME_BYTES = 2047
CHUNK = 500
ANALYZE_AFTER = 1000

# The search tables are built by hand in migration 0004 (an FTS5 virtual table on SQLite,
# a tsvector table on PostgreSQL); these descriptions only serve queries and stay out of
# the models' metadata.
search_metadata = MetaData()
sqlite_search_events = Table(
    "search_events",
    search_metadata,
    Column("rowid", BigInteger, primary_key=True),  # the sort key
    Column("title", Text),
    Column("body", Text),
)
sqlite_search_keys = Table(
    "search_keys",
    search_metadata,
    Column("event_id", Integer, primary_key=True),
    Column("sort_key", BigInteger),
)
postgres_search_events = Table(
    "search_events",
    MetaData(),
    Column("event_id", Integer, primary_key=True),
    Column("sort_key", BigInteger),
    Column("document", TSVECTOR),
)

# Sort keys: minutes since 1900 (UTC) above 31 bits of event id, so that ordering by the
# key is ordering by start time, then id; 300 years of minutes fit in the 32 bits above.
_KEY_EPOCH = datetime(1900, 1, 1, tzinfo=UTC)
_ID_BITS = 31
ID_MASK = (1 << _ID_BITS) - 1


def sort_key(starts_at: datetime, event_id: int) -> int:
    """The archive order of an event as one integer: later start (then higher id) is larger."""
    if not 0 < event_id <= ID_MASK:
        raise ValueError(f"event id out of range for a sort key: {event_id}")
    minutes = int((starts_at - _KEY_EPOCH).total_seconds() // 60)
    return (max(minutes, 0) << _ID_BITS) | event_id


class _MarkTable(dict):
    """str.translate() table that drops combining marks, filled per character on first
    sight: translating in C is many times faster than testing each character in Python."""

    def __missing__(self, code: int) -> int | None:
        value = None if unicodedata.combining(chr(code)) else code
        self[code] = value
        return value


_MARKS = _MarkTable()


def _strip_marks(text: str) -> str:
    return unicodedata.normalize("NFKD", text).translate(_MARKS)


def fold(text: str) -> str:
    """Lower case, umlauts as ae/oe/ue, ß as ss, other accents dropped."""
    text = unicodedata.normalize("NFC", text).casefold().translate(UMLAUTS)
    return text if text.isascii() else _strip_marks(text)


def fold_plain(text: str) -> str:
    """Like fold(), but umlauts lose their dots (ö -> o): how people type without them."""
    text = unicodedata.normalize("NFC", text).casefold().translate(UMLAUTS_PLAIN)
    return text if text.isascii() else _strip_marks(text)


def is_han(token: str) -> bool:
    return bool(HAN_RE.match(token))


def han_grams(run: str) -> list[str]:
    """Overlapping bigrams of a Han run, then its last character alone (so that a single
    character is found as a prefix anywhere in the run)."""
    if len(run) == 1:
        return [run]
    return [run[i : i + 2] for i in range(len(run) - 1)] + [run[-1]]


def index_tokens(text: str) -> list[list[str]]:
    """The tokens of a text, by position: each position holds one token or several
    spellings of the same word (the umlaut-folded and the plain one)."""
    folded = fold(text)
    plain = fold_plain(text) if folded != fold_plain(text) else None
    plain_tokens = TOKEN_RE.findall(plain) if plain is not None else None
    positions: list[list[str]] = []
    for number, token in enumerate(TOKEN_RE.findall(folded)):
        if is_han(token):
            positions.extend([gram] for gram in han_grams(token))
            continue
        spellings = [token]
        if plain_tokens is not None and number < len(plain_tokens):
            other = plain_tokens[number]
            if other != token and not is_han(other):
                spellings.append(other)
        positions.append(spellings)
    return positions


def index_text(texts: Iterable[str]) -> str:
    """The normalised text stored in the FTS5 table: tokens separated by spaces."""
    words: list[str] = []
    for text in texts:
        if text:
            for spellings in index_tokens(text):
                words.extend(spellings)
    return " ".join(words)


def tsvector_literal(weighted_texts: Sequence[tuple[str, Iterable[str]]]) -> str:
    """A tsvector in PostgreSQL's input syntax ('foshan':1A 'wirtschaft':2B), built from the
    same tokens, so the database's own parser (and its locale) plays no part."""
    lexemes: dict[str, list[str]] = {}
    position = 0
    for weight, texts in weighted_texts:
        for text in texts:
            if not text:
                continue
            for spellings in index_tokens(text):
                position = min(position + 1, MAX_POSITION)
                for token in spellings:
                    if len(token.encode()) <= MAX_LEXEME_BYTES:
                        lexemes.setdefault(token, []).append(f"{position}{weight}")
            position = min(position + 1, MAX_POSITION)  # no phrase across two texts
    # Tokens hold only letters and digits (TOKEN_RE), never quotes or backslashes.
    return " ".join(f"'{token}':{','.join(places[:256])}" for token, places in lexemes.items())


@dataclass(frozen=True)
class Term:
    """One thing to find: a Latin word (maybe as prefix) or a Chinese word."""

    text: str
    is_prefix: bool = False

    @property
    def is_han(self) -> bool:
        return is_han(self.text)


@dataclass
class SearchQuery:
    raw: str
    terms: list[Term] = field(default_factory=list)

    @property
    def is_empty(self) -> bool:
        return not self.terms


_jieba_lock = threading.Lock()
_jieba_ready = False


def load_segmenter() -> None:
    """Load jieba's dictionary (0.7-1 s of CPU) now, once per process, quietly.

    gunicorn calls it in its master before forking the workers (gunicorn.conf.py), so that
    no visitor's first Chinese search waits for it and the workers share its memory.
    """
    global _jieba_ready
    if _jieba_ready:
        return
    import jieba

    with _jieba_lock:
        if not _jieba_ready:
            jieba.setLogLevel(logging.WARNING)
            jieba.initialize()
            _jieba_ready = True


def is_segmenter_loaded() -> bool:
    return _jieba_ready


def segment_chinese(run: str) -> list[str]:
    """Words of a Chinese run by jieba (loaded here on first use where no server did)."""
    import jieba

    load_segmenter()
    return [word for word in jieba.lcut(run) if word.strip()]


def _join_single_characters(words: list[str]) -> list[str]:
    """jieba leaves unknown words as single characters (中, 德): adjacent ones form a word."""
    joined: list[str] = []
    pending = ""
    for word in [*words, ""]:
        if len(word) == 1 and is_han(word):
            pending += word
            continue
        if pending:
            joined.append(pending)
            pending = ""
        if word and is_han(word):
            joined.append(word)
    return joined


def parse_query(raw: str) -> SearchQuery:
    """Turn what a person typed into terms; operators and quotes are just ignored."""
    raw = (raw or "").strip()[:MAX_QUERY_CHARS]
    terms: list[Term] = []
    for token in TOKEN_RE.findall(fold(raw)):
        if is_han(token):
            words = _join_single_characters(segment_chinese(token)) if len(token) > 2 else [token]
            longer = [word for word in words if len(word) > 1]
            if longer:
                # Single characters between words (和, 在, 的) are glue, not search terms.
                terms.extend(Term(word) for word in longer)
            elif len(token) == 1:
                terms.append(Term(token, is_prefix=True))
            else:
                terms.append(Term(token))
        else:
            terms.append(Term(token, is_prefix=len(token) >= MIN_PREFIX_LENGTH))
    unique = list(dict.fromkeys(terms))
    # Glue words go unless they are all there is ("und", "an der"): then they are the search.
    meaningful = [term for term in unique if term.text not in STOP_WORDS]
    return SearchQuery(raw=raw, terms=(meaningful or unique)[:MAX_QUERY_TERMS])


def _han_phrase_tokens(word: str) -> list[str]:
    if len(word) == 1:
        return [word]
    return [word[i : i + 2] for i in range(len(word) - 1)]


def fts5_match(query: SearchQuery) -> str:
    """An FTS5 MATCH expression: every term required; a Chinese word is a phrase of its
    bigrams. Tokens are letters and digits only and quoted, so nothing is FTS syntax."""
    parts = []
    for term in query.terms:
        if term.is_han:
            phrase = " ".join(_han_phrase_tokens(term.text))
            parts.append(f'"{phrase}"' + ("*" if term.is_prefix else ""))
        else:
            parts.append(f'"{term.text}"' + ("*" if term.is_prefix else ""))
    return " AND ".join(parts)


def fts5_title_match(query: SearchQuery) -> str:
    """The first tier: every term in the title column."""
    return "{title} : (" + fts5_match(query) + ")"


def fts5_rest_match(query: SearchQuery) -> str:
    """The second tier: every term somewhere, but not every one in the title."""
    return f"({fts5_match(query)}) NOT {fts5_title_match(query)}"


def tsquery_literal(query: SearchQuery, weight: str = "") -> str:
    """The same expression in PostgreSQL's tsquery input syntax; with weight "A", every
    term must occur in the title (the title's lexemes carry weight A)."""
    parts = []
    for term in query.terms:
        marks = ("*" if term.is_prefix else "") + weight
        suffix = f":{marks}" if marks else ""
        if term.is_han:
            tokens = _han_phrase_tokens(term.text)
            parts.append("(" + " <-> ".join(f"'{token}'{suffix}" for token in tokens) + ")")
        else:
            parts.append(f"'{term.text}'{suffix}")
    return " & ".join(parts)


# --- index maintenance ---------------------------------------------------------------


def _event_texts(row: Any, documents: list[dict], cities: dict[int, dict]) -> tuple[list[str], list[str]]:
    titles = list((row.title_i18n or {}).values())
    body: list[str] = []
    for values in (row.summary_i18n, row.report_i18n):
        body.extend((values or {}).values())
    for title in documents:
        body.extend((title or {}).values())
    if row.host_city_id in cities:
        body.extend((cities[row.host_city_id] or {}).values())
    return [str(text) for text in titles if text], [str(text) for text in body if text]


def _reindex_chunk(connection: Connection, event_ids: list[int]) -> None:
    events_table, documents_table, cities_table = (
        Event.__table__, Document.__table__, City.__table__,
    )
    rows = connection.execute(
        select(
            events_table.c.id,
            events_table.c.title_i18n,
            events_table.c.summary_i18n,
            events_table.c.report_i18n,
            events_table.c.host_city_id,
            events_table.c.starts_at,
        ).where(events_table.c.id.in_(event_ids))
    ).all()
    documents: dict[int, list[dict]] = {}
    # Only public documents: a search must not reveal what participants-only files are called.
    for event_id, title in connection.execute(
        select(documents_table.c.event_id, documents_table.c.title_i18n)
        .where(
            documents_table.c.event_id.in_(event_ids),
            documents_table.c.visibility == Visibility.PUBLIC.value,
        )
        .order_by(documents_table.c.id)
    ):
        documents.setdefault(event_id, []).append(title)
    city_ids = {row.host_city_id for row in rows if row.host_city_id is not None}
    cities: dict[int, dict] = {}
    if city_ids:
        cities = dict(
            connection.execute(
                select(cities_table.c.id, cities_table.c.name_i18n).where(
                    cities_table.c.id.in_(city_ids)
                )
            ).all()
        )
    if connection.dialect.name == "postgresql":
        table = postgres_search_events
        connection.execute(delete(table).where(table.c.event_id.in_(event_ids)))
        values = []
        for row in rows:
            titles, body = _event_texts(row, documents.get(row.id, []), cities)
            values.append({
                "event_id": row.id,
                "sort_key": sort_key(row.starts_at, row.id),
                "document": tsvector_literal([("A", titles), ("B", body)]),
            })
        if values:
            connection.execute(
                sql_text(
                    "INSERT INTO search_events (event_id, sort_key, document)"
                    " VALUES (:event_id, :sort_key, CAST(:document AS tsvector))"
                ),
                values,
            )
    else:
        table, keys = sqlite_search_events, sqlite_search_keys
        old_keys = select(keys.c.sort_key).where(keys.c.event_id.in_(event_ids))
        connection.execute(delete(table).where(table.c.rowid.in_(old_keys)))
        connection.execute(delete(keys).where(keys.c.event_id.in_(event_ids)))
        values, key_values = [], []
        for row in rows:
            titles, body = _event_texts(row, documents.get(row.id, []), cities)
            key = sort_key(row.starts_at, row.id)
            key_values.append({"event_id": row.id, "sort_key": key})
            values.append({"rowid": key, "title": index_text(titles), "body": index_text(body)})
        if values:
            connection.execute(insert(keys), key_values)
            connection.execute(insert(table), values)


def clear_search_tables(connection: Connection) -> None:
    """Empty the search index (reindex_events() fills it again)."""
    connection.exec_driver_sql("DELETE FROM search_events")
    if connection.dialect.name != "postgresql":
        connection.exec_driver_sql("DELETE FROM search_keys")


def reindex_events(session: Session, event_ids: Iterable[int] | None = None) -> int:
    """Rebuild the search rows of these events (None: all events); rows of events that no
    longer exist are dropped. Returns how many ids were looked at."""
    connection = session.connection()
    if event_ids is None:
        ids = list(connection.execute(select(Event.__table__.c.id).order_by(Event.__table__.c.id)).scalars())
        clear_search_tables(connection)
    else:
        ids = sorted(set(event_ids))
    for start in range(0, len(ids), CHUNK):
        _reindex_chunk(connection, ids[start : start + CHUNK])
    if len(ids) >= ANALYZE_AFTER:
        # After a bulk load the planner needs fresh statistics, or SQLite walks the
        # events by status (all 'published') instead of by date.
        if connection.dialect.name == "postgresql":
            connection.exec_driver_sql("ANALYZE events")
            connection.exec_driver_sql("ANALYZE search_events")
        else:
            # Merge FTS5's many small segments from the bulk insert into one b-tree.
            connection.exec_driver_sql("INSERT INTO search_events (search_events) VALUES ('optimize')")
            connection.exec_driver_sql("ANALYZE")
    return len(ids)


# What the index is built from (texts, and the start time in the sort key): a change
# elsewhere (seat counters, versions) needs no reindex.
_INDEXED = {
    Event: ("title_i18n", "summary_i18n", "report_i18n", "host_city_id", "host_city", "starts_at"),
    Document: ("title_i18n", "visibility", "event_id", "event"),
    City: ("name_i18n",),
}


def _indexed_change(obj: Any, keys: Sequence[str]) -> bool:
    state = inspect(obj)
    return any(key in state.attrs and state.attrs[key].history.has_changes() for key in keys)


def _touched(session: Session) -> tuple[set[int], set[int]]:
    """Ids of events and of cities whose indexed text this flush changed."""
    event_ids: set[int] = set()
    city_ids: set[int] = set()
    for obj in (*session.new, *session.deleted):
        if isinstance(obj, Event) and obj.id is not None:
            event_ids.add(obj.id)
        elif isinstance(obj, Document) and obj.event_id is not None:
            event_ids.add(obj.event_id)
    for obj in session.dirty:
        if isinstance(obj, Event) and _indexed_change(obj, _INDEXED[Event]):
            event_ids.add(obj.id)
        elif isinstance(obj, Document) and _indexed_change(obj, _INDEXED[Document]):
            event_ids.add(obj.event_id)
            previous = inspect(obj).attrs["event_id"].history.deleted
            event_ids.update(value for value in previous if value is not None)
        elif isinstance(obj, City) and _indexed_change(obj, _INDEXED[City]):
            city_ids.add(obj.id)
    return event_ids, city_ids


@sa_event.listens_for(Session, "after_flush")
def _reindex_after_flush(session: Session, _context: Any) -> None:
    """Keep the index in step with every change made through the ORM, whatever service
    made it. (Core bulk inserts bypass this: call reindex_events() after them.)"""
    ids, city_ids = _touched(session)
    if city_ids:
        events_table = Event.__table__
        ids.update(
            session.connection().execute(
                select(events_table.c.id).where(events_table.c.host_city_id.in_(city_ids))
            ).scalars()
        )
    if ids:
        reindex_events(session, ids)


# --- highlighting --------------------------------------------------------------------


class _FoldTable(dict):
    """str.translate() table that folds each character as `folder` does, filled on first
    sight of a character, so that folding a text runs in C. Remembers the characters whose
    folded form is not one character long (ö -> oe, a combining mark -> nothing), which
    _Origin needs to map positions back."""

    def __init__(self, folder: Any) -> None:
        super().__init__()
        self.folder = folder
        self.lengths: dict[str, int] = {}
        self._pattern: re.Pattern[str] | None = None

    def __missing__(self, code: int) -> int | str:
        char = chr(code)
        folded = self.folder(char)
        if len(folded) != 1:
            self.lengths[char] = len(folded)
            self._pattern = None
        value: int | str = code if folded == char else folded
        self[code] = value
        return value

    def fold_text(self, text: str) -> str:
        """`text.translate(self)`, sooner: str.translate() looks up each character of a
        text in the table unless the whole text is ASCII, so the ASCII runs (most of a
        German or English text) are lower-cased in C and only the others looked up."""
        if text.isascii():
            return text.lower()
        if _HAN_CHAR.search(text) is not None:
            # Chinese: most characters are not ASCII anyway.
            return text.translate(self)
        return "".join([
            run.lower() if run.isascii() else run.translate(self) for run in _RUNS.findall(text)
        ])

    @property
    def pattern(self) -> re.Pattern[str] | None:
        """A regex of the characters that grow or vanish (None while there are none)."""
        if self._pattern is None and self.lengths:
            self._pattern = re.compile("[" + re.escape("".join(self.lengths)) + "]")
        return self._pattern


# ASCII and other runs of a text: ASCII characters fold to their lower case.
_RUNS = re.compile(r"[\x00-\x7f]+|[^\x00-\x7f]+")
_UMLAUT = re.compile("[äöüÄÖÜ]")
_HAN_CHAR = re.compile(f"[{HAN}]")
_FOLD = _FoldTable(fold)
_FOLD_PLAIN = _FoldTable(fold_plain)


class _Origin:
    """Maps an index of a folded text back to the original: folding keeps most characters
    one-to-one, so only the few that grow (ö -> oe) or vanish (combining marks) are kept."""

    def __init__(self, text: str, table: _FoldTable) -> None:
        self.starts: list[int] = []
        self.places: list[tuple[int, int]] = []
        pattern = table.pattern
        if pattern is None:
            return
        lengths = table.lengths
        shift = 0
        for match in pattern.finditer(text):
            length = lengths[match.group()]
            self.starts.append(match.start() + shift)
            self.places.append((match.start(), length))
            shift += length - 1

    def __getitem__(self, folded_index: int) -> int:
        number = bisect.bisect_right(self.starts, folded_index) - 1
        if number < 0:
            return folded_index
        start = self.starts[number]
        original, length = self.places[number]
        if folded_index < start + length:
            return original
        return original + 1 + folded_index - start - length


# A Latin token's character and the rest of a token, compiled once: a pattern built for
# each search's words compiled this character class anew (about 2 ms a new query, more
# than the rest of the page; a varied search is a new query on every request).
_LATIN_CHAR = re.compile(LATIN)
_LATIN_REST = re.compile(f"{LATIN}*")


def _match_spans(text: str, terms: Sequence[Term]) -> list[tuple[int, int]]:
    """Where the terms occur in the (NFC) text, as merged (start, end) spans; empty when
    nowhere. Each spelling of the text is folded once, in C (_FoldTable), and looked at
    only when a term occurs in it at all (most candidate passages hold none)."""
    spans: list[tuple[int, int]] = []
    han_words: list[str] | None = None
    latin_words: list[tuple[str, bool]] = []
    for table in (_FOLD, _FOLD_PLAIN):
        if table is _FOLD_PLAIN and _UMLAUT.search(text) is None:
            # The plain spelling differs only where the text has an umlaut.
            break
        folded = table.fold_text(text)
        for term in terms:
            if term.text in folded:
                break
        else:
            continue
        if han_words is None:
            han_words = [term.text for term in terms if term.is_han]
            latin_words = [(term.text, term.is_prefix) for term in terms if not term.is_han]
        origin = _Origin(text, table)
        # A Chinese word lies inside a run of Han characters wherever it occurs.
        for word in han_words:
            start = folded.find(word)
            while start != -1:
                spans.append((origin[start], origin[start + len(word) - 1] + 1))
                start = folded.find(word, start + 1)
        # A Latin word where a token starts: the whole token for a prefix, else the token
        # that is the word itself.
        for word, is_prefix in latin_words:
            start = folded.find(word)
            while start != -1:
                end = start + len(word)
                if not (start and _LATIN_CHAR.match(folded, start - 1)):
                    if is_prefix:
                        end = _LATIN_REST.match(folded, end).end()
                    if is_prefix or not _LATIN_CHAR.match(folded, end):
                        spans.append((origin[start], origin[end - 1] + 1))
                start = folded.find(word, end)
    if not spans:
        return spans
    spans.sort()
    merged: list[tuple[int, int]] = []
    for start, end in spans:
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def _mark(text: str, spans: list[tuple[int, int]], start: int, end: int) -> Markup:
    """The text between start and end, escaped, with the spans in <mark>: built as plain
    strings and wrapped once (a Markup per piece cost more than the rest of a result's
    excerpt). <mark> is the only markup a highlighted text contains."""
    out: list[str] = []
    cursor = start
    for a, b in spans:
        if b <= start or a >= end:
            continue
        a, b = max(a, start), min(b, end)
        out.append(escape_text(text[cursor:a]))
        out.append("<mark>")
        out.append(escape_text(text[a:b]))
        out.append("</mark>")
        cursor = b
    out.append(escape_text(text[cursor:end]))
    return Markup("".join(out))  # noqa: S704  (escaped text and <mark> only)


def highlight(text: str, terms: Sequence[Term]) -> Markup:
    """The whole text, HTML-escaped, with the matched words in <mark>."""
    text = unicodedata.normalize("NFC", text or "")
    spans = _match_spans(text, terms) if terms else []
    if not spans:
        return escape(text)
    return _mark(text, spans, 0, len(text))


def snippet(text: str, terms: Sequence[Term], width: int = 220) -> Markup | None:
    """A window of the text around its first match, escaped, matches in <mark>; None when
    the text does not contain any term."""
    text = unicodedata.normalize("NFC", text or "")
    spans = _match_spans(text, terms) if terms else []
    if not spans:
        return None
    first = spans[0][0]
    start = max(0, first - width // 3)
    if start > 0:
        space = text.rfind(" ", 0, start)
        if space == -1:
            # Inside the first word: a long compound is shown whole, not cut in its middle.
            start = 0 if start < 40 else start
        elif start - space < 20:
            start = space + 1
    end = min(len(text), start + width)
    if end < len(text):
        space = text.find(" ", end)
        end = space if space != -1 and space - end < 20 else end
    body = _mark(text, spans, start, end)
    prefix = "… " if start > 0 else ""
    suffix = " …" if end < len(text) else ""
    return escape(prefix) + body + escape(suffix)


@dataclass
class Excerpt:
    """A result's title and a passage of its text, matches marked, with their languages."""

    title: Markup
    title_language: str
    text: Markup | None
    text_language: str


def excerpt(event: Event, terms: Sequence[Term], language: str) -> Excerpt:
    """The title in the reader's language and the first passage (reader's language first,
    then the event's main language, then any) that contains a searched word; without a
    match, the start of the summary."""
    title_language = event.text_language("title", language)
    title = highlight(event.text("title", language), terms)
    order = list(dict.fromkeys((language, event.main_language, "de", "en", "zh")))
    candidates: list[tuple[str, str]] = []
    for code in order:
        for values in (event.summary_i18n, event.report_i18n):
            if values and values.get(code):
                candidates.append((code, str(values[code])))
    for document in event.documents:
        if document.visibility == Visibility.PUBLIC:
            for code in order:
                if document.title_i18n.get(code):
                    candidates.append((code, str(document.title_i18n[code])))
    for code, candidate in candidates:
        passage = snippet(candidate, terms)
        if passage is not None:
            return Excerpt(title, title_language, passage, code)
    summary_language = event.text_language("summary", language)
    summary = event.text("summary", language)
    if not summary:
        return Excerpt(title, title_language, None, summary_language)
    if len(summary) > 220:
        cut = summary.rfind(" ", 0, 220)
        summary = summary[: cut if cut > 150 else 220] + " …"
    return Excerpt(title, title_language, escape(summary), summary_language)
