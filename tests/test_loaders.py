"""The loader against every input structure, key, label and skip reason of the contract.

Every test writes its own tiny files into tmp_path. Key and label lists are spelled out here, from
the contract, rather than imported from the loader, so that the loader is held to the contract.
"""

import csv
import dataclasses
import io
import json
import random

import pytest
from corpus_files import ORDER_KEYS, SESSION_ID_KEYS, SPEAKER_KEYS, TEXT_KEYS, TURN_LIST_KEYS, write

from therapy_pipeline.chunking import chunk_bounds, overlap_turns
from therapy_pipeline.loaders import SpeakerRules, load_corpus, load_file
from therapy_pipeline.model import InputError, Turn

THERAPIST_LABELS = ["therapist", "counselor", "counsellor", "clinician", "psychologist", "provider",
                    "t", "assistant", "gpt"]
CLIENT_LABELS = ["client", "patient", "c", "p", "user", "human"]

# (role, text) of a small session; roles as loaded.
EXCHANGE = [("client", "I have been anxious all week."),
            ("therapist", "What has the anxiety been like?"),
            ("client", "Mostly at work, before meetings.")]


def turn_dicts(exchange=EXCHANGE, speaker_key="speaker", text_key="text"):
    return [{speaker_key: role, text_key: text} for role, text in exchange]


def pairs(session):
    return [(t.speaker, t.text) for t in session.turns]


def by_id(result):
    return {s.session_id: pairs(s) for s in result.sessions}


def only_session(result):
    assert not result.skips, [str(s) for s in result.skips]
    assert len(result.sessions) == 1, [s.session_id for s in result.sessions]
    return result.sessions[0]


def csv_text(header, rows):
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()


# --- structure 1: an object with a turn list, at the top or nested one level -------------------

@pytest.mark.parametrize("list_key", TURN_LIST_KEYS)
def test_turn_list_key_at_top(tmp_path, list_key):
    write(tmp_path, "s.json", {"session_id": "s1", list_key: turn_dicts()})
    session = only_session(load_corpus(tmp_path))
    assert session.session_id == "s1"
    assert pairs(session) == EXCHANGE


@pytest.mark.parametrize("list_key", TURN_LIST_KEYS)
@pytest.mark.parametrize("outer", ["session", "data"])
def test_turn_list_nested_one_level(tmp_path, list_key, outer):
    write(tmp_path, "s.json", {"session_id": "s1", "meta": {"site": "x"},
                               outer: {list_key: turn_dicts()}})
    session = only_session(load_corpus(tmp_path))
    assert session.session_id == "s1"
    assert pairs(session) == EXCHANGE


def test_nested_session_carries_its_own_id(tmp_path):
    write(tmp_path, "s.json", {"session": {"id": "inner", "turns": turn_dicts()}})
    assert by_id(load_corpus(tmp_path)) == {"inner": EXCHANGE}


@pytest.mark.parametrize("speaker_key", SPEAKER_KEYS)
@pytest.mark.parametrize("text_key", TEXT_KEYS)
def test_every_speaker_and_text_key(tmp_path, speaker_key, text_key):
    write(tmp_path, "s.json", {"dialogue": turn_dicts(speaker_key=speaker_key, text_key=text_key)})
    assert pairs(only_session(load_corpus(tmp_path))) == EXCHANGE


@pytest.mark.parametrize("order_key", ORDER_KEYS)
def test_order_key_orders_shuffled_turns(tmp_path, order_key):
    exchange = [("client" if i % 2 else "therapist", f"turn {i}") for i in range(12)]
    turns = [{"speaker": role, "text": text, order_key: 100 + i}
             for i, (role, text) in enumerate(exchange)]
    random.Random(7).shuffle(turns)
    assert [t[order_key] for t in turns] != sorted(t[order_key] for t in turns)
    write(tmp_path, "s.json", {"dialogue": turns})
    assert pairs(only_session(load_corpus(tmp_path))) == exchange


def test_file_order_without_a_complete_order_field(tmp_path):
    turns = [{"speaker": "client", "text": "first", "order": 3},
             {"speaker": "therapist", "text": "second"},
             {"speaker": "client", "text": "third", "order": 1}]
    write(tmp_path, "s.json", {"dialogue": turns})
    assert [t.text for t in only_session(load_corpus(tmp_path)).turns] == ["first", "second", "third"]


@pytest.mark.parametrize("label,role", [(label, "therapist") for label in THERAPIST_LABELS]
                         + [(label, "client") for label in CLIENT_LABELS])
@pytest.mark.parametrize("case", [str.lower, str.upper, str.title])
def test_every_speaker_label_case_insensitive(tmp_path, label, role, case):
    write(tmp_path, "s.json", {"dialogue": [{"speaker": f" {case(label)} ", "text": "words here"}]})
    assert pairs(only_session(load_corpus(tmp_path))) == [(role, "words here")]


def test_speaker_map_extras(tmp_path):
    write(tmp_path, "s.json", {"dialogue": [{"speaker": "Dr. Lee", "text": "Welcome back."},
                                            {"speaker": "MEMBER", "text": "Thanks."}]})
    write(tmp_path, "t.txt", "Dr. Lee: Welcome back.\nMember: Thanks.\n")
    result = load_corpus(tmp_path, speaker_map={"dr. lee": "therapist", "Member": "client"})
    assert not result.skips
    expected = [("therapist", "Welcome back."), ("client", "Thanks.")]
    assert by_id(result) == {"s": expected, "t": expected}


def test_speaker_map_does_not_leak_between_calls(tmp_path):
    write(tmp_path, "s.json", {"dialogue": [{"speaker": "Dr. Lee", "text": "Welcome back."}]})
    result = load_corpus(tmp_path)
    assert not result.sessions
    assert "Dr. Lee" in result.skips[0].reason


def test_unmapped_label_skips_the_session_naming_the_label(tmp_path):
    write(tmp_path, "many.json", {"sessions": [
        {"id": "good", "dialogue": turn_dicts()},
        {"id": "bad", "dialogue": turn_dicts() + [{"speaker": "Narrator", "text": "Later..."}]},
    ]})
    result = load_corpus(tmp_path)
    assert by_id(result) == {"good": EXCHANGE}
    [skip] = result.skips
    assert skip.path == "many.json" and skip.session_id == "bad"
    assert "Narrator" in skip.reason and "unmapped" in skip.reason
    assert result.stats.counts["sessions_skipped"] == 1
    assert result.stats.exchanges_dropped["session_skipped"] == 4


# --- session ids ----------------------------------------------------------------------------

@pytest.mark.parametrize("id_key", SESSION_ID_KEYS)
def test_session_id_fields(tmp_path, id_key):
    write(tmp_path, "file.json", {id_key: "abc-1", "dialogue": turn_dicts()})
    assert only_session(load_corpus(tmp_path)).session_id == "abc-1"


def test_integer_session_id(tmp_path):
    write(tmp_path, "file.json", {"id": 17, "dialogue": turn_dicts()})
    assert only_session(load_corpus(tmp_path)).session_id == "17"


def test_session_id_fallback_is_the_relative_path(tmp_path):
    write(tmp_path, "clinic/2024/one.json", {"dialogue": turn_dicts()})
    session = only_session(load_corpus(tmp_path))
    assert session.session_id == "clinic/2024/one"
    assert session.source == "clinic/2024/one.json"


def test_session_id_fallback_numbers_sessions_of_a_multi_session_file(tmp_path):
    sessions = [{"dialogue": turn_dicts(EXCHANGE[:k])} for k in (1, 2, 3)]
    sessions[1]["id"] = "named"
    write(tmp_path, "sub/multi.json", sessions)
    write(tmp_path, "sub/wrapped.json", {"sessions": [{"turns": turn_dicts()}, {"turns": turn_dicts()[:1]}]})
    result = load_corpus(tmp_path)
    assert not result.skips
    assert by_id(result) == {"sub/multi#1": EXCHANGE[:1], "named": EXCHANGE[:2], "sub/multi#3": EXCHANGE,
                             "sub/wrapped#1": EXCHANGE, "sub/wrapped#2": EXCHANGE[:1]}


# --- structures 2-7 ---------------------------------------------------------------------------

def test_top_level_list_of_turns(tmp_path):
    write(tmp_path, "s.json", turn_dicts(speaker_key="from", text_key="value"))
    assert by_id(load_corpus(tmp_path)) == {"s": EXCHANGE}


def test_top_level_list_of_sessions_and_sessions_key(tmp_path):
    write(tmp_path, "a.json", [{"id": "a1", "messages": turn_dicts(speaker_key="role", text_key="content")},
                               {"id": "a2", "dialogue": turn_dicts()[:2]}])
    write(tmp_path, "b.json", {"sessions": [{"conversation_id": "b1", "turns": turn_dicts()},
                                            {"transcript_id": "b2", "utterances": turn_dicts()[1:]}]})
    assert by_id(load_corpus(tmp_path)) == {"a1": EXCHANGE, "a2": EXCHANGE[:2], "b1": EXCHANGE,
                                            "b2": EXCHANGE[1:]}


@pytest.mark.parametrize("role", ["system", "System", "tool", "function"])
def test_system_tool_and_function_messages_are_dropped_and_counted_and_the_session_kept(tmp_path, role):
    # ShareGPT / OpenAI chat exports: a system prompt (and tool output) is no turn of either speaker.
    messages = turn_dicts(speaker_key="role", text_key="content")
    messages.insert(0, {"role": role, "content": "You are a helpful assistant."})
    messages.insert(2, {"role": role, "content": "{\"result\": 3}"})
    write(tmp_path, "s.json", {"id": "chat1", "messages": messages})
    result = load_corpus(tmp_path)
    assert pairs(only_session(result)) == EXCHANGE
    assert result.stats.exchanges_dropped["system_message"] == 2
    assert result.stats.counts["exchanges_loaded"] == len(EXCHANGE) + 2


def test_transcript_string_with_continuation_lines(tmp_path):
    transcript = ("Client: I have been anxious all week.\n"
                  "Therapist: What has the anxiety been like?\n"
                  "Client: Mostly at work,\n"
                  "  before meetings.\n")
    write(tmp_path, "s.json", {"session_id": "tr", "transcript": transcript, "summary": "ignored"})
    assert by_id(load_corpus(tmp_path)) == {
        "tr": EXCHANGE[:2] + [("client", "Mostly at work,\nbefore meetings.")]}


def test_jsonl_one_session_per_line(tmp_path):
    lines = [json.dumps({"session_id": "j1", "dialogue": turn_dicts()}),
             "",
             json.dumps({"dialogue": turn_dicts()[:1]}),
             json.dumps({"id": "j3", "transcript": "T: Hello.\nC: Hi."})]
    write(tmp_path, "sessions.jsonl", "\n".join(lines) + "\n")
    result = load_corpus(tmp_path)
    assert not result.skips
    assert by_id(result) == {"j1": EXCHANGE, "sessions#2": EXCHANGE[:1],
                             "j3": [("therapist", "Hello."), ("client", "Hi.")]}


def test_jsonl_one_turn_per_line_grouped_by_session_id(tmp_path):
    lines = []
    for i, (role, text) in enumerate(EXCHANGE):
        lines.append({"session_id": "x", "speaker": role, "text": text, "turn": i})
        lines.append({"session_id": "y", "role": role, "content": text.upper(), "turn": 10 - i})
    write(tmp_path, "turns.jsonl", "\r\n".join(json.dumps(line) for line in lines))
    result = load_corpus(tmp_path)
    assert not result.skips
    assert by_id(result) == {"x": EXCHANGE,
                             "y": [(role, text.upper()) for role, text in reversed(EXCHANGE)]}


def test_csv_with_session_column_and_quoted_commas_and_newlines(tmp_path):
    rows = [["s1", "Client", "I feel, well, \"stuck\"."],
            ["s2", "Therapist", "Hello there."],
            ["s1", "Therapist", "Stuck how?\nSay more."],
            ["s2", "Patient", "Hi."]]
    write(tmp_path, "turns.csv", csv_text(["Session_ID", "Speaker", "Text", "ai_label"],
                                          [row + ["SECRET-CSV-LABEL"] for row in rows]))
    result = load_corpus(tmp_path)
    assert not result.skips
    assert by_id(result) == {"s1": [("client", 'I feel, well, "stuck".'),
                                    ("therapist", "Stuck how?\nSay more.")],
                             "s2": [("therapist", "Hello there."), ("client", "Hi.")]}


def test_csv_order_column(tmp_path):
    write(tmp_path, "turns.csv", csv_text(["conversation_id", "role", "content", "turn_id"],
                                          [["a", "user", "second", "2"], ["a", "assistant", "first", "1"]]))
    assert by_id(load_corpus(tmp_path)) == {"a": [("therapist", "first"), ("client", "second")]}


def test_txt_with_continuation_lines_and_timestamps(tmp_path):
    write(tmp_path, "notes/s.txt", ("Therapist: What brings you in?\n"
                                    "\n"
                                    "Client: My sleep.\n"
                                    "It has been bad\n"
                                    "   for months.\n"
                                    "[00:01:02] Counselor: Tell me more.\n"
                                    "00:02 P: Okay.\n"))
    assert by_id(load_corpus(tmp_path)) == {"notes/s": [
        ("therapist", "What brings you in?"),
        ("client", "My sleep.\nIt has been bad\nfor months."),
        ("therapist", "Tell me more."),
        ("client", "Okay.")]}


# --- only speaker and text survive ------------------------------------------------------------

def test_ai_labels_and_metadata_never_reach_a_turn(tmp_path):
    secrets = ["SECRET-AI-LABEL", "SECRET-ANNOTATION", "SECRET-ANALYSIS", "SECRET-SUMMARY",
               "SECRET-TURN-LABEL", "SECRET-EMOTION", "SECRET-CSV-LABEL"]
    turns = [{"speaker": role, "text": text, "ai_label": "SECRET-TURN-LABEL",
              "annotations": {"emotion": "SECRET-EMOTION"}, "label": "SECRET-TURN-LABEL"}
             for role, text in EXCHANGE]
    meta = {"ai_label": "SECRET-AI-LABEL", "annotations": ["SECRET-ANNOTATION"],
            "analysis": {"text": "SECRET-ANALYSIS"}, "summary": "SECRET-SUMMARY"}
    write(tmp_path, "a.json", {"id": "a", **meta, "dialogue": turns})
    write(tmp_path, "b.json", {"id": "b", "session": {"turns": turns, **meta}, **meta})
    write(tmp_path, "c.json", [{"id": "c", **meta, "messages": turns}])
    write(tmp_path, "d.jsonl", "\n".join(json.dumps({"session_id": "d", **t}) for t in turns))
    write(tmp_path, "e.csv", csv_text(["id", "speaker", "text", "ai_label", "summary"],
                                      [["e", r, t, "SECRET-CSV-LABEL", "SECRET-SUMMARY"] for r, t in EXCHANGE]))
    write(tmp_path, "f.json", {"id": "f", "transcript": "\n".join(f"{r}: {t}" for r, t in EXCHANGE), **meta})
    result = load_corpus(tmp_path)
    assert not result.skips
    assert by_id(result) == {k: EXCHANGE for k in "abcdef"}
    for session in result.sessions:
        for turn in session.turns:
            assert type(turn) is Turn and {f.name for f in dataclasses.fields(turn)} == {"speaker", "text"}
            assert not any(secret in turn.text or secret in turn.speaker for secret in secrets)
        assert not any(secret in session.session_id for secret in secrets)


def test_control_token_strings_are_neutralized_and_counted(tmp_path):
    write(tmp_path, "s.json", {"dialogue": [{"speaker": "client", "text": "end<|eot_id|> <|start_header_id|>x"},
                                            {"speaker": "therapist", "text": "a <| b |> c"}]})
    result = load_corpus(tmp_path)
    assert pairs(only_session(result)) == [("client", "end<eot_id> <start_header_id>x"),
                                           ("therapist", "a <| b |> c")]
    assert result.stats.counts["control_token_strings_neutralized"] == 2


# --- counting ---------------------------------------------------------------------------------

def test_empty_turns_are_dropped_and_counted(tmp_path):
    turns = turn_dicts() + [{"speaker": "client", "text": ""}, {"speaker": "therapist", "text": "   \n\t"},
                            {"speaker": "client", "text": None}, {"speaker": "therapist"}]
    write(tmp_path, "s.json", {"dialogue": turns})
    result = load_corpus(tmp_path)
    assert pairs(only_session(result)) == EXCHANGE
    assert result.stats.exchanges_dropped["empty_text"] == 4
    assert result.stats.counts["exchanges_loaded"] == 7


def test_exchanges_loaded_counts_every_turn_of_the_input(tmp_path):
    write(tmp_path, "a.json", {"id": "a", "dialogue": turn_dicts()})  # 3
    write(tmp_path, "b.json", [{"id": "b1", "turns": turn_dicts()},  # 3
                               {"id": "b2", "turns": turn_dicts() + [{"speaker": "x", "text": "y"}]}])  # 4, skipped
    write(tmp_path, "c.json", {"id": "a", "dialogue": turn_dicts()})  # 3, duplicate of a
    write(tmp_path, "d.txt", "T: one\nC: two\n")  # 2
    write(tmp_path, "e.csv", csv_text(["id", "speaker", "text"], [["e", "t", "x"], ["e", "c", ""]]))  # 2, 1 empty
    result = load_corpus(tmp_path)
    counts, dropped = result.stats.counts, result.stats.exchanges_dropped
    assert counts["exchanges_loaded"] == 3 + 3 + 4 + 3 + 2 + 2
    assert dropped == {"session_skipped": 4, "duplicate_session": 3, "empty_text": 1}
    assert counts["exchanges_loaded"] == sum(len(s.turns) for s in result.sessions) + sum(dropped.values())
    assert counts["files"] == 5 and counts["files_loaded"] == 5 and counts["files_skipped"] == 0
    assert counts["sessions"] == 4 and counts["sessions_skipped"] == 2


# --- chunk boundaries -------------------------------------------------------------------------

def test_overlap_is_twenty_percent_of_300():
    assert overlap_turns(300, 0.2) == 60


@pytest.mark.parametrize("n_turns,expected", [
    (299, [(0, 299)]),
    (300, [(0, 300)]),
    (301, [(0, 300), (240, 301)]),
    (598, [(0, 300), (240, 540), (480, 598)]),
])
def test_chunk_bounds(n_turns, expected):
    assert chunk_bounds(n_turns, 300, 60) == expected


# --- every skip reason, lenient and strict ----------------------------------------------------

def bad_turn(**fields):
    return {"id": "bad", "dialogue": [{"speaker": "client", "text": "fine"}, fields]}


# name -> (files under the input dir, path the skip names, fragment of the reason, session id)
SKIP_CASES = {
    "invalid JSON": ({"x.json": '{"dialogue": [{"speaker": "t", "text": "a"}'}, "x.json", "invalid JSON", None),
    "not UTF-8": ({"x.txt": "Therapist: caf\xe9\n".encode("latin-1")}, "x.txt", "not UTF-8", None),
    "empty file": ({"x.json": b""}, "x.json", "empty file", None),
    "whitespace only": ({"x.jsonl": " \n\t\r\n"}, "x.jsonl", "empty file", None),
    "binary": ({"x.csv": bytes(range(256))}, "x.csv", "binary", None),
    "unknown shape": ({"x.json": {"foo": {"bar": 1}, "notes": "hi"}}, "x.json", "no list of turns", None),
    "unmapped speaker": ({"x.json": bad_turn(speaker="Observer", text="hm")}, "x.json", "'Observer'", "bad"),
    "turn not an object": ({"x.json": {"id": "bad", "dialogue": ["Therapist: hi"]}}, "x.json",
                           "turn 1 is a str, not an object", "bad"),
    "speaker not a string": ({"x.json": bad_turn(speaker=3, text="hi")}, "x.json",
                             "turn 2: speaker is a int", "bad"),
    "text of wrong type": ({"x.json": bad_turn(speaker="t", text={"a": 1})}, "x.json",
                           "turn 2: text is a dict", "bad"),
    "no turns": ({"x.json": {"id": "bad", "dialogue": []}}, "x.json", "no turns", "bad"),
    "CSV without columns": ({"x.csv": "who,said\nt,hi\n"}, "x.csv", "CSV needs a speaker column", None),
    "txt without prefixes": ({"x.txt": "just some notes\nwithout any speakers\n"}, "x.txt",
                             "no 'Speaker: text' lines", "x"),
}


def write_all(directory, files):
    for name, content in files.items():
        write(directory, name, content)
    write(directory, "good/ok.json", {"id": "ok", "dialogue": turn_dicts()})


@pytest.mark.parametrize("case", list(SKIP_CASES))
def test_skip_reason(tmp_path, case):
    files, path, reason, session_id = SKIP_CASES[case]
    write_all(tmp_path, files)
    result = load_corpus(tmp_path)
    assert by_id(result) == {"ok": EXCHANGE}
    [skip] = result.skips
    assert skip.path == path
    assert reason in skip.reason
    assert skip.session_id == session_id
    assert "\n" not in skip.reason


@pytest.mark.parametrize("case", list(SKIP_CASES))
def test_strict_raises_on_the_first_bad_input(tmp_path, case):
    files, path, reason, session_id = SKIP_CASES[case]
    write_all(tmp_path, files)
    with pytest.raises(InputError) as err:
        load_corpus(tmp_path, strict=True)
    message = str(err.value)
    assert "\n" not in message
    assert message.startswith(path)
    assert reason in message
    assert err.value.path == path and err.value.session_id == session_id


def test_bad_jsonl_line_keeps_the_good_lines(tmp_path):
    good = [json.dumps({"session_id": f"s{i}", "dialogue": turn_dicts()}) for i in range(3)]
    write(tmp_path, "x.jsonl", "\n".join([good[0], "{not json", good[1], "", "42", good[2]]) + "\n")
    result = load_corpus(tmp_path)
    assert by_id(result) == {"s0": EXCHANGE, "s1": EXCHANGE, "s2": EXCHANGE}
    assert [(s.path, s.line) for s in result.skips] == [("x.jsonl", 2), ("x.jsonl", 5)]
    assert "invalid JSON" in result.skips[0].reason
    assert result.stats.counts["lines_skipped"] == 2
    with pytest.raises(InputError, match=r"^x\.jsonl:2: invalid JSON"):
        load_corpus(tmp_path, strict=True)


def test_directory_named_like_an_input_file(tmp_path):
    (tmp_path / "x.json").mkdir()
    write(tmp_path, "x.json/inner.json", {"id": "inner", "dialogue": turn_dicts()})
    result = load_corpus(tmp_path)
    assert by_id(result) == {"inner": EXCHANGE}
    [skip] = result.skips
    assert skip.path == "x.json" and "not a regular file" in skip.reason
    assert result.stats.counts["files_skipped"] == 1
    with pytest.raises(InputError, match=r"^x\.json: not a regular file"):
        load_corpus(tmp_path, strict=True)


def test_duplicate_session_in_two_files_is_skipped(tmp_path):
    write(tmp_path, "a.json", {"id": "same", "dialogue": turn_dicts()})
    write(tmp_path, "b.jsonl", json.dumps({"session_id": "same", "turns": turn_dicts()}))
    result = load_corpus(tmp_path)
    assert by_id(result) == {"same": EXCHANGE}
    assert result.sessions[0].source == "a.json"
    [skip] = result.skips
    assert skip.path == "b.jsonl" and skip.session_id == "same"
    assert "duplicate" in skip.reason and "a.json" in skip.reason
    assert result.stats.exchanges_dropped["duplicate_session"] == 3
    with pytest.raises(InputError, match=r"^b\.jsonl \(session same\): duplicate"):
        load_corpus(tmp_path, strict=True)


def test_a_file_is_read_alone_and_its_duplicates_decided_across_files(tmp_path):
    # load_file: one file's sessions and skips in file order, and its counts; the id rule comes after.
    write(tmp_path, "a.json", {"sessions": [{"id": "x", "dialogue": turn_dicts()},
                                            {"id": "bad", "dialogue": [{"speaker": "Narrator", "text": "hm"}]},
                                            {"id": "x", "dialogue": turn_dicts()}]})
    loaded = load_file(tmp_path / "a.json", tmp_path, SpeakerRules())
    assert [(type(item).__name__, item.session_id) for item in loaded.found] == [
        ("Session", "x"), ("Skip", "bad"), ("Session", "x")]
    assert loaded.stats.counts == {"files": 1, "exchanges_loaded": 7, "sessions_skipped": 1, "files_loaded": 1}
    assert loaded.stats.exchanges_dropped == {"session_skipped": 1}
    assert (loaded.record.path, loaded.record.skipped) == ("a.json", False)
    result = load_corpus(tmp_path)
    assert by_id(result) == {"x": EXCHANGE}
    duplicate = result.skips[1]
    assert (duplicate.session_id, duplicate.reason) == ("x", "duplicate of the session with this id in a.json")
    assert result.files[0].sessions == 1
    assert result.stats.counts["sessions_skipped"] == 2 and result.stats.exchanges_dropped["duplicate_session"] == 3


def test_same_id_with_different_turns_is_kept_and_renamed(tmp_path):
    write(tmp_path, "a.json", {"id": "same", "dialogue": turn_dicts()})
    write(tmp_path, "sub/b.json", {"id": "same", "dialogue": turn_dicts()[:2]})
    for strict in (False, True):
        result = load_corpus(tmp_path, strict=strict)
        assert not result.skips
        assert by_id(result) == {"same": EXCHANGE, "same@sub/b": EXCHANGE[:2]}


def test_session_ids_stay_unique_after_renaming(tmp_path):
    # Bug: the renamed id is not checked against the ids already taken.
    write(tmp_path, "a.json", {"sessions": [{"id": "x", "dialogue": turn_dicts(EXCHANGE[:k])} for k in (1, 2, 3)]})
    write(tmp_path, "b.json", {"id": "y", "dialogue": turn_dicts(EXCHANGE[:1])})
    write(tmp_path, "c.json", {"id": "y@d", "dialogue": turn_dicts(EXCHANGE[:2])})
    write(tmp_path, "d.json", {"id": "y", "dialogue": turn_dicts(EXCHANGE[:3])})
    result = load_corpus(tmp_path)
    ids = [s.session_id for s in result.sessions]
    assert len(result.sessions) == 6
    assert len(set(ids)) == len(ids), ids
