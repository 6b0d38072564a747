"""The README's "Usage in training" snippet runs as written (a tiny Llama stands in for the 8B model)."""

import math
import re
from pathlib import Path

from therapy_data_processor import ProcessingConfig, TherapyDataProcessor

REPO = Path(__file__).resolve().parent.parent


def readme_snippet() -> str:
    readme = (REPO / "README.md").read_text()
    section = readme.split("## Usage in training", 1)[1]
    return re.search(r"```python\n(.*?)```", section, re.DOTALL).group(1)


def test_usage_in_training_snippet_trains(tmp_path, tokenizer_cache, monkeypatch, tiny_llama_for_8b):
    TherapyDataProcessor(ProcessingConfig.from_dict({
        "input_data_dir": str(REPO / "data" / "training_data"),
        "output_dir": str(tmp_path / "data" / "processed"),
        "cache_dir": tokenizer_cache,
    })).run()

    monkeypatch.chdir(tmp_path)
    code = readme_snippet()
    assert "num_train_epochs=1," in code
    namespace: dict = {}
    exec(compile(code.replace("num_train_epochs=1,", "max_steps=2,"), "README.md", "exec"), namespace)  # noqa: S102 - running the README is the test
    losses = [entry["train_loss"] for entry in namespace["trainer"].state.log_history if "train_loss" in entry]
    assert losses and all(math.isfinite(loss) for loss in losses)
    assert namespace["trainer"].state.global_step == 2
    # The length-grouped sampler is given the saved `length` column (not dropped, then recomputed).
    loader = namespace["trainer"].get_train_dataloader()
    assert "length" in loader.dataset.column_names
    sampler = namespace["trainer"]._get_train_sampler(loader.dataset)
    assert list(sampler.lengths) == namespace["data"]["train"]["length"]
