"""Mistral instruct encoding, decoding and token counting (mistral-common's bundled tokenizers)."""

from __future__ import annotations

import pytest
from haystack.dataclasses import ChatMessage
from haystack.tools import Tool

from maritime.errors import ConfigError
from maritime.llm.tokenization import (
    ChatFormatError,
    IncrementalDecoder,
    MistralTokenCounter,
    TokenCounter,
    bos_id,
    control_id,
    decode,
    encode_chat,
    eos_id,
    tokenizer_model_file,
)

QUESTION_FR = "Quels feux à moins de 3 M de 48°21,5'N 004°33,0'O ?"
# Accents, degree signs, a dash, and characters only the byte fallback can spell.
AWKWARD = "Île d'Ouessant — 48°28′N, feu à éclats ✓ 灯台"

VERSIONS = ["v2", "v3", "v3-tekken", "v7"]


# Golden encodings, checked by hand against the Mistral instruct format:
# v3: <s>[INST]▁Feu▁du▁Portzic▁?[/INST]   (system prompt folded into the last user turn)
# v7: <s>[SYSTEM_PROMPT]▁...[/SYSTEM_PROMPT][INST]▁...[/INST]
GOLDEN_V3 = [1, 3, 5383, 29486, 2183, 4962, 29532, 1062, 2318, 4]
GOLDEN_V7_WITH_SYSTEM = [1, 16, 16185, 1534, 4441, 1249, 15067, 29491, 17, *GOLDEN_V3[1:]]


def test_encode_chat_v3_golden() -> None:
    assert encode_chat([("user", "Feu du Portzic ?")]) == GOLDEN_V3


def test_encode_chat_v7_golden_has_a_system_prompt_block() -> None:
    tokens = encode_chat([("system", "Réponds en français."), ("user", "Feu du Portzic ?")], "v7")
    assert tokens == GOLDEN_V7_WITH_SYSTEM
    assert tokens[1] == control_id("[SYSTEM_PROMPT]", "v7")


@pytest.mark.parametrize("version", VERSIONS, ids=VERSIONS)
def test_encode_chat_starts_with_bos_inst_and_ends_with_close_inst(version: str) -> None:
    tokens = encode_chat([("user", QUESTION_FR)], version)
    assert tokens[0] == bos_id(version) == 1
    assert tokens[1] == control_id("[INST]", version)
    assert tokens[-1] == control_id("[/INST]", version)


@pytest.mark.parametrize("version", VERSIONS, ids=VERSIONS)
def test_user_text_round_trips_through_decode(version: str) -> None:
    assert decode(encode_chat([("user", QUESTION_FR)], version), version) == QUESTION_FR
    assert decode(encode_chat([("user", AWKWARD)], version), version) == AWKWARD


def test_message_forms_encode_identically() -> None:
    as_tuples = [("system", "Tu es hydrographe."), ("user", "Feu ?"), ("assistant", "Oc."), ("user", "Et ?")]
    as_dicts = [{"role": r, "content": c} for r, c in as_tuples]
    as_chat = [
        ChatMessage.from_system("Tu es hydrographe."),
        ChatMessage.from_user("Feu ?"),
        ChatMessage.from_assistant("Oc."),
        ChatMessage.from_user("Et ?"),
    ]
    assert encode_chat(as_tuples) == encode_chat(as_dicts) == encode_chat(as_chat)


def test_v3_folds_the_system_prompt_into_the_last_user_turn() -> None:
    with_system = encode_chat([("system", "Tu es hydrographe."), ("user", "Et ensuite ?")])
    folded = encode_chat([("user", "Tu es hydrographe.\n\nEt ensuite ?")])
    assert with_system == folded


def test_history_keeps_eos_after_each_assistant_turn() -> None:
    tokens = encode_chat([("user", "Feu ?"), ("assistant", "Oc."), ("user", "Et ?")])
    assert tokens.count(eos_id()) == 1
    assert tokens.count(control_id("[INST]")) == 2


@pytest.mark.parametrize(
    "messages",
    [[], [("user", "a"), ("assistant", "b")], [("tool", "x")], ["not a message"]],
    ids=["empty", "ends-with-assistant", "unknown-role", "not-a-pair"],
)
def test_encode_chat_rejects_invalid_conversations(messages: list) -> None:
    with pytest.raises(ChatFormatError):
        encode_chat(messages)


def test_unknown_version_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="v8"):
        encode_chat([("user", "a")], "v8")
    with pytest.raises(ConfigError, match="v8"):
        MistralTokenCounter("v8")


def test_decode_drops_control_tokens() -> None:
    assert (
        decode([bos_id(), control_id("[INST]"), *TokenCounter("v3").encode("Ouessant"), eos_id()])
        == "Ouessant"
    )
    assert decode([]) == ""


@pytest.mark.parametrize("version", ["v3", "v7"], ids=["v3", "v7"])
def test_bundled_sentencepiece_file_matches_the_tokenizer(version: str) -> None:
    import sentencepiece as spm

    sp = spm.SentencePieceProcessor(model_file=str(tokenizer_model_file(version)))
    assert sp.vocab_size() == 32768
    assert sp.id_to_piece(control_id("[INST]", version)) == "[INST]"


@pytest.mark.parametrize("version", ["v3", "v3-tekken"], ids=["sentencepiece", "tekken"])
@pytest.mark.parametrize("text", [QUESTION_FR, AWKWARD, ""], ids=["french", "awkward", "empty"])
def test_incremental_decoder_pieces_add_up_to_decode(version: str, text: str) -> None:
    tokens = TokenCounter(version).encode(text)
    decoder = IncrementalDecoder(version)
    pieces = [decoder.push(t) for t in tokens]
    pieces.append(decoder.flush())
    assert "".join(pieces) == decode(tokens, version) == decoder.text == text
    assert "\ufffd" not in "".join(pieces)
    if len(text) > 10:
        assert sum(1 for p in pieces if p) > 3  # it streams, not one blob at the end


CONVERSATIONS = {
    "user": [ChatMessage.from_user(QUESTION_FR)],
    "system+user": [ChatMessage.from_system("Réponds en français."), ChatMessage.from_user(QUESTION_FR)],
    "multi-turn": [
        ChatMessage.from_system("Cite tes sources."),
        ChatMessage.from_user("Feu du Portzic ?"),
        ChatMessage.from_assistant("Oc(2) WR 12s [1]."),
        ChatMessage.from_user(QUESTION_FR),
    ],
}


@pytest.mark.parametrize("version", ["v3", "v7"], ids=["v3", "v7"])
@pytest.mark.parametrize("name", list(CONVERSATIONS), ids=list(CONVERSATIONS))
def test_token_counter_counts_exactly_the_encoded_prompt(version: str, name: str) -> None:
    messages = CONVERSATIONS[name]
    assert MistralTokenCounter(version).count(messages) == len(encode_chat(messages, version))


def test_token_counter_edge_cases() -> None:
    counter = MistralTokenCounter()
    assert counter.count([]) == 0
    question = [ChatMessage.from_user("Feu ?")]
    answered = [*question, ChatMessage.from_assistant("Oc.")]
    # a finished conversation (history for the next turn) is countable: answer + EOS
    assert counter.count(answered) == counter.count(question) + len(TokenCounter("v3").encode("Oc.")) + 1


def test_token_counter_counts_tool_schemas() -> None:
    tool = Tool(
        name="depth_at",
        description="Charted depth at a position",
        parameters={"type": "object", "properties": {"lat": {"type": "number"}, "lon": {"type": "number"}}},
        function=lambda lat, lon: 0.0,
    )
    messages = [ChatMessage.from_user("Profondeur ?")]
    counter = MistralTokenCounter()
    assert counter.count(messages, tools=[tool]) > counter.count(messages) + 10


def test_token_counter_serialization_round_trip() -> None:
    counter = MistralTokenCounter("v7")
    data = counter.to_dict()
    assert data == {
        "type": "maritime.llm.tokenization.MistralTokenCounter",
        "init_parameters": {"version": "v7"},
    }
    again = MistralTokenCounter.from_dict(data)
    assert again.version == "v7"
    assert again.count(CONVERSATIONS["user"]) == counter.count(CONVERSATIONS["user"])
