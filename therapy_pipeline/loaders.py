"""Reading sessions from every input structure the contract names.

A file is read by the reader of its type (`READERS`), which hands what it holds to the recognisers in
`RECOGNISERS`: one per input structure of the contract, tried in the table's order, each turning its
structure into raw sessions that become the canonical `Session` / `Turn` model, so nothing downstream
knows where a session came from. Only speaker and text survive: labels, annotations and all other
metadata are left behind here.

A new structure is one recogniser and its row in `RECOGNISERS`; a new file type also needs its reader
in `READERS`, handing the file's values to the rows of a new kind. `load_corpus` reads each file
(`load_file`: its sessions, skips and counts), then keeps one session per id across files (`deduplicate`).
"""

from __future__ import annotations

import csv
import functools
import hashlib
import html
import io
import json
import logging
import re
import sys
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

from .model import CLIENT, THERAPIST, InputError, Session, Skip, Stats, Turn, turns_key

logger = logging.getLogger(__name__)

TURN_LIST_KEYS = ("dialogue", "dialog", "conversation", "conversations", "messages", "turns", "utterances", "exchanges")
SPEAKER_KEYS = ("speaker", "role", "from", "interlocutor", "author", "participant")
TEXT_KEYS = ("text", "content", "value", "utterance", "utterance_text", "message")
ORDER_KEYS = ("utterance_id", "turn", "turn_id", "index", "order")
SESSION_ID_KEYS = ("session_id", "id", "conversation_id", "transcript_id")
CLIENT_ID_KEYS = ("client_id", "patient_id")  # whose session it is (split_by: client)
SPEAKER_LABELS = {
    **dict.fromkeys(
        ("therapist", "counselor", "counsellor", "clinician", "psychologist", "provider", "t", "assistant", "gpt"),
        THERAPIST,
    ),
    **dict.fromkeys(("client", "patient", "c", "p", "user", "human"), CLIENT),
}
SUFFIXES = (".json", ".jsonl", ".csv", ".txt", ".vtt", ".srt")
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
UNMAPPED_LABEL = "unmapped speaker label '{label}' (map it in speaker_map or speaker_roles_file)"
DUPLICATE_OF = "duplicate of the session with this id in {path}"
_REDACTABLE = (
    (
        re.compile(r"unmapped speaker label '(.*)' \(map it in speaker_map or speaker_roles_file\)"),
        "label",
        UNMAPPED_LABEL,
        "label",
    ),
    (re.compile(r"duplicate of the session with this id in (.*)$"), "file", DUPLICATE_OF, "path"),
    # the dedupe step's reasons: the kept session's pseudonym is its session_id in the dataset
    (
        re.compile(r"^near duplicate of session (.*)$"),
        "session",
        "near duplicate of session {session_id}",
        "session_id",
    ),
    (re.compile(r"^duplicate of session (.*)$"), "session", "duplicate of session {session_id}", "session_id"),
)


def redact_reason(reason: str, pseudonym: Callable[[str, str], str]) -> str:
    """A skip reason with the speaker label or path it names replaced by `pseudonym(kind, value)`."""
    for pattern, kind, template, slot in _REDACTABLE:
        m = pattern.search(reason)
        if m:
            return reason[: m.start()] + template.format(**{slot: pseudonym(kind, m.group(1))}) + reason[m.end() :]
    return reason


# "Speaker: text", optionally after a timestamp such as "[00:01:23]" or "00:01".
# A label starts with a letter of any script (Lucía, Zoë, Nguyễn, 李), then letters, digits, spaces and . _ ' ’ ( ) -.
_SPEAKER_LINE = re.compile(
    r"^\s*(?:\[?\d{1,2}:\d{2}(?::\d{2})?\]?\s*)?([^\W\d_][\w .'\u2019()-]{0,39}?)\s*:(?:\s+|$)(.*)$"
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
    cues: list[list[tuple[str | None, str]]] | None = None  # structure 8: parsed once the speaker map is known
    unattributed: int = 0  # structures 8 and 9: text before the first speaker, dropped and counted
    client_id: str | None = None  # the session's client_id / patient_id field or column


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


SKIP_UNMAPPED = "skip"
FIRST_IS_THERAPIST = "first_is_therapist"
UNMAPPED_SPEAKERS = (SKIP_UNMAPPED, FIRST_IS_THERAPIST)


@dataclass(frozen=True)
class SpeakerRules:
    """How raw speaker labels become roles: `speaker_map` for every session (keys stripped and lower
    case), `roles` per session id (from `speaker_roles_file`, read by read_speaker_roles), and what
    `unmapped` labels do (`skip` the session, or `first_is_therapist` in a session with exactly two)."""

    speaker_map: dict[str, str] = field(default_factory=dict)
    roles: dict[str, dict[str, str]] = field(default_factory=dict)
    unmapped: str = SKIP_UNMAPPED

    def of_session(self, session_id: str) -> dict[str, str]:
        """The labels known for one session: its own roles over the corpus-wide map."""
        own = self.roles.get(session_id)
        return {**self.speaker_map, **own} if own else self.speaker_map


def read_speaker_roles(path: str | Path) -> dict[str, dict[str, str]]:
    """`speaker_roles_file`: a CSV with columns session_id, speaker, role (therapist or client), one row
    per label of a session. Returns session id -> {label, stripped and lower case: role}. A file that
    cannot be used raises InputError naming it, the line and the reason (never a label: it may be a name)."""
    try:
        text = Path(path).read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise InputError(str(path), f"not UTF-8 text (invalid byte at offset {err.start})") from None
    except OSError as err:
        raise InputError(str(path), f"cannot read the speaker roles file: {err.strerror or err}") from None
    rows = csv.reader(io.StringIO(text, newline=""))
    header = [cell.strip().lower() for cell in next(rows, [])]
    missing = [name for name in ("session_id", "speaker", "role") if name not in header]
    if missing:
        raise InputError(
            str(path), f"line 1: the header needs the columns session_id, speaker, role ({', '.join(missing)} missing)"
        )
    at = {name: header.index(name) for name in ("session_id", "speaker", "role")}
    roles: dict[str, dict[str, str]] = {}
    for number, row in enumerate(rows, 2):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) <= max(at.values()):
            raise InputError(str(path), f"line {number}: needs a session_id, a speaker and a role")
        session_id, label, role = (row[at[name]].strip() for name in ("session_id", "speaker", "role"))
        if not session_id or not label:
            raise InputError(str(path), f"line {number}: needs a session_id, a speaker and a role")
        role = role.lower()
        if role not in (THERAPIST, CLIENT):
            shown = role[:20].encode("utf-8", "backslashreplace").decode("utf-8")
            raise InputError(str(path), f"line {number}: role must be therapist or client, got '{shown}'")
        labels = roles.setdefault(session_id, {})
        if labels.get(label.lower(), role) != role:
            raise InputError(str(path), f"line {number}: this speaker of this session has two roles")
        labels[label.lower()] = role
    if not roles:
        raise InputError(str(path), "no rows: expected session_id,speaker,role lines after the header")
    return roles


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


def _client_id_of(obj: dict) -> str | None:
    key = _first_key(obj, CLIENT_ID_KEYS)
    return _as_session_id(obj[key]) if key else None


def _build_session(raw: RawSession, default_id: str, source: str, speakers: SpeakerRules, stats: Stats) -> Session:
    """Map speakers, order turns and drop empty ones (counted). _Bad names the first broken turn, or
    the first label no rule maps."""
    session_id = raw.session_id or default_id
    speaker_map = speakers.of_session(session_id)
    if session_id in speakers.roles:
        stats.counts["sessions_with_speaker_roles"] += 1
    if raw.transcript is not None:
        raw.turns = parse_transcript_lines(raw.transcript.splitlines(), speaker_map)
    if raw.cues is not None:
        raw.turns, raw.unattributed = caption_turns(raw.cues, speaker_map)
    if not isinstance(raw.turns, list):
        raise _Bad(f"turns are a {type(raw.turns).__name__}, not a list")
    if not raw.turns:
        raise _Bad("no turns")
    parsed: list[tuple[str, str]] = []
    orders: list[int | None] = []
    roles: dict[str, str] = {}  # label -> role, for the labels met so far
    # first_is_therapist: label key -> (the turn that first has it, the reason speaker_role gave), for
    # the labels no rule maps (their turns hold the key as role until the first to speak is known)
    unmapped: dict[str, tuple[int, str]] = {}
    not_turns = 0  # system, tool and function messages: no speaker's turn, dropped and counted
    for number, item in enumerate(raw.turns, 1):
        if not isinstance(item, dict):
            raise _Bad(f"turn {number} is a {type(item).__name__}, not an object")
        speaker_key, text_key, order_key = _turn_fields(tuple(item))
        if speaker_key is None:
            raise _Bad(f"turn {number} has no speaker field ({', '.join(SPEAKER_KEYS)})")
        label = item[speaker_key]
        if (
            type(label) is str
            and label.strip().lower() in NOT_SPEAKER_ROLES
            and label.strip().lower() not in speaker_map
        ):
            not_turns += 1
            continue
        try:
            role = roles.get(label) if type(label) is str else None
            if role is None:
                try:
                    role = roles[label] = speaker_role(label, speaker_map)
                except _Bad as unknown:
                    if speakers.unmapped != FIRST_IS_THERAPIST or type(label) is not str:
                        raise
                    role = roles[label] = label.strip().lower()
                    unmapped.setdefault(role, (number, str(unknown)))
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
    if unmapped:
        parsed = _roles_by_first_speaker(parsed, unmapped)
        stats.counts["sessions_roles_by_first_speaker"] += 1
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
    stats.counts["exchanges_loaded"] += len(parsed) + not_turns + raw.unattributed
    if not_turns:
        stats.exchanges_dropped["system_message"] += not_turns
    if raw.unattributed:
        stats.exchanges_dropped["no_speaker"] += raw.unattributed
    # A label that is not a role word may be a person's name ("Dr. Lee": therapist in speaker_map).
    labels = tuple(
        ("speaker", label) for label in roles if isinstance(label, str) and label.strip().lower() not in SPEAKER_LABELS
    )
    return Session(
        session_id=session_id, source=source, turns=turns, known_names=raw.known_names + labels, client_id=raw.client_id
    )


def _roles_by_first_speaker(
    parsed: list[tuple[str, str]], unmapped: dict[str, tuple[int, str]]
) -> list[tuple[str, str]]:
    """`unmapped_speakers: first_is_therapist`: with exactly two unmapped labels, the first of them to
    speak (in the session's order) is the therapist, the other the client; else _Bad names the first
    (in file order), with the reason speaker_role gave it."""
    if len(unmapped) != 2:
        number, reason = min(unmapped.values())
        raise _Bad(
            f"turn {number}: {reason}"
            + (f"; first_is_therapist needs exactly two, found {len(unmapped)}" if len(unmapped) > 2 else "")
        )
    first = next(role for role, _ in parsed if role in unmapped)
    role_of = {key: THERAPIST if key == first else CLIENT for key in unmapped}
    return [(role_of.get(role, role), text) for role, text in parsed]


# ----------------------------------------------------------------------------- names in session metadata


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


# ----------------------------------------------------------------------------- one recogniser per structure
#
# A recogniser takes one value of the kind its row in RECOGNISERS names. It returns what it found, or
# None when the value is not of its structure (the next row of that kind is tried then); it raises _Bad
# when the value is of its structure but broken. Ids and metadata names of session objects are read by
# _session_object, for every session structure alike.


def _turns_under_key(obj: dict) -> RawSession | None:
    """Structure 1, `{"dialogue": [turn, ...]}`: the list under the first turn-list key the object has
    (when that key holds no list, _session_object names it once no other row takes the object)."""
    key = _first_key(obj, TURN_LIST_KEYS)
    if key is not None and isinstance(obj[key], list):
        return RawSession(obj[key])
    return None


def _list_of_turns(doc: Any) -> list[RawSession] | None:
    """Structure 2, `[turn, ...]`: one session (_build_session names an item that is no turn)."""
    if not isinstance(doc, list):
        return None
    if not doc:
        raise _Bad("empty list: no sessions")
    return [RawSession(doc)]


def _many_sessions(doc: Any) -> list[RawSession | _Bad] | None:
    """Structure 3, `{"sessions": [session, ...]}`, or `[session, ...]` when any item holds a session
    (see _holds_a_session); a broken session is a _Bad in its place."""
    if isinstance(doc, dict) and "sessions" in doc:
        items = doc["sessions"]
        if not isinstance(items, list) or not items:
            raise _Bad("'sessions' is not a non-empty list")
    elif isinstance(doc, list) and any(_holds_a_session(item) for item in doc):
        items = doc
    else:
        return None
    return [_one_of_many(item, number) for number, item in enumerate(items, 1)]


def _transcript_string(obj: dict) -> RawSession | None:
    """Structure 4, `{"transcript": "Speaker: text\\n..."}`: parsed once the speaker map is known."""
    transcript = obj.get("transcript")
    return RawSession(None, transcript=transcript) if isinstance(transcript, str) else None


def _turn_per_line(record: Any) -> tuple[str | None, dict] | None:
    """Structure 5, a turn a line, `{"session_id": "a", "speaker": ..., "text": ...}`: (its session id,
    the turn). Not an object that holds a session (_holds_a_session), speaker key or not: such a line
    is a session a line, read as a DOCUMENT."""
    if isinstance(record, dict) and _first_key(record, SPEAKER_KEYS) is not None and not _holds_a_session(record):
        return _session_id_of(record), record
    return None


def _add_turn(grouped: dict, session_id: str | None, turn: dict, line: int, client_id: str | None) -> None:
    """A turn of a row-per-turn file (structures 5 and 6) into its session; the session's client is
    the first its rows name."""
    session = grouped.get(session_id)
    if session is None:
        session = grouped[session_id] = RawSession([], session_id, line)
    session.turns.append(turn)
    if session.client_id is None:
        session.client_id = client_id


class CsvTable(NamedTuple):
    """A .csv file as its recognisers see it."""

    columns: list[str]  # the header, stripped and lower-case
    rows: Any  # the csv.reader past the header; its line_num is the line of the row just read


def _turn_per_row(table: CsvTable) -> list[RawSession] | None:
    """Structure 6, a turn a row with a speaker and a text column (a session id and an order column
    optional): one session per session id, in the order the ids first appear."""
    columns, rows = table
    speaker_col, text_col = _first_key(columns, SPEAKER_KEYS), _first_key(columns, TEXT_KEYS)
    if speaker_col is None or text_col is None:
        return None
    id_col, order_col = _first_key(columns, SESSION_ID_KEYS), _first_key(columns, ORDER_KEYS)
    client_col = _first_key(columns, CLIENT_ID_KEYS)
    picks = {name: columns.index(name) for name in (speaker_col, text_col, id_col, order_col, client_col) if name}
    grouped: dict[str | None, RawSession] = {}
    try:
        for row in rows:
            if not any(cell.strip() for cell in row):
                continue
            if len(row) < len(columns):
                row = row + [""] * (len(columns) - len(row))
            turn = {"speaker": row[picks[speaker_col]], "text": row[picks[text_col]]}
            if order_col:
                turn["order"] = row[picks[order_col]]
            session_id = _as_session_id(row[picks[id_col]]) if id_col else None
            client_id = _as_session_id(row[picks[client_col]]) if client_col else None
            _add_turn(grouped, session_id, turn, rows.line_num, client_id)
    except csv.Error as err:
        raise _Bad(f"invalid CSV at line {rows.line_num}: {err}") from None
    if not grouped:
        raise _Bad("CSV has a header but no rows")
    return list(grouped.values())


def _speaker_lines(text: str) -> list[RawSession]:
    """Structure 7, a text of `Speaker: text` lines: one session, parsed once the speaker map is known."""
    return [RawSession(None, transcript=text)]


def _speech_segments(obj: dict) -> RawSession | None:
    """Structure 9, speech-to-text output (WhisperX, pyannote), `{"segments": [{"speaker": ..., "text":
    ..., "start": ..., "end": ..., "words": [...]}, ...]}`: consecutive segments of one speaker are one
    turn; a segment without a speaker continues the turn before it (before the first speaker, dropped
    and counted as `no_speaker`). Timings and words are not read."""
    segments = obj.get("segments")
    if not isinstance(segments, list):
        return None
    parts: list[tuple[Any, str]] = []
    for number, segment in enumerate(segments, 1):
        if not isinstance(segment, dict):
            raise _Bad(f"segment {number} is a {type(segment).__name__}, not an object")
        speaker_key, text_key, _ = _turn_fields(tuple(segment))
        label = segment[speaker_key] if speaker_key else None
        try:
            text = _as_text(segment[text_key]) if text_key else ""
        except _Bad as bad:
            raise _Bad(f"segment {number}: {bad}") from None
        parts.append((None if label is None or (isinstance(label, str) and not label.strip()) else label, text))
    turns, unattributed = _merge_by_speaker(parts)
    return RawSession(turns, unattributed=unattributed)


def _caption_cues(cues: list[list[tuple[str | None, str]]]) -> list[RawSession]:
    """Structure 8, the cues of a WebVTT or SubRip file (see read_vtt, read_srt): one session, its
    speakers read once the speaker map is known (caption_turns)."""
    return [RawSession(None, cues=cues)]


# ----------------------------------------------------------------------------- the recogniser table

# What a recogniser is tried on: the kinds of value the readers hand on.
JSONL_LINE = "a .jsonl line"  # every line of a .jsonl file, parsed
DOCUMENT = "a JSON document"  # a .json file, or a .jsonl line that no JSONL_LINE row takes
SESSION = "a session object"  # a document no DOCUMENT row takes, or one session of structure 3
CSV_TABLE = "a .csv table"  # a CsvTable
TEXT = "a .txt text"  # a .txt file's text
CAPTIONS = "the cues of a .vtt or .srt file"  # per cue, its (voice or None, line) parts


class Recogniser(NamedTuple):
    """A row of RECOGNISERS."""

    structure: int  # its number in the contract's list of input structures
    tried_on: str  # the kind of value it takes
    find: Callable[[Any], Any]
    marks: tuple[str, ...] = ()  # SESSION rows: keys that make an object one holding a session


# Every input structure, by its recogniser, in the order they are tried. A value goes to the rows of its
# kind from the top and the first that recognises it decides its structure; a session object is tried at
# its top first, then in each object one level down (see _session_object). Structure 9 marks nothing:
# "segments" does not make an object hold a session, so a list item or a .jsonl line that has that key
# is read as it was before that row (a turn with a speaker key is still a turn).
# fmt: off
RECOGNISERS: tuple[Recogniser, ...] = (
    #          structure  tried on    recogniser           marked by
    Recogniser(5,         JSONL_LINE, _turn_per_line),
    Recogniser(3,         DOCUMENT,   _many_sessions),
    Recogniser(2,         DOCUMENT,   _list_of_turns),
    Recogniser(1,         SESSION,    _turns_under_key,    TURN_LIST_KEYS),
    Recogniser(4,         SESSION,    _transcript_string,  ("transcript",)),
    Recogniser(9,         SESSION,    _speech_segments),
    Recogniser(6,         CSV_TABLE,  _turn_per_row),
    Recogniser(7,         TEXT,       _speaker_lines),
    Recogniser(8,         CAPTIONS,   _caption_cues),
)
# fmt: on
_FINDERS = {
    kind: tuple(row.find for row in RECOGNISERS if row.tried_on == kind)
    for kind in (JSONL_LINE, DOCUMENT, SESSION, CSV_TABLE, TEXT, CAPTIONS)
}
_SESSION_MARKS = frozenset(key for row in RECOGNISERS if row.tried_on == SESSION for key in row.marks)


def _recognise(kind: str, value: Any) -> Any:
    """What the first recogniser of this kind that takes `value` found; None when none does."""
    for find in _FINDERS[kind]:
        found = find(value)
        if found is not None:
            return found
    return None


def _holds_a_session(obj: Any) -> bool:
    """An object with a key of a SESSION row (whatever it holds) at its top or one level down: how a
    session is told from a turn among the items of a list and in a .jsonl line."""
    return isinstance(obj, dict) and (
        not _SESSION_MARKS.isdisjoint(obj)
        or any(isinstance(value, dict) and not _SESSION_MARKS.isdisjoint(value) for value in obj.values())
    )


def _session_object(obj: dict) -> RawSession | None:
    """The session of an object: the SESSION rows at its top, else in the first object one level down
    that one of them takes (with that object's id, or else the outer one's, and the metadata names of
    both). None when there is none."""
    session_id = _session_id_of(obj)
    found = _recognise(SESSION, obj)
    if found is not None:
        found.session_id, found.known_names, found.client_id = session_id, metadata_names(obj), _client_id_of(obj)
        return found
    for value in obj.values():
        if isinstance(value, dict):
            found = _recognise(SESSION, value)
            if found is not None:
                found.session_id = _session_id_of(value) or session_id
                found.known_names = metadata_names(obj) + metadata_names(value)
                found.client_id = _client_id_of(value) or _client_id_of(obj)
                return found
    key = _first_key(obj, TURN_LIST_KEYS)
    if key is not None:
        raise _Bad(f"'{key}' is a {type(obj[key]).__name__}, not a list of turns")
    return None


def _one_of_many(item: Any, number: int) -> RawSession | _Bad:
    """Session `number` of a structure 3 file, or a _Bad naming it."""
    if not isinstance(item, dict):
        return _Bad(f"session {number} is a {type(item).__name__}, not an object")
    try:
        session = _session_object(item)
    except _Bad as bad:
        return _Bad(f"session {number}: {bad}")
    if session is None:
        return _Bad(f"session {number}: no list of turns and no 'transcript'")
    return session


def sessions_from_document(doc: Any) -> list[RawSession | _Bad]:
    """All sessions in one parsed JSON document: the first DOCUMENT row that takes it decides, else an
    object is one session object. A broken session is a _Bad in its place."""
    found = _recognise(DOCUMENT, doc)
    if found is not None:
        return found
    if isinstance(doc, dict):
        session = _session_object(doc)
        if session is None:
            raise _Bad(f"no list of turns under any of {', '.join(TURN_LIST_KEYS)} and no 'transcript'")
        return [session]
    raise _Bad(f"top level is a {type(doc).__name__}, expected an object or a list")


# ----------------------------------------------------------------------------- text transcripts


def line_speakers(lines: Iterable[str], speaker_map: dict[str, str]) -> list[tuple[str | None, str]]:
    """Per line, (speaker label, text) when it starts with a `Speaker:` prefix, else (None, the line).

    A prefix that is not a known label is a speaker anyway when it recurs (a speaker the user has
    to map), so an unmapped speaker skips the session instead of merging into someone else's turn.
    """
    lines = list(lines)
    matches = [_SPEAKER_LINE.match(line) for line in lines]
    prefix_counts: dict[str, int] = {}
    for m in matches:
        if m:
            prefix_counts[m.group(1).lower()] = prefix_counts.get(m.group(1).lower(), 0) + 1
    found: list[tuple[str | None, str]] = []
    for line, m in zip(lines, matches):
        label = m.group(1) if m else None
        known = label and (label.lower() in SPEAKER_LABELS or label.lower() in speaker_map)
        if label and (known or prefix_counts[label.lower()] > 1):
            found.append((label, m.group(2)))
        else:
            found.append((None, line))
    return found


def parse_transcript_lines(lines: Iterable[str], speaker_map: dict[str, str]) -> list[dict]:
    """`Speaker: text` lines as turn dicts (line_speakers); a line without a speaker continues the turn
    before (joined by a newline)."""
    turns: list[dict] = []
    for label, text in line_speakers(lines, speaker_map):
        if label is not None:
            turns.append({"speaker": label, "text": text})
        elif turns and text.strip():
            turns[-1]["text"] += ("\n" if turns[-1]["text"] else "") + text.strip()
    if not turns:
        raise _Bad("no 'Speaker: text' lines")
    return turns


# ----------------------------------------------------------------------------- captions and speech-to-text


def _merge_by_speaker(parts: Iterable[tuple[Any, str]]) -> tuple[list[dict], int]:
    """(speaker label or None, text) parts as turn dicts: consecutive parts of one label (compared
    case-insensitively) are one turn, their texts joined by a space; a part without a label continues
    the turn before. Also the number of runs of text before the first label (dropped)."""
    turns: list[dict] = []
    unattributed = 0
    last_key: Any = None
    dangling = False  # inside a run of text before the first speaker
    for label, text in parts:
        text = text.strip()
        if label is None:
            if turns:
                if text:
                    turns[-1]["text"] += (" " if turns[-1]["text"] else "") + text
            elif text and not dangling:
                unattributed, dangling = unattributed + 1, True
            continue
        key = label.strip().lower() if isinstance(label, str) else None
        if turns and key is not None and key == last_key:
            if text:
                turns[-1]["text"] += (" " if turns[-1]["text"] else "") + text
            continue
        turns.append({"speaker": label.strip() if isinstance(label, str) else label, "text": text})
        last_key = key
    return turns, unattributed


def caption_turns(cues: list[list[tuple[str | None, str]]], speaker_map: dict[str, str]) -> tuple[list[dict], int]:
    """The turns of caption cues (each a list of (voice or None, line) parts; see _cue_parts): a voice
    tag names its speaker, a line without one is read by line_speakers (`Speaker: text`, as in .txt);
    then _merge_by_speaker. _Bad when no cue names a speaker."""
    parts = [part for cue in cues for part in cue]
    plain = iter(line_speakers([line for voice, line in parts if voice is None], speaker_map))
    labelled = [(voice, line) if voice is not None else next(plain) for voice, line in parts]
    turns, unattributed = _merge_by_speaker(labelled)
    if not turns:
        raise _Bad("no cue names a speaker ('Speaker: text' or '<v Speaker>')")
    return turns, unattributed


# WebVTT: "00:01.000" or "01:02:03.000"; SubRip: "01:02:03,000" (also with "." and fewer digits).
_VTT_TIME = r"(?:\d{2,}:)?[0-5]\d:[0-5]\d\.\d{3}"
_VTT_TIMING = re.compile(rf"^\s*{_VTT_TIME}[ \t]+-->[ \t]+{_VTT_TIME}(?:[ \t]+.*)?$")
_SRT_TIME = r"\d{1,3}:\d{1,2}:\d{1,2}[,.]\d{1,3}"
_SRT_TIMING = re.compile(rf"^\s*{_SRT_TIME}[ \t]*-->[ \t]*{_SRT_TIME}(?:[ \t]+.*)?$")
_VOICE = re.compile(r"<v(?:\.[^\s>]*)?(?:[ \t]+([^>]*))?>|</v\s*>")
# Other inline markup: <i>, <b>, <u>, <c.x>, <lang en>, <ruby>, <font ...>, a timestamp <00:01.000>,
# and SubRip's {\an8}. Not a "<" that starts no tag ("I <3 it").
_INLINE_TAG = re.compile(r"</?[A-Za-z][^<>]*>|<\d[\d:.]*>|\{\\[^{}]*\}")


def _cue_parts(text: str) -> list[tuple[str | None, str]]:
    """A cue's text as (voice, text) parts: a `<v Speaker>` span is one part (its lines joined by a
    space); outside voice spans, each line is a part with voice None. Other tags removed, entities
    (&amp;) decoded."""
    parts: list[tuple[str | None, str]] = []

    def add(voice: str | None, chunk: str) -> None:
        lines = [html.unescape(_INLINE_TAG.sub("", line)).strip() for line in chunk.split("\n")]
        if voice is not None:
            parts.append((voice, " ".join(line for line in lines if line)))
        else:
            parts.extend((None, line) for line in lines if line)

    voice, start = None, 0
    for m in _VOICE.finditer(text):
        add(voice, text[start : m.start()])
        closing = m.group(0).startswith("</")
        voice = None if closing else (m.group(1) or "").strip() or None
        start = m.end()
    add(voice, text[start:])
    return [(v, t) for v, t in parts if t or v is not None]


def _blocks(text: str) -> Iterator[tuple[int, list[str]]]:
    """The blocks of a caption file separated by blank lines: (line number of the first, its lines)."""
    block: list[str] = []
    first = 0
    for number, line in enumerate(text.replace("\r\n", "\n").replace("\r", "\n").split("\n"), 1):
        if line.strip():
            if not block:
                first = number
            block.append(line)
        elif block:
            yield first, block
            block = []
    if block:
        yield first, block


def _cue(first: int, block: list[str], timing: re.Pattern, example: str) -> list[tuple[str | None, str]]:
    """The parts of one cue block: an optional identifier (a cue number), a timing line, the text."""
    at = 0 if "-->" in block[0] else 1
    if at >= len(block) or "-->" not in block[at]:
        raise _Bad(f"line {first + at}: no cue timing line ('{example}')")
    if not timing.match(block[at]):
        raise _Bad(f"line {first + at}: cue timing does not parse (expected '{example}')")
    return _cue_parts("\n".join(block[at + 1 :]))


def read_vtt(text: str) -> Iterator[RawSession | _Bad]:
    """A WebVTT file: the `WEBVTT` header, then cues; NOTE, STYLE and REGION blocks and cue settings
    are ignored. One CAPTIONS value: its cues."""
    blocks = list(_blocks(text))
    if not blocks or not re.match(r"WEBVTT(?:[ \t]|$)", blocks[0][1][0]) or blocks[0][0] != 1:
        raise _Bad("not WebVTT: the first line is not 'WEBVTT'")
    first, header = blocks.pop(0)
    timed = next((k for k, line in enumerate(header) if "-->" in line), None)
    if timed is not None:  # no blank line after the header: its cue starts at the timing line
        blocks.insert(0, (first + timed, header[timed:]))
    cues = []
    for first, block in blocks:
        if re.match(r"(?:NOTE|STYLE|REGION)(?:[ \t]|$)", block[0]):
            continue
        cues.append(_cue(first, block, _VTT_TIMING, "00:01.000 --> 00:04.000"))
    if not cues:
        raise _Bad("WebVTT file has no cues")
    yield from _recognise(CAPTIONS, cues)


def read_srt(text: str) -> Iterator[RawSession | _Bad]:
    """A SubRip file: cues of a number, a timing line and text. One CAPTIONS value: its cues."""
    cues = [_cue(first, block, _SRT_TIMING, "00:00:01,000 --> 00:00:04,000") for first, block in _blocks(text)]
    if not cues:
        raise _Bad("SubRip file has no cues")
    yield from _recognise(CAPTIONS, cues)


# ----------------------------------------------------------------------------- readers per file type


def read_json(text: str) -> Iterator[RawSession | _Bad]:
    """A .json file: one DOCUMENT."""
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
    """A .jsonl file: each line a JSONL_LINE (turns, grouped by session id, come after the file's other
    sessions) or else a DOCUMENT; a line that is neither is a _Bad with its number."""
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
        turn = _recognise(JSONL_LINE, record)
        if turn is not None:
            session_id, record = turn
            _add_turn(grouped, session_id, record, number, _client_id_of(record))
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
    """A .csv file: a header row and rows, one CSV_TABLE."""
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except StopIteration:
        raise _Bad("empty CSV") from None
    except csv.Error as err:
        raise _Bad(f"invalid CSV: {err}") from None
    found = _recognise(CSV_TABLE, CsvTable([h.strip().lower() for h in header], reader))
    if found is None:
        raise _Bad(f"CSV needs a speaker column ({', '.join(SPEAKER_KEYS)}) and a text column ({', '.join(TEXT_KEYS)})")
    yield from found


def read_txt(text: str) -> Iterator[RawSession | _Bad]:
    """A .txt file: one TEXT."""
    found = _recognise(TEXT, text)
    if found is None:
        raise _Bad("no 'Speaker: text' lines")
    yield from found


READERS: dict[str, Callable[[str], Iterator[RawSession | _Bad]]] = {
    ".json": read_json,
    ".jsonl": read_jsonl,
    ".csv": read_csv,
    ".txt": read_txt,
    ".vtt": read_vtt,
    ".srt": read_srt,
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


@dataclass
class FileLoad:
    """What one file gives the corpus: its record, its sessions and skips in file order, its counts.
    The record's `sessions` is counted by load_corpus, as sessions are kept after the duplicate check."""

    record: FileRecord
    found: list[Session | Skip] = field(default_factory=list)
    stats: Stats = field(default_factory=Stats)


def _unread_file(path: str, reason: str) -> FileLoad:
    loaded = FileLoad(FileRecord(path, "", skipped=True), [Skip(path, reason)])
    loaded.stats.counts.update(files=1, files_skipped=1)
    return loaded


def load_file(file: Path, input_dir: Path, speakers: SpeakerRules) -> FileLoad:
    """The sessions and skips of one input file, before the duplicate check across files. A session
    without an id of its own is named by the file's path without extension (`#k`: the k-th of several)."""
    rel = file.relative_to(input_dir).as_posix()
    shown = rel.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    if shown != rel:
        return _unread_file(shown, "file name is not UTF-8")
    if not file.is_file():
        return _unread_file(rel, "not a regular file")
    data = file.read_bytes()
    loaded = FileLoad(FileRecord(rel, hashlib.sha256(data).hexdigest()))
    stats = loaded.stats
    stats.counts["files"] += 1
    try:
        items = list(READERS[file.suffix.lower()](decode(data)))
    except _Bad as bad:
        loaded.record.skipped = True
        stats.counts["files_skipped"] += 1
        loaded.found.append(Skip(rel, str(bad)))
        return loaded
    default_id = rel.rsplit(".", 1)[0]
    many = sum(isinstance(item, RawSession) for item in items) > 1
    for number, item in enumerate(items, 1):
        if isinstance(item, _Bad):
            loaded.found.append(Skip(rel, str(item), line=item.line))
            stats.counts["lines_skipped" if item.line else "sessions_skipped"] += 1
            continue
        fallback_id = f"{default_id}#{number}" if many else default_id
        try:
            loaded.found.append(_build_session(item, fallback_id, rel, speakers, stats))
        except _Bad as bad:
            turns = len(item.turns) if isinstance(item.turns, list) else 0  # what was read
            stats.counts["exchanges_loaded"] += turns
            stats.exchanges_dropped["session_skipped"] += turns
            stats.counts["sessions_skipped"] += 1
            loaded.found.append(Skip(rel, str(bad), session_id=item.session_id or fallback_id, line=item.line))
    stats.counts["files_loaded"] += 1
    return loaded


def deduplicate(
    session_id: str, source: str, key: bytes, turns: int, kept: dict[str, tuple[str, bytes]], stats: Stats
) -> Skip | str:
    """The rule for an id that two sessions have (in two files, or twice in one), applied to a session
    about to be kept: its id, file, turns_key and number of turns; `kept` maps each id kept so far to
    its file and key. A session with the turns of the one that has its id is a duplicate: a Skip naming
    that one's file. A different one is kept as `id@file` (the file's path without extension; `#2`,
    `#3`... while that is taken too). Returns the Skip, or the id the session is kept under."""
    previous = kept.get(session_id)
    if previous is not None:
        if previous[1] == key:
            stats.exchanges_dropped["duplicate_session"] += turns
            stats.counts["sessions_skipped"] += 1
            return Skip(source, DUPLICATE_OF.format(path=previous[0]), session_id=session_id)
        renamed = base = f"{session_id}@{source.rsplit('.', 1)[0]}"
        copy = 1
        while renamed in kept:  # the same id again in this file, or taken by another
            copy += 1
            renamed = f"{base}#{copy}"
        logger.warning(
            "%s: session id %s is also used in %s for a different session; kept as %s",
            source,
            session_id,
            previous[0],
            renamed,
        )
        stats.counts["session_ids_renamed"] += 1
        session_id = renamed
    kept[session_id] = (source, key)
    return session_id


def load_corpus(
    input_dir: str | Path,
    speaker_map: dict[str, str] | None = None,
    strict: bool = False,
    *,
    roles: dict[str, dict[str, str]] | None = None,
    unmapped: str = SKIP_UNMAPPED,
) -> LoadResult:
    """Load every session under input_dir, file by file (load_file), one session per id (settle).
    Bad files, lines and sessions become Skips with a reason (or, with strict, the first one raises
    InputError); good ones are never lost. Speakers: `speaker_map` for every session, `roles` per
    session id (read_speaker_roles), `unmapped` as SpeakerRules says."""
    input_dir = Path(input_dir)
    if not input_dir.is_dir():
        raise InputError(str(input_dir), "input directory does not exist")
    speakers = speaker_rules(speaker_map, roles, unmapped)
    loads = (load_file(file, input_dir, speakers) for file in find_input_files(input_dir))
    return settle(loads, speakers.roles, strict, lambda s: (turns_key(s.turns), len(s.turns)))


def speaker_rules(
    speaker_map: dict[str, str] | None, roles: dict[str, dict[str, str]] | None, unmapped: str
) -> SpeakerRules:
    return SpeakerRules({k.strip().lower(): v for k, v in (speaker_map or {}).items()}, roles or {}, unmapped)


def settle(
    loads: Iterable[FileLoad],
    roles: dict[str, dict[str, str]],
    strict: bool,
    key_of: Callable[[Any], tuple[bytes, int]],
) -> LoadResult:
    """The corpus from its files' loads, in file order: one session per id (deduplicate), each skip
    logged (or, with strict, the first raised), the roles file's ids that no file has counted. The
    sessions may be Sessions or what stands for them where they were read (a unit's records):
    `key_of(item)` gives their turns_key and number of turns."""
    result = LoadResult()
    kept: dict[str, tuple[str, bytes]] = {}
    seen: set[str | None] = set()  # the session ids met, before any is renamed

    def skip(item: Skip) -> None:
        if strict:
            raise InputError(item.path + (f":{item.line}" if item.line else ""), item.reason, item.session_id)
        logger.warning("skipped %s", item)
        result.skips.append(item)

    for loaded in loads:
        result.files.append(loaded.record)
        result.stats += loaded.stats
        for item in loaded.found:
            if roles:
                seen.add(item.session_id)
            if isinstance(item, Skip):
                skip(item)
                continue
            key, turns = key_of(item)
            kept_as = deduplicate(item.session_id, item.source, key, turns, kept, result.stats)
            if isinstance(kept_as, Skip):
                skip(kept_as)
            else:
                item.session_id = kept_as
                loaded.record.sessions += 1
                result.sessions.append(item)
    counts = result.stats.counts
    if roles:
        not_found = sorted(set(roles) - seen)
        counts["speaker_roles_sessions_not_found"] = len(not_found)
        if not_found:
            logger.warning(
                "speaker_roles_file names %d session ids that no input file has (such as %s): their roles "
                "were not used; a session's id is its own id field or its file's path without extension",
                len(not_found),
                not_found[0],
            )
    counts["sessions"] = len(result.sessions)
    counts.setdefault("files_skipped", 0)
    counts.setdefault("sessions_skipped", 0)
    counts.setdefault("lines_skipped", 0)
    return result


csv.field_size_limit(min(sys.maxsize, 2**31 - 1))
