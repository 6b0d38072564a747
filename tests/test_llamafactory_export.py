"""`--export llamafactory` and `export/tokenized` through LLaMA-Factory's own code.

LLaMA-Factory cannot be installed beside this project (it pins datasets<=4.0.0 and transformers<=5.6),
so CI installs its source alone, without its dependencies, into .ci-vendor/llamafactory:

    pip install --no-deps --target .ci-vendor/llamafactory llamafactory==0.9.5 peft==0.18.1 \\
        omegaconf==2.4.0 antlr4-python3-runtime==4.9.3

and these tests import its template, dataset loading and collator from there (or from an installed
`llamafactory`). Its `llama3` template must render every exported row to exactly our input_ids and
labels; its `tokenized_path` loader and collator must keep our ids and labels as they are.
"""

import json
import os
import sys
import types
from pathlib import Path

import pytest
import torch
from datasets import load_from_disk
from transformers import AutoTokenizer, LlamaConfig, LlamaForCausalLM

from therapy_data_processor import ProcessingConfig, TherapyDataProcessor
from therapy_pipeline.llamafactory import llamafactory_messages
from therapy_pipeline.rendering import IGNORE_INDEX, SYSTEM_PREAMBLE

REPO = Path(__file__).resolve().parent.parent
VENDOR = Path(os.environ.get("LLAMAFACTORY_PATH", REPO / ".ci-vendor" / "llamafactory"))
EOT = 128009


def import_llamafactory():
    if VENDOR.is_dir() and str(VENDOR) not in sys.path:
        sys.path.append(str(VENDOR))
    os.environ["DISABLE_VERSION_CHECK"] = "1"  # its import-time check refuses transformers > 5.6
    # Its multimodal plugin imports torchaudio at import time; no audio is used here.
    sys.modules.setdefault("torchaudio", types.ModuleType("torchaudio"))
    try:  # (not llamafactory.model: it imports a TRL class that TRL 1.x removed; the tokenizer is ours)
        import llamafactory.data
        import llamafactory.hparams
    except ImportError as err:
        reason = f"LLaMA-Factory not importable ({err}); install it as this module's docstring says"
        if os.environ.get("LLAMAFACTORY_REQUIRED"):  # set by .ci/run, which installs it: never skipped there
            pytest.fail(reason)
        pytest.skip(reason)
    return llamafactory


@pytest.fixture(autouse=True)
def transformers_logging_restored():
    """Its argument parser sets transformers' logging to INFO, with its own format, for the whole
    process; the tests after these ones expect transformers' defaults."""
    import transformers

    level = transformers.utils.logging.get_verbosity()
    yield
    transformers.utils.logging.set_verbosity(level)
    transformers.utils.logging.reset_format()


@pytest.fixture(scope="module", params=["sliding_window", "multi_turn"])
def output(request, tmp_path_factory, tokenizer_cache):
    root = tmp_path_factory.mktemp(f"lf-{request.param}")
    manifest = TherapyDataProcessor(ProcessingConfig.from_dict({
        "input_data_dir": str(REPO / "data" / "training_data"),
        "output_dir": str(root / "out"),
        "cache_dir": tokenizer_cache,
        "deid_key_file": str(Path(tokenizer_cache) / "deid.key"),
        "example_format": request.param,
        "max_length": 1024,
    })).run(export=["llamafactory", "tokenized"])
    # A model folder for LLaMA-Factory's loader: a tiny Llama with our saved tokenizer.
    torch.manual_seed(0)
    model = LlamaForCausalLM(LlamaConfig(vocab_size=128256, hidden_size=16, intermediate_size=32, num_hidden_layers=1,
                                         num_attention_heads=2, num_key_value_heads=1))
    model.save_pretrained(root / "model")
    for path in (root / "out" / "tokenizer").iterdir():
        (root / "model" / path.name).write_bytes(path.read_bytes())
    return root, manifest, request.param


def lf_arguments(lf, root: Path, **extra):
    return lf.hparams.get_train_args({
        "stage": "sft", "do_train": True, "model_name_or_path": str(root / "model"), "template": "llama3",
        "finetuning_type": "full", "cutoff_len": 4096, "output_dir": str(root / "runs"), "report_to": "none",
        "overwrite_output_dir": True, "max_steps": 1, "per_device_train_batch_size": 2, "save_strategy": "no",
        "preprocessing_num_workers": None, **extra,
    })


def tokenizer_of(root: Path) -> dict:
    """What LLaMA-Factory's `load_tokenizer` hands its data code: the tokenizer (ours) and no processor."""
    return {"tokenizer": AutoTokenizer.from_pretrained(str(root / "out" / "tokenizer")), "processor": None}


def test_export_rows_and_counts(output):
    root, manifest, example_format = output
    saved = load_from_disk(str(root / "out"))
    info = json.loads((root / "out" / "export" / "llamafactory" / "dataset_info.json").read_text())
    assert sorted(info) == ["therapy_test", "therapy_train", "therapy_validation"]
    for name in ("train", "validation", "test"):
        rows = [json.loads(line) for line in (root / "out" / "export" / "llamafactory" / f"{name}.jsonl").open()]
        counts = manifest["exports"]["llamafactory"][name]
        assert counts["rows"] == len(rows) and counts["rows"] + counts["left_out"] == len(saved[name])
        for row in rows:
            roles = [m["role"] for m in row["messages"]]
            assert roles[0] == "system" and roles[1:] == ["user", "assistant"] * (len(roles) // 2)
            assert row["messages"][0]["content"].startswith(SYSTEM_PREAMBLE)
        if example_format == "sliding_window":
            assert counts["left_out"] == 0  # every sliding-window row is system, user, assistant
    if example_format == "multi_turn":
        assert sum(c["left_out"] for c in manifest["exports"]["llamafactory"].values()) > 0


def test_rows_that_do_not_alternate_or_train_context_are_left_out():
    system = {"role": "system", "content": "x"}
    user, assistant = {"role": "user", "content": " a "}, {"role": "assistant", "content": "b"}
    trained_once = [IGNORE_INDEX, 5, EOT]
    assert llamafactory_messages([system, user, assistant], trained_once, EOT)[1]["content"] == "a"
    assert llamafactory_messages([system, assistant, user, assistant], trained_once, EOT) is None
    assert llamafactory_messages([system, user, assistant, user, assistant], trained_once, EOT) is None
    assert llamafactory_messages([system, user, assistant], [1, 5, EOT], EOT) is None  # train_on_inputs


def test_llamafactory_renders_the_export_to_our_ids_and_labels(output):
    lf = import_llamafactory()
    root, _, _ = output
    saved = load_from_disk(str(root / "out"))
    lf_dir = str(root / "out" / "export" / "llamafactory")
    for name in ("train", "validation"):
        model_args, data_args, training_args, *_ = lf_arguments(lf, root, dataset=f"therapy_{name}", dataset_dir=lf_dir,
                                                                overwrite_cache=True)
        tokenizer_module = tokenizer_of(root)
        template = lf.data.get_template_and_fix_tokenizer(tokenizer_module["tokenizer"], data_args)
        rendered = lf.data.get_dataset(template, model_args, data_args, training_args, stage="sft", **tokenizer_module)
        rendered = rendered["train_dataset"]
        ours = [r for r in saved[name] if llamafactory_messages(r["messages"], r["labels"], EOT) is not None]
        assert len(rendered) == len(ours) > 0
        assert rendered["input_ids"] == [r["input_ids"] for r in ours]
        assert rendered["labels"] == [r["labels"] for r in ours]


def test_llamafactory_tokenized_path_keeps_our_ids_and_labels(output):
    lf = import_llamafactory()
    root, _, _ = output
    ours = load_from_disk(str(root / "out"))["train"]
    # `dataset` is required by its argument parser and ignored with tokenized_path.
    model_args, data_args, training_args, *_ = lf_arguments(
        lf, root, dataset="unused", tokenized_path=str(root / "out" / "export" / "tokenized")
    )
    tokenizer_module = tokenizer_of(root)
    template = lf.data.get_template_and_fix_tokenizer(tokenizer_module["tokenizer"], data_args)
    loaded = lf.data.get_dataset(template, model_args, data_args, training_args, stage="sft", **tokenizer_module)
    train = loaded["train_dataset"]
    assert train["input_ids"] == ours["input_ids"] and train["labels"] == ours["labels"]
    collator = lf.data.SFTDataCollatorWith4DAttentionMask(
        template=template, model=None, pad_to_multiple_of=8, label_pad_token_id=IGNORE_INDEX, block_diag_attn=False,
        attn_implementation="sdpa", compute_dtype=torch.float32, **tokenizer_module,
    )
    batch = collator([dict(train[i]) for i in range(4)])
    for i in range(4):
        n = len(ours[i]["input_ids"])
        assert batch["input_ids"][i, :n].tolist() == ours[i]["input_ids"]
        assert batch["labels"][i, :n].tolist() == ours[i]["labels"]
        assert (batch["labels"][i, n:] == IGNORE_INDEX).all()


def test_alpaca_rows_are_all_left_out(tmp_path, tokenizer_cache):
    """The alpaca format is plain text, not chat: LLaMA-Factory's llama3 template cannot render it."""
    manifest = TherapyDataProcessor(ProcessingConfig.from_dict({
        "input_data_dir": str(REPO / "data" / "training_data"), "output_dir": str(tmp_path / "out"),
        "cache_dir": tokenizer_cache, "deid_key_file": str(Path(tokenizer_cache) / "deid.key"),
        "prompt_format": "alpaca",
    })).run(export=["llamafactory"])
    counts = manifest["exports"]["llamafactory"]
    assert all(c["rows"] == 0 for c in counts.values()) and sum(c["left_out"] for c in counts.values()) > 0
    assert (tmp_path / "out" / "export" / "llamafactory" / "train.jsonl").read_text() == ""
