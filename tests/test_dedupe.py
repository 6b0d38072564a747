"""`dedupe`: the same session exported twice (re-transcribed, corrected, renamed) is trained once.

Copies are made here the way a second export differs from the first; distinct sessions that share
stock phrases (the openings and skills every session of a clinic uses) must all stay.
"""

import json
import random

import pytest
from corpus_files import write

from therapy_data_processor import MANIFEST, ProcessingConfig, TherapyDataProcessor
from therapy_pipeline.dedupe import dedupe_sessions
from therapy_pipeline.model import Session, Turn

T, C = "therapist", "client"
TOPICS = ["my sister", "the night shift", "my landlord", "the court date", "my son's school", "the new job",
          "my ex", "the hospital bills", "my drinking", "the move", "my mother's illness", "the exam"]
FEELINGS = ["angry", "numb", "scared", "ashamed", "restless", "hopeless", "jealous", "tired"]


def session(sid: str, rng: random.Random, turns: int = 24) -> Session:
    """A fictional session: the clinic's stock phrases, and the client's own story."""
    topic, feeling = rng.choice(TOPICS), rng.choice(FEELINGS)
    out = [Turn(T, "Welcome back. How was your week? Did you fill in your diary card?")]
    for i in range(1, turns):
        if i % 2:
            out.append(Turn(C, f"When {topic} came up on day {rng.randint(1, 30)} I felt {feeling}, and I "
                               f"{rng.choice(['left', 'yelled', 'froze', 'cried', 'called a friend'])} "
                               f"after {rng.randint(2, 90)} minutes near {rng.choice(['home', 'work', 'the car'])}."))
        else:
            out.append(Turn(T, rng.choice(["What would wise mind say here?", "Let us check the facts together.",
                                           "Which skill could you use next time?", "That makes sense to me."])
                            + f" Tell me more about minute {rng.randint(1, 90)}."))
    return Session(sid, f"{sid}.json", out)


def corpus(n=40, seed=1):
    rng = random.Random(seed)
    return [session(f"s{i:02d}", rng) for i in range(n)]


def dropped(sessions, mode="near"):
    kept, skips, stats = dedupe_sessions(sessions, mode)
    return {s.session_id: s.reason for s in skips}, kept, stats


def test_distinct_sessions_that_share_stock_phrases_all_stay():
    skips, kept, stats = dropped(corpus())
    assert skips == {} and len(kept) == 40
    assert stats.counts["sessions_deduplicated"] == 0


def copy_of(original: Session, sid: str, change) -> Session:
    return Session(sid, f"exports/{sid}.vtt", change(list(original.turns)))


def reformatted(turns):
    return [Turn(t.speaker, "  " + t.text.upper().replace(",", "").replace(".", " .") + " ") for t in turns]


def edited(turns):
    rng = random.Random(3)
    out = []
    for number, t in enumerate(turns):
        words = t.text.split()
        if number % 2:
            words[rng.randrange(len(words))] = "um"  # a word of every other turn mis-heard (about 5%)
        out.append(Turn(t.speaker, " ".join(words)))
    return out


@pytest.mark.parametrize("change, reason", [
    (lambda turns: turns, "duplicate of session s07"),
    (reformatted, "near duplicate of session s07"),
    (edited, "near duplicate of session s07"),
    (lambda turns: turns[:-3], "near duplicate of session s07"),  # the recording stopped early
    (lambda turns: turns[:16], "near duplicate of session s07"),  # a third missing
], ids=["exact", "case, punctuation, whitespace", "a word in every other turn", "three turns missing",
        "a third missing"])
def test_a_copy_is_dropped_naming_the_kept_session(change, reason):
    sessions = corpus()
    copy = copy_of(sessions[7], "second-export", change)  # as many words or fewer: the original is kept
    sessions.append(copy)
    skips, kept, stats = dropped(sessions)
    assert skips == {"second-export": reason}
    assert [s.session_id for s in kept] == [f"s{i:02d}" for i in range(40)]  # input order kept
    key = "duplicate_session" if reason.startswith("duplicate") else "near_duplicate_session"
    assert stats.exchanges_dropped == {key: len(copy.turns)}


def test_a_longer_copy_is_kept_over_its_original_and_of_equals_the_first():
    sessions = corpus()
    sessions.append(copy_of(sessions[7], "longer", lambda t: t[:10] + [Turn(C, "Sorry, my phone rang.")] + t[10:]))
    assert dropped(sessions)[0] == {"s07": "near duplicate of session longer"}
    sessions = corpus()
    sessions.insert(0, copy_of(sessions[7], "first", reformatted))  # the same words, first in input order
    assert dropped(sessions)[0] == {"s07": "near duplicate of session first"}


def test_of_a_group_the_session_with_the_most_words_is_kept_whatever_the_order():
    sessions = corpus(10)
    longer = copy_of(sessions[4], "longer", lambda turns: turns + [Turn(C, "One more thing before we stop today.")])
    for order in (sessions + [longer], [longer] + sessions):
        skips, _kept, _ = dropped(order)
        assert skips == {"s04": "near duplicate of session longer"}


def test_exact_mode_drops_identical_turns_only_and_off_drops_nothing():
    sessions = corpus(10)
    sessions += [copy_of(sessions[1], "same", lambda t: t), copy_of(sessions[2], "edited", edited)]
    assert dropped(sessions, "exact")[0] == {"same": "duplicate of session s01"}
    assert dropped(sessions, "off")[0] == {}
    assert dropped(sessions, "near")[0] == {"same": "duplicate of session s01", "edited": "near duplicate of session s02"}


def test_short_sessions_are_compared_exactly_only():
    hello = [Turn(T, "Hi, how are you?"), Turn(C, "Okay.")]
    sessions = [Session("a", "a.json", hello), Session("b", "b.json", hello + [Turn(T, "Good.")]),
                Session("c", "c.json", list(hello))]
    assert dropped(sessions)[0] == {"c": "duplicate of session a"}  # b is not a copy of a


def test_the_same_words_with_the_roles_swapped_are_the_same_session():
    """A re-export whose diarization (or roles file) swapped the speakers: one recording, kept once."""
    base = corpus(1)[0]
    swapped = Session("swapped", "x.json", [Turn(C if t.speaker == T else T, t.text) for t in base.turns])
    assert dropped([base, swapped])[0] == {"swapped": "near duplicate of session s00"}


# --- through the pipeline ----------------------------------------------------------------------------------

def test_the_pipeline_drops_a_renamed_copy_before_the_split_and_the_manifest_names_no_raw_id(tmp_path, tokenizer_cache):
    rng = random.Random(5)
    for i in range(12):
        s = session(f"visit-{i:02d}", rng)
        write(tmp_path / "in", f"{s.session_id}.json",
              {"session_id": s.session_id, "dialogue": [{"speaker": t.speaker, "text": t.text} for t in s.turns]})
    original = json.loads((tmp_path / "in" / "visit-03.json").read_text())
    write(tmp_path / "in", "reexport/Smith_Jane_2024-03-01.json",
          {"session_id": "Smith_Jane_2024-03-01", "dialogue": [{**t, "text": t["text"].lower()} for t in original["dialogue"]]})
    config = {"input_data_dir": str(tmp_path / "in"), "output_dir": str(tmp_path / "out"), "cache_dir": tokenizer_cache,
              "deid_key_file": str(tmp_path / "deid.key")}
    manifest = TherapyDataProcessor(ProcessingConfig.from_dict(config)).run()
    assert manifest["counts"]["sessions"] == 12 and manifest["counts"]["sessions_deduplicated"] == 1
    assert manifest["counts"]["exchanges_dropped"]["near_duplicate_session"] == 24
    assert manifest["accounting"]["exchanges_balanced"]
    text = (tmp_path / "out" / MANIFEST).read_text()
    assert "Smith" not in text and "visit-03" not in text
    (skip,) = [s for s in manifest["skipped"] if "duplicate" in s["reason"]]
    kept_pseudonym = skip["reason"].rsplit(" ", 1)[1]
    assert any(kept_pseudonym in ids for ids in manifest["splits"].values())  # the kept one's session_id

    off = TherapyDataProcessor(ProcessingConfig.from_dict({**config, "dedupe": "off", "output_dir": str(tmp_path / "o2")})).run()
    assert off["counts"]["sessions"] == 13 and off["counts"]["sessions_deduplicated"] == 0


def test_dedupe_is_a_checked_config_key(tmp_path):
    from therapy_data_processor import ConfigError

    (tmp_path / "c.yaml").write_text("dedupe: off\n")  # YAML reads a bare off as false
    assert ProcessingConfig.from_yaml(tmp_path / "c.yaml").dedupe == "off"
    assert ProcessingConfig.from_yaml(tmp_path / "c.yaml", ["dedupe=off"]).dedupe == "off"
    assert ProcessingConfig.from_yaml(tmp_path / "c.yaml", ["dedupe=exact"]).dedupe == "exact"

    with pytest.raises(ConfigError, match="dedupe: must be one of near, exact, off"):
        ProcessingConfig.from_dict({"dedupe": "fuzzy"})


def test_the_length_analysis_reports_the_copies_it_would_drop(tmp_path, tokenizer_cache, capsys):
    import simple_length_analysis

    rng = random.Random(9)
    for i in range(6):
        s = session(f"v{i}", rng)
        write(tmp_path / "in", f"v{i}.json", {"dialogue": [{"speaker": t.speaker, "text": t.text} for t in s.turns]})
    write(tmp_path / "in", "copy.json", json.loads((tmp_path / "in" / "v2.json").read_text()))
    assert simple_length_analysis.main(["--input-dir", str(tmp_path / "in"), "--output-dir", str(tmp_path / "out"),
                                        "--json", "--set", f"cache_dir={tokenizer_cache}", "--set", "deidentify=off"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["duplicates"] == {"mode": "near", "sessions": 1, "exchanges": 24}
    assert result["sessions"] == 6


def test_forked_workers_give_the_same_result_as_one_process(monkeypatch):
    from therapy_pipeline import deid

    sessions = corpus(30)
    sessions += [copy_of(sessions[5], "c1", edited), copy_of(sessions[9], "c2", reformatted),
                 copy_of(sessions[20], "c3", lambda t: t[:-4])]
    alone = dropped(sessions)
    monkeypatch.setattr(deid, "PARALLEL_TURNS", 0)  # forked workers from the first turn
    monkeypatch.setattr("os.cpu_count", lambda: 2)
    forked = dropped(sessions)
    assert forked[0] == alone[0] == {"c1": "near duplicate of session s05", "c2": "near duplicate of session s09",
                                     "c3": "near duplicate of session s20"}
    assert [s.session_id for s in forked[1]] == [s.session_id for s in alone[1]]


def test_curly_and_straight_quotes_and_dashes_are_the_same_words():
    """One export typed don't and "fine" -- the other don’t and “fine” — (a caption tool's typography)."""
    sessions = corpus(5)
    plain = [Turn(t.speaker, t.text + " I don't know, it's \"fine\" -- or not.") for t in sessions[2].turns]
    curly = [Turn(t.speaker, t.text + " I don’t know, it’s “fine” — or not.") for t in sessions[2].turns]
    sessions[2] = Session("s02", "s02.json", plain)
    sessions.append(Session("typeset", "typeset.vtt", curly))
    skips, _, _ = dropped(sessions)
    assert skips == {"typeset": "near duplicate of session s02"}
    from therapy_pipeline.dedupe import shingles

    assert sorted(set(shingles(sessions[2]).tolist())) == sorted(set(shingles(sessions[-1]).tolist()))
