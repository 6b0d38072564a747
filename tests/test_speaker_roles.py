"""Roles per session: `speaker_roles_file` (CSV session_id,speaker,role) and `unmapped_speakers`.

Diarization labels (SPEAKER_00) mean the therapist in one session and the client in the next, and
caption labels are people's names: a corpus-wide `speaker_map` cannot map them.
"""

import json

import pytest
from corpus_files import write
from test_captions import load, srt, vtt

import run_data_processing
from therapy_data_processor import MANIFEST, ConfigError, ProcessingConfig, TherapyDataProcessor
from therapy_pipeline.loaders import read_speaker_roles
from therapy_pipeline.model import InputError

T, C = "therapist", "client"
UNMAPPED = "unmapped speaker label '{}' (map it in speaker_map or speaker_roles_file)"


def stt(*segments):
    return {"segments": [{"start": i, "end": i + 1, "speaker": who, "text": " " + text}
                         for i, (who, text) in enumerate(segments)]}


# Two sessions whose diarization gave SPEAKER_00 to different people.
DIARIZED = {
    "stt/monday.json": stt(("SPEAKER_00", "Welcome back."), ("SPEAKER_01", "Thanks."), ("SPEAKER_00", "How was it?")),
    "stt/tuesday.json": stt(("SPEAKER_00", "I had a rough week."), ("SPEAKER_01", "Tell me about it.")),
}
ROLES = ("session_id,speaker,role\n"
         "stt/monday,SPEAKER_00,therapist\nstt/monday,SPEAKER_01,client\n"
         "stt/tuesday,speaker_00,Client\nstt/tuesday,SPEAKER_01,therapist\n")


def test_the_roles_file_maps_the_same_label_differently_per_session(tmp_path):
    (tmp_path / "roles.csv").write_text(ROLES)
    sessions, skips, result = load(tmp_path / "in", DIARIZED, roles=read_speaker_roles(tmp_path / "roles.csv"))
    assert skips == []
    assert sessions == {"stt/monday": [(T, "Welcome back."), (C, "Thanks."), (T, "How was it?")],
                        "stt/tuesday": [(C, "I had a rough week."), (T, "Tell me about it.")]}
    assert result.stats.counts["sessions_with_speaker_roles"] == 2
    assert result.stats.counts["speaker_roles_sessions_not_found"] == 0


def test_the_roles_file_wins_over_speaker_map_and_leaves_other_sessions_to_it(tmp_path):
    files = {**DIARIZED, "other.srt": srt("SPEAKER_00: Hello.", "SPEAKER_01: Hi.")}
    (tmp_path / "roles.csv").write_text(ROLES)
    sessions, skips, _ = load(tmp_path / "in", files, roles=read_speaker_roles(tmp_path / "roles.csv"),
                              speaker_map={"SPEAKER_00": C, "SPEAKER_01": T})
    assert skips == []
    assert sessions["stt/monday"][0] == (T, "Welcome back.")  # the file's role, not speaker_map's
    assert sessions["other"] == [(C, "Hello."), (T, "Hi.")]  # not in the file: speaker_map


def test_a_label_the_roles_file_leaves_out_still_skips_its_session_naming_it(tmp_path, caplog):
    (tmp_path / "roles.csv").write_text("session_id,speaker,role\nstt/monday,SPEAKER_00,therapist\n"
                                        "nowhere,SPEAKER_00,therapist\n")
    sessions, skips, result = load(tmp_path / "in", DIARIZED, roles=read_speaker_roles(tmp_path / "roles.csv"))
    assert sessions == {}
    assert sorted(skips) == [("stt/monday.json", "stt/monday", "turn 2: " + UNMAPPED.format("SPEAKER_01")),
                             ("stt/tuesday.json", "stt/tuesday", "turn 1: " + UNMAPPED.format("SPEAKER_00"))]
    # An id in the file that no input has is reported (a typo would otherwise go unnoticed).
    assert result.stats.counts["speaker_roles_sessions_not_found"] == 1
    assert "speaker_roles_file names 1 session ids that no input file has (such as nowhere)" in caplog.text


def test_roles_file_ids_are_the_ids_the_sessions_have(tmp_path):
    """A session's own id field, or its file's path without extension (`#k` in a multi-session file)."""
    files = {"many.jsonl": "\n".join(json.dumps(s) for s in [
        {"session_id": "S-1", "dialogue": [{"speaker": "Dr. Ames", "text": "Hi."}, {"speaker": "Bo", "text": "Hey."}]},
        {"dialogue": [{"speaker": "Dr. Ames", "text": "Back again."}, {"speaker": "Cy", "text": "Yes."}]},
    ]) + "\n"}
    (tmp_path / "roles.csv").write_text("session_id,speaker,role\nS-1,Dr. Ames,therapist\nS-1,Bo,client\n"
                                        "many#2,dr. ames,therapist\nmany#2,CY,client\n")
    sessions, skips, _ = load(tmp_path / "in", files, roles=read_speaker_roles(tmp_path / "roles.csv"))
    assert skips == []
    assert sessions == {"S-1": [(T, "Hi."), (C, "Hey.")], "many#2": [(T, "Back again."), (C, "Yes.")]}


def test_names_given_as_roles_are_known_names_of_their_session_for_deidentification(tmp_path):
    files = {"lee.vtt": vtt("00:00.000 --> 00:02.000\n<v Dr. Lee>Welcome back.",
                            "00:02.000 --> 00:03.000\n<v Anna Kowalczyk>Thanks, Dr. Lee.")}
    (tmp_path / "roles.csv").write_text("session_id,speaker,role\nlee,Dr. Lee,therapist\nlee,Anna Kowalczyk,client\n")
    _, _, result = load(tmp_path / "in", files, roles=read_speaker_roles(tmp_path / "roles.csv"))
    assert result.sessions[0].known_names == (("speaker", "Dr. Lee"), ("speaker", "Anna Kowalczyk"))


# --- unmapped_speakers: first_is_therapist -------------------------------------------------------------

def test_first_is_therapist_gives_the_first_of_two_unmapped_labels_the_therapist(tmp_path):
    files = {**DIARIZED,
             "names.txt": "Dr. Okafor: What brings you in?\nJamie: My sleep.\nDr. Okafor: Tell me more.\nJamie: I wake at 3.\n",
             # the order field decides who spoke first, not the file's order
             "ordered.json": {"dialogue": [{"turn": 2, "speaker": "B", "text": "Second."},
                                           {"turn": 1, "speaker": "A", "text": "First."}]}}
    sessions, skips, result = load(tmp_path, files, unmapped="first_is_therapist")
    assert skips == []
    assert sessions["stt/monday"] == [(T, "Welcome back."), (C, "Thanks."), (T, "How was it?")]
    assert sessions["stt/tuesday"] == [(T, "I had a rough week."), (C, "Tell me about it.")]
    assert sessions["names"] == [(T, "What brings you in?"), (C, "My sleep."), (T, "Tell me more."), (C, "I wake at 3.")]
    assert sessions["ordered"] == [(T, "First."), (C, "Second.")]
    assert result.stats.counts["sessions_roles_by_first_speaker"] == 4


def test_first_is_therapist_needs_exactly_two_unmapped_labels(tmp_path):
    files = {"three.json": stt(("SPEAKER_00", "Hi."), ("SPEAKER_01", "Hello."), ("SPEAKER_02", "Mm-hmm.")),
             "one.json": stt(("Therapist", "Hi."), ("SPEAKER_01", "Hello.")),
             "mapped.json": stt(("Therapist", "Hi."), ("Client", "Hello."))}
    sessions, skips, result = load(tmp_path, files, unmapped="first_is_therapist")
    assert sessions == {"mapped": [(T, "Hi."), (C, "Hello.")]}
    assert sorted(skips) == [
        ("one.json", "one", "turn 2: " + UNMAPPED.format("SPEAKER_01")),
        ("three.json", "three", "turn 1: " + UNMAPPED.format("SPEAKER_00")
         + "; first_is_therapist needs exactly two, found 3"),
    ]
    assert result.stats.counts["sessions_roles_by_first_speaker"] == 0


def test_first_is_therapist_after_the_roles_file_and_the_default_skips(tmp_path):
    (tmp_path / "roles.csv").write_text("session_id,speaker,role\nstt/tuesday,SPEAKER_00,client\n"
                                        "stt/tuesday,SPEAKER_01,therapist\n")
    roles = read_speaker_roles(tmp_path / "roles.csv")
    sessions, skips, _ = load(tmp_path / "in", DIARIZED, roles=roles, unmapped="first_is_therapist")
    assert skips == []
    assert sessions["stt/tuesday"][0] == (C, "I had a rough week.")  # the file, not the order
    assert sessions["stt/monday"][0] == (T, "Welcome back.")  # no row: the first to speak
    assert load(tmp_path / "in", {}, roles=roles)[0].keys() == {"stt/tuesday"}  # skip: monday is skipped


# --- the roles file itself ----------------------------------------------------------------------------

@pytest.mark.parametrize("text, reason", [
    ("session,speaker,role\na,B,client\n", ("line 1: the header needs the columns session_id, speaker, role "
                                           "(session_id missing)")),
    ("session_id,speaker,role\na,B,doctor\n", "line 2: role must be therapist or client, got 'doctor'"),
    ("session_id,speaker,role\na,,client\n", "line 2: needs a session_id, a speaker and a role"),
    ("session_id,speaker,role\na,B\n", "line 2: needs a session_id, a speaker and a role"),
    ("session_id,speaker,role\na,Dr. Lee,client\na,dr. lee,therapist\n",
     "line 3: this speaker of this session has two roles"),
    ("session_id,speaker,role\n", "no rows: expected session_id,speaker,role lines after the header"),
    (b"session_id,speaker,role\na,\xff,client\n", "not UTF-8 text (invalid byte at offset 26)"),
], ids=["no session_id column", "bad role", "empty speaker", "short row", "two roles", "no rows", "not utf-8"])
def test_a_roles_file_that_cannot_be_used_is_one_reason_naming_it_and_no_label(tmp_path, text, reason):
    path = tmp_path / "roles.csv"
    path.write_bytes(text if isinstance(text, bytes) else text.encode())
    with pytest.raises(InputError) as err:
        read_speaker_roles(path)
    assert str(err.value) == f"{path}: {reason}"
    assert "Lee" not in str(err.value)


def test_roles_file_columns_in_any_order_with_a_bom_and_extra_columns(tmp_path):
    path = tmp_path / "roles.csv"
    path.write_text("\ufeffRole,notes,Session_ID,Speaker\r\nClient,x,a,SPEAKER_01\r\n\r\ntherapist,,a,SPEAKER_00\r\n")
    assert read_speaker_roles(path) == {"a": {"speaker_01": C, "speaker_00": T}}


def test_config_keys_are_checked(tmp_path):
    with pytest.raises(ConfigError, match="speaker_roles_file: must be a CSV file that exists"):
        ProcessingConfig.from_dict({"speaker_roles_file": str(tmp_path / "missing.csv")})
    with pytest.raises(ConfigError, match="unmapped_speakers: must be skip or first_is_therapist"):
        ProcessingConfig.from_dict({"unmapped_speakers": "guess"})
    with pytest.raises(ConfigError, match="speaker_roles_file: must be a string or null"):
        ProcessingConfig.from_dict({"speaker_roles_file": 3})


# --- through the pipeline ---------------------------------------------------------------------------------

def pipeline_config(tmp_path, tokenizer_cache, **extra):
    return ProcessingConfig.from_dict({
        "input_data_dir": str(tmp_path / "in"), "output_dir": str(tmp_path / "out"), "cache_dir": tokenizer_cache,
        "deid_key_file": str(tmp_path / "deid.key"), **extra})


def test_the_pipeline_reads_the_roles_file_and_its_content_is_in_the_fingerprint(tmp_path, tokenizer_cache):
    for name, content in DIARIZED.items():
        write(tmp_path / "in", name, content)
    (tmp_path / "roles.csv").write_text(ROLES)
    config = pipeline_config(tmp_path, tokenizer_cache, speaker_roles_file=str(tmp_path / "roles.csv"))
    manifest = TherapyDataProcessor(config).run()
    assert manifest["counts"]["sessions"] == 2 and manifest["counts"]["sessions_with_speaker_roles"] == 2
    assert manifest["counts"]["targets_eligible"] == 2  # monday: turns 1 and 3 (turn 1 is no target); tuesday: 2
    first = json.loads((tmp_path / "out" / "train" / "state.json").read_text())["_fingerprint"]
    # The same file name with other roles: another dataset, another fingerprint.
    (tmp_path / "roles.csv").write_text(ROLES.replace("speaker_00,Client", "speaker_00,therapist")
                                        .replace("SPEAKER_01,therapist", "SPEAKER_01,client"))
    TherapyDataProcessor(config).run()
    assert json.loads((tmp_path / "out" / "train" / "state.json").read_text())["_fingerprint"] != first


def test_unusable_roles_file_is_one_line_and_exit_1(tmp_path, tokenizer_cache, capsys):
    write(tmp_path / "in", "a.json", DIARIZED["stt/monday.json"])
    (tmp_path / "roles.csv").write_text("session_id,speaker,role\na,SPEAKER_00,boss\n")
    args = ["--input-dir", str(tmp_path / "in"), "--output-dir", str(tmp_path / "out"), "-q",
            "--set", f"cache_dir={tokenizer_cache}", "--set", f"deid_key_file={tmp_path}/deid.key",
            "--set", f"speaker_roles_file={tmp_path / 'roles.csv'}"]
    assert run_data_processing.main(args) == 1
    err = [line for line in capsys.readouterr().err.strip().splitlines() if " WARNING " not in line]
    assert err == [f"error: {tmp_path / 'roles.csv'}: line 2: role must be therapist or client, got 'boss'",
                   "the previous output, if any, was left as it was"]
    assert not (tmp_path / "out").exists()


def test_with_deidentification_on_the_manifest_holds_no_speaker_label(tmp_path, tokenizer_cache):
    write(tmp_path / "in", "lee.vtt", vtt("00:00.000 --> 00:02.000\n<v Dr. Lee>Welcome back, how was the week?",
                                          "00:02.000 --> 00:03.000\n<v Anna Kowalczyk>Long.",
                                          "00:03.000 --> 00:04.000\n<v Dr. Lee>Tell me more about it."))
    write(tmp_path / "in", "other.vtt", vtt("00:00.000 --> 00:02.000\n<v Dr. Lee>Hi.",
                                            "00:02.000 --> 00:03.000\n<v Bea Quist>Hello."))
    manifest = TherapyDataProcessor(pipeline_config(tmp_path, tokenizer_cache, speaker_map={"Dr. Lee": T, "Anna Kowalczyk": C},
                                                    unmapped_speakers="skip")).run()
    text = (tmp_path / "out" / MANIFEST).read_text()
    assert manifest["counts"]["sessions"] == 1 and manifest["counts"]["sessions_skipped"] == 1  # Bea Quist
    for value in ("Lee", "Anna", "Kowalczyk", "Bea", "Quist"):
        assert value not in text
    assert sorted(manifest["config"]["speaker_map"].values()) == [C, T]
    assert "unmapped speaker label" in manifest["skipped"][0]["reason"]
