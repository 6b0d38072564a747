"""validate_processing.py on a real processed dataset: clean it passes; corrupted one way at a time,
exactly the check(s) for that defect fail, with evidence and without a traceback."""

import os

os.environ["HF_HUB_OFFLINE"] = "1"  # before transformers is imported: nothing here uses the network

import json
import random
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from datasets import Dataset, DatasetDict, concatenate_datasets, load_from_disk
from transformers import AutoTokenizer

import validate_processing
from therapy_data_processor import MANIFEST, ProcessingConfig, TherapyDataProcessor

REPO = Path(__file__).resolve().parent.parent
CHECKS = [name for name, _ in validate_processing.CHECKS]
NEEDS_TOKENIZER = {"ids_in_vocabulary", "messages_match_input_ids", "prompt_not_supervised", "response_leak",
                   "dynamic_padding", "ready_for_fine_tuning"}
FAST = ["--train-steps", "4"]  # the corrupted datasets need the training check to run, not to run long

CLIENT_LINES = [
    "I could not sleep again", "my manager sent another email about the deadline",
    "the argument with my brother keeps replaying", "I skipped the gym three times this week",
    "my chest gets tight before meetings", "I cancelled dinner with friends",
    "the bus was late and I snapped at the driver", "I keep checking my phone at night",
    "my landlord raised the rent", "I felt numb at the family lunch", "I ate nothing until the evening",
    "the new medication makes me tired",
]
THERAPIST_LINES = [
    "what did you notice in your body right then", "let us try paced breathing for a minute",
    "which skill from the distress tolerance list fits here", "can we check the facts together",
    "what would opposite action look like tomorrow", "how intense was the urge from one to ten",
    "that sounds exhausting and it makes sense", "what is one small step for this week",
    "let us write that chain of events down", "notice the thought and name it as a thought",
    "what would wise mind say about that", "how did the half smile exercise go",
]


def fictional_turn(rng: random.Random, lines: list[str], number: int) -> str:
    # Two random fictional phrases and a turn number: distinct texts, so responses never recur by chance.
    return f"{rng.choice(lines).capitalize()}, {rng.choice(lines)} (note {number})."


@pytest.fixture(scope="module")
def clean_output(tmp_path_factory: pytest.TempPathFactory, tokenizer_cache: str) -> Path:
    """12 fictional sessions of 10-30 turns, processed with the default config."""
    root = tmp_path_factory.mktemp("validate")
    corpus = root / "corpus"
    corpus.mkdir()
    rng = random.Random(7)
    for number in range(12):
        turns = []
        for i in range(rng.randint(10, 30)):
            therapist = (i + number) % 2 == 1
            text = fictional_turn(rng, THERAPIST_LINES if therapist else CLIENT_LINES, number * 100 + i)
            turns.append({"speaker": "Therapist" if therapist else "Client", "text": text})
        session = {"session_id": f"fict-{number:02d}", "dialogue": turns}
        (corpus / f"session_{number:02d}.json").write_text(json.dumps(session))
    output = root / "processed"
    config = ProcessingConfig.from_dict({"input_data_dir": str(corpus), "output_dir": str(output),
                                         "cache_dir": tokenizer_cache, "deid_key_file": str(root / "deid.key")})
    manifest = TherapyDataProcessor(config).run()
    assert all(manifest["counts"]["examples"][name] > 0 for name in ("train", "validation", "test"))
    return output


@pytest.fixture(scope="module")
def tokenizer(clean_output: Path):
    return AutoTokenizer.from_pretrained(clean_output / "tokenizer")


def validate(output_dir: Path, *extra: str, capsys: pytest.CaptureFixture) -> tuple[int, dict, str]:
    """main() in-process with --json; returns (exit code, the JSON report, stderr)."""
    code = validate_processing.main(["--output-dir", str(output_dir), "--json", *extra])
    captured = capsys.readouterr()
    return code, json.loads(captured.out), captured.err


def failed(report: dict) -> set[str]:
    return {check["name"] for check in report["checks"] if not check["passed"]}


def evidence(report: dict, name: str) -> str:
    return next(check["evidence"] for check in report["checks"] if check["name"] == name)


def corrupt(clean: Path, dest: Path, edit: Callable[[dict[str, Dataset]], dict[str, Dataset]]) -> Path:
    """A copy of the clean output with its splits replaced by edit(splits). The manifest's example
    counts and session lists follow the edited splits, so the defect is the only inconsistency."""
    dataset = load_from_disk(str(clean))
    splits = edit({name: dataset[name] for name in dataset})
    DatasetDict(splits).save_to_disk(str(dest))
    shutil.copytree(clean / "tokenizer", dest / "tokenizer")
    manifest = json.loads((clean / MANIFEST).read_text())
    manifest["counts"]["examples"] = {name: len(ds) for name, ds in splits.items()}
    manifest["splits"] = {name: sorted(set(ds["session_id"])) for name, ds in splits.items()}
    (dest / MANIFEST).write_text(json.dumps(manifest))
    return dest


def edit_row(ds: Dataset, index: int, change: Callable[[dict], dict]) -> Dataset:
    return ds.map(lambda row, i: change(dict(row)) if i == index else row, with_indices=True)


def append_rows(ds: Dataset, rows: list[dict]) -> Dataset:
    return concatenate_datasets([ds, Dataset.from_list(rows, features=ds.features)])


def rendered_row(tokenizer, session_id: str, messages: list[dict]) -> dict:
    """A row built the way the pipeline's rows are: the chat template's ids, only the assistant trained."""
    encoded = tokenizer.apply_chat_template(messages, tokenize=True, return_dict=True,
                                            return_assistant_tokens_mask=True)
    ids = list(encoded["input_ids"])
    labels = [i if trained else -100 for i, trained in zip(ids, encoded["assistant_masks"])]
    return {"session_id": session_id, "chunk_index": 0, "messages": messages, "input_ids": ids,
            "attention_mask": [1] * len(ids), "labels": labels, "length": len(ids)}


# ---------------------------------------------------------------------------------------- clean


def test_clean_dataset_passes_every_check_as_json_only(clean_output: Path) -> None:
    # A real process: stdout must hold the JSON object and nothing else.
    result = subprocess.run([sys.executable, "validate_processing.py", "--output-dir", str(clean_output), "--json"],
                            cwd=REPO, capture_output=True, text=True, timeout=300, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    report = json.loads(result.stdout)
    assert report["passed"] is True
    assert [c["name"] for c in report["checks"]] == CHECKS
    assert all(c["passed"] and c["evidence"] for c in report["checks"]), report
    assert evidence(report, "no_session_leak").startswith("12 sessions, each in one split")
    assert evidence(report, "response_leak").startswith("0 of ")
    assert "Traceback" not in result.stderr
    # Evidence is numbers: no session id and no transcript text reaches the report.
    dataset = load_from_disk(str(clean_output))
    for name in dataset:
        for row in dataset[name]:
            assert row["session_id"] not in result.stdout
            assert not any(m["content"] in result.stdout for m in row["messages"][1:])


# ---------------------------------------------------------------------------------------- corruptions


def test_session_in_two_splits(clean_output: Path, tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    def move_last_train_row_to_test(splits: dict[str, Dataset]) -> dict[str, Dataset]:
        # The last row of a session: its response is in no later window, so no response leaks with it.
        train, last = splits["train"], len(splits["train"]) - 1
        return {**splits, "train": train.select(range(last)),
                "test": concatenate_datasets([splits["test"], train.select([last])])}

    code, report, err = validate(corrupt(clean_output, tmp_path / "out", move_last_train_row_to_test), *FAST,
                                 capsys=capsys)
    assert code == 1
    assert failed(report) == {"no_session_leak"}
    assert "1 of 12 sessions have examples in more than one split" in evidence(report, "no_session_leak")
    assert "first: test row" in evidence(report, "no_session_leak")
    assert "Traceback" not in err


def test_example_without_supervised_token(clean_output: Path, tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    def unsupervise(splits: dict[str, Dataset]) -> dict[str, Dataset]:
        return {**splits, "validation": edit_row(splits["validation"], 0,
                                                 lambda row: {**row, "labels": [-100] * len(row["labels"])})}

    code, report, err = validate(corrupt(clean_output, tmp_path / "out", unsupervise), *FAST, capsys=capsys)
    assert code == 1
    assert failed(report) == {"supervised_tokens"}
    assert evidence(report, "supervised_tokens") == ("1 rows with no supervised token (all labels -100); "
                                                     "first: validation row 0")
    assert "Traceback" not in err


def test_prompt_tokens_supervised(clean_output: Path, tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    def supervise_system_header(splits: dict[str, Dataset]) -> dict[str, Dataset]:
        def change(row: dict) -> dict:
            labels = list(row["labels"])
            labels[1] = row["input_ids"][1]  # <|start_header_id|> of the system block
            return {**row, "labels": labels}

        return {**splits, "validation": edit_row(splits["validation"], 2, change)}

    code, report, err = validate(corrupt(clean_output, tmp_path / "out", supervise_system_header), *FAST,
                                 capsys=capsys)
    assert code == 1
    assert failed(report) == {"prompt_not_supervised"}
    assert "outside the assistant turns; first: validation row 2" in evidence(report, "prompt_not_supervised")
    assert "Traceback" not in err


def test_sequence_over_max_length(clean_output: Path, tmp_path: Path, tokenizer,
                                  capsys: pytest.CaptureFixture) -> None:
    def add_long_row(splits: dict[str, Dataset]) -> dict[str, Dataset]:
        # A well-formed row (messages, ids and labels agree) whose context is simply too long.
        row = splits["test"][0]
        messages = [dict(m) for m in row["messages"]]
        messages[1]["content"] = "\n".join([messages[1]["content"]] * 200)
        long_row = rendered_row(tokenizer, row["session_id"], messages)
        assert long_row["length"] > 2048
        return {**splits, "test": append_rows(splits["test"], [long_row])}

    code, report, err = validate(corrupt(clean_output, tmp_path / "out", add_long_row), *FAST, capsys=capsys)
    assert code == 1
    assert failed(report) == {"max_length"}
    assert "1 sequences over max_length 2048" in evidence(report, "max_length")
    assert "Traceback" not in err


def test_id_outside_vocabulary(clean_output: Path, tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    def out_of_vocabulary(splits: dict[str, Dataset]) -> dict[str, Dataset]:
        def change(row: dict) -> dict:
            ids = list(row["input_ids"])
            ids[5] = 128256 + 10  # a prompt position: its label stays -100
            return {**row, "input_ids": ids}

        return {**splits, "test": edit_row(splits["test"], 1, change)}

    code, report, err = validate(corrupt(clean_output, tmp_path / "out", out_of_vocabulary), *FAST, capsys=capsys)
    assert code == 1
    # Any change to input_ids also parts them from the messages they were rendered from.
    assert failed(report) == {"ids_in_vocabulary", "messages_match_input_ids"}
    assert "ids outside [0, 128256)" in evidence(report, "ids_in_vocabulary")
    assert "first: test row 1" in evidence(report, "ids_in_vocabulary")
    assert "first: test row 1 at token 5" in evidence(report, "messages_match_input_ids")
    assert "Traceback" not in err


def test_labels_shorter_than_input_ids(clean_output: Path, tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    def shorten(splits: dict[str, Dataset]) -> dict[str, Dataset]:
        return {**splits, "validation": edit_row(splits["validation"], 1,
                                                 lambda row: {**row, "labels": row["labels"][:-1]})}

    code, report, err = validate(corrupt(clean_output, tmp_path / "out", shorten), *FAST, capsys=capsys)
    assert code == 1
    assert failed(report) == {"labels_aligned"}
    assert "length is not len(input_ids); first: validation row 1" in evidence(report, "labels_aligned")
    assert "Traceback" not in err


def test_label_differs_from_its_input_id(clean_output: Path, tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    def wrong_label(splits: dict[str, Dataset]) -> dict[str, Dataset]:
        def change(row: dict) -> dict:
            labels = list(row["labels"])
            first_trained = next(i for i, label in enumerate(labels) if label != -100)
            labels[first_trained] += 1
            return {**row, "labels": labels}

        return {**splits, "validation": edit_row(splits["validation"], 0, change)}

    code, report, err = validate(corrupt(clean_output, tmp_path / "out", wrong_label), *FAST, capsys=capsys)
    assert code == 1
    assert failed(report) == {"labels_aligned"}
    assert "neither -100 nor its input id; first: validation row 0" in evidence(report, "labels_aligned")
    assert "Traceback" not in err


def test_missing_split(clean_output: Path, tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    def drop_test(splits: dict[str, Dataset]) -> dict[str, Dataset]:
        return {name: ds for name, ds in splits.items() if name != "test"}

    code, report, err = validate(corrupt(clean_output, tmp_path / "out", drop_test), *FAST, capsys=capsys)
    assert code == 1
    assert failed(report) == {"dataset_loads", "split_ratios"}
    assert evidence(report, "dataset_loads") == "missing split test"
    assert evidence(report, "split_ratios") == "not run: needs the test split"
    assert "Traceback" not in err


def test_tokenizer_dir_missing(clean_output: Path, tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    output = corrupt(clean_output, tmp_path / "out", lambda splits: splits)
    shutil.rmtree(output / "tokenizer")

    code, report, err = validate(output, capsys=capsys)
    assert code == 1
    assert failed(report) == {"tokenizer_loads_offline"} | NEEDS_TOKENIZER
    assert evidence(report, "tokenizer_loads_offline").startswith("AutoTokenizer.from_pretrained(tokenizer/) "
                                                                  "offline failed")
    assert all(evidence(report, name).startswith("not run: the tokenizer did not load") for name in NEEDS_TOKENIZER)
    assert "Traceback" not in err


def test_test_responses_copied_into_train(clean_output: Path, tmp_path: Path, tokenizer,
                                          capsys: pytest.CaptureFixture) -> None:
    def leak(splits: dict[str, Dataset]) -> dict[str, Dataset]:
        # One well-formed train row whose context quotes every test response.
        quoted = "\n".join(f"Client: {messages[-1]['content']}" for messages in splits["test"]["messages"])
        donor = splits["train"][0]
        messages = [dict(donor["messages"][0]), {"role": "user", "content": quoted}, dict(donor["messages"][-1])]
        return {**splits, "train": append_rows(splits["train"],
                                               [rendered_row(tokenizer, donor["session_id"], messages)])}

    code, report, err = validate(corrupt(clean_output, tmp_path / "out", leak), *FAST, capsys=capsys)
    assert code == 1
    assert failed(report) == {"response_leak"}
    assert "appear verbatim in train text; limit 5.0%" in evidence(report, "response_leak")
    assert "Traceback" not in err


def test_manifest_out_of_date(clean_output: Path, tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    output = corrupt(clean_output, tmp_path / "out", lambda splits: splits)
    manifest = json.loads((output / MANIFEST).read_text())
    manifest["counts"]["examples"]["train"] += 1
    (output / MANIFEST).write_text(json.dumps(manifest))

    code, report, err = validate(output, *FAST, capsys=capsys)
    assert code == 1
    assert failed(report) == {"manifest_consistent"}
    assert "train: manifest counts" in evidence(report, "manifest_consistent")
    assert "Traceback" not in err


def test_output_not_deidentified_fails_unless_the_corpus_was(clean_output: Path, tmp_path: Path,
                                                            capsys: pytest.CaptureFixture) -> None:
    output = corrupt(clean_output, tmp_path / "out", lambda splits: splits)
    manifest = json.loads((output / MANIFEST).read_text())
    manifest["deidentification"] = {"mode": "off"}
    (output / MANIFEST).write_text(json.dumps(manifest))
    code, report, _ = validate(output, *FAST, capsys=capsys)
    assert code == 1 and failed(report) == {"deidentified"}
    assert "deidentify off" in evidence(report, "deidentified")
    code, report, _ = validate(output, *FAST, "--corpus-deidentified", capsys=capsys)
    assert code == 0 and evidence(report, "deidentified").startswith("info:")


def test_raw_session_id_fails_deidentified(clean_output: Path, tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    def raw_ids(splits: dict[str, Dataset]) -> dict[str, Dataset]:
        return {**splits, "test": splits["test"].map(lambda row: {"session_id": "smith_john_2024-03-14"})}

    code, report, _ = validate(corrupt(clean_output, tmp_path / "out", raw_ids), *FAST, capsys=capsys)
    assert code == 1 and failed(report) == {"deidentified"}
    assert "session ids are not keyed pseudonyms" in evidence(report, "deidentified")
    assert "smith" not in json.dumps(report)


def test_damaged_dataset_fails_without_traceback(clean_output: Path, tmp_path: Path) -> None:
    output = corrupt(clean_output, tmp_path / "out", lambda splits: splits)
    (output / "train" / "dataset_info.json").write_text("{not json")

    result = subprocess.run([sys.executable, "validate_processing.py", "--output-dir", str(output)],
                            cwd=REPO, capture_output=True, text=True, timeout=300, check=False)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("FAIL dataset_loads: load_from_disk failed")
    assert "PASS tokenizer_loads_offline" in result.stdout
    # Everything that reads the rows fails as not run, naming why (no_client_leak, split by session,
    # has nothing to read).
    assert "PASS no_client_leak: info: split_by session: clients are not kept apart" in lines
    assert sum("not run: the dataset did not load" in line for line in lines) == len(CHECKS) - 3


# ---------------------------------------------------------------------------------------- usage


def test_missing_output_dir_is_one_line_and_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    assert validate_processing.main(["--output-dir", str(tmp_path / "nowhere"), "--json"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.strip().count("\n") == 0
    assert "does not exist" in captured.err


def test_bad_arguments_exit_2(tmp_path: Path) -> None:
    with pytest.raises(SystemExit) as leak_limit:
        validate_processing.main(["--output-dir", str(tmp_path), "--max-leak", "2"])
    with pytest.raises(SystemExit) as steps:
        validate_processing.main(["--output-dir", str(tmp_path), "--train-steps", "1"])
    assert leak_limit.value.code == steps.value.code == 2
