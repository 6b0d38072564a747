"""Shared fixtures: the embedded tokenizer is built once per test session, offline."""

import os

os.environ["HF_HUB_OFFLINE"] = "1"

import pytest


@pytest.fixture(scope="session")
def tokenizer_cache(tmp_path_factory: pytest.TempPathFactory) -> str:
    return str(tmp_path_factory.mktemp("tokenizer-cache"))


@pytest.fixture(scope="session")
def llama_tokenizer(tokenizer_cache: str):
    from therapy_pipeline.tokenizer import build_embedded_tokenizer

    return build_embedded_tokenizer(tokenizer_cache)


@pytest.fixture(scope="session")
def meta_tokenizer():
    """Meta's reference encoder from llama-models."""
    from llama_models.llama3.tokenizer import Tokenizer

    return Tokenizer.get_instance()


@pytest.fixture
def tiny_llama_for_8b(monkeypatch):
    """`AutoModelForCausalLM.from_pretrained("meta-llama/Llama-3.1-8B-Instruct")` gives a tiny random
    Llama with the real vocabulary: the README's training snippets run as written, offline, in seconds."""
    import torch
    import transformers
    from transformers import LlamaConfig, LlamaForCausalLM

    def tiny_llama(name, *args, **kwargs):
        assert name == "meta-llama/Llama-3.1-8B-Instruct"
        torch.manual_seed(0)
        return LlamaForCausalLM(LlamaConfig(vocab_size=128256, hidden_size=16, intermediate_size=32,
                                            num_hidden_layers=1, num_attention_heads=2, num_key_value_heads=1))

    monkeypatch.setattr(transformers.AutoModelForCausalLM, "from_pretrained", tiny_llama)
