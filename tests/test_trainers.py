"""The output trains unchanged in TRL: the README's "Training with TRL" snippets run as written (a
tiny Llama in place of the 8B download, conftest's tiny_llama_for_8b, a step or two, no bf16 on this CPU), and the ids and labels
TRL trains on are exactly ours, on the saved dataset and on the `messages` JSONL alike."""

import math
import re
from pathlib import Path

import pytest
from datasets import load_from_disk

from therapy_data_processor import ProcessingConfig, TherapyDataProcessor
from therapy_pipeline.rendering import IGNORE_INDEX

REPO = Path(__file__).resolve().parent.parent


def readme_snippets(section: str) -> list[str]:
    readme = (REPO / "README.md").read_text()
    body = readme.split(f"## {section}\n", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```python\n(.*?)```", body, re.DOTALL)


@pytest.fixture(scope="module")
def workdir(tmp_path_factory, tokenizer_cache):
    root = tmp_path_factory.mktemp("trainers")
    TherapyDataProcessor(ProcessingConfig.from_dict({
        "input_data_dir": str(REPO / "data" / "training_data"),
        "output_dir": str(root / "data" / "processed"),
        "cache_dir": tokenizer_cache,
        "deid_key_file": str(Path(tokenizer_cache) / "deid.key"),
    })).run(export=["jsonl"])
    return root


def run_snippet(code: str, workdir: Path, monkeypatch) -> dict:
    monkeypatch.chdir(workdir)
    assert "num_train_epochs=1," in code and 'report_to="none",' in code and "per_device_train_batch_size=8," in code
    # Two steps of two examples instead of an epoch of eights; no bf16 on a CPU (TRL's default needs a GPU).
    code = code.replace("num_train_epochs=1,", "max_steps=2,").replace('report_to="none",', 'report_to="none", bf16=False,')
    code = code.replace("per_device_train_batch_size=8,", "per_device_train_batch_size=2,")
    namespace: dict = {}
    exec(compile(code, "README.md", "exec"), namespace)  # noqa: S102 - running the README is the test
    trainer = namespace["trainer"]
    assert trainer.state.global_step == 2
    losses = [e["train_loss"] for e in trainer.state.log_history if "train_loss" in e]
    assert losses and all(math.isfinite(loss) for loss in losses)
    return namespace


def test_the_readme_has_both_trl_routes():
    snippets = readme_snippets("Training with TRL")
    assert len(snippets) == 2
    assert "load_from_disk" in snippets[0] and "assistant_only_loss=True" in snippets[1]


def test_trl_on_the_saved_dataset_trains_our_labels(workdir, monkeypatch, tiny_llama_for_8b):
    namespace = run_snippet(readme_snippets("Training with TRL")[0], workdir, monkeypatch)
    trainer, ours = namespace["trainer"], load_from_disk(str(workdir / "data" / "processed"))["train"]
    assert trainer.args.max_length == namespace["longest"] >= max(ours["length"])
    rows = [trainer.train_dataset[i] for i in range(8)]
    batch = trainer.data_collator(rows)
    for i in range(8):
        n = len(ours[i]["input_ids"])
        assert batch["input_ids"][i, :n].tolist() == ours[i]["input_ids"]
        assert batch["labels"][i, :n].tolist() == ours[i]["labels"]
        assert (batch["labels"][i, n:] == IGNORE_INDEX).all()  # padding is never trained
        assert batch["attention_mask"][i].sum().item() == n


def test_trl_on_the_jsonl_with_assistant_only_loss_trains_our_labels(workdir, monkeypatch, tiny_llama_for_8b):
    namespace = run_snippet(readme_snippets("Training with TRL")[1], workdir, monkeypatch)
    prepared, ours = namespace["trainer"].train_dataset, load_from_disk(str(workdir / "data" / "processed"))["train"]
    assert len(prepared) == len(ours)
    assert prepared["input_ids"] == ours["input_ids"]
    assert prepared["labels"] == ours["labels"]
