"""simple_length_analysis.py on a corpus whose numbers are worked out by hand below."""

import os

os.environ["HF_HUB_OFFLINE"] = "1"  # before any hub import: the embedded tokenizer, never the network

import contextlib
import io
import json
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import yaml
from datasets import Dataset

import simple_length_analysis as sla
from therapy_data_processor import ProcessingConfig, TherapyDataProcessor
from therapy_pipeline.collator import padding_efficiency, training_orders

REPO = Path(__file__).resolve().parent.parent
VOCABULARY = ["I", "feel", "calm", "today", "and", "we", "can", "talk", "about", "sleep", "work", "family", "plans", "goals", "skills", "breathing", "notice", "urges", "pause", "check", "facts"]
MARKER = "Zyxquorbeth"  # stands in for transcript text: it must never reach the report or stdout

# Words per turn: (speaker, words). Worked out by hand:
#   all 12:     1 2 3 4 5 6 7 8 9 10 11 20 -> mean 86/12 = 7.17, median (6+7)/2 = 6.5,
#               p90 at rank 0.9*11 = 9.9 -> 10 + 0.9*(11-10) = 10.9, p99 at 10.89 -> 11 + 0.89*9 = 19.01
#   therapist:  1 4 5 8 9 20 -> mean 47/6 = 7.83, median 6.5, p90 at 4.5 -> 9 + 0.5*11 = 14.5,
#               p99 at 4.95 -> 9 + 0.95*11 = 19.45
#   client:     2 3 6 7 10 11 -> mean 39/6 = 6.5, median 6.5, p90 at 4.5 -> 10.5, p99 at 4.95 -> 10.95
SESSIONS = {
    "s1": [("Client", 2), ("Therapist", 1), ("Client", 6), ("Therapist", 8)],
    "s2": [("Therapist", 4), ("Client", 3), ("Therapist", 5), ("Client", 7), ("Therapist", 9), ("Client", 11)],
    "s3": [("Client", 10), ("Therapist", 20)],
}
# Chunks of 3 turns, overlap round(0.34 * 3) = 1: s1 (4 turns) -> [0,3) [2,4); s2 (6) -> [0,3) [2,5) [4,6).
# Targets need 2..10 words: therapist 1 too short, 20 too long, s2's opening 4 has no input -> 8, 5, 9.
# De-identification off: MARKER, a made-up word, would be taken for a name and replaced, and the
# token counts worked out from the raw text would no longer hold (test_deidentification_counts).
CONFIG = {"max_session_exchanges": 3, "overlap_percentage": 0.34, "min_exchange_length": 2,
          "max_exchange_length": 10, "deidentify": "off"}


def text(words: int, offset: int) -> str:
    return " ".join(VOCABULARY[(offset + i) % len(VOCABULARY)] for i in range(words))


def turn_texts() -> list[str]:
    texts = [text(n, i) for i, (_, n) in enumerate(t for turns in SESSIONS.values() for t in turns)]
    texts[-1] = " ".join([MARKER, *texts[-1].split()[1:]])
    return texts


@pytest.fixture(scope="module")
def corpus(tmp_path_factory, tokenizer_cache):
    """Input dir and a config whose output_dir holds a processed dataset."""
    root = tmp_path_factory.mktemp("length")
    texts = iter(turn_texts())
    (root / "in").mkdir()
    for session_id, turns in SESSIONS.items():
        dialogue = [{"speaker": speaker, "text": next(texts)} for speaker, _ in turns]
        (root / "in" / f"{session_id}.json").write_text(json.dumps({"session_id": session_id,
                                                                    "dialogue": dialogue}))
    config = {**CONFIG, "input_data_dir": str(root / "in"), "output_dir": str(root / "out"),
              "cache_dir": tokenizer_cache}
    TherapyDataProcessor(ProcessingConfig.from_dict(config)).run()
    # The CLI run must take its input from --input-dir.
    (root / "config.yaml").write_text(yaml.safe_dump({**config, "input_data_dir": str(root / "nowhere")}))
    return root


def processed_lengths(output_dir: Path) -> list[int]:
    """Token counts of every saved example. Splits are loaded one by one: datasets 5 saves an empty
    split (this corpus has one) without data files and then cannot load it back."""
    lengths = []
    for name in ("train", "validation", "test"):
        if json.loads((output_dir / name / "state.json").read_text())["_data_files"]:
            lengths += [len(ids) for ids in Dataset.load_from_disk(str(output_dir / name))["input_ids"]]
    return lengths


@pytest.fixture(scope="module")
def cli(corpus):
    """One real `--json` run in its own process: stdout must hold the JSON object and nothing else."""
    done = subprocess.run([sys.executable, "simple_length_analysis.py", "--config", str(corpus / "config.yaml"),
                           "--input-dir", str(corpus / "in"), "--json"], check=False, cwd=REPO, capture_output=True, text=True, timeout=120,
                          env={**os.environ, "HF_HUB_OFFLINE": "1"})
    assert done.returncode == 0, done.stderr
    return done


def run_main(argv: list[str]) -> tuple[int, str]:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = sla.main(argv)
    return code, out.getvalue()


def test_json_stdout_is_one_object_with_the_stable_keys(cli):
    result = json.loads(cli.stdout)  # raises if anything else is on stdout
    assert list(result) == ["sessions", "exchanges", "words_per_exchange", "exchanges_per_session", "by_speaker",
                            "deidentification", "clients", "speakers", "duplicates", "chunking", "filters", "tokens", "report_dir",
                            "plots"]
    assert result["deidentification"] == {"mode": "off", "values_replaced": {}}
    assert list(result["clients"]) == ["clients", "sessions_with_client_id", "sessions_without_client_id",
                                       "sessions_per_client"]
    assert result["speakers"] == {"sessions_with_speaker_roles": 0, "sessions_roles_by_first_speaker": 0}
    stats = ["mean", "median", "p90", "p99", "max"]
    assert list(result["words_per_exchange"]) == stats
    assert list(result["exchanges_per_session"]) == ["min", "max", "mean"]
    assert list(result["by_speaker"]) == ["therapist", "client"]
    assert list(result["by_speaker"]["client"]) == ["exchanges", "words_per_exchange"]
    assert list(result["chunking"]) == ["sessions_over_limit", "chunks"]
    assert {"therapist_turns", "too_short", "too_long", "eligible"} <= set(result["filters"])
    tokens = result["tokens"]
    assert list(tokens) == ["per_turn", "per_example", "over_max_length", "max_length_covering", "processed"]
    assert list(tokens["per_turn"]) == stats
    assert list(tokens["per_example"]) == ["count", *stats]
    assert list(tokens["over_max_length"]) == ["count", "share"]
    assert list(tokens["max_length_covering"]) == ["p95", "p99", "p100"]
    assert list(tokens["processed"]) == ["train", "validation", "test", "padding_efficiency"]
    assert list(tokens["processed"]["padding_efficiency"]) == ["random", "grouped"]
    assert "12 exchanges in 3 sessions" in cli.stderr  # the sentence is logged, not printed, with --json


def test_raw_statistics_by_hand(cli):
    result = json.loads(cli.stdout)
    assert result["sessions"] == 3
    assert result["exchanges"] == 12
    assert result["words_per_exchange"] == {"mean": 7.17, "median": 6.5, "p90": 10.9, "p99": 19.01, "max": 20}
    assert result["by_speaker"] == {
        "therapist": {"exchanges": 6,
                      "words_per_exchange": {"mean": 7.83, "median": 6.5, "p90": 14.5, "p99": 19.45, "max": 20}},
        "client": {"exchanges": 6,
                   "words_per_exchange": {"mean": 6.5, "median": 6.5, "p90": 10.5, "p99": 10.95, "max": 11}},
    }
    assert result["exchanges_per_session"] == {"min": 2, "max": 6, "mean": 4.0}
    assert result["chunking"] == {"sessions_over_limit": 2, "chunks": 5}
    assert result["filters"] == {"therapist_turns": 6, "too_short": 1, "too_long": 1, "opens_session": 1,
                                 "opens_chunk": 0, "eligible": 3}


def test_token_statistics_match_the_tokenizer_and_the_processed_dataset(cli, corpus, llama_tokenizer):
    tokens = json.loads(cli.stdout)["tokens"]
    per_turn = [len(llama_tokenizer(t, add_special_tokens=False).input_ids) for t in turn_texts()]
    assert tokens["per_turn"]["max"] == max(per_turn)
    assert tokens["per_turn"]["mean"] == pytest.approx(np.mean(per_turn), abs=0.005)
    assert tokens["per_turn"]["median"] == pytest.approx(np.median(per_turn), abs=0.005)

    # max_length 2048 cuts nothing here, so the pipeline's examples are the analysis's examples.
    lengths = processed_lengths(corpus / "out")
    assert tokens["per_example"]["count"] == len(lengths) == 3
    assert tokens["per_example"]["max"] == max(lengths) == tokens["max_length_covering"]["p100"]
    assert tokens["per_example"]["mean"] == pytest.approx(np.mean(lengths), abs=0.005)
    assert tokens["over_max_length"] == {"count": 0, "share": 0.0}

    processed = tokens["processed"]
    assert sum(processed[name]["count"] for name in ("train", "validation", "test")) == 3
    assert max(processed[name]["max"] or 0 for name in ("train", "validation", "test")) == max(lengths)
    efficiency = processed["padding_efficiency"]
    assert 0 < efficiency["random"] <= efficiency["grouped"] <= 1


def test_report_and_plots(cli, corpus):
    result = json.loads(cli.stdout)
    report_dir = corpus / "out" / "length_report"  # the default: <output_dir>/length_report
    assert Path(result["report_dir"]) == report_dir
    assert [Path(p).name for p in result["plots"]] == list(sla.PLOTS.values())
    report = (report_dir / "report.md").read_text()
    for plot in result["plots"]:
        assert Path(plot).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        assert f"]({Path(plot).name})" in report  # relative link
    assert "linear interpolation" in report
    assert "12 exchanges in 3 sessions, 7.2 words mean, 6.5 median, 10.9 at the 90th percentile" in report
    for output in (report, cli.stdout, cli.stderr):
        assert MARKER not in output  # no transcript text


def test_human_summary_and_max_length_overflow(corpus, tmp_path):
    config = yaml.safe_load((corpus / "config.yaml").read_text())
    config.update(input_data_dir=str(corpus / "in"), max_length=64, output_dir=str(tmp_path / "none"))
    (tmp_path / "config.yaml").write_text(yaml.safe_dump(config))

    code, out = run_main(["--config", str(tmp_path / "config.yaml"), "--report-dir", str(tmp_path / "r")])
    assert code == 0
    assert out.startswith("12 exchanges in 3 sessions, 7.2 words mean, 6.5 median, 10.9 at the 90th "
                          "percentile, sessions of 2-6 exchanges\n")
    assert "Processed dataset" not in out  # none at this output_dir
    lengths = sorted(processed_lengths(corpus / "out"))  # the same 3 examples, whole
    over = sum(n > 64 for n in lengths)
    assert over > 0
    assert re.search(rf"examples over 64 tokens\s*\|\s*{over} \({100 * over / 3:.2f}%\)", out)
    assert re.search(rf"holding 95% whole\s*\|\s*{lengths[2]} \|", out)
    assert MARKER not in out
    assert (tmp_path / "r" / "report.md").is_file()


@pytest.mark.parametrize("config, message", [
    ("max_length: 10\n", "config error: max_length: must be at least 64, got 10"),
    ("no_such_key: 1\n", "config error: no_such_key: unknown config key"),
])
def test_bad_config_is_one_line_and_exit_2(tmp_path, capsys, config, message):
    (tmp_path / "config.yaml").write_text(config)
    assert sla.main(["--config", str(tmp_path / "config.yaml")]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.strip() == message


def test_covering_length_by_hand():
    lengths = [100, 10, 90, 20, 80, 30, 70, 40, 60, 50]
    assert sla.covering_length(lengths, 95) == 100  # rank ceil(9.5) = 10
    assert sla.covering_length(lengths, 90) == 90  # rank 9
    assert sla.covering_length(lengths, 50) == 50  # rank 5
    assert sla.covering_length([7], 95) == 7
    assert sla.covering_length([], 95) is None


def test_padding_efficiency_by_hand():
    # One batch of 3: padded to 6 each -> 12 real / 18 padded, whatever the order.
    assert padding_efficiency([2, 4, 6], [2, 0, 1], batch_size=3) == pytest.approx(12 / 18)
    # Rounded up to a multiple of 8: 24 per row.
    assert padding_efficiency([2, 4, 6], [0, 1, 2], batch_size=3, multiple=8) == pytest.approx(12 / 24)
    # Two length classes: transformers' sampler sorts random mega-batches (here 12 batches each), so
    # almost every batch holds one class; random batches nearly all mix them (real tokens about 5/9).
    two_classes = [1] * 200 + [9] * 200
    orders = training_orders(two_classes, batch_size=8, seed=42)
    assert sorted(orders["grouped"]) == sorted(orders["random"]) == list(range(400))
    assert padding_efficiency(two_classes, orders["grouped"], batch_size=8) > 0.9
    assert padding_efficiency(two_classes, orders["random"], batch_size=8) < 0.6


def test_deidentification_counts_what_it_would_replace(tmp_path, tokenizer_cache):
    """With de-identification on, the analysis counts by type what it would replace in new sessions
    (and measures the text as it will be trained); no value reaches stdout or the report."""
    (tmp_path / "in").mkdir()
    dialogue = [{"speaker": "Client", "text": "My sister Priya said call her at (555) 201-8834 tonight."},
                {"speaker": "Therapist", "text": "Okay. Did you reach Priya before March 14th?"},
                {"speaker": "Client", "text": "No, I emailed priya.k@example.org instead."},
                {"speaker": "Therapist", "text": "Let's look at what got in the way."}]
    (tmp_path / "in" / "a.json").write_text(json.dumps({"session_id": "a", "dialogue": dialogue}))
    config = {**CONFIG, "deidentify": "surrogate", "input_data_dir": str(tmp_path / "in"),
              "output_dir": str(tmp_path / "out"), "cache_dir": tokenizer_cache,
              "deid_key_file": str(tmp_path / "deid.key")}
    (tmp_path / "config.yaml").write_text(yaml.safe_dump(config))
    code, stdout = run_main(["--config", str(tmp_path / "config.yaml"), "--report-dir", str(tmp_path / "r"),
                             "--json"])
    assert code == 0
    result = json.loads(stdout)
    assert result["deidentification"] == {"mode": "surrogate",
                                          "values_replaced": {"DATE": 1, "EMAIL": 1, "NAME": 2, "PHONE": 1}}
    report = (tmp_path / "r" / "report.md").read_text()
    for value in ("Priya", "201-8834", "priya.k@example.org", "March 14th"):
        assert value not in stdout and value not in report


def test_output_dir_and_set_flags_as_the_pipeline(corpus, tmp_path):
    """--set and --output-dir as in run_data_processing.py: the config file's own values are
    overridden, and the processed dataset at --output-dir is described."""
    config = yaml.safe_load((corpus / "config.yaml").read_text())
    config.update(input_data_dir=str(corpus / "in"), output_dir=str(tmp_path / "none"))
    (tmp_path / "config.yaml").write_text(yaml.safe_dump(config))
    argv = ["--config", str(tmp_path / "config.yaml"), "--report-dir", str(tmp_path / "r"), "--json"]
    code, out = run_main([*argv, "--output-dir", str(corpus / "out"), "--set", "max_length=64"])
    assert code == 0
    stats = json.loads(out)
    assert stats["tokens"]["processed"] is not None  # the dataset at --output-dir, not the config's
    lengths = processed_lengths(corpus / "out")
    assert stats["tokens"]["over_max_length"]["count"] == sum(n > 64 for n in lengths) > 0
    code, out = run_main(argv)
    assert code == 0 and json.loads(out)["tokens"]["processed"] is None
