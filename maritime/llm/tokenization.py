"""Mistral tokenization: the only module that imports ``mistral_common``.

Token counts bound passage length at ingest and the context budget at answer time, so they are
counted with the tokenizer of the model family that reads them. The tokenizers are bundled inside
``mistral-common``; nothing is fetched from a hub.
"""

from __future__ import annotations

import functools
from typing import Any

from maritime.errors import ConfigError

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

    def encode(self, text: str) -> list[int]:
        """Token ids of ``text`` (no BOS/EOS)."""
        return list(self._raw.encode(text, bos=False, eos=False))

    def decode(self, tokens: list[int]) -> str:
        """Text of ``tokens``."""
        return str(self._raw.decode(tokens))
