"""Reading sessions from every input structure the contract names.

Each file type has one reader, found through `READERS`; every reader turns raw records into the
canonical `Session` / `Turn` model, so nothing downstream knows where a session came from. Only
speaker and text survive: labels, annotations and all other metadata are left behind here.
"""

from __future__ import annotations

import csv
import functools
import hashlib
import io
import json
import logging
import re
import sys
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .model import CLIENT, THERAPIST, InputError, Session, Skip, Stats, Turn

logger = logging.getLogger(__name__)

TURN_LIST_KEYS = ("dialogue", "dialog", "conversation", "conversations", "messages", "turns", "utterances", "exchanges")
SPEAKER_KEYS = ("speaker", "role", "from", "interlocutor", "author", "participant")
TEXT_KEYS = ("text", "content", "value", "utterance", "utterance_text", "message")
ORDER_KEYS = ("utterance_id", "turn", "turn_id", "index", "order")
SESSION_ID_KEYS = ("session_id", "id", "conversation_id", "transcript_id")
SPEAKER_LABELS = {
    **dict.fromkeys(
        ("therapist", "counselor", "counsellor", "clinician", "psychologist", "provider", "t", "assistant", "gpt"),
        THERAPIST,
    ),
    **dict.fromkeys(("client", "patient", "c", "p", "user", "human"), CLIENT),
}
SUFFIXES = (".json", ".jsonl", ".csv", ".txt")
# Metadata fields that name a person of the session: never input text, but identifiers that
# de-identification must find wherever they are said ("client_name", "therapist", "counselor_name").
_NAME_FIELD = re.compile(
    r"^(?:client|patient|therapist|clinician|counsell?or|provider|psychologist|psychiatrist|doctor|"
    r"physician|case_?worker|parent|guardian|spouse|partner|member|participant)(?:_pseudonym|_alias|_nickname)?$"
    r"|^(?:full_|first_|last_|preferred_)?name$|_name$"
)
_NOT_NAME_FIELD = re.compile(
    r"(?:file|export|clinic|program|programme|site|org|organi[sz]ation|practice|dataset)_name$"
)

# Reasons that name a label or a path: `redact_reason` replaces those with pseudonyms in the manifest.
UNMAPPED_LABEL = "unmapped speaker label '{label}' (map it in speaker_map)"
DUPLICATE_OF = "duplicate of the session with this id in {path}"
_REDACTABLE = (
    (re.compile(r"unmapped speaker label '(.*)' \(map it in speaker_map\)"), "label", UNMAPPED_LABEL, "label"),
    (re.compile(r"duplicate of the session with this id in (.*)$"), "file", DUPLICATE_OF, "path"),
)


def redact_reason(reason: str, pseudonym: Callable[[str, str], str]) -> str:
    """A skip reason with the speaker label or path it names replaced by `pseudonym(kind, value)`."""
    for pattern, kind, template, slot in _REDACTABLE:
        m = pattern.search(reason)
        if m:
            return reason[: m.start()] + template.format(**{slot: pseudonym(kind, m.group(1))}) + reason[m.end() :]
    return reason


# "Speaker: text", optionally after a timestamp such as "[00:01:23]" or "00:01".
_SPEAKER_LINE = re.compile(
    r"^\s*(?:\[?\d{1,2}:\d{2}(?::\d{2})?\]?\s*)?([A-Za-z][A-Za-z0-9 ._'()-]{0,39}?)\s*:(?:\s+|$)(.*)$"
)


# Text spelling a chat control token ("<|eot_id|>") would become a real one when `messages` are
# rendered again by a chat template (TRL, Axolotl): written "<eot_id>" instead, and counted.
_CONTROL_TOKEN = re.compile(r"<\|([A-Za-z0-9_]+)\|>")


class _Bad(Exception):
    """A structural problem inside one file or session; becomes a Skip with this reason."""

    def __init__(self, reason: str, line: int | None = None) -> None:
        super().__init__(reason)
        self.line = line


@dataclass
class RawSession:
    """A session as found in a file, before speaker mapping and ordering."""

    turns: Any  # the raw turn list, checked in _build_session
    session_id: str | None = None
    line: int | None = None
    transcript: str | None = None  # structures 4 and 7: parsed once the speaker map is known
    known_names: tuple[tuple[str, str], ...] = ()


@dataclass
class FileRecord:
    path: str
    sha256: str
    sessions: int = 0
    skipped: bool = False


@dataclass
class LoadResult:
    sessions: list[Session] = field(default_factory=list)
    skips: list[Skip] = field(default_factory=list)
    files: list[FileRecord] = field(default_factory=list)
    stats: Stats = field(default_factory=Stats)


# Roles of chat exports that are no speaker of the session (the contract: dropped and counted).
NOT_SPEAKER_ROLES = frozenset({"system", "tool", "function"})


def speaker_role(label: Any, speaker_map: dict[str, str]) -> str:
    """THERAPIST or CLIENT for a raw speaker label; _Bad when the label is not known."""
    if not isinstance(label, str):
        raise _Bad(f"speaker is a {type(label).__name__}, not a string")
    key = label.strip().lower()
    role = speaker_map.get(key) or SPEAKER_LABELS.get(key)
    if role is None:
        shown = label.strip()[:40].encode("utf-8", "backslashreplace").decode("utf-8")
        raise _Bad(UNMAPPED_LABEL.format(label=shown))
    return role


def _first_key(obj: dict, keys: Iterable[str]) -> str | None:
    for key in keys:
        if key in obj:
            return key
    return None


@functools.lru_cache(maxsize=1024)
def _turn_fields(layout: tuple) -> tuple[str | None, str | None, str | None]:
    """The speaker, text and order keys of a turn whose keys are `layout` (turns of a file share it)."""
    return _first_key(layout, SPEAKER_KEYS), _first_key(layout, TEXT_KEYS), _first_key(layout, ORDER_KEYS)


def _as_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    # OpenAI-style content parts: [{"type": "text", "text": "..."}]
    if isinstance(value, list) and all(isinstance(p, dict) and isinstance(p.get("text"), str) for p in value):
        value = "\n".join(p["text"] for p in value)
    if not isinstance(value, str):
        raise _Bad(f"text is a {type(value).__name__}, not a string")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as err:  # a lone surrogate from a JSON "\ud800" escape
        raise _Bad(f"text has an unpaired surrogate at character {err.start}") from None
    return value


def _as_order(value: Any) -> int | None:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and re.fullmatch(r"-?[0-9]{1,18}", value.strip()):
        return int(value)
    return None


def _as_session_id(value: Any) -> str | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (str, int)):
        # A lone surrogate (JSON "\ud800") cannot be written out: keep it visible, escaped.
        return str(value).strip().encode("utf-8", "backslashreplace").decode("utf-8") or None
    return None


def _session_id_of(obj: dict) -> str | None:
    key = _first_key(obj, SESSION_ID_KEYS)
    return _as_session_id(obj[key]) if key else None


def _build_session(raw: RawSession, default_id: str, source: str, speaker_map: dict[str, str], stats: Stats) -> Session:
    """Map speakers, order turns and drop empty ones (counted). _Bad names the first broken turn."""
    if raw.transcript is not None:
        raw.turns = parse_transcript_lines(raw.transcript.splitlines(), speaker_map)
    if not isinstance(raw.turns, list):
        raise _Bad(f"turns are a {type(raw.turns).__name__}, not a list")
    if not raw.turns:
        raise _Bad("no turns")
    parsed: list[tuple[str, str]] = []
    orders: list[int | None] = []
    roles: dict[str, str] = {}  # label -> role, for the labels met so far
    not_turns = 0  # system, tool and function messages: no speaker's turn, dropped and counted
    for number, item in enumerate(raw.turns, 1):
        if not isinstance(item, dict):
            raise _Bad(f"turn {number} is a {type(item).__name__}, not an object")
        speaker_key, text_key, order_key = _turn_fields(tuple(item))
        if speaker_key is None:
            raise _Bad(f"turn {number} has no speaker field ({', '.join(SPEAKER_KEYS)})")
        label = item[speaker_key]
        if type(label) is str and label.strip().lower() in NOT_SPEAKER_ROLES and label.strip().lower() not in speaker_map:
            not_turns += 1
            continue
        try:
            role = roles.get(label) if type(label) is str else None
            if role is None:
                role = roles[label] = speaker_role(label, speaker_map)
            text = item[text_key] if text_key else ""
            if not (type(text) is str and text.isascii()):  # ASCII text needs no checking
                text = _as_text(text)
        except _Bad as bad:
            raise _Bad(f"turn {number}: {bad}") from None
        parsed.append((role, text))
        orders.append(_as_order(item[order_key]) if order_key else None)
    if all(o is not None for o in orders):
        # Stable: equal order values keep file order.
        parsed = [p for _, p in sorted(zip(orders, parsed), key=lambda pair: pair[0])]
    turns = []
    for role, text in parsed:
        text = text.strip()
        if "<|" in text:
            text, neutralized = _CONTROL_TOKEN.subn(r"<\1>", text)
            if neutralized:
                stats.counts["control_token_strings_neutralized"] += neutralized
        if text:
            turns.append(Turn(role, text))
        else:
            stats.exchanges_dropped["empty_text"] += 1
    stats.counts["exchanges_loaded"] += len(parsed) + not_turns
    if not_turns:
        stats.exchanges_dropped["system_message"] += not_turns
    # A label that is not a role word may be a person's name ("Dr. Lee": therapist in speaker_map).
    labels = tuple(
        ("speaker", label) for label in roles if isinstance(label, str) and label.strip().lower() not in SPEAKER_LABELS
    )
    return Session(
        session_id=raw.session_id or default_id, source=source, turns=turns, known_names=raw.known_names + labels
    )


# ----------------------------------------------------------------------------- JSON structures


def metadata_names(obj: dict) -> tuple[tuple[str, str], ...]:
    """The person names among a session object's metadata fields (strings only)."""
    return tuple(
        ("metadata", value.strip())
        for key, value in obj.items()
        if isinstance(value, str)
        and value.strip()
        and isinstance(key, str)
        and _NAME_FIELD.search(key.lower())
        and not _NOT_NAME_FIELD.search(key.lower())
    )


def _session_from_object(obj: dict) -> RawSession | None:
    """Structures 1 and 4: a turn list or a transcript string, at the top or one level down."""
    session_id = _session_id_of(obj)
    key = _first_key(obj, TURN_LIST_KEYS)
    if key is not None and isinstance(obj[key], list):
        return RawSession(obj[key], session_id, known_names=metadata_names(obj))
    if isinstance(obj.get("transcript"), str):
        return RawSession(None, session_id, transcript=obj["transcript"], known_names=metadata_names(obj))
    for value in obj.values():
        if isinstance(value, dict):
            nested = _first_key(value, TURN_LIST_KEYS)
            if (nested and isinstance(value[nested], list)) or isinstance(value.get("transcript"), str):
                inner = _session_from_object(value)
                if inner is not None:
                    inner.session_id = inner.session_id or session_id
                    inner.known_names = metadata_names(obj) + inner.known_names
                    return inner
    if key is not None:
        raise _Bad(f"'{key}' is a {type(obj[key]).__name__}, not a list of turns")
    return None


def _looks_like_turn(obj: Any) -> bool:
    return isinstance(obj, dict) and _first_key(obj, SPEAKER_KEYS) is not None and not _looks_like_session(obj)


def _looks_like_session(obj: Any) -> bool:
    def holds_turns(d: dict) -> bool:
        return _first_key(d, TURN_LIST_KEYS) is not None or "transcript" in d

    return isinstance(obj, dict) and (
        holds_turns(obj) or any(isinstance(v, dict) and holds_turns(v) for v in obj.values())
    )


def sessions_from_document(doc: Any) -> list[RawSession | _Bad]:
    """All sessions in one parsed JSON document; a broken session is a _Bad in its place."""
    if isinstance(doc, list):
        if not doc:
            raise _Bad("empty list: no sessions")
        if any(_looks_like_session(item) for item in doc):
            return [_one_of_many(item, number) for number, item in enumerate(doc, 1)]  # structure 3
        return [RawSession(doc)]  # structure 2: _build_session names any turn that is not one
    if isinstance(doc, dict):
        if "sessions" in doc:
            if not isinstance(doc["sessions"], list) or not doc["sessions"]:
                raise _Bad("'sessions' is not a non-empty list")
            return [_one_of_many(item, number) for number, item in enumerate(doc["sessions"], 1)]
        session = _session_from_object(doc)
        if session is None:
            raise _Bad(f"no list of turns under any of {', '.join(TURN_LIST_KEYS)} and no 'transcript'")
        return [session]
    raise _Bad(f"top level is a {type(doc).__name__}, expected an object or a list")


def _one_of_many(item: Any, number: int) -> RawSession | _Bad:
    if not isinstance(item, dict):
        return _Bad(f"session {number} is a {type(item).__name__}, not an object")
    try:
        session = _session_from_object(item)
    except _Bad as bad:
        return _Bad(f"session {number}: {bad}")
    if session is None:
        return _Bad(f"session {number}: no list of turns and no 'transcript'")
    return session


# ----------------------------------------------------------------------------- text transcripts


def parse_transcript_lines(lines: Iterable[str], speaker_map: dict[str, str]) -> list[dict]:
    """`Speaker: text` lines as turn dicts; a line without a known speaker continues the turn before.

    A prefix that is not a known label starts a turn anyway when it recurs (a speaker the user has
    to map), so an unmapped speaker skips the session instead of merging into someone else's turn.
    """
    lines = list(lines)
    matches = [_SPEAKER_LINE.match(line) for line in lines]
    prefix_counts: dict[str, int] = {}
    for m in matches:
        if m:
            prefix_counts[m.group(1).lower()] = prefix_counts.get(m.group(1).lower(), 0) + 1
    turns: list[dict] = []
    for line, m in zip(lines, matches):
        label = m.group(1) if m else None
        known = label and (label.lower() in SPEAKER_LABELS or label.lower() in speaker_map)
        if label and (known or prefix_counts[label.lower()] > 1):
            turns.append({"speaker": label, "text": m.group(2)})
        elif turns and line.strip():
            turns[-1]["text"] += ("\n" if turns[-1]["text"] else "") + line.strip()
    if not turns:
        raise _Bad("no 'Speaker: text' lines")
    return turns


# ----------------------------------------------------------------------------- readers per file type


def read_json(text: str) -> Iterator[RawSession | _Bad]:
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as err:
        raise _Bad(f"invalid JSON: {err.msg} (line {err.lineno}, column {err.colno})") from None
    except RecursionError:
        raise _Bad("invalid JSON: nested too deeply") from None
    except ValueError:  # int() refuses more than 4300 digits
        raise _Bad("invalid JSON: number too long") from None
    yield from sessions_from_document(doc)


def read_jsonl(text: str) -> Iterator[RawSession | _Bad]:
    """Structure 5: a session object a line, or a turn a line grouped by its session id."""
    grouped: dict[str | None, RawSession] = {}
    # Not str.splitlines(): U+2028, U+2029 and U+0085 may stand raw inside a JSON string.
    for number, line in enumerate(io.StringIO(text, newline=None), 1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except (ValueError, RecursionError) as err:
            msg = (
                err.msg
                if isinstance(err, json.JSONDecodeError)
                else "nested too deeply"
                if isinstance(err, RecursionError)
                else "number too long"
            )
            yield _Bad(f"invalid JSON: {msg}", line=number)
            continue
        if _looks_like_turn(record):
            session_id = _session_id_of(record)
            grouped.setdefault(session_id, RawSession([], session_id, number)).turns.append(record)
            continue
        try:
            session = sessions_from_document(record)
        except _Bad as bad:
            yield _Bad(str(bad), line=number)
            continue
        for item in session:
            if isinstance(item, RawSession):
                item.line = number
            yield item
    yield from grouped.values()


def read_csv(text: str) -> Iterator[RawSession | _Bad]:
    """Structure 6: a turn a row, grouped by the session id column when there is one."""
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except StopIteration:
        raise _Bad("empty CSV") from None
    except csv.Error as err:
        raise _Bad(f"invalid CSV: {err}") from None
    columns = [h.strip().lower() for h in header]
    speaker_col, text_col = _first_key(columns, SPEAKER_KEYS), _first_key(columns, TEXT_KEYS)
    if speaker_col is None or text_col is None:
        raise _Bad(f"CSV needs a speaker column ({', '.join(SPEAKER_KEYS)}) and a text column ({', '.join(TEXT_KEYS)})")
    id_col, order_col = _first_key(columns, SESSION_ID_KEYS), _first_key(columns, ORDER_KEYS)
    picks = {name: columns.index(name) for name in (speaker_col, text_col, id_col, order_col) if name}
    grouped: dict[str | None, RawSession] = {}
    try:
        for row in reader:
            if not any(cell.strip() for cell in row):
                continue
            if len(row) < len(columns):
                row = row + [""] * (len(columns) - len(row))
            turn = {"speaker": row[picks[speaker_col]], "text": row[picks[text_col]]}
            if order_col:
                turn["order"] = row[picks[order_col]]
            session_id = _as_session_id(row[picks[id_col]]) if id_col else None
            grouped.setdefault(session_id, RawSession([], session_id, reader.line_num)).turns.append(turn)
    except csv.Error as err:
        raise _Bad(f"invalid CSV at line {reader.line_num}: {err}") from None
    if not grouped:
        raise _Bad("CSV has a header but no rows")
    yield from grouped.values()


def read_txt(text: str) -> Iterator[RawSession | _Bad]:
    """Structure 7: one session of `Speaker: text` lines."""
    yield RawSession(None, transcript=text)


READERS: dict[str, Callable[[str], Iterator[RawSession | _Bad]]] = {
    ".json": read_json,
    ".jsonl": read_jsonl,
    ".csv": read_csv,
    ".txt": read_txt,
}


# ----------------------------------------------------------------------------- the corpus


def find_input_files(input_dir: Path) -> list[Path]:
    """Every candidate under input_dir, sorted so that listing order never changes the output."""
    return sorted(
        (p for p in input_dir.rglob("*") if p.suffix.lower() in READERS),
        key=lambda p: p.relative_to(input_dir).as_posix(),
    )


def decode(data: bytes) -> str:
    if b"\x00" in data[:8192]:
        raise _Bad("binary file, not text")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise _Bad(f"not UTF-8 text (invalid byte at offset {err.start})") from None
    if not text.strip():
        raise _Bad("empty file")
    return text


def load_corpus(input_dir: str | Path, speaker_map: dict[str, str] | None = None, strict: bool = False) -> LoadResult:
    """Load every session under input_dir. Bad files, lines and sessions become Skips with a
    reason (or, with strict, the first one raises InputError); good ones are never lost."""
    input_dir = Path(input_dir)
    if not input_dir.is_dir():
        raise InputError(str(input_dir), "input directory does not exist")
    speaker_map = {k.strip().lower(): v for k, v in (speaker_map or {}).items()}
    result = LoadResult()
    stats = result.stats
    seen: dict[str, tuple[str, tuple[Turn, ...]]] = {}

    def skip(item: Skip) -> None:
        if strict:
            raise InputError(item.path + (f":{item.line}" if item.line else ""), item.reason, item.session_id)
        logger.warning("skipped %s", item)
        result.skips.append(item)

    for file in find_input_files(input_dir):
        rel = file.relative_to(input_dir).as_posix()
        stats.counts["files"] += 1
        shown = rel.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
        if shown != rel:
            skip(Skip(shown, "file name is not UTF-8"))
            result.files.append(FileRecord(shown, "", skipped=True))
            stats.counts["files_skipped"] += 1
            continue
        if not file.is_file():
            skip(Skip(rel, "not a regular file"))
            result.files.append(FileRecord(rel, "", skipped=True))
            stats.counts["files_skipped"] += 1
            continue
        data = file.read_bytes()
        record = FileRecord(rel, hashlib.sha256(data).hexdigest())
        result.files.append(record)
        default_id = rel.rsplit(".", 1)[0]
        try:
            items = list(READERS[file.suffix.lower()](decode(data)))
        except _Bad as bad:
            record.skipped = True
            stats.counts["files_skipped"] += 1
            skip(Skip(rel, str(bad)))
            continue
        many = sum(isinstance(item, RawSession) for item in items) > 1
        for number, item in enumerate(items, 1):
            if isinstance(item, _Bad):
                skip(Skip(rel, str(item), line=item.line))
                stats.counts["lines_skipped" if item.line else "sessions_skipped"] += 1
                continue
            fallback_id = f"{default_id}#{number}" if many else default_id
            try:
                session = _build_session(item, fallback_id, rel, speaker_map, stats)
            except _Bad as bad:
                turns = len(item.turns) if isinstance(item.turns, list) else 0  # what was read
                stats.counts["exchanges_loaded"] += turns
                stats.exchanges_dropped["session_skipped"] += turns
                stats.counts["sessions_skipped"] += 1
                skip(Skip(rel, str(bad), session_id=item.session_id or fallback_id, line=item.line))
                continue
            previous = seen.get(session.session_id)
            if previous is not None:
                if previous[1] == tuple(session.turns):
                    stats.exchanges_dropped["duplicate_session"] += len(session.turns)
                    stats.counts["sessions_skipped"] += 1
                    skip(
                        Skip(
                            rel,
                            DUPLICATE_OF.format(path=previous[0]),
                            session_id=session.session_id,
                        )
                    )
                    continue
                renamed = base = f"{session.session_id}@{default_id}"
                copy = 1
                while renamed in seen:  # the same id again in this file, or taken by another
                    copy += 1
                    renamed = f"{base}#{copy}"
                logger.warning(
                    "%s: session id %s is also used in %s for a different session; kept as %s",
                    rel,
                    session.session_id,
                    previous[0],
                    renamed,
                )
                stats.counts["session_ids_renamed"] += 1
                session.session_id = renamed
            seen[session.session_id] = (rel, tuple(session.turns))
            record.sessions += 1
            result.sessions.append(session)
        stats.counts["files_loaded"] += 1
    stats.counts["sessions"] = len(result.sessions)
    stats.counts.setdefault("files_skipped", 0)
    stats.counts.setdefault("sessions_skipped", 0)
    stats.counts.setdefault("lines_skipped", 0)
    return result


csv.field_size_limit(min(sys.maxsize, 2**31 - 1))
