"""The Llama 3.1 tokenizer: from the hub, a local directory, or built offline from llama-models.

The embedded tokenizer is converted from the `tokenizer.model` that Meta ships inside the
`llama-models` package, so the pipeline runs without network access and without a gated-model
token. Its ids, special tokens and chat rendering equal the official Llama 3.1 Instruct tokenizer's;
`tests/test_tokenizer_parity.py` holds it against Meta's own encoder.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import json
import logging
import os
import re
import shutil
import tempfile
from functools import cache
from pathlib import Path

import huggingface_hub
import llama_models.llama3
from llama_models.llama3.tokenizer import Tokenizer as MetaTokenizer
from tokenizers import AddedToken, processors
from transformers import AutoTokenizer, PreTrainedTokenizerFast
from transformers.convert_slow_tokenizer import TikTokenConverter

logger = logging.getLogger(__name__)

# Same names and order as `llama_models.llama3.tokenizer.Tokenizer`: ids 128000..128255.
_NAMED_SPECIAL_TOKENS = [
    "<|begin_of_text|>",
    "<|end_of_text|>",
    "<|reserved_special_token_0|>",
    "<|reserved_special_token_1|>",
    "<|finetune_right_pad_id|>",
    "<|step_id|>",
    "<|start_header_id|>",
    "<|end_header_id|>",
    "<|eom_id|>",
    "<|eot_id|>",
    "<|python_tag|>",
    "<|image|>",
]
LLAMA31_SPECIAL_TOKENS: list[str] = _NAMED_SPECIAL_TOKENS + [
    f"<|reserved_special_token_{2 + i}|>" for i in range(256 - len(_NAMED_SPECIAL_TOKENS))
]
_FIRST_SPECIAL_ID = 128000

PAD_TOKEN = "<|finetune_right_pad_id|>"
_BOS_TOKEN = "<|begin_of_text|>"
_EOT_TOKEN = "<|eot_id|>"

# The tokens a Llama 3 chat rendering is built from, with their fixed ids.
_CHAT_TOKEN_IDS = {
    "<|begin_of_text|>": 128000,
    "<|start_header_id|>": 128006,
    "<|end_header_id|>": 128007,
    "<|eot_id|>": 128009,
}

# The official Llama 3.1 Instruct template restricted to system/user/assistant messages (no tools),
# rendering byte for byte the same text. `{% generation %}` marks what the assistant says (its content
# and <|eot_id|>) for `return_assistant_tokens_mask`; it adds no text.
LLAMA31_CHAT_TEMPLATE = r"""{{- bos_token }}
{%- if date_string is not defined %}
    {%- set date_string = "26 Jul 2024" %}
{%- endif %}
{%- if messages and messages[0]['role'] == 'system' %}
    {%- set system_message = messages[0]['content'] | trim %}
    {%- set messages = messages[1:] %}
{%- else %}
    {%- set system_message = "" %}
{%- endif %}
{{- "<|start_header_id|>system<|end_header_id|>\n\n" }}
{{- "Cutting Knowledge Date: December 2023\n" }}
{{- "Today Date: " + date_string + "\n\n" }}
{{- system_message + "<|eot_id|>" }}
{%- for message in messages %}
    {{- "<|start_header_id|>" + message['role'] + "<|end_header_id|>\n\n" }}
    {%- if message['role'] == 'assistant' %}
        {%- generation %}
            {{- message['content'] | trim + "<|eot_id|>" }}
        {%- endgeneration %}
    {%- else %}
        {{- message['content'] | trim + "<|eot_id|>" }}
    {%- endif %}
{%- endfor %}
{%- if add_generation_prompt %}
    {{- "<|start_header_id|>assistant<|end_header_id|>\n\n" }}
{%- endif %}"""

# Bump when the saved form of the embedded tokenizer changes, so old caches are not reused.
_CACHE_FORMAT_VERSION = "llama31-embedded-v1"
_LLAMA31_NAME = re.compile(r"llama-?3\.1", re.IGNORECASE)


class TokenizerError(Exception):
    """A tokenizer problem the user can fix (model id, network, missing pad token)."""


def embedded_tokenizer_file() -> Path:
    """Path of `llama_models/llama3/tokenizer.model` in the installed llama-models package."""
    return Path(llama_models.llama3.__file__).parent / "tokenizer.model"


@cache
def _file_sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _cache_key() -> str:
    # The template is part of the key so a changed template never comes back from an old cache.
    digest = hashlib.sha256()
    digest.update(embedded_tokenizer_file().read_bytes())
    digest.update(_CACHE_FORMAT_VERSION.encode())
    digest.update(LLAMA31_CHAT_TEMPLATE.encode())
    return digest.hexdigest()[:12]


def _convert_embedded() -> PreTrainedTokenizerFast:
    # No special tokens in the converter: they are added below, in id order, so that they land on
    # 128000..128255 (passing them to PreTrainedTokenizerFast would number them in passing order).
    backend = TikTokenConverter(vocab_file=str(embedded_tokenizer_file()), pattern=MetaTokenizer.pat_str).converted()
    base_size = backend.get_vocab_size()
    if base_size != _FIRST_SPECIAL_ID:
        raise TokenizerError(f"embedded tokenizer.model has {base_size} base tokens, not {_FIRST_SPECIAL_ID}")
    backend.add_special_tokens([AddedToken(token, normalized=False, special=True) for token in LLAMA31_SPECIAL_TOKENS])
    # As in the official tokenizer.json: <|begin_of_text|> is prepended when add_special_tokens=True.
    backend.post_processor = processors.Sequence(
        [
            processors.ByteLevel(trim_offsets=False),
            processors.TemplateProcessing(
                single=f"{_BOS_TOKEN} $A",
                pair=f"{_BOS_TOKEN} $A {_BOS_TOKEN}:1 $B:1",
                special_tokens=[(_BOS_TOKEN, _FIRST_SPECIAL_ID)],
            ),
        ]
    )
    tok = PreTrainedTokenizerFast(
        tokenizer_object=backend,
        bos_token=_BOS_TOKEN,
        eos_token=_EOT_TOKEN,
        pad_token=PAD_TOKEN,
        model_max_length=131072,
        clean_up_tokenization_spaces=False,
        chat_template=LLAMA31_CHAT_TEMPLATE,
    )
    _check_embedded(tok)
    return tok


def _check_embedded(tok: PreTrainedTokenizerFast) -> None:
    """Raise unless `tok` has exactly the Llama 3.1 special-token ids, pad token and our template."""
    ids = tok.convert_tokens_to_ids(LLAMA31_SPECIAL_TOKENS)
    expected = list(range(_FIRST_SPECIAL_ID, _FIRST_SPECIAL_ID + len(LLAMA31_SPECIAL_TOKENS)))
    if ids != expected:
        token, token_id = next((t, i) for t, i, e in zip(LLAMA31_SPECIAL_TOKENS, ids, expected) if i != e)
        raise TokenizerError(f"embedded tokenizer has {token} at id {token_id}")
    if len(tok) != expected[-1] + 1:
        raise TokenizerError(f"embedded tokenizer has {len(tok)} tokens, not {expected[-1] + 1}")
    if (tok.bos_token_id, tok.eos_token_id, tok.pad_token_id) != (128000, 128009, 128004):
        raise TokenizerError("embedded tokenizer has wrong bos/eos/pad token ids")
    if tok.chat_template != LLAMA31_CHAT_TEMPLATE:
        raise TokenizerError("embedded tokenizer has a different chat template")


def _load_cached(target: Path) -> PreTrainedTokenizerFast:
    """The cached embedded tokenizer, built from its files: `from_pretrained` would also parse the
    17 MB tokenizer.json in Python (0.3 s) for added tokens that the backend reads anyway."""
    config = json.loads((target / "tokenizer_config.json").read_text(encoding="utf-8"))
    settings = ("bos_token", "eos_token", "pad_token", "model_max_length", "clean_up_tokenization_spaces")
    return PreTrainedTokenizerFast(
        tokenizer_file=str(target / "tokenizer.json"),
        name_or_path=str(target),
        chat_template=(target / "chat_template.jinja").read_text(encoding="utf-8"),
        **{key: config[key] for key in settings},
    )


def build_embedded_tokenizer(cache_dir: str | Path) -> PreTrainedTokenizerFast:
    """The Llama 3.1 tokenizer built from llama-models' tokenizer.model, cached under `cache_dir`."""
    cache_dir = Path(cache_dir)
    target = cache_dir / f"llama31-embedded-{_cache_key()}"
    if target.is_dir():
        try:
            tok = _load_cached(target)
            _check_embedded(tok)
            return tok
        # Any damage (truncated json, a tokenizers parse error, wrong ids) means rebuild; the Rust
        # backend raises plain Exception, so nothing narrower catches all of it.
        except Exception as exc:  # noqa: BLE001
            logger.warning("embedded tokenizer cache %s is unusable (%s); rebuilding it", target, exc)
            shutil.rmtree(target, ignore_errors=True)

    tok = _convert_embedded()
    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
        # Save beside the target and rename into place, so a killed build never leaves half a cache.
        tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=cache_dir))
        try:
            tok.save_pretrained(tmp)
            os.replace(tmp, target)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    except OSError as exc:
        # The cache only saves a rebuild; a read-only cache dir must not fail the run. (When another
        # process renamed its identical copy into place first, the target simply exists.)
        if not target.is_dir():
            logger.warning("cannot cache the embedded tokenizer in %s (%s)", cache_dir, exc)
    return tok


def is_llama3_chat_tokenizer(tok: PreTrainedTokenizerFast) -> bool:
    """True when the Llama 3 chat control tokens are single special tokens at their official ids."""
    added = tok.added_tokens_decoder
    for token, token_id in _CHAT_TOKEN_IDS.items():
        entry = added.get(token_id)
        if entry is None or entry.content != token or not entry.special:
            return False
        if tok.convert_tokens_to_ids(token) != token_id:
            return False
    return True


def _embedded_source() -> str:
    version = importlib.metadata.version("llama-models")
    sha256 = _file_sha256(embedded_tokenizer_file())
    return f"embedded:llama-models {version} llama3/tokenizer.model sha256={sha256}"


def _short_reason(exc: Exception) -> str:
    lines = str(exc).strip().splitlines()
    reason = lines[0] if lines else ""
    return f"{type(exc).__name__}: {reason[:200]}" if reason else type(exc).__name__


def _hub_reachable(timeout: float = 5.0) -> bool:
    """One quick request to the hub endpoint, without the hub client's retries."""
    if huggingface_hub.is_offline_mode():
        return False
    try:
        session = huggingface_hub.utils.get_session()
        response = session.head(huggingface_hub.constants.ENDPOINT, timeout=timeout)
    # DNS failure, refused or timed-out connection, proxy error: the hub client's http library
    # decides the exception types, and any of them means "unreachable".
    except Exception:  # noqa: BLE001
        return False
    return response.status_code < 500


def _is_path_like(name: str) -> bool:
    # Hub ids are "name" or "owner/name"; anything else can only mean a directory.
    return name.startswith((".", "/", "~")) or name.count("/") > 1 or "\\" in name


def load_tokenizer(model_name: str, cache_dir: str | Path) -> tuple[PreTrainedTokenizerFast, str]:
    """Load the tokenizer of `model_name` (local directory or hub id); returns it and where it came from.

    A Llama 3.1 hub id that cannot be reached falls back to the embedded tokenizer (logged as a
    warning); any other unreachable model raises TokenizerError.
    """
    local = Path(model_name).expanduser()
    if local.is_dir():
        source = f"local:{local.resolve()}"
        try:
            tok = AutoTokenizer.from_pretrained(local)
        except Exception as exc:
            raise TokenizerError(f"cannot load tokenizer '{model_name}': {_short_reason(exc)}") from exc
    elif _is_path_like(model_name):
        # Not a hub id either: a mistyped path must not fall back silently to the embedded tokenizer.
        raise TokenizerError(f"cannot load tokenizer '{model_name}': no such directory")
    else:
        source = f"hub:{model_name}"
        try:
            # Unreachable, the hub client retries each file for ~23 s; probing first keeps the
            # fallback fast while still using any copy already in the local hub cache.
            tok = AutoTokenizer.from_pretrained(
                model_name, cache_dir=str(cache_dir), local_files_only=not _hub_reachable()
            )
        # The hub client raises many types (OSError, httpx and hub errors, ValueError) for
        # offline, gated, missing or unreadable repos; all of them mean "not available here".
        except Exception as exc:
            if not _LLAMA31_NAME.search(model_name):
                raise TokenizerError(f"cannot load tokenizer '{model_name}': {_short_reason(exc)}") from exc
            logger.warning(
                "hub unreachable or model unavailable for '%s' (%s); "
                "using the embedded Llama 3.1 tokenizer from llama-models",
                model_name,
                _short_reason(exc),
            )
            tok = build_embedded_tokenizer(cache_dir)
            source = _embedded_source()
    _ensure_pad_and_template(tok, model_name)
    return tok, source


def _ensure_pad_and_template(tok: PreTrainedTokenizerFast, model_name: str) -> None:
    # Padding with the end-of-turn token would hide the real <|eot_id|> from the loss mask.
    vocab = tok.get_vocab()
    end_ids = {tok.eos_token_id, vocab.get(_EOT_TOKEN)}
    if tok.pad_token is None or tok.pad_token_id in end_ids:
        if PAD_TOKEN not in vocab:
            raise TokenizerError(
                f"tokenizer '{model_name}' needs a pad token distinct from its end-of-turn token and has no {PAD_TOKEN}"
            )
        tok.pad_token = PAD_TOKEN
    if not tok.chat_template and is_llama3_chat_tokenizer(tok):
        tok.chat_template = LLAMA31_CHAT_TEMPLATE
