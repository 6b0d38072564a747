"""Reliability: broken, hostile and random input never crashes the loader or the CLI.

Lenient runs skip what they cannot read, say why, and keep everything good; strict runs stop with
one line; bad config stops with exit 2 naming the key. Property tests feed arbitrary bytes, and
random valid sessions in every structure, through `load_corpus`.
"""

import csv
import io
import json
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from corpus_files import ORDER_KEYS, SESSION_ID_KEYS, SPEAKER_KEYS, TEXT_KEYS, TURN_LIST_KEYS, write
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from therapy_pipeline.loaders import load_corpus
from therapy_pipeline.model import InputError

REPO = Path(__file__).resolve().parent.parent

LABELS = {"therapist": ["therapist", "counselor", "counsellor", "clinician", "psychologist", "provider",
                        "t", "assistant", "gpt"],
          "client": ["client", "patient", "c", "p", "user", "human"]}

EXCHANGE = [("client", "I keep snapping at my partner."),
            ("therapist", "What happens right before you snap?"),
            ("client", "I feel ignored."),
            ("therapist", "Let's look at that feeling together.")]
DEEP_LIST = "[" * 200_000 + "]" * 200_000


def turn_dicts(exchange=EXCHANGE):
    return [{"speaker": role, "text": text} for role, text in exchange]


def by_id(result):
    return {s.session_id: [(t.speaker, t.text) for t in s.turns] for s in result.sessions}


def check_invariants(result):
    """What holds for any load: canonical turns only, and every exchange read is kept or counted."""
    for session in result.sessions:
        for turn in session.turns:
            assert turn.speaker in ("therapist", "client")
            assert turn.text and turn.text == turn.text.strip()
    counts = result.stats.counts
    kept = sum(len(s.turns) for s in result.sessions)
    assert counts["exchanges_loaded"] == kept + sum(result.stats.exchanges_dropped.values())
    assert counts["sessions"] == len(result.sessions)
    assert counts["files"] == len(result.files) == counts["files_loaded"] + counts["files_skipped"]
    ids = [s.session_id for s in result.sessions]
    assert len(ids) == len(set(ids))
    # Everything handed on must be writable as UTF-8 (dataset columns, manifest, log).
    handed_on = [*ids, *(s.source for s in result.sessions), *(f.path for f in result.files),
                 *(str(s) for s in result.skips), *(t.text for s in result.sessions for t in s.turns)]
    for value in handed_on:
        value.encode("utf-8")


# --- hand-made hostile files ------------------------------------------------------------------

GOOD = {"session_id": "good", "dialogue": turn_dicts()}

# name -> (file name, content, fragment of the skip reason)
HOSTILE = {
    "truncated JSON": ("x.json", json.dumps(GOOD)[:-7], "invalid JSON"),
    "invalid JSON": ("x.json", "{'dialogue': []}", "invalid JSON"),
    "trailing garbage": ("x.json", json.dumps(GOOD) + " }", "invalid JSON"),
    "empty .json": ("x.json", b"", "empty file"),
    "empty .csv": ("x.csv", b"", "empty file"),
    "whitespace-only .txt": ("x.txt", " \n\t \r\n  ", "empty file"),
    "whitespace-only .jsonl": ("x.jsonl", "\n\n   \n", "empty file"),
    "null top level": ("x.json", "null", "top level is a NoneType"),
    "number top level": ("x.json", "3.5", "top level is a float"),
    "string top level": ("x.json", '"Therapist: hi"', "top level is a str"),
    "empty list": ("x.json", "[]", "empty list"),
    "turns not a list": ("x.json", {"dialogue": "Therapist: hi"}, "'dialogue' is a str, not a list"),
    "turns a dict": ("x.json", {"messages": {"0": {"speaker": "t", "text": "hi"}}}, "not a list"),
    "turns null": ("x.json", {"turns": None}, "not a list"),
    "sessions not a list": ("x.json", {"sessions": {"a": GOOD}}, "'sessions' is not a non-empty list"),
    "numeric speaker": ("x.json", [{"speaker": 1, "text": "hi"}], "speaker is a int"),
    "null speaker": ("x.json", [{"speaker": None, "text": "hi"}], "speaker is a NoneType"),
    "list speaker": ("x.json", [{"speaker": ["t"], "text": "hi"}], "speaker is a list"),
    "no speaker field": ("x.json", [{"name": "t", "text": "hi"}], "no speaker field"),
    "dict text": ("x.json", [{"speaker": "t", "text": {"en": "hi"}}], "text is a dict"),
    "bool text": ("x.json", [{"speaker": "t", "text": True}], "text is a bool"),
    "list text": ("x.json", [{"speaker": "t", "text": ["hi", 2]}], "text is a list"),
    "turn is a number": ("x.json", {"dialogue": [7]}, "turn 1 is a int"),
    "deep list": ("x.json", DEEP_LIST, "nested too deeply"),
    "deep object": ("x.json", '{"a":' * 200_000 + "1" + "}" * 200_000, "nested too deeply"),
    "deep and truncated": ("x.json", "[" * 200_000, "invalid JSON"),
    "deep .jsonl": ("x.jsonl", DEEP_LIST + "\n", "nested too deeply"),
    "latin-1": ("x.txt", "Therapist: \xbfQu\xe9 tal?\n".encode("latin-1"), "not UTF-8"),
    "latin-1 json": ("x.json", '[{"speaker": "t", "text": "caf\xe9"}]'.encode("latin-1"), "not UTF-8"),
    "random binary": ("x.json", bytes(range(256)) * 4, "binary"),
    "png header": ("x.csv", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary"),
    "CSV without columns": ("x.csv", "name,words\nt,hi\n", "CSV needs a speaker column"),
    "CSV header only": ("x.csv", "speaker,text\n", "no rows"),
    "txt without prefixes": ("x.txt", "a note\nanother note\n", "no 'Speaker: text' lines"),
    "txt with one unknown prefix": ("x.txt", "Date: 2024-05-01\nno speakers here\n", "no 'Speaker: text' lines"),
}


@pytest.mark.parametrize("case", list(HOSTILE))
def test_hostile_file_is_a_clean_skip(tmp_path, case):
    name, content, reason = HOSTILE[case]
    write(tmp_path, name, content)
    write(tmp_path, "z/good.json", GOOD)
    result = load_corpus(tmp_path)
    check_invariants(result)
    assert by_id(result) == {"good": EXCHANGE}
    [skip] = result.skips
    assert skip.path == name and reason in skip.reason, str(skip)
    assert "\n" not in skip.reason and len(skip.reason) < 300
    with pytest.raises(InputError) as err:
        load_corpus(tmp_path, strict=True)
    assert str(err.value).startswith(name) and "\n" not in str(err.value)


def test_null_text_is_an_empty_turn(tmp_path):
    write(tmp_path, "s.json", turn_dicts() + [{"speaker": "t", "text": None}])
    result = load_corpus(tmp_path)
    assert by_id(result) == {"s": EXCHANGE}
    assert result.stats.exchanges_dropped["empty_text"] == 1


@pytest.mark.parametrize("name,content", [
    ("bom.json", json.dumps(GOOD)),
    ("bom.jsonl", json.dumps(GOOD) + "\n"),
    ("bom.csv", "session_id,speaker,text\n" + "".join(f"good,{r},{t}\n" for r, t in EXCHANGE)),
    ("bom.txt", "".join(f"{r}: {t}\n" for r, t in EXCHANGE)),
])
def test_utf8_bom_loads(tmp_path, name, content):
    (tmp_path / name).write_bytes(b"\xef\xbb\xbf" + content.replace("\n", "\r\n").encode("utf-8"))
    result = load_corpus(tmp_path)
    assert not result.skips
    assert list(by_id(result).values()) == [EXCHANGE]


def test_directory_named_x_json(tmp_path):
    (tmp_path / "x.json").mkdir()
    (tmp_path / "y.csv").mkdir()
    write(tmp_path, "good.json", GOOD)
    result = load_corpus(tmp_path)
    assert by_id(result) == {"good": EXCHANGE}
    assert [(s.path, s.reason) for s in result.skips] == [("x.json", "not a regular file"),
                                                         ("y.csv", "not a regular file")]
    check_invariants(result)


def test_duplicate_session_ids_across_files(tmp_path):
    write(tmp_path, "a.json", GOOD)
    write(tmp_path, "b.json", GOOD)  # same id, same turns: dropped
    write(tmp_path, "c.json", {"id": "good", "dialogue": turn_dicts(EXCHANGE[:2])})  # same id, other turns
    result = load_corpus(tmp_path)
    check_invariants(result)
    assert by_id(result) == {"good": EXCHANGE, "good@c": EXCHANGE[:2]}
    assert [(s.path, s.session_id) for s in result.skips] == [("b.json", "good")]


def test_one_bad_line_in_a_jsonl(tmp_path):
    lines = [json.dumps({"session_id": "s", "speaker": r, "text": t}) for r, t in EXCHANGE]
    lines.insert(2, '{"session_id": "s", "speaker": "t", "text": "cut off')
    write(tmp_path, "turns.jsonl", "\n".join(lines))
    result = load_corpus(tmp_path)
    check_invariants(result)
    assert list(by_id(result).values()) == [EXCHANGE]
    [skip] = result.skips
    assert (skip.path, skip.line) == ("turns.jsonl", 3) and "invalid JSON" in skip.reason


def test_jsonl_fallback_id_does_not_depend_on_a_bad_line(tmp_path):
    # Bug: the bad line counts as a session, so the file's only session becomes "turns#2".
    lines = [json.dumps({"speaker": r, "text": t}) for r, t in EXCHANGE]
    write(tmp_path, "clean/turns.jsonl", "\n".join(lines))
    write(tmp_path, "dirty/turns.jsonl", "\n".join(lines + ["{oops"]))
    result = load_corpus(tmp_path)
    assert sorted(by_id(result)) == ["clean/turns", "dirty/turns"]


# --- found by fuzzing: bugs until fixed ----------------------------------------------------------

@pytest.mark.parametrize("name,content", [
    ("huge-int.json", "1" * 5000),
    ("huge-int-field.json", '{"id": ' + "7" * 5000 + ', "dialogue": []}'),
    ("huge-int.jsonl", "9" * 5000 + "\n"),
    ("superscript-order.json", json.dumps([{"speaker": "t", "text": "hi", "order": "\u00b2"}])),
    ("huge-order.json", json.dumps([{"speaker": "t", "text": "hi", "turn": "9" * 5000}])),
], ids=["huge-int", "huge-int-field", "huge-int-jsonl", "superscript-order", "huge-order"])
def test_numbers_python_cannot_convert_are_not_a_crash(tmp_path, name, content):
    # Bug: json.loads raises ValueError (not JSONDecodeError) past 4300 digits, and
    # int("\u00b2") raises although "\u00b2".isdigit(); both escape load_corpus.
    write(tmp_path, name, content)
    write(tmp_path, "z/good.json", GOOD)
    result = load_corpus(tmp_path)
    check_invariants(result)
    assert by_id(result)["good"] == EXCHANGE


def test_jsonl_lines_split_only_at_newlines(tmp_path):
    # Bug: str.splitlines() also splits at U+2028, U+2029 and U+0085, which json.dumps(...,
    # ensure_ascii=False) leaves raw inside strings, so valid JSONL lines are cut in pieces.
    texts = ["one\u2028two", "three\u2029four", "five\x85six"]
    record = {"session_id": "s", "dialogue": [{"speaker": "c", "text": t} for t in texts]}
    write(tmp_path, "s.jsonl", json.dumps(record, ensure_ascii=False) + "\n")
    result = load_corpus(tmp_path)
    assert not result.skips
    assert by_id(result) == {"s": [("client", t) for t in texts]}


@pytest.mark.parametrize("name,content", [
    ("text.json", '{"id": "s", "dialogue": [{"speaker": "c", "text": "hi \\ud800 there"}]}'),
    ("parts.json", '[{"speaker": "c", "content": [{"type": "text", "text": "\\udfff"}]}]'),
    ("id.jsonl", '{"id": "t\\udfff", "dialogue": [{"speaker": "c", "text": "hi"}]}'),
    ("speaker.json", '[{"speaker": "\\ud800x", "text": "hi"}]'),
    (os.fsdecode(b"caf\xe9.json"), json.dumps([{"speaker": "c", "text": "hi"}])),
], ids=["text", "content-parts", "session-id", "speaker", "file-name"])
def test_nothing_unencodable_leaves_the_loader(tmp_path, name, content):
    # Bug: "\ud800" is valid JSON escape syntax and a Linux file name need not be UTF-8. Loaded as
    # is, the lone surrogate reaches a turn, a session id, a skip reason or a path, and the run
    # crashes later with a traceback (UnicodeEncodeError in pyarrow or writing the manifest).
    write(tmp_path, name, content)
    write(tmp_path, "z/good.json", GOOD)
    result = load_corpus(tmp_path)
    assert by_id(result)["good"] == EXCHANGE
    check_invariants(result)


# --- property: arbitrary bytes never escape load_corpus ---------------------------------------

json_scalars = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20)
json_keys = st.sampled_from(TURN_LIST_KEYS + SPEAKER_KEYS + TEXT_KEYS + ORDER_KEYS + SESSION_ID_KEYS
                            + ["sessions", "transcript", "session"]) | st.text(max_size=8)
json_values = st.recursive(
    json_scalars | st.sampled_from(LABELS["therapist"] + LABELS["client"] + ["Dr. X"]),
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(json_keys, inner, max_size=5),
    max_leaves=25)
valid_file = json.dumps(GOOD)
hostile_bytes = st.one_of(
    st.binary(max_size=400),
    st.text(max_size=300).map(lambda s: s.encode("utf-8", "surrogatepass")),
    json_values.map(lambda v: json.dumps(v).encode()),
    st.lists(json_values, max_size=5).map(lambda vs: "\n".join(json.dumps(v) for v in vs).encode()),
    st.integers(0, len(valid_file)).map(lambda n: valid_file[:n].encode()),
    st.lists(st.text(alphabet="TCtc:,\"\n\r ;|abc", max_size=20), max_size=8).map(
        lambda parts: "\n".join(parts).encode()),
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=hostile_bytes, suffix=st.sampled_from([".json", ".jsonl", ".csv", ".txt"]))
def test_arbitrary_bytes_never_raise_and_good_files_load(data, suffix):
    with tempfile.TemporaryDirectory() as root:
        write(root, f"fuzz{suffix}", data)
        write(root, "good/a.json", {"session_id": "good-a", "dialogue": turn_dicts()})
        write(root, "good/b.csv", "session_id,speaker,text\n" + "".join(
            f"good-b,{r},\"{t}\"\n" for r, t in EXCHANGE))
        result = load_corpus(root)
    check_invariants(result)
    loaded = by_id(result)
    assert loaded["good-a"] == EXCHANGE and loaded["good-b"] == EXCHANGE
    fuzz_record = next(f for f in result.files if f.path == f"fuzz{suffix}")
    assert fuzz_record.sessions > 0 or any(s.path == f"fuzz{suffix}" for s in result.skips)
    assert not any(s.path.startswith("good/") for s in result.skips)


# --- property: random valid sessions in any structure load back exactly ------------------------

def _is_one_line(ch):
    return len(f"a{ch}b".splitlines()) == 1


any_char = st.characters(blacklist_categories=("Cs",))
plain_char = st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00")
line_char = plain_char.filter(_is_one_line)


def neutralized(text):
    """Text spelling a chat control token is loaded with the bars removed: "<|eot_id|>" -> "<eot_id>"."""
    return re.sub(r"<\|([A-Za-z0-9_]+)\|>", r"<\1>", text)


def texts(chars):
    return st.text(chars, min_size=1, max_size=40).filter(lambda s: s.strip())


@st.composite
def labels(draw, role):
    label = draw(st.sampled_from(LABELS[role]))
    return "".join(ch.upper() if draw(st.booleans()) else ch for ch in label)


STRUCTURES = ["object", "nested", "list", "sessions", "transcript", "jsonl_session", "jsonl_turns",
              "csv", "txt"]


@st.composite
def sessions(draw, structure):
    chars = {"transcript": line_char, "txt": line_char, "csv": plain_char}.get(structure, any_char)
    n = draw(st.integers(1, 12))
    roles = draw(st.lists(st.sampled_from(["therapist", "client"]), min_size=n, max_size=n))
    return [(role, draw(labels(role)), draw(texts(chars))) for role in roles]


def render(structure, session_id, turns, draw):
    """The file name suffix and content of one session in the given structure."""
    speaker_key = draw(st.sampled_from(SPEAKER_KEYS))
    text_key = draw(st.sampled_from(TEXT_KEYS))
    list_key = draw(st.sampled_from(TURN_LIST_KEYS))
    id_key = draw(st.sampled_from(SESSION_ID_KEYS))
    order_key = draw(st.sampled_from(ORDER_KEYS + [None]))
    ascii_only = draw(st.booleans())
    records = [{speaker_key: label, text_key: text} for _, label, text in turns]
    if order_key:
        start = draw(st.integers(-5, 5))
        for i, record in enumerate(records):
            record[order_key] = start + i
        records = draw(st.permutations(records))

    def dump(value):
        return json.dumps(value, ensure_ascii=ascii_only)

    if structure == "object":
        return ".json", dump({id_key: session_id, list_key: records, "summary": "x"})
    if structure == "nested":
        return ".json", dump({id_key: session_id, "session": {list_key: records}})
    if structure == "list":
        return ".json", dump(records)
    if structure == "sessions":
        return ".json", dump({"sessions": [{id_key: session_id, list_key: records}]})
    if structure == "transcript":
        lines = "\n".join(f"{label}: {text}" for _, label, text in turns)
        return ".json", dump({id_key: session_id, "transcript": lines})
    if structure == "jsonl_session":
        return ".jsonl", dump({id_key: session_id, list_key: records}) + "\n"
    if structure == "jsonl_turns":
        return ".jsonl", "\n".join(dump({**r, "session_id": session_id}) for r in records)
    if structure == "csv":
        out = io.StringIO()
        writer = csv.writer(out)
        header = [id_key, speaker_key, text_key] + ([order_key] if order_key else [])
        writer.writerow(header)
        for r in records:
            writer.writerow([session_id, r[speaker_key], r[text_key]] + ([r[order_key]] if order_key else []))
        return ".csv", out.getvalue()
    return ".txt", "\n".join(f"{label}: {text}" for _, label, text in turns) + "\n"


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_valid_sessions_round_trip_in_any_structure(data):
    n_sessions = data.draw(st.integers(1, 3))
    expected = {}
    with tempfile.TemporaryDirectory() as root:
        for k in range(n_sessions):
            structure = data.draw(st.sampled_from(STRUCTURES))
            turns = data.draw(sessions(structure))
            suffix, content = render(structure, f"s{k}", turns, data.draw)
            write(root, f"s{k}{suffix}", content)
            expected[f"s{k}"] = [(role, neutralized(text.strip())) for role, _, text in turns]
        result = load_corpus(root)
    assert not result.skips, [str(s) for s in result.skips]
    assert by_id(result) == expected
    check_invariants(result)


# --- the CLI ----------------------------------------------------------------------------------

@pytest.fixture(scope="session")
def cache_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("tokenizer-cache")


def cli(*args, cache_dir=None):
    """Start run_data_processing.py offline; finish() gives (exit code, stdout, stderr)."""
    sets = ["--set", f"cache_dir={cache_dir}", "--set", f"deid_key_file={cache_dir}/deid.key"] if cache_dir else []
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    return subprocess.Popen([sys.executable, "run_data_processing.py", *args, *sets], cwd=REPO, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def finish(process):
    out, err = process.communicate(timeout=300)
    return process.returncode, out, err


GOOD_FILES = {
    "good/a.json": {"session_id": "g-json", "dialogue": turn_dicts()},
    "good/b.jsonl": "\n".join(json.dumps({"conversation_id": "g-jsonl", "role": r, "content": t})
                              for r, t in EXCHANGE) + "\n{broken line\n",
    "good/c.csv": "id,speaker,text\n" + "".join(f"g-csv,{r},\"{t}, really\"\n" for r, t in EXCHANGE),
    "good/d.txt": "".join(f"{r.title()}: {t}\n" for r, t in EXCHANGE),
    "good/e.json": {"session_id": "g-json", "dialogue": turn_dicts(EXCHANGE[:2])},  # renamed g-json@good/e
    "good/f.json": {"sessions": [{"id": "g-multi-1", "turns": turn_dicts()},
                                 {"id": "g-multi-2", "turns": turn_dicts()[1:]}]},
}
GOOD_IDS = {"g-json", "g-jsonl", "g-csv", "good/d", "g-json@good/e", "g-multi-1", "g-multi-2"}
# path -> fragment of the reason; the .jsonl's bad line and the duplicate are checked separately.
BROKEN_FILES = {
    "bad/a-invalid.json": ('{"dialogue": [', "invalid JSON"),
    "bad/b-latin1.txt": ("Therapist: caf\xe9\n".encode("latin-1"), "not UTF-8"),
    "bad/c-empty.json": (b"", "empty file"),
    "bad/d-blank.csv": (" \n \n", "empty file"),
    "bad/e-binary.json": (bytes(range(256)), "binary"),
    "bad/f-null.json": ("null", "top level is a NoneType"),
    "bad/g-turns-not-list.json": ({"dialogue": "Therapist: hi"}, "not a list"),
    "bad/h-speaker-number.json": ([{"speaker": 5, "text": "hi"}], "speaker is a int"),
    "bad/i-deep.json": (DEEP_LIST, "nested too deeply"),
    "bad/j-no-columns.csv": ("who,said\nt,hi\n", "CSV needs a speaker column"),
    "bad/k-no-prefix.txt": ("just notes\n", "no 'Speaker: text' lines"),
    "bad/l-unmapped.json": ({"id": "unmapped", "dialogue": [{"speaker": "Narrator", "text": "hm"}]},
                            "'Narrator'"),
    "bad/m-dir.json": (None, "not a regular file"),
    "later/dup.json": ({"session_id": "g-json", "dialogue": turn_dicts()}, "duplicate"),  # after good/
}


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    root = tmp_path_factory.mktemp("cli-corpus")
    for name, content in GOOD_FILES.items():
        write(root, name, content)
    for name, (content, _) in BROKEN_FILES.items():
        if content is None:
            (root / name).mkdir(parents=True)
        else:
            write(root, name, content)
    return root


@pytest.fixture(scope="module")
def lenient_run(corpus, cache_dir, tmp_path_factory):
    out = tmp_path_factory.mktemp("cli-out") / "processed"
    # The good files say one exchange in every structure: copies of each other, which dedupe would
    # rightly drop (tests/test_dedupe.py); here every structure's session must be kept.
    code, stdout, stderr = finish(cli("--input-dir", str(corpus), "--output-dir", str(out), "--set", "dedupe=off",
                                      cache_dir=cache_dir))
    return code, stdout, stderr, out


def test_cli_lenient_skips_every_broken_file_and_keeps_every_good_session(lenient_run, cache_dir):
    """The console names every broken file; the manifest (de-identification on) names each by its
    keyed pseudonym, never by its path."""
    from therapy_pipeline.deid import load_key, pseudonym

    key = load_key(f"{cache_dir}/deid.key")
    code, _, stderr, out = lenient_run
    assert code == 0, stderr[-3000:]
    assert "Traceback" not in stderr
    skipped_lines = [line for line in stderr.splitlines() if line.startswith("skipped ")]
    manifest = json.loads((out / "processing_manifest.json").read_text(encoding="utf-8"))
    for path, (_, reason) in BROKEN_FILES.items():
        assert any(path in line and reason in line for line in skipped_lines), (path, skipped_lines)
        # a speaker label may be a person's name: the manifest holds its pseudonym
        redacted = "'" + pseudonym(key, "label", reason.strip("'")) + "'" if reason.startswith("'") else reason
        assert any(s["path"] == pseudonym(key, "file", path) and redacted in s["reason"]
                   for s in manifest["skipped"]), path
        assert path not in json.dumps(manifest)
    assert "Narrator" not in json.dumps(manifest)
    assert any(line.startswith("skipped good/b.jsonl:5") and "invalid JSON" in line for line in skipped_lines)
    assert len(manifest["skipped"]) == len(BROKEN_FILES) + 1
    assert manifest["counts"]["sessions"] == len(GOOD_IDS)
    in_splits = set().union(*manifest["splits"].values())
    assert in_splits == {pseudonym(key, "session", i) for i in GOOD_IDS}
    assert sum(len(ids) for ids in manifest["splits"].values()) == len(GOOD_IDS)


def test_cli_manifest_holds_no_transcript_text(lenient_run):
    *_, out = lenient_run
    manifest_text = (out / "processing_manifest.json").read_text(encoding="utf-8")
    for _, text in EXCHANGE:
        assert text not in manifest_text


def test_cli_strict_fails_with_one_line_and_keeps_no_output(corpus, cache_dir, lenient_run, tmp_path):
    out = tmp_path / "processed"
    code, _, stderr = finish(cli("--input-dir", str(corpus), "--output-dir", str(out), "--set", "strict=true",
                                 cache_dir=cache_dir))
    assert code == 1
    assert "Traceback" not in stderr
    errors = [line for line in stderr.splitlines() if line.startswith("error: ")]
    assert len(errors) == 1, stderr[-2000:]
    assert errors[0].startswith("error: bad/a-invalid.json: invalid JSON")
    assert not out.exists()


BAD_CONFIGS = {
    "max_length": ["--set", "max_length=abc"],
    "overlap_percentage": ["--set", "overlap_percentage=1.5"],
    "nope": ["--set", "nope=1"],
    "split_ratios": ["--set", "split_ratios={train: 0.8, validation: 0.1, test: 0.2}"],
    "max_exchange_length": ["--set", "min_exchange_length=50", "--set", "max_exchange_length=10"],
}
# Runs the CLI's main() once per bad config in one interpreter: each start-up imports datasets and
# transformers, which costs seconds. An exception escaping main() fails the whole driver.
MAIN_DRIVER = """
import contextlib, io, json, sys
import run_data_processing
results = {}
for key, args in json.loads(sys.argv[1]).items():
    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        code = run_data_processing.main(args)
    results[key] = [code, err.getvalue()]
print(json.dumps(results))
"""


@pytest.fixture(scope="module")
def bad_config_runs(corpus, tmp_path_factory):
    out = tmp_path_factory.mktemp("cli-bad-config") / "processed"
    argv = {key: ["--input-dir", str(corpus), "--output-dir", str(out), *args] for key, args in BAD_CONFIGS.items()}
    script = cli(*argv["max_length"])
    driver = subprocess.Popen([sys.executable, "-c", MAIN_DRIVER, json.dumps(argv)], cwd=REPO,
                              env={**os.environ, "HF_HUB_OFFLINE": "1"}, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True)
    script_result = finish(script)
    code, stdout, stderr = finish(driver)
    assert code == 0 and "Traceback" not in stderr, stderr[-3000:]
    assert not out.exists()
    return script_result, {key: tuple(value) for key, value in json.loads(stdout).items()}


def test_cli_script_exits_2_on_bad_config(bad_config_runs):
    (code, stdout, stderr), _ = bad_config_runs
    assert code == 2 and stdout == ""
    assert "Traceback" not in stderr
    assert [line for line in stderr.splitlines() if line.strip()] == [
        "config error: max_length: must be int, got 'abc'"]


@pytest.mark.parametrize("key", list(BAD_CONFIGS))
def test_cli_bad_config_exits_2_naming_the_key(bad_config_runs, key):
    _, by_key = bad_config_runs
    code, stderr = by_key[key]
    assert code == 2, stderr[-2000:]
    assert "Traceback" not in stderr
    errors = [line for line in stderr.splitlines() if line.strip()]
    assert errors and all(line.startswith("config error: ") for line in errors), stderr
    assert any(line.startswith(f"config error: {key}: ") for line in errors), stderr
