"""One test per recogniser of RECOGNISERS, and the table's order deciding shapes that two could take.

Each input is the smallest of its structure; the turns expected are written out as the contract reads
them. `deciding` asks the table which recogniser takes a value; loading the same input as a file checks
the turns that come of it.
"""

import csv
import io
import json

import pytest
from corpus_files import write

from therapy_pipeline import loaders
from therapy_pipeline.loaders import (
    CAPTIONS,
    CSV_TABLE,
    DOCUMENT,
    JSONL_LINE,
    RECOGNISERS,
    SESSION,
    TEXT,
    CsvTable,
    load_corpus,
)

T, C = "therapist", "client"
A = [{"speaker": "Client", "text": "I slept badly."}, {"speaker": "Therapist", "text": "Since when?"}]
A_TURNS = [(C, "I slept badly."), (T, "Since when?")]
B = [{"role": "assistant", "content": "How was the week?"}, {"role": "user", "content": "Hard."}]
B_TURNS = [(T, "How was the week?"), (C, "Hard.")]


def deciding(kind, value):
    """The name of the recogniser that decides `value`: the first row of its kind that takes it."""
    for row in RECOGNISERS:
        if row.tried_on == kind and row.find(value) is not None:
            return row.find.__name__
    return None


def csv_table(text):
    rows = csv.reader(io.StringIO(text, newline=""))
    return CsvTable([h.strip().lower() for h in next(rows)], rows)


def load(tmp_path, files):
    """(session id -> (role, text) turns, skips as (path, session id, reason)) of these files."""
    for name, content in files.items():
        write(tmp_path, name, content)
    result = load_corpus(tmp_path)
    sessions = {s.session_id: [(t.speaker, t.text) for t in s.turns] for s in result.sessions}
    return sessions, [(s.path, s.session_id, s.reason) for s in result.skips]


def test_the_table_has_one_recogniser_per_structure_in_the_documented_order():
    assert [(row.structure, row.tried_on, row.find.__name__) for row in RECOGNISERS] == [
        (5, JSONL_LINE, "_turn_per_line"),
        (3, DOCUMENT, "_many_sessions"),
        (2, DOCUMENT, "_list_of_turns"),
        (1, SESSION, "_turns_under_key"),
        (4, SESSION, "_transcript_string"),
        (9, SESSION, "_speech_segments"),
        (6, CSV_TABLE, "_turn_per_row"),
        (7, TEXT, "_speaker_lines"),
        (8, CAPTIONS, "_caption_cues"),
    ]


# --- one test per recogniser ------------------------------------------------------------------

def test_turns_under_key_structure_1(tmp_path):
    top = {"id": "s1", "dialogue": A}
    nested = {"id": "s2", "session": {"turns": A}}
    assert deciding(SESSION, top) == "_turns_under_key"
    assert deciding(SESSION, nested) is None and deciding(SESSION, nested["session"]) == "_turns_under_key"
    assert load(tmp_path, {"top.json": top, "nested.json": nested}) == ({"s1": A_TURNS, "s2": A_TURNS}, [])


def test_list_of_turns_structure_2(tmp_path):
    assert deciding(DOCUMENT, B) == "_list_of_turns"
    assert load(tmp_path, {"chat.json": B}) == ({"chat": B_TURNS}, [])


@pytest.mark.parametrize("doc", [
    [{"id": "a", "dialogue": A}, {"id": "b", "messages": B}],
    {"sessions": [{"id": "a", "dialogue": A}, {"id": "b", "messages": B}]},
], ids=["list", "under-sessions"])
def test_many_sessions_structure_3(tmp_path, doc):
    assert deciding(DOCUMENT, doc) == "_many_sessions"
    assert load(tmp_path, {"batch.json": doc}) == ({"a": A_TURNS, "b": B_TURNS}, [])


def test_transcript_string_structure_4(tmp_path):
    obj = {"session_id": "t1", "transcript": "Therapist: Welcome back.\nClient: Thanks.\nIt was a long week."}
    assert deciding(SESSION, obj) == "_transcript_string"
    assert load(tmp_path, {"t.json": obj}) == ({"t1": [(T, "Welcome back."), (C, "Thanks.\nIt was a long week.")]},
                                               [])


def test_turn_per_line_structure_5(tmp_path):
    lines = [{"session_id": "j1", "turn_id": 1, "speaker": "client", "text": "Hi."},
             {"session_id": "j2", "speaker": "therapist", "text": "Hello."},
             {"session_id": "j1", "turn_id": 0, "speaker": "therapist", "text": "Welcome."}]
    assert deciding(JSONL_LINE, lines[0]) == "_turn_per_line"
    assert deciding(JSONL_LINE, {"session_id": "s", "dialogue": A}) is None  # a session a line: a document
    text = "\n".join(json.dumps(line) for line in lines) + "\n"
    assert load(tmp_path, {"turns.jsonl": text}) == ({"j1": [(T, "Welcome."), (C, "Hi.")], "j2": [(T, "Hello.")]},
                                                     [])


def test_turn_per_row_structure_6(tmp_path):
    text = "Session_ID,Speaker,Text\na,Therapist,\"Hello, again.\"\nb,Client,Hi.\na,Client,Hi.\n"
    assert deciding(CSV_TABLE, csv_table(text)) == "_turn_per_row"
    assert deciding(CSV_TABLE, csv_table("who,said\nt,hi\n")) is None
    assert load(tmp_path, {"rows.csv": text}) == ({"a": [(T, "Hello, again."), (C, "Hi.")], "b": [(C, "Hi.")]}, [])


def test_speaker_lines_structure_7(tmp_path):
    text = "[00:00:05] Therapist: What brings you in?\nClient: My sleep.\nIt has been bad.\n"
    assert deciding(TEXT, text) == "_speaker_lines"
    assert load(tmp_path, {"notes.txt": text}) == ({"notes": [(T, "What brings you in?"),
                                                              (C, "My sleep.\nIt has been bad.")]}, [])


# --- the order decides shapes that two recognisers could take, as before the table ------------

# name -> (files, sessions loaded, skips as (path, session id, reason))
AMBIGUOUS = {
    # 3 before 1: an object with a list under "sessions" and a turn list of its own is many sessions.
    "sessions before a turn list": (
        {"x.json": {"id": "outer", "dialogue": B, "sessions": [{"id": "a", "turns": A}]}},
        {"a": A_TURNS}, []),
    # 3 before 2: one item holding a session makes the list one of sessions, so a turn item is a broken one.
    "a session among turns": (
        {"x.json": [A[0], {"id": "b", "turns": B}]},
        {"b": B_TURNS}, [("x.json", None, "session 1: no list of turns and no 'transcript'")]),
    # 1 before 4, at the same level.
    "a turn list before a transcript": (
        {"x.json": {"id": "s", "transcript": "Client: Not this.", "dialogue": A}},
        {"s": A_TURNS}, []),
    # At the top before one level down: a transcript of its own before a nested turn list.
    "the top before one level down": (
        {"x.json": {"id": "s", "session": {"turns": A}, "transcript": "Therapist: This one."}},
        {"s": [(T, "This one.")]}, []),
    # 5 takes no line that holds a session: such a line is a session a line, speaker key or not.
    "a .jsonl line holding a session": (
        {"x.jsonl": json.dumps({"session_id": "s", "speaker": "client", "text": "Not a turn.", "dialogue": A})
         + "\n" + json.dumps({"session_id": "t", "speaker": "client", "text": "A turn."}) + "\n"},
        {"s": A_TURNS, "t": [(C, "A turn.")]}, []),
    # 1 reads the first turn-list key the object has, even when a later one holds the list.
    "the first turn-list key": (
        {"x.json": {"id": "s", "dialogue": None, "turns": A}},
        {}, [("x.json", None, "'dialogue' is a NoneType, not a list of turns")]),
}


@pytest.mark.parametrize("case", list(AMBIGUOUS))
def test_the_order_of_recognisers_decides_an_ambiguous_shape(tmp_path, case):
    files, sessions, skips = AMBIGUOUS[case]
    assert load(tmp_path, files) == (sessions, skips)


def test_two_recognisers_could_take_each_ambiguous_shape_and_the_first_does():
    both = {"id": "outer", "dialogue": B, "sessions": [{"id": "a", "turns": A}]}
    assert loaders._turns_under_key(both) is not None and deciding(DOCUMENT, both) == "_many_sessions"
    mixed = [A[0], {"id": "b", "turns": B}]
    assert loaders._list_of_turns(mixed) is not None and deciding(DOCUMENT, mixed) == "_many_sessions"
    obj = {"transcript": "Client: Not this.", "dialogue": A}
    assert loaders._transcript_string(obj) is not None and deciding(SESSION, obj) == "_turns_under_key"
