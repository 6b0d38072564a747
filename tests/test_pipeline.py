"""The whole chain on corpora built here: accounting, targets, splits, determinism, atomicity, privacy."""

import hashlib
import json
import logging
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
from datasets import load_from_disk

import run_data_processing
import therapy_data_processor
from therapy_data_processor import MANIFEST, ConfigError, ProcessingConfig, TherapyDataProcessor
from therapy_pipeline.model import InputError

REPO = Path(__file__).resolve().parent.parent
WORDS = [
    "I",
    "feel",
    "anxious",
    "today",
    "and",
    "my",
    "sister",
    "keeps",
    "calling",
    "me",
    "at",
    "night",
    "so",
    "we",
    "can",
    "try",
    "a",
    "skill",
]
SECRET = "Quorblex"  # a word that stands for transcript text: it must never reach logs or the manifest


def turn_text(rng: random.Random, number: int) -> str:
    # Unique per turn (the number) so a response can be traced back to its turn.
    words = [rng.choice(WORDS) for _ in range(rng.randint(1, 30))]
    return f"{SECRET} {number} " + " ".join(words) + rng.choice([".", "?", "!", ""])


def write_corpus(root: Path, sizes: list[int], seed: int = 0) -> dict[str, list[tuple[str, str]]]:
    """Sessions of the given lengths in three structures; returns session id -> [(speaker, text)]."""
    rng = random.Random(seed)
    root.mkdir(parents=True, exist_ok=True)
    sessions = {}
    for number, size in enumerate(sizes):
        session_id = f"s{number:03d}"
        turns = []
        for i in range(size):
            speaker = "therapist" if (i + number) % 2 else "client"
            turns.append((speaker, turn_text(rng, number * 10_000 + i)))
        sessions[session_id] = turns
        kind = number % 3
        if kind == 0:
            doc = {
                "session": {
                    "session_id": session_id,
                    "dialogue": [{"speaker": s.title(), "text": t, "ai_label": f"{SECRET}-label"} for s, t in turns],
                }
            }
            (root / f"{session_id}.json").write_text(json.dumps(doc))
        elif kind == 1:
            lines = [
                json.dumps({"session_id": session_id, "turn_id": i, "role": s, "content": t})
                for i, (s, t) in enumerate(turns)
            ]
            (root / f"{session_id}.jsonl").write_text("\n".join(lines) + "\n")
        else:
            doc = {
                "id": session_id,
                "messages": [{"from": "gpt" if s == "therapist" else "human", "value": t} for s, t in turns],
            }
            (root / "nested").mkdir(exist_ok=True)
            (root / "nested" / f"{session_id}.json").write_text(json.dumps(doc))
    return sessions


def config(tmp_path: Path, cache: str, **overrides) -> ProcessingConfig:
    values = {"input_data_dir": str(tmp_path / "in"), "output_dir": str(tmp_path / "out"), "cache_dir": cache,
              "deid_key_file": str(Path(cache) / "deid.key")}
    values.update(overrides)
    return ProcessingConfig.from_dict(values)


def tree_digest(root: Path) -> dict[str, str]:
    """Every file's sha256; the manifest's without its `step_seconds` (the time each step took)."""
    digest = {}
    for p in sorted(root.rglob("*")):
        if p.is_file():
            data = p.read_bytes()
            if p.name == MANIFEST:
                manifest = json.loads(data)
                assert set(manifest.pop("step_seconds")) >= {"load", "plan", "tokenize", "save"}
                data = json.dumps(manifest, sort_keys=True).encode()
            digest[str(p.relative_to(root))] = hashlib.sha256(data).hexdigest()
    return digest


def examples(out: Path):
    ds = load_from_disk(str(out))
    return [(name, row) for name in ("train", "validation", "test") for row in ds[name]]


@pytest.fixture
def corpus(tmp_path):
    return write_corpus(tmp_path / "in", [12, 25, 40, 7, 18, 31, 9, 14, 22, 16, 11, 27])


# These tests follow raw turn texts and session ids into the output: de-identification, which would
# rewrite their made-up words and ids, is off in them (tests/test_deidentification.py covers it).


def test_sliding_window_every_eligible_turn_is_one_target(tmp_path, tokenizer_cache, corpus):
    manifest = TherapyDataProcessor(config(tmp_path, tokenizer_cache, min_exchange_length=6, deidentify="off")).run()
    counts = manifest["counts"]
    assert counts["exchanges_loaded"] == sum(len(t) for t in corpus.values())
    assert counts["sessions"] == len(corpus)
    assert manifest["accounting"]["exchanges_balanced"]
    assert counts["exchanges_used"] + sum(counts["exchanges_dropped"].values()) == counts["exchanges_loaded"]

    expected = Counter()
    for session_id, turns in corpus.items():
        for i, (speaker, text) in enumerate(turns):
            if speaker == "therapist" and i > 0 and 6 <= len(text.split()) <= 200:
                expected[(session_id, text)] += 1
    got = Counter((row["session_id"], row["messages"][-1]["content"]) for _, row in examples(tmp_path / "out"))
    assert got == expected
    assert counts["targets_supervised"] == counts["targets_eligible"] == sum(expected.values())
    assert counts["targets_excluded"]["too_short"] > 0


def test_chunked_session_targets_each_turn_once(tmp_path, tokenizer_cache):
    corpus = write_corpus(tmp_path / "in", [598, 301, 300, 299, 20, 20])
    manifest = TherapyDataProcessor(config(tmp_path, tokenizer_cache, deidentify="off")).run()
    assert manifest["counts"]["chunks"] == 3 + 2 + 1 + 1 + 1 + 1
    rows = [row for _, row in examples(tmp_path / "out")]
    responses = Counter((r["session_id"], r["messages"][-1]["content"]) for r in rows)
    assert max(responses.values()) == 1, "a therapist turn was a target twice"
    long_turns = {t for s, t in corpus["s000"] if s == "therapist"}
    assert {t for (sid, t) in responses if sid == "s000"} == long_turns - {corpus["s000"][0][1]}
    assert {r["chunk_index"] for r in rows if r["session_id"] == "s000"} == {0, 1, 2}
    assert {r["chunk_index"] for r in rows if r["session_id"] == "s003"} == {0}


def test_without_overlap_a_therapist_turn_opening_a_chunk_is_no_target(tmp_path, tokenizer_cache):
    # s000: 20 turns, therapist at odd indices: with chunks of 5 and no overlap, chunks start at 0, 5, 10, 15,
    # and turns 5 and 15 are therapist turns with nothing before them in their chunk.
    corpus = write_corpus(tmp_path / "in", [20, 6])
    manifest = TherapyDataProcessor(
        config(tmp_path, tokenizer_cache, max_session_exchanges=5, overlap_percentage=0.0, min_exchange_length=1,
               deidentify="off")
    ).run()
    counts = manifest["counts"]
    assert counts["targets_excluded"].get("opens_chunk") == 2
    # s000: 10 therapist turns less those 2; s001 (therapist at 0, 2, 4): turn 0 opens its session
    assert counts["targets_excluded"].get("opens_session") == 1
    assert counts["targets_supervised"] == counts["targets_eligible"] == 10 - 2 + 2
    assert "no_context" not in counts["examples_dropped"]
    responses = {row["messages"][-1]["content"] for _, row in examples(tmp_path / "out")}
    assert corpus["s000"][5][1] not in responses and corpus["s000"][7][1] in responses


def test_multi_turn_supervises_every_eligible_turn_once(tmp_path, tokenizer_cache, corpus):
    manifest = TherapyDataProcessor(
        config(tmp_path, tokenizer_cache, example_format="multi_turn", max_length=512)
    ).run()
    eligible = Counter(
        (sid, t) for sid, turns in corpus.items() for s, t in turns if s == "therapist" and len(t.split()) <= 200
    )
    rows = [row for _, row in examples(tmp_path / "out")]
    for row in rows:
        assert len(row["input_ids"]) <= 512
    assert manifest["counts"]["targets_supervised"] == sum(eligible.values())
    assert manifest["accounting"]["exchanges_balanced"]


def test_split_by_session_has_no_leak_and_manifest_agrees(tmp_path, tokenizer_cache, corpus):
    manifest = TherapyDataProcessor(config(tmp_path, tokenizer_cache)).run()
    sessions_of = {
        name: {row["session_id"] for n, row in examples(tmp_path / "out") if n == name}
        for name in ("train", "validation", "test")
    }
    assert not sessions_of["train"] & sessions_of["validation"]
    assert not sessions_of["train"] & sessions_of["test"]
    assert not sessions_of["validation"] & sessions_of["test"]
    assert {k: set(v) for k, v in manifest["splits"].items()} == sessions_of
    assert all(sessions_of.values()), "12 sessions fill three splits"


def test_same_input_gives_byte_identical_output(tmp_path, tokenizer_cache):
    write_corpus(tmp_path / "in", [50 + 10 * i for i in range(17)])  # > 1000 examples: num_proc=2 really splits
    TherapyDataProcessor(config(tmp_path, tokenizer_cache, output_dir=str(tmp_path / "a"))).run()
    # The same files copied in reverse order (another directory listing order), made by two workers.
    for path in sorted((tmp_path / "in").rglob("*.json*"), reverse=True):
        copy = tmp_path / "in2" / path.relative_to(tmp_path / "in")
        copy.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(path, copy)
    TherapyDataProcessor(
        config(
            tmp_path, tokenizer_cache, input_data_dir=str(tmp_path / "in2"), output_dir=str(tmp_path / "b"), num_proc=2
        )
    ).run()
    a, b = tree_digest(tmp_path / "a"), tree_digest(tmp_path / "b")
    manifests = [json.loads((tmp_path / d / MANIFEST).read_text()) for d in ("a", "b")]
    for m in manifests:
        m.pop("step_seconds")
        for key in ("input_data_dir", "output_dir", "num_proc"):
            m["config"].pop(key)
    assert manifests[0] == manifests[1]
    a.pop(MANIFEST), b.pop(MANIFEST)
    assert a == b
    # The very same command twice: every byte, the manifest included (but the seconds steps took).
    first = tree_digest(tmp_path / "b")
    TherapyDataProcessor(
        config(
            tmp_path, tokenizer_cache, input_data_dir=str(tmp_path / "in2"), output_dir=str(tmp_path / "b"), num_proc=2
        )
    ).run()
    assert tree_digest(tmp_path / "b") == first


def test_failed_run_leaves_previous_output(tmp_path, tokenizer_cache, corpus, monkeypatch):
    TherapyDataProcessor(config(tmp_path, tokenizer_cache)).run()
    before = tree_digest(tmp_path / "out")

    def broken_save(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(therapy_data_processor, "save_output", broken_save)
    with pytest.raises(OSError):
        TherapyDataProcessor(config(tmp_path, tokenizer_cache, max_length=1024)).run()
    assert tree_digest(tmp_path / "out") == before
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".out")] == []


def test_killed_runs_leave_previous_output_and_no_staging(tmp_path, tokenizer_cache):
    write_corpus(tmp_path / "in", [40 + 5 * i for i in range(30)])
    cmd = [
        sys.executable,
        "run_data_processing.py",
        "-q",
        "--input-dir",
        str(tmp_path / "in"),
        "--output-dir",
        str(tmp_path / "out"),
        "--set",
        f"cache_dir={tokenizer_cache}",
    ]
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    subprocess.run(cmd, cwd=REPO, env=env, check=True, capture_output=True)
    before = tree_digest(tmp_path / "out")
    outcomes = []
    for delay in (0.5, 1.5, 2.5, 3.5, 5.0):
        proc = subprocess.Popen(
            [*cmd, "--set", "seed=7"], cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        time.sleep(delay)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        outcomes.append(tree_digest(tmp_path / "out"))
        if outcomes[-1] != before:
            break  # the new output was swapped in whole before the kill: nothing older to protect
    # A run that finishes gives the new output; every killed run left the old one or exactly that.
    subprocess.run([*cmd, "--set", "seed=7"], cwd=REPO, env=env, check=True, capture_output=True)
    after = tree_digest(tmp_path / "out")
    assert after != before
    assert outcomes[0] == before, "the first kill came mid-run and must leave the previous output"
    assert all(outcome in (before, after) for outcome in outcomes), "a killed run left a mixed output"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".out.staging")] == []


def test_private_output_and_no_transcript_text_in_logs_or_manifest(tmp_path, tokenizer_cache, corpus, caplog):
    caplog.set_level(logging.DEBUG)
    TherapyDataProcessor(config(tmp_path, tokenizer_cache)).run()
    assert SECRET not in caplog.text
    manifest_text = (tmp_path / "out" / MANIFEST).read_text()
    assert SECRET not in manifest_text
    for path in [tmp_path / "out", *(tmp_path / "out").rglob("*")]:
        mode = path.stat().st_mode & 0o777
        assert mode == (0o700 if path.is_dir() else 0o600), (path, oct(mode))
    # AI labels never reach the dataset.
    for _, row in examples(tmp_path / "out"):
        assert all(f"{SECRET}-label" not in m["content"] for m in row["messages"])


def test_tiny_corpus_still_runs_and_says_so(tmp_path, tokenizer_cache, caplog):
    write_corpus(tmp_path / "in", [10])
    manifest = TherapyDataProcessor(config(tmp_path, tokenizer_cache)).run()
    assert manifest["counts"]["examples"]["train"] > 0
    assert "too small for three non-empty splits" in caplog.text


def test_no_usable_session_is_an_input_error(tmp_path, tokenizer_cache):
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "bad.json").write_text("{")
    with pytest.raises(InputError, match="no usable sessions"):
        TherapyDataProcessor(config(tmp_path, tokenizer_cache)).run()


@pytest.mark.parametrize(
    ("override", "key"),
    [
        ("max_length=abc", "max_length"),
        ("overlap_percentage=1.0", "overlap_percentage"),
        ("overlap_percentage=-0.1", "overlap_percentage"),
        ("split_ratios={train: 0.8, validation: 0.1, test: 0.2}", "split_ratios"),
        ("min_exchange_length=300", "max_exchange_length"),
        ("bogus_key=1", "bogus_key"),
        ("example_format=paragraphs", "example_format"),
        ("speaker_map={dr lee: supervisor}", "speaker_map"),
        ("strict=maybe", "strict"),
        ("output_dir=data/training_data/processed", "output_dir"),
        ("input_data_dir=no/such/folder", "input_data_dir"),
    ],
)
def test_bad_config_exits_2_naming_the_key(override, key, capsys):
    assert run_data_processing.main(["--set", override]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"config error: {key}:") and "Traceback" not in err


def test_set_overrides_nested_and_typed(tmp_path):
    (tmp_path / "c.yaml").write_text("max_length: 1024\n")
    cfg = ProcessingConfig.from_yaml(
        tmp_path / "c.yaml",
        ["split_ratios.train=0.7", "split_ratios.test=0.2", "train_on_inputs=true", "instruction=Be kind."],
    )
    assert cfg.max_length == 1024 and cfg.train_on_inputs is True and cfg.instruction == "Be kind."
    assert cfg.split_ratios == {"train": 0.7, "validation": 0.1, "test": 0.2}
    with pytest.raises(ConfigError, match="config file not found"):
        ProcessingConfig.from_yaml(tmp_path / "missing.yaml")


def test_config_yaml_matches_dataclass_defaults():
    import yaml

    from_file = yaml.safe_load((REPO / "config.yaml").read_text())
    defaults = {k: v for k, (v, _) in ProcessingConfig.field_help().items()}
    assert from_file == defaults


def test_readme_config_table_lists_every_key_with_its_help():
    readme = (REPO / "README.md").read_text()
    for key, (default, help_text) in ProcessingConfig.field_help().items():
        assert f"| `{key}` |" in readme, key
        assert help_text in readme, key


def test_books_that_do_not_balance_fail_the_run(tmp_path, tokenizer_cache, corpus, monkeypatch):
    """An example lost without a counted reason (a bug) is caught by the accounting, not saved."""
    from therapy_pipeline.encoding import ExampleEncoder

    real = ExampleEncoder.arrow_batch

    def loses_a_row(self, batch):
        table = real(self, batch)
        return table.slice(0, table.num_rows - 1)

    monkeypatch.setattr(ExampleEncoder, "arrow_batch", loses_a_row)
    with pytest.raises(AssertionError, match="accounting does not balance"):
        TherapyDataProcessor(config(tmp_path, tokenizer_cache)).run()
    assert not (tmp_path / "out").exists()


def test_output_dir_that_is_a_file_is_a_config_error_and_the_file_is_kept(tmp_path, capsys):
    (tmp_path / "notes.txt").write_text("keep me")
    for output_dir in (tmp_path / "notes.txt", tmp_path / "notes.txt" / "out"):
        assert run_data_processing.main(["--output-dir", str(output_dir), "-q"]) == 2
        assert capsys.readouterr().err.strip() == f"config error: output_dir: {tmp_path / 'notes.txt'} is a file, not a folder"
    assert (tmp_path / "notes.txt").read_text() == "keep me"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt"]


def test_full_disk_while_saving_the_tokenizer_is_one_line_naming_the_output(tmp_path, tokenizer_cache, corpus,
                                                                              monkeypatch, capsys):
    """ENOSPC anywhere in the save: one line with the user's path (not the staging folder's), exit 1,
    the previous output left as it was."""
    import transformers

    args = ["--input-dir", str(tmp_path / "in"), "--output-dir", str(tmp_path / "out"), "-q",
            "--set", f"cache_dir={tokenizer_cache}", "--set", f"deid_key_file={tokenizer_cache}/deid.key"]
    assert run_data_processing.main(args) == 0
    before = tree_digest(tmp_path / "out")
    capsys.readouterr()

    def disk_full(self, folder, *rest, **kwargs):
        raise Exception("No space left on device (os error 28)")  # noqa: TRY002 - what `tokenizers` raises

    monkeypatch.setattr(transformers.PreTrainedTokenizerBase, "save_pretrained", disk_full)
    assert run_data_processing.main(args) == 1
    err = [line for line in capsys.readouterr().err.strip().splitlines() if " WARNING " not in line]
    assert err == [
        f"error: No space left on device: {tmp_path / 'out' / 'tokenizer'}",
        "the previous output, if any, was left as it was",
    ]
    assert tree_digest(tmp_path / "out") == before


def test_deidentify_off_as_yaml_writes_it(tmp_path):
    """YAML reads a bare `off` as false: `deidentify: off` and `--set deidentify=off` still mean off."""
    (tmp_path / "c.yaml").write_text("deidentify: off\n")
    assert ProcessingConfig.from_yaml(tmp_path / "c.yaml").deidentify == "off"
    assert ProcessingConfig.from_yaml(tmp_path / "c.yaml", ["deidentify=off"]).deidentify == "off"


def test_tokenized_export_holds_only_the_model_columns_and_the_manifest_the_longest_example(
    tmp_path, tokenizer_cache, corpus
):
    manifest = TherapyDataProcessor(config(tmp_path, tokenizer_cache)).run(export=["jsonl", "tokenized"])
    saved = load_from_disk(str(tmp_path / "out"))
    tokenized = load_from_disk(str(tmp_path / "out" / "export" / "tokenized"))
    longest = 0
    for name in ("train", "validation", "test"):
        assert tokenized[name].column_names == ["input_ids", "attention_mask", "labels"]
        assert tokenized[name].to_dict() == saved[name].select_columns(["input_ids", "attention_mask", "labels"]).to_dict()
        assert (tmp_path / "out" / "export" / f"{name}.jsonl").is_file()
        longest = max(longest, *saved[name]["length"]) if len(saved[name]) else longest
    assert manifest["longest_example"] == longest > 0


def test_no_trainable_turn_anywhere_is_one_line(tmp_path, tokenizer_cache, capsys):
    """A corpus in which no therapist turn can be a target: one line, exit 1, nothing written."""
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "a.json").write_text(json.dumps({"dialogue": [
        {"speaker": "Therapist", "text": "Hello there."}, {"speaker": "Client", "text": "Hi."}]}))
    (tmp_path / "in" / "b.json").write_text(json.dumps({"dialogue": [{"speaker": "Client", "text": "Only me."}]}))
    args = ["--input-dir", str(tmp_path / "in"), "--output-dir", str(tmp_path / "out"), "-q",
            "--set", f"cache_dir={tokenizer_cache}", "--set", f"deid_key_file={tokenizer_cache}/deid.key"]
    assert run_data_processing.main(args) == 1
    err = [line for line in capsys.readouterr().err.strip().splitlines() if " WARNING " not in line]
    assert err == [f"error: {tmp_path / 'in'}: no session has a therapist turn that can be a training target",
                   "the previous output, if any, was left as it was"]
    assert not (tmp_path / "out").exists()


def test_unknown_export_is_refused(tmp_path, tokenizer_cache, corpus):
    with pytest.raises(ValueError, match="unknown export llamafactroy"):
        TherapyDataProcessor(config(tmp_path, tokenizer_cache)).run(export=["llamafactroy"])


def test_library_info_records_stay_off_the_console_even_when_another_library_turned_them_on(capsys, monkeypatch):
    """LLaMA-Factory's argument parser sets transformers' logging to INFO for the whole process; a run
    after it in the same process must still print only its own lines (CI saw one extra line)."""
    import transformers

    level = transformers.utils.logging.get_verbosity()
    monkeypatch.setattr(logging.getLogger("transformers"), "propagate", logging.getLogger("transformers").propagate)
    transformers.utils.logging.set_verbosity_info()
    transformers.utils.logging.enable_propagation()
    try:
        run_data_processing.setup_logging(None, quiet=True)
        logging.getLogger("transformers.utils.hub").info("Offline mode: forcing local_files_only=True")
        logging.getLogger("transformers.utils.hub").warning("a warning still shows")
        assert [line.split(" ", 1)[1] for line in capsys.readouterr().err.splitlines()] == [
            "WARNING a warning still shows"
        ]
    finally:
        transformers.utils.logging.set_verbosity(level)
