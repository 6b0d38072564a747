"""De-identification: protected health information in every turn replaced before chunking.

`Deidentifier.session()` takes a loaded session and returns it with every identifier found
(`detect.PhiFinder`) replaced by a typed surrogate (`surrogates.SessionSurrogates`) or a tag, its id
replaced by a keyed pseudonym, and the count of what was replaced by type. Nothing it returns or
logs holds a real value, and no mapping from surrogate to real value is kept.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass

from ..model import Session, Stats, Turn
from .detect import HANDLE, NAME, NUMBER_WORDS_DETAIL, PHI_TYPES, SEPARATOR, SPOKEN, PhiFinder, Span
from .surrogates import TAGS, KeyFileError, SessionSurrogates, key_id, load_key, pseudonym
from .wordlists import WordLists, load_word_lists, source_versions

SURROGATE, TAG, OFF = "surrogate", "tag", "off"
MODES = (SURROGATE, TAG, OFF)
METHOD_VERSION = "1.10"
WORKERS = 4  # forked processes for de-identification, at most one a core
PARALLEL_TURNS = 20000  # from about this many turns on, forked workers pay for their start-up

logger = logging.getLogger(__name__)

__all__ = [
    "METHOD_VERSION",
    "MODES",
    "OFF",
    "PHI_TYPES",
    "SURROGATE",
    "TAG",
    "Deidentifier",
    "KeyFileError",
    "deidentify_sessions",
    "key_id",
    "load_key",
    "load_word_lists",
    "pseudonym",
]  # fmt: skip


@dataclass
class Deidentifier:
    mode: str  # SURROGATE or TAG
    key: bytes
    lists: WordLists

    def __post_init__(self) -> None:
        self.finder = PhiFinder(self.lists)

    @classmethod
    def create(cls, mode: str, key_file: str, cache_dir: str) -> Deidentifier:
        return cls(mode, load_key(key_file), load_word_lists(cache_dir))

    def describe(self) -> dict:
        """What the manifest records of the method: never the key, only a keyed id of it."""
        return {
            "mode": self.mode,
            "method_version": METHOD_VERSION,
            "key_id": key_id(self.key),
            "word_list_sources": source_versions(),
        }

    def find(self, session: Session) -> tuple[str, list[Span]]:
        """The session's text (turns joined by NUL) and the identifiers found in it."""
        text = SEPARATOR.join(t.text.replace(SEPARATOR, " ") for t in session.turns)
        return text, self.finder.find(text, session.known_names)

    def session(self, session: Session) -> tuple[Session, Counter]:
        texts, replaced = self.texts(session)
        return self.renamed(session, texts), replaced

    def texts(self, session: Session) -> tuple[list[str] | None, Counter]:
        """The de-identified text of every turn (None: nothing was found) and what was replaced."""
        text, spans = self.find(session)
        if not spans:
            return None, Counter()
        return self._replace(session.session_id, text, spans).split(SEPARATOR), Counter(span.type for span in spans)

    def renamed(self, session: Session, texts: list[str] | None) -> Session:
        """The session under its pseudonyms, with `texts` (None: as they were) as its turns."""
        turns = session.turns if texts is None else [Turn(t.speaker, new) for t, new in zip(session.turns, texts)]
        return Session(
            pseudonym(self.key, "session", session.session_id),
            self.pseudonym_path(session.source),
            turns,
            client_id=pseudonym(self.key, "client", session.client_id) if session.client_id is not None else None,
        )

    def sessions(self, sessions: list[Session], workers: int = 1) -> Iterator[tuple[Session, Counter]]:
        """`session()` of every session, in order; with `workers` > 1, in that many forked
        processes (a session is de-identified on its own, so the output is the same)."""
        if workers <= 1 or len(sessions) < 2 * workers:
            yield from map(self.session, sessions)
            return
        global _WORK
        _WORK = (self, sessions)
        try:
            with multiprocessing.get_context("fork").Pool(workers) as pool:
                # a worker sends back only the new texts (None for a session with nothing found): the
                # sessions themselves stay here and are not pickled back
                parts = equal_parts(sessions, workers * 8)
                for (first, _), part in zip(parts, pool.imap(_deidentify_part, parts)):
                    for session, (texts, replaced) in zip(sessions[first:], part):
                        yield self.renamed(session, texts), replaced
        finally:
            _WORK = None

    def pseudonym_path(self, path: str) -> str:
        return pseudonym(self.key, "file", path)

    def _replace(self, session_key: str, text: str, spans: list[Span]) -> str:
        surrogates = None
        if self.mode == SURROGATE:
            names = {text[s.start : s.end].lower() for s in spans if s.type == NAME}
            places = {text[s.start : s.end].lower() for s in spans if s.type != NAME}
            surrogates = SessionSurrogates(self.key, self.lists, session_key, names, places)
        pieces, cursor = [], 0
        for span in spans:
            pieces.append(text[cursor : span.start])
            value = text[span.start : span.end]
            pieces.append(TAGS[span.type] if surrogates is None else _surrogate(surrogates, span, value, text))
            cursor = span.end
        pieces.append(text[cursor:])
        return "".join(pieces)


_WORK: tuple[Deidentifier, list[Session]] | None = None  # what forked workers read, set before the fork


def equal_parts(sessions: list[Session], count: int) -> list[tuple[int, int]]:
    """[start, end) ranges of about equal turns, in session order."""
    total = sum(len(s.turns) for s in sessions)
    bounds, start, running = [], 0, 0
    for index, session in enumerate(sessions):
        running += len(session.turns)
        if running * count >= total * (len(bounds) + 1) and index + 1 > start:
            bounds.append((start, index + 1))
            start = index + 1
    if start < len(sessions):
        bounds.append((start, len(sessions)))
    return bounds


def deidentify_sessions(
    sessions: list[Session], deidentifier: Deidentifier | None, workers: int | None = None
) -> tuple[list[Session], Stats]:
    """The de-identify step: every turn with its PHI replaced, every session id and source a keyed
    pseudonym, and what was replaced counted by type (`phi_replaced`). None: de-identification off.
    `workers`: forked processes (None: as many as pay, by the turns)."""
    stats = Stats()
    if deidentifier is None:
        logger.info("de-identification off: the text is kept as it is (deidentify: off)")
        return sessions, stats
    if workers is None:
        turns = sum(len(s.turns) for s in sessions)
        workers = min(os.cpu_count() or 1, WORKERS) if turns >= PARALLEL_TURNS else 1
    replaced: Counter = Counter()
    out = []
    for session, counts in deidentifier.sessions(sessions, workers):
        replaced.update(counts)
        out.append(session)
    stats.counts["phi_replaced"] = dict(sorted(replaced.items()))
    logger.info(
        "de-identified %d sessions (%s): %d values replaced (%s)",
        len(out),
        deidentifier.mode,
        sum(replaced.values()),
        ", ".join(f"{k}: {v}" for k, v in sorted(replaced.items())) or "none",
    )
    return out, stats


def _deidentify_part(bounds: tuple[int, int]) -> list[tuple[list[str] | None, Counter]]:
    deidentifier, sessions = _WORK
    return [deidentifier.texts(session) for session in sessions[bounds[0] : bounds[1]]]


# The surrogate of each type: (surrogates, span, value, session text) -> replacement.
_SURROGATE_OF = {
    "NAME": lambda s, span, value, text: s.name(value, span.detail or ""),
    "DATE": lambda s, span, value, text: s.date(span, text),
    "AGE": lambda s, span, value, text: s.age(value),
    "EMAIL": lambda s, span, value, text: s.email(value),
    "URL": lambda s, span, value, text: s.url(value),
    "IP": lambda s, span, value, text: (
        s.ipv4(value) if "." in value else s.ipv6(value) if ":" in value else s.spoken_ip(value)
    ),
    "SSN": lambda s, span, value, text: s.ssn(value),
    "LOCATION": lambda s, span, value, text: s.location(value),
    "FACILITY": lambda s, span, value, text: s.facility(value),
    "ADDRESS": lambda s, span, value, text: s.address(value),
}


def _surrogate(s: SessionSurrogates, span: Span, value: str, text: str) -> str:
    if span.detail == HANDLE:
        return s.handle(value)
    if span.detail == SPOKEN:
        return s.spoken(value, span.type)
    if span.detail == NUMBER_WORDS_DETAIL:
        return s.number_words(value, span.type)
    of_type = _SURROGATE_OF.get(span.type)
    if of_type is None:  # PHONE, ZIP, ID: the same shape, keyed digits and letters
        return s.characters(value, span.type)
    return of_type(s, span, value, text)
