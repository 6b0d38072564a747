"""Structures 8 and 9 of the contract: WebVTT / SubRip captions and speech-to-text JSON segments.

Every test writes its own tiny files into tmp_path and checks the turns as the contract reads them:
timestamps, cue numbers, headers, NOTE / STYLE / REGION blocks, cue settings and inline tags are not
text; a cue's lines are joined by a space; consecutive cues (segments) of one speaker are one turn; a
cue (segment) without a speaker continues the turn before it.
"""

import json

import pytest
from corpus_files import write

from therapy_pipeline.loaders import CAPTIONS, RECOGNISERS, SESSION, load_corpus
from therapy_pipeline.model import InputError

T, C = "therapist", "client"


def load(tmp_path, files, **kwargs):
    """(session id -> (role, text) turns, skips as (path, session id, reason), the LoadResult)."""
    for name, content in files.items():
        write(tmp_path, name, content)
    result = load_corpus(tmp_path, **kwargs)
    sessions = {s.session_id: [(t.speaker, t.text) for t in s.turns] for s in result.sessions}
    return sessions, [(s.path, s.session_id, s.reason) for s in result.skips], result


def vtt(*cues, header="WEBVTT"):
    return header + "\n\n" + "\n\n".join(cues) + "\n"


def srt(*texts):
    return "\n\n".join(
        f"{n}\n00:00:{n:02d},000 --> 00:00:{n + 1:02d},500\n{text}" for n, text in enumerate(texts, 1)
    ) + "\n"


def test_the_rows_of_structures_8_and_9():
    rows = {row.structure: (row.tried_on, row.find.__name__, row.marks) for row in RECOGNISERS}
    assert rows[8] == (CAPTIONS, "_caption_cues", ())
    assert rows[9] == (SESSION, "_speech_segments", ())
    # Tried after the session structures that were there before it: an object with both is read as before.
    names = [row.find.__name__ for row in RECOGNISERS if row.tried_on == SESSION]
    assert names == ["_turns_under_key", "_transcript_string", "_speech_segments"]


# --- WebVTT ---------------------------------------------------------------------------------------

def test_vtt_speaker_prefix(tmp_path):
    text = vtt("00:00.000 --> 00:03.000\nTherapist: How was the week?",
               "00:03.500 --> 00:05.000\nClient: Long.")
    assert load(tmp_path, {"call.vtt": text})[:2] == ({"call": [(T, "How was the week?"), (C, "Long.")]}, [])


def test_vtt_voice_tags_with_classes_and_inline_tags_removed(tmp_path):
    text = vtt("00:00.000 --> 00:03.000\n<v Therapist>Let's look at your <i>diary card</i>.</v>",
               "00:03.000 --> 00:06.000\n<v.loud Client><b>I</b> skipped <c.yellow>two</c> days<00:05.000> &amp; felt bad",
               "00:06.000 --> 00:08.000\n<v.first.loud Counselor>Noted &lt;3.</v>")
    assert load(tmp_path, {"v.vtt": text})[:2] == ({"v": [
        (T, "Let's look at your diary card."), (C, "I skipped two days & felt bad"), (T, "Noted <3.")]}, [])


def test_vtt_multi_line_cue_is_joined_with_a_space(tmp_path):
    text = vtt("00:00.000 --> 00:04.000\nClient: I wanted to call her\nbut I froze.",
               "00:04.000 --> 00:07.000\n<v Therapist>What did you notice\nin your body?</v>")
    assert load(tmp_path, {"m.vtt": text})[0] == {"m": [(C, "I wanted to call her but I froze."),
                                                        (T, "What did you notice in your body?")]}


def test_vtt_consecutive_cues_of_one_speaker_are_one_turn(tmp_path):
    text = vtt("00:00.000 --> 00:02.000\n<v Therapist>Let's try STOP.",
               "00:02.000 --> 00:04.000\n<v therapist>Stop first.",
               "00:04.000 --> 00:06.000\nTherapist: Then take a step back.",
               "00:06.000 --> 00:08.000\n<v Client>Okay.",
               "00:08.000 --> 00:09.000\n<v Therapist>Good.")
    sessions, skips, result = load(tmp_path, {"s.vtt": text})
    assert skips == []
    assert sessions == {"s": [(T, "Let's try STOP. Stop first. Then take a step back."), (C, "Okay."), (T, "Good.")]}
    assert result.stats.counts["exchanges_loaded"] == 3


def test_vtt_cue_without_a_speaker_continues_the_turn_before(tmp_path):
    text = vtt("00:00.000 --> 00:02.000\nClient: I felt the urge",
               "00:02.000 --> 00:04.000\nand I used TIPP.",
               "00:04.000 --> 00:06.000\nTherapist: Which part?")
    assert load(tmp_path, {"c.vtt": text})[0] == {"c": [(C, "I felt the urge and I used TIPP."), (T, "Which part?")]}


def test_vtt_text_before_the_first_speaker_is_dropped_and_counted(tmp_path):
    text = vtt("00:00.000 --> 00:02.000\n[music]", "00:02.000 --> 00:03.000\n(silence)",
               "00:03.000 --> 00:05.000\nTherapist: Hello again.")
    sessions, skips, result = load(tmp_path, {"d.vtt": text})
    assert sessions == {"d": [(T, "Hello again.")]} and skips == []
    assert result.stats.exchanges_dropped["no_speaker"] == 1
    assert result.stats.counts["exchanges_loaded"] == 2


def test_vtt_header_note_style_region_blocks_cue_ids_and_settings_are_not_text(tmp_path):
    text = ("WEBVTT - Telehealth session export\nKind: captions\nLanguage: en\n\n"
            "NOTE exported by a made-up tool\nwith two lines\n\n"
            "STYLE\n::cue { color: yellow }\n\n"
            "REGION\nid:fred width:40%\n\n"
            "intro-1\n00:00:00.000 --> 00:00:02.000 align:start position:10% line:0 region:fred\n"
            "Therapist: Welcome.\n\n"
            "NOTE a note between cues\n\n"
            "2\n01:00:02.000 --> 01:00:04.000 size:50%\nClient: Thanks.\n")
    assert load(tmp_path, {"h.vtt": text})[:2] == ({"h": [(T, "Welcome."), (C, "Thanks.")]}, [])


def test_vtt_bom_and_crlf_line_ends(tmp_path):
    text = "\ufeffWEBVTT\r\n\r\n00:00.000 --> 00:02.000\r\nTherapist: Hi,\r\nhow are you?\r\n\r\n" \
           "00:02.000 --> 00:03.000\r\nClient: Okay.\r\n"
    assert load(tmp_path, {"b.vtt": text.encode("utf-8")})[:2] == (
        {"b": [(T, "Hi, how are you?"), (C, "Okay.")]}, [])


def test_vtt_two_speakers_in_one_cue(tmp_path):
    text = vtt("00:00.000 --> 00:04.000\nTherapist: Ready?\nClient: Yes.",
               "00:04.000 --> 00:06.000\n<v Therapist>Begin.</v> <v Client>Okay.</v>")
    assert load(tmp_path, {"two.vtt": text})[0] == {"two": [(T, "Ready?"), (C, "Yes."), (T, "Begin."), (C, "Okay.")]}


# --- SubRip ---------------------------------------------------------------------------------------

def test_srt_speaker_prefix_numbers_and_timestamps_are_not_text(tmp_path):
    text = srt("Therapist: What skill did you use?", "Client: Self-soothe.")
    assert load(tmp_path, {"a.srt": text})[:2] == ({"a": [(T, "What skill did you use?"), (C, "Self-soothe.")]}, [])


def test_srt_voice_tags_and_inline_tags(tmp_path):
    text = srt("<v Counselor><i>Check the facts</i> first.</v>",
               '<font color="#ffffff">{\\an8}<v Patient>The facts say I am safe.</font>')
    assert load(tmp_path, {"v.srt": text})[0] == {"v": [(T, "Check the facts first."), (C, "The facts say I am safe.")]}


def test_srt_multi_line_merged_and_continued_cues(tmp_path):
    text = srt("Client: I noticed the urge\nand waited.", "Client: It passed.", "after ten minutes.",
               "Therapist: That is urge surfing.")
    assert load(tmp_path, {"m.srt": text})[0] == {"m": [
        (C, "I noticed the urge and waited. It passed. after ten minutes."), (T, "That is urge surfing.")]}


def test_srt_bom_crlf_and_no_cue_numbers(tmp_path):
    text = "\ufeff00:00:01,000 --> 00:00:02,000\r\nTherapist: Hello.\r\n\r\n" \
           "00:00:02.5 --> 00:00:04.000 X1:10 X2:20\r\nClient: Hi.\r\n"
    assert load(tmp_path, {"b.srt": text.encode("utf-8")})[:2] == ({"b": [(T, "Hello."), (C, "Hi.")]}, [])


# --- speaker labels: as the other readers map them ---------------------------------------------------

def test_caption_labels_map_through_speaker_map_or_skip_the_session(tmp_path):
    files = {"lee.vtt": vtt("00:00.000 --> 00:02.000\n<v Dr. Lee>Welcome back.",
                            "00:02.000 --> 00:03.000\n<v Client>Thanks."),
             "diar.srt": srt("SPEAKER_00: Welcome back.", "SPEAKER_01: Thanks.", "SPEAKER_00: Shall we start?")}
    sessions, skips, _ = load(tmp_path, files)
    assert sessions == {}
    assert sorted(skips) == [
        ("diar.srt", "diar", "turn 1: unmapped speaker label 'SPEAKER_00' (map it in speaker_map or speaker_roles_file)"),
        ("lee.vtt", "lee", "turn 1: unmapped speaker label 'Dr. Lee' (map it in speaker_map or speaker_roles_file)"),
    ]
    sessions, skips, _ = load(tmp_path, {}, speaker_map={"Dr. Lee": T, "speaker_00": T, "SPEAKER_01": C})
    assert skips == []
    assert sessions == {"lee": [(T, "Welcome back."), (C, "Thanks.")],
                        "diar": [(T, "Welcome back."), (C, "Thanks."), (T, "Shall we start?")]}
    # The reason the .txt reader gives for the same lines.
    txt = "SPEAKER_00: Welcome back.\nSPEAKER_01: Thanks.\nSPEAKER_00: Shall we start?\n"
    assert load(tmp_path / "txt", {"diar.txt": txt})[1] == [
        ("diar.txt", "diar", "turn 1: unmapped speaker label 'SPEAKER_00' (map it in speaker_map or speaker_roles_file)")]


def test_caption_prefix_that_is_no_speaker_continues_the_turn_as_in_txt(tmp_path):
    # "Note:" once is not a known label and does not recur: text, as in a .txt transcript.
    text = srt("Therapist: Homework for the week.", "Note: use the diary card daily.")
    assert load(tmp_path, {"n.srt": text})[0] == {"n": [(T, "Homework for the week. Note: use the diary card daily.")]}


def test_caption_session_id_is_the_relative_path(tmp_path):
    sessions = load(tmp_path, {"zoom/2024/call.vtt": vtt("00:00.000 --> 00:01.000\nClient: Hi.")})[0]
    assert sessions == {"zoom/2024/call": [(C, "Hi.")]}


# --- broken captions: the file is skipped with one line naming the problem ------------------------

BROKEN = {
    "no header": ("x.vtt", "00:00.000 --> 00:01.000\nTherapist: secret words\n",
                  "not WebVTT: the first line is not 'WEBVTT'"),
    "header only": ("x.vtt", "WEBVTT\n\nNOTE nothing here\n", "WebVTT file has no cues"),
    "bad vtt timestamp": ("x.vtt", "WEBVTT\n\n1\n00:00,000 --> 00:01.000\nTherapist: secret words\n",
                          "line 4: cue timing does not parse (expected '00:01.000 --> 00:04.000')"),
    "vtt cue without timing": ("x.vtt", "WEBVTT\n\n00:00.000 --> 00:01.000\nTherapist: hi\n\nsecret\nwords\n",
                               "line 7: no cue timing line ('00:01.000 --> 00:04.000')"),
    "bad srt timestamp": ("x.srt", "1\n00:00:01 --> 00:00:02\nTherapist: secret words\n",
                          "line 2: cue timing does not parse (expected '00:00:01,000 --> 00:00:04,000')"),
    "srt plain text": ("x.srt", "Therapist: secret words\nClient: more\n",
                       "line 2: no cue timing line ('00:00:01,000 --> 00:00:04,000')"),
    "binary": ("x.srt", bytes(range(256)), "binary file, not text"),
    "not UTF-8": ("x.vtt", "WEBVTT\n\n00:00.000 --> 00:01.000\nClient: caf\xe9\n".encode("latin-1"),
                  "not UTF-8 text (invalid byte at offset 43)"),
    "empty": ("x.srt", b"", "empty file"),
}


@pytest.mark.parametrize("case", list(BROKEN))
def test_broken_caption_file_is_skipped_with_its_reason_and_nothing_else_lost(tmp_path, case):
    name, content, reason = BROKEN[case]
    good = vtt("00:00.000 --> 00:01.000\nClient: Fine.")
    sessions, skips, result = load(tmp_path, {name: content, "good.vtt": good, "ok.srt": srt("Therapist: Hi.")})
    assert sessions == {"good": [(C, "Fine.")], "ok": [(T, "Hi.")]}
    assert skips == [(name, None, reason)]
    assert "secret" not in reason and "\n" not in reason
    assert result.stats.counts["files_skipped"] == 1
    with pytest.raises(InputError) as err:
        load_corpus(tmp_path, strict=True)
    assert str(err.value).startswith(name) and reason in str(err.value)


def test_captions_without_any_speaker_skip_the_session(tmp_path):
    text = vtt("00:00.000 --> 00:01.000\nHello.", "00:01.000 --> 00:02.000\nHi.")
    sessions, skips, _ = load(tmp_path, {"anon.vtt": text})
    assert sessions == {}
    assert skips == [("anon.vtt", "anon", "no cue names a speaker ('Speaker: text' or '<v Speaker>')")]


# --- speech-to-text JSON (structure 9) ---------------------------------------------------------------

WHISPERX = {
    "segments": [
        {"start": 0.0, "end": 2.1, "text": " How did the DEAR MAN go?", "speaker": "Therapist",
         "words": [{"word": "How", "start": 0.0, "end": 0.2, "score": 0.9, "speaker": "Therapist"}]},
        {"start": 2.3, "end": 4.0, "text": " I described the facts", "speaker": "Client", "words": []},
        {"start": 4.0, "end": 5.2, "text": " and asked clearly.", "speaker": "Client"},
        {"start": 5.2, "end": 6.0, "text": " Then I froze."},
        {"start": 6.0, "end": 7.5, "text": " What happened next?", "speaker": "Therapist"},
    ],
    "word_segments": [{"word": "How", "start": 0.0, "end": 0.2}],
    "language": "en",
}


def test_stt_segments_of_one_speaker_are_one_turn_and_timings_and_words_are_not_text(tmp_path):
    sessions, skips, result = load(tmp_path, {"stt/call.json": WHISPERX})
    assert skips == []
    assert sessions == {"stt/call": [(T, "How did the DEAR MAN go?"),
                                     (C, "I described the facts and asked clearly. Then I froze."),
                                     (T, "What happened next?")]}
    assert result.stats.counts["exchanges_loaded"] == 3


def test_stt_own_id_nested_one_level_under_sessions_and_in_jsonl(tmp_path):
    one = {"session_id": "stt-1", "segments": WHISPERX["segments"][:2]}
    files = {"own.json": one, "nested.json": {"id": "stt-2", "result": {"segments": WHISPERX["segments"][:2]}},
             "batch.json": {"sessions": [{"id": "stt-3", "segments": WHISPERX["segments"][:2]}]},
             "lines.jsonl": json.dumps({"id": "stt-4", "segments": WHISPERX["segments"][:2]}) + "\n"}
    sessions, skips, _ = load(tmp_path, files)
    expected = [(T, "How did the DEAR MAN go?"), (C, "I described the facts")]
    assert skips == [] and sessions == {f"stt-{k}": expected for k in (1, 2, 3, 4)}


def test_stt_leading_segments_without_speaker_are_dropped_and_counted(tmp_path):
    doc = {"segments": [{"text": " [inaudible]"}, {"speaker": None, "text": "uh"},
                        {"speaker": "Client", "text": " Hi."}]}
    sessions, skips, result = load(tmp_path, {"s.json": doc})
    assert sessions == {"s": [(C, "Hi.")]} and skips == []
    assert result.stats.exchanges_dropped["no_speaker"] == 1


def test_stt_diarization_labels_need_speaker_map(tmp_path):
    doc = {"segments": [{"speaker": "SPEAKER_00", "text": "Welcome."}, {"speaker": "SPEAKER_01", "text": "Hi."}]}
    sessions, skips, _ = load(tmp_path, {"d.json": doc})
    assert sessions == {} and skips == [("d.json", "d", "turn 1: unmapped speaker label 'SPEAKER_00' (map it in speaker_map or speaker_roles_file)")]
    sessions, skips, _ = load(tmp_path, {}, speaker_map={"SPEAKER_00": T, "SPEAKER_01": C})
    assert sessions == {"d": [(T, "Welcome."), (C, "Hi.")]}


@pytest.mark.parametrize("doc, reason", [
    ({"segments": ["Therapist: hi"]}, "segment 1 is a str, not an object"),
    ({"segments": [{"speaker": "Client", "text": {"a": 1}}]}, "segment 1: text is a dict, not a string"),
    ({"segments": [{"speaker": 7, "text": "hi"}]}, "turn 1: speaker is a int, not a string"),
    ({"segments": []}, "no turns"),
], ids=["not an object", "text not a string", "speaker not a string", "empty"])
def test_broken_stt_session_is_skipped_with_its_reason(tmp_path, doc, reason):
    sessions, skips, _ = load(tmp_path, {"bad.json": doc, "good.json": WHISPERX})
    assert list(sessions) == ["good"]
    assert [(path, r) for path, _, r in skips] == [("bad.json", reason)]


def test_an_object_with_a_turn_list_and_segments_is_read_by_its_turn_list(tmp_path):
    doc = {"dialogue": [{"speaker": "Client", "text": "From the dialogue."}], "segments": WHISPERX["segments"]}
    assert load(tmp_path, {"both.json": doc})[0] == {"both": [(C, "From the dialogue.")]}


# --- the whole corpus ---------------------------------------------------------------------------------

def test_load_corpus_on_a_folder_of_captions_stt_and_other_files(tmp_path):
    files = {
        "telehealth/a.vtt": vtt("NOTE x\n", "00:00.000 --> 00:02.000\n<v Therapist>Hi.",
                                "00:02.000 --> 00:03.000\n<v Client>Hello."),
        "telehealth/b.srt": srt("Counselor: Welcome.", "Patient: Thanks.", "Patient: Glad to be here."),
        "stt/c.json": WHISPERX,
        "notes/d.txt": "Therapist: Plain text.\nClient: Yes.\n",
        "broken/e.vtt": "WEBVTT\n\n00:00 --> 00:01.000\nClient: hi\n",
        "ignored/f.ass": "[Script Info]\n",
    }
    sessions, skips, result = load(tmp_path, files)
    assert sessions == {
        "notes/d": [(T, "Plain text."), (C, "Yes.")],
        "stt/c": [(T, "How did the DEAR MAN go?"), (C, "I described the facts and asked clearly. Then I froze."),
                  (T, "What happened next?")],
        "telehealth/a": [(T, "Hi."), (C, "Hello.")],
        "telehealth/b": [(T, "Welcome."), (C, "Thanks. Glad to be here.")],
    }
    assert skips == [("broken/e.vtt", None, "line 3: cue timing does not parse (expected '00:01.000 --> 00:04.000')")]
    assert [f.path for f in result.files] == ["broken/e.vtt", "notes/d.txt", "stt/c.json", "telehealth/a.vtt",
                                              "telehealth/b.srt"]
    assert result.stats.counts["sessions"] == 4 and result.stats.counts["files_skipped"] == 1


def test_the_sample_corpus_caption_and_speech_to_text_files():
    from pathlib import Path

    result = load_corpus(Path(__file__).resolve().parents[1] / "data" / "training_data")
    files = ("telehealth/video_session.vtt", "telehealth/phone_coaching.srt", "speech_to_text/mindfulness_session.json")
    turns = {s.session_id: [t.speaker for t in s.turns] for s in result.sessions if s.source in files}
    assert {k: len(v) for k, v in turns.items()} == {"telehealth/video_session": 15, "telehealth/phone_coaching": 14,
                                                     "speech_to_text/mindfulness_session": 14}
    for speakers in turns.values():  # merged: the speakers alternate, the therapist first
        assert speakers == [T, C] * (len(speakers) // 2) + [T] * (len(speakers) % 2)
    assert not [s for s in result.skips if s.path in files]


def test_speaker_names_in_any_script_are_prefixes_in_captions_and_text(tmp_path):
    """A client called Lucía or Nguyễn is a speaker label like any other (found on AnnoMI exported as
    SubRip: the accented name's lines had been run into the therapist's turn)."""
    files = {"a.srt": srt("Dr. Ortega: How was the week?", "Lucía Peña: Long.", "Dr. Ortega: Tell me.",
                          "Lucía Peña: I slept badly."),
             "b.txt": "Nguyễn Văn An: Xin chào.\nTherapist: Welcome.\nNguyễn Văn An: Thanks.\n",
             "c.txt": "Zoë O’Brien: Hi.\nTherapist: Hello.\nZoë O’Brien: Hey again.\n"}
    sessions, skips, _ = load(tmp_path, files, unmapped="first_is_therapist")
    assert skips == [("b.txt", "b", ("turn 1: unmapped speaker label 'Nguyễn Văn An' (map it in speaker_map or "
                                    "speaker_roles_file)")),
                     ("c.txt", "c", ("turn 1: unmapped speaker label 'Zoë O’Brien' (map it in speaker_map or "
                                    "speaker_roles_file)"))]
    assert sessions == {"a": [(T, "How was the week?"), (C, "Long."), (T, "Tell me."), (C, "I slept badly.")]}
