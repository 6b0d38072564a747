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
