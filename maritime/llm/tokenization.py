"""Mistral tokenization: the only module that imports ``mistral_common``.

Token counts bound passage length at ingest and the context budget at answer time, so they are
counted with the tokenizer of the model family that reads them. The tokenizers are bundled inside
``mistral-common``; nothing is fetched from a hub.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from haystack import default_from_dict, default_to_dict
from haystack.dataclasses import ChatMessage
from haystack.tools import ToolsType

from maritime.errors import ChatFormatError, ConfigError

#: Tokenizer versions bundled in mistral-common, by the name users give in ``MARITIME_TOKENIZER``.
_VERSIONS = ("v1", "v2", "v3", "v3-tekken", "v7")
DEFAULT_VERSION = "v7"


@functools.lru_cache(maxsize=4)
def get_tokenizer(version: str = DEFAULT_VERSION) -> Any:
    """Return the bundled ``MistralTokenizer`` of ``version`` (cached).

    Parameters
    ----------
    version:
        One of ``v1``, ``v2``, ``v3``, ``v3-tekken``, ``v7``.
    """
    from mistral_common.tokens.tokenizers.mistral import MistralTokenizer

    if version == "v1":
        return MistralTokenizer.v1()
    if version == "v2":
        return MistralTokenizer.v2()
    if version == "v3":
        return MistralTokenizer.v3()
    if version == "v3-tekken":
        return MistralTokenizer.v3(is_tekken=True)
    if version == "v7":
        return MistralTokenizer.v7()
    raise ConfigError(f"unknown Mistral tokenizer version {version!r}; choose one of {', '.join(_VERSIONS)}")


class TokenCounter:
    """Count Mistral tokens of plain text (no BOS/EOS, no instruct wrapping).

    Examples
    --------
    >>> counter = TokenCounter()
    >>> counter.count("")
    0
    >>> counter.count("Feu du Portzic") > 0
    True
    """

    def __init__(self, version: str = DEFAULT_VERSION) -> None:
        self.version = version
        self._raw = get_tokenizer(version).instruct_tokenizer.tokenizer

    def count(self, text: str) -> int:
        """Number of tokens in ``text``."""
        if not text:
            return 0
        return len(self._raw.encode(text, bos=False, eos=False))

    def count_many(self, texts: list[str]) -> list[int]:
        """Token counts of many texts at once (one call into sentencepiece for the whole batch).

        Examples
        --------
        >>> c = TokenCounter()
        >>> c.count_many(["Feu du Portzic", ""]) == [c.count("Feu du Portzic"), 0]
        True
        """
        model = getattr(self._raw, "_model", None)
        if model is None or not hasattr(model, "encode"):
            return [self.count(t) for t in texts]
        encoded = model.encode(list(texts))
        return [len(ids) if text else 0 for ids, text in zip(encoded, texts, strict=True)]

    def encode(self, text: str) -> list[int]:
        """Token ids of ``text`` (no BOS/EOS)."""
        return list(self._raw.encode(text, bos=False, eos=False))

    def decode(self, tokens: list[int]) -> str:
        """Text of ``tokens``."""
        return str(self._raw.decode(tokens))


# --- chat (instruct) encoding ------------------------------------------------------------------------

#: Tokenizer of the instruct format of Mistral-7B-Instruct-v0.3, the default local model.
DEFAULT_CHAT_VERSION = "v3"

#: A chat message as ``(role, content)``, ``{"role": ..., "content": ...}`` or a Haystack ``ChatMessage``.
ChatInput = Sequence[tuple[str, str]] | Sequence[Mapping[str, Any]] | Sequence[ChatMessage]

_ROLES = ("system", "user", "assistant")


def _role_and_content(message: Any) -> tuple[str, str]:
    if isinstance(message, ChatMessage):
        return message.role.value, message.text or ""
    if isinstance(message, Mapping):
        return str(message.get("role", "")), str(message.get("content") or "")
    if isinstance(message, tuple) and len(message) == 2:
        return str(message[0]), str(message[1])
    raise ChatFormatError(f"not a chat message: {message!r}; use (role, content) or {{'role', 'content'}}")


def _to_mistral_messages(messages: ChatInput) -> list[Any]:
    from mistral_common.protocol.instruct.messages import AssistantMessage, SystemMessage, UserMessage

    classes = {"system": SystemMessage, "user": UserMessage, "assistant": AssistantMessage}
    out = []
    for message in messages:
        role, content = _role_and_content(message)
        if role not in classes:
            raise ChatFormatError(f"unsupported chat role {role!r}; use one of {', '.join(_ROLES)}")
        out.append(classes[role](content=content))
    return out


def _to_mistral_tools(tools: ToolsType | None) -> list[Any] | None:
    if not tools:
        return None
    from haystack.tools import flatten_tools_or_toolsets
    from mistral_common.protocol.instruct.tool_calls import Function, Tool

    return [
        Tool(function=Function(name=t.name, description=t.description or "", parameters=t.parameters))
        for t in flatten_tools_or_toolsets(tools)
    ]


def encode_chat(messages: ChatInput, version: str = DEFAULT_CHAT_VERSION) -> list[int]:
    """Token ids of a conversation in the exact Mistral instruct format, ready for generation.

    The format (``<s>[INST] ... [/INST]``, where the system prompt goes, spaces around control
    tokens) is mistral-common's, whatever chat template a GGUF file carries.

    Parameters
    ----------
    messages:
        ``(role, content)`` pairs, ``{"role", "content"}`` dicts or Haystack ``ChatMessage`` objects;
        roles are ``system``, ``user`` and ``assistant``, and the last one must be ``user``.
    version:
        Tokenizer version (``v1``, ``v2``, ``v3``, ``v3-tekken``, ``v7``); ``v3`` is the format of
        Mistral-7B-Instruct-v0.3.

    Returns
    -------
    list[int]
        The prompt's token ids, starting with BOS.

    Raises
    ------
    ChatFormatError
        Empty conversation, unknown role, or a conversation that does not end with a user message.

    Examples
    --------
    >>> tokens = encode_chat([("user", "Feu du Portzic ?")])
    >>> tokens[:2] == [bos_id(), control_id("[INST]")]
    True
    >>> decode(tokens)
    'Feu du Portzic ?'
    >>> encode_chat([])
    Traceback (most recent call last):
    ...
    maritime.errors.ChatFormatError: cannot encode the conversation: Conversation must have at least one message
    """
    from mistral_common.exceptions import MistralCommonException
    from mistral_common.protocol.instruct.request import ChatCompletionRequest

    tokenizer = get_tokenizer(version)
    try:
        request = ChatCompletionRequest(messages=_to_mistral_messages(messages))
        return list(tokenizer.encode_chat_completion(request).tokens)
    except MistralCommonException as exc:
        raise ChatFormatError(f"cannot encode the conversation: {exc}") from exc


def _encode_unvalidated(
    messages: ChatInput, version: str = DEFAULT_CHAT_VERSION, tools: ToolsType | None = None
) -> list[int]:
    """Like :func:`encode_chat`, without the serving checks, so a finished conversation can be counted.

    A conversation that ends with an assistant message is what goes back to the model as history on
    the next turn; counting it must not fail.
    """
    from mistral_common.exceptions import MistralCommonException
    from mistral_common.protocol.instruct.request import ChatCompletionRequest

    tokenizer = get_tokenizer(version)
    try:
        request = ChatCompletionRequest(
            messages=_to_mistral_messages(messages), tools=_to_mistral_tools(tools)
        )
        # mistral-common has no public 'encode without serving checks'; its own normalizer is the
        # one encode_chat_completion uses, and the tests pin the equality with encode_chat.
        instruct = tokenizer._instruct_request_normalizer.from_chat_completion_request(request)
        return list(tokenizer.instruct_tokenizer.encode_instruct(instruct).tokens)
    except MistralCommonException as exc:
        raise ChatFormatError(f"cannot encode the conversation: {exc}") from exc


def decode(tokens: Sequence[int], version: str = DEFAULT_CHAT_VERSION) -> str:
    """Text of generated ``tokens``; control tokens (BOS, EOS, ``[INST]``...) are dropped.

    Examples
    --------
    >>> decode([])
    ''
    >>> decode([bos_id(), *TokenCounter("v3").encode("Goulet de Brest"), eos_id()])
    'Goulet de Brest'
    """
    if not tokens:
        return ""
    return str(get_tokenizer(version).decode(list(tokens)))


def bos_id(version: str = DEFAULT_CHAT_VERSION) -> int:
    """Id of the begin-of-sequence token."""
    return int(get_tokenizer(version).instruct_tokenizer.tokenizer.bos_id)


def eos_id(version: str = DEFAULT_CHAT_VERSION) -> int:
    """Id of the end-of-sequence token (generation stops there)."""
    return int(get_tokenizer(version).instruct_tokenizer.tokenizer.eos_id)


def control_id(piece: str, version: str = DEFAULT_CHAT_VERSION) -> int:
    """Id of a control token such as ``[INST]`` or ``[/INST]``.

    Examples
    --------
    >>> control_id("[INST]"), control_id("[/INST]")
    (3, 4)
    """
    return int(get_tokenizer(version).instruct_tokenizer.tokenizer.get_special_token(piece))


def tokenizer_model_file(version: str = DEFAULT_CHAT_VERSION) -> Path:
    """Path of the tokenizer file bundled in mistral-common for ``version`` (sentencepiece or tekken).

    Used to write GGUF files whose vocabulary matches the tokenizer exactly.
    """
    from mistral_common.tokens.tokenizers.mistral import MistralTokenizer

    names = {
        "v1": "tokenizer.model.v1",
        "v2": "mistral_instruct_tokenizer_240216.model.v2",
        "v3": "mistral_instruct_tokenizer_240323.model.v3",
        "v3-tekken": "tekken_240718.json",
        "v7": "mistral_instruct_tokenizer_241114.model.v7",
    }
    if version not in names:
        get_tokenizer(version)  # raises ConfigError naming the choices
    return Path(MistralTokenizer._data_path()) / names[version]


class IncrementalDecoder:
    """Turn generated token ids into text pieces as they arrive, for streaming.

    Decoding token by token loses the spaces that sentencepiece keeps in a token's prefix and cuts
    multi-byte characters; this decodes a short window of recent tokens and emits only what is new and
    complete, so the pieces always concatenate to :func:`decode` of all tokens.

    Examples
    --------
    >>> dec = IncrementalDecoder("v3")
    >>> pieces = [dec.push(t) for t in TokenCounter("v3").encode("Pointe Saint-Mathieu")]
    >>> "".join(pieces) + dec.flush()
    'Pointe Saint-Mathieu'
    """

    def __init__(self, version: str = DEFAULT_CHAT_VERSION) -> None:
        self.version = version
        self.tokens: list[int] = []
        self.text = ""
        self._prefix = 0  # first token of the decoding window
        self._read = 0  # tokens before this one have been emitted

    def push(self, token: int) -> str:
        """Add one token; return the new text it completes (may be empty)."""
        self.tokens.append(token)
        window = decode(self.tokens[self._prefix :], self.version)
        seen = decode(self.tokens[self._prefix : self._read], self.version)
        if len(window) <= len(seen) or window.endswith("\ufffd") or not window.startswith(seen):
            return ""
        piece = window[len(seen) :]
        self._prefix, self._read = self._read, len(self.tokens)
        self.text += piece
        return piece

    def flush(self) -> str:
        """Return whatever is left so that all pieces add up to :func:`decode` of every token."""
        full = decode(self.tokens, self.version)
        if full.startswith(self.text):
            piece = full[len(self.text) :]
        else:  # cannot happen with sentencepiece or tekken; keep the promise of a complete text anyway
            piece = ""
            full = self.text
        self.text = full
        self._prefix = self._read = len(self.tokens)
        return piece


class MistralTokenCounter:
    """Exact token count of a chat, as the Mistral model will see it (Haystack ``TokenCounter``).

    Examples
    --------
    >>> from haystack.dataclasses import ChatMessage
    >>> counter = MistralTokenCounter()
    >>> counter.count([])
    0
    >>> msgs = [ChatMessage.from_system("Réponds en français."), ChatMessage.from_user("Feu du Portzic ?")]
    >>> counter.count(msgs) == len(encode_chat(msgs))
    True
    >>> MistralTokenCounter.from_dict(counter.to_dict()).version
    'v3'
    """

    def __init__(self, version: str = DEFAULT_CHAT_VERSION) -> None:
        get_tokenizer(version)  # fail early on an unknown version
        self.version = version

    def count(self, messages: list[ChatMessage], tools: ToolsType | None = None) -> int:
        """Number of tokens of ``messages`` (and ``tools``' schemas) in the instruct format.

        A conversation that ends with an assistant message is counted too, its EOS included.
        """
        if not messages:
            return 0
        return len(_encode_unvalidated(messages, self.version, tools))

    def to_dict(self) -> dict[str, Any]:
        """Serialize the counter."""
        return default_to_dict(self, version=self.version)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> MistralTokenCounter:
        """Rebuild a counter from :meth:`to_dict`."""
        return default_from_dict(cls, data)
