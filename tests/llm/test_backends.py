"""Local Mistral backends, exercised against a real llama.cpp engine with a tiny random GGUF.

Tests that need llama-cpp-python or gguf skip with the reason when they are not installed; the
configuration, timeout and unreachable-endpoint tests need neither.
"""

from __future__ import annotations

import json
import logging
import time
from pathlib import Path
from typing import Any

import pytest
from haystack import Pipeline
from haystack.dataclasses import ChatMessage, StreamingChunk

from maritime.components.generators import MaritimeChatGenerator
from maritime.errors import ConfigError
from maritime.llm.backends import (
    ChatBackend,
    Generation,
    LlamaCppBackend,
    ModelUnavailableError,
    OpenAICompatibleBackend,
    backend_from_env,
    check_backend,
    describe_backend,
)
from maritime.llm.tokenization import ChatFormatError, control_id, encode_chat

from .conftest import recording_proxy

MESSAGES = [
    {"role": "system", "content": "Tu es l'assistant des hydrographes. Cite tes sources."},
    {"role": "user", "content": "Quels feux à moins de 3 M de 48°21,5'N 004°33,0'O ?"},
]
#: An unreachable endpoint must fail fast: no retries, no minutes of back-off.
FAST_FAILURE_S = 5.0


# --- configuration ---------------------------------------------------------------------------------


def test_no_configuration_means_extractive() -> None:
    assert backend_from_env({}) is None
    assert describe_backend(None) == "no model configured: extractive answers"
    assert check_backend(None) is False


def test_url_and_model_configure_the_openai_backend() -> None:
    backend = backend_from_env(
        {"MARITIME_LLM_URL": "http://127.0.0.1:8080/v1/", "MARITIME_LLM_MODEL": "mistral-7b-instruct"}
    )
    assert isinstance(backend, OpenAICompatibleBackend)
    assert isinstance(backend, ChatBackend)
    assert backend.name == "mistral-7b-instruct @ http://127.0.0.1:8080/v1"
    assert backend.timeout_s == 60.0
    assert backend.api_key_env == "MARITIME_LLM_API_KEY"


def test_gguf_configures_llama_cpp_with_the_v3_format_by_default() -> None:
    backend = backend_from_env({"MARITIME_GGUF": "/models/mistral-7b-instruct-v0.3.Q4_K_M.gguf"})
    assert isinstance(backend, LlamaCppBackend)
    assert backend.tokenizer_version == "v3"
    assert backend.name == "llama.cpp:/models/mistral-7b-instruct-v0.3.Q4_K_M.gguf"
    other = backend_from_env(
        {"MARITIME_GGUF": "m.gguf", "MARITIME_TOKENIZER": "v7", "MARITIME_LLM_TIMEOUT_S": "5"}
    )
    assert isinstance(other, LlamaCppBackend)
    assert (other.tokenizer_version, other.timeout_s) == ("v7", 5.0)


def test_url_wins_over_gguf_with_a_warning(caplog: pytest.LogCaptureFixture) -> None:
    env = {
        "MARITIME_LLM_URL": "http://127.0.0.1:8080/v1",
        "MARITIME_LLM_MODEL": "m",
        "MARITIME_GGUF": "x.gguf",
    }
    with caplog.at_level(logging.WARNING, logger="maritime.llm.backends"):
        assert isinstance(backend_from_env(env), OpenAICompatibleBackend)
    assert "MARITIME_GGUF" in caplog.text


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({"MARITIME_LLM_URL": "http://127.0.0.1:8080/v1"}, "MARITIME_LLM_MODEL"),
        ({"MARITIME_LLM_URL": "127.0.0.1:8080", "MARITIME_LLM_MODEL": "m"}, "127.0.0.1:8080"),
        ({"MARITIME_GGUF": "m.gguf", "MARITIME_LLM_TIMEOUT_S": "soon"}, "MARITIME_LLM_TIMEOUT_S"),
        ({"MARITIME_GGUF": "m.gguf", "MARITIME_LLM_TIMEOUT_S": "0"}, "MARITIME_LLM_TIMEOUT_S"),
        ({"MARITIME_GGUF": "m.gguf", "MARITIME_TOKENIZER": "v9"}, "v9"),
    ],
    ids=[
        "url-without-model",
        "url-without-scheme",
        "timeout-not-a-number",
        "timeout-zero",
        "unknown-tokenizer",
    ],
)
def test_bad_configuration_names_the_setting(env: dict[str, str], named: str) -> None:
    with pytest.raises(ConfigError, match=named):
        backend_from_env(env)


def test_describe_backend_reads_the_environment(
    monkeypatch: pytest.MonkeyPatch, closed_port_url: str
) -> None:
    for name in ("MARITIME_LLM_URL", "MARITIME_LLM_MODEL", "MARITIME_GGUF"):
        monkeypatch.delenv(name, raising=False)
    assert describe_backend() == "no model configured: extractive answers"
    monkeypatch.setenv("MARITIME_LLM_URL", closed_port_url)
    monkeypatch.setenv("MARITIME_LLM_MODEL", "mistral")
    banner = describe_backend(timeout_s=1)
    assert closed_port_url in banner
    assert "not reachable" in banner


# --- OpenAI-compatible endpoint that is down, slow or confused (no llama.cpp needed) ------------------


def test_closed_port_raises_quickly_naming_the_url(closed_port_url: str) -> None:
    backend = OpenAICompatibleBackend(closed_port_url, "mistral", timeout_s=30)
    started = time.monotonic()
    with pytest.raises(ModelUnavailableError, match="cannot connect") as info:
        backend.generate(MESSAGES, max_tokens=8)
    assert time.monotonic() - started < FAST_FAILURE_S
    assert closed_port_url in str(info.value)
    assert check_backend(backend, timeout_s=1) is False


def test_closed_port_fails_fast_when_streaming_too(closed_port_url: str) -> None:
    backend = OpenAICompatibleBackend(closed_port_url, "mistral", timeout_s=30)
    pieces: list[str] = []
    started = time.monotonic()
    with pytest.raises(ModelUnavailableError, match=closed_port_url):
        backend.generate(MESSAGES, max_tokens=8, on_token=pieces.append)
    assert time.monotonic() - started < FAST_FAILURE_S
    assert pieces == []


def test_slow_endpoint_times_out_without_retrying() -> None:
    with recording_proxy(None, mode="sleep", sleep_s=10) as proxy:
        backend = OpenAICompatibleBackend(proxy.url, "mistral", timeout_s=0.5)
        started = time.monotonic()
        with pytest.raises(ModelUnavailableError, match=r"within 0\.5 s \(timeout\)") as info:
            backend.generate(MESSAGES, max_tokens=8)
        elapsed = time.monotonic() - started
    assert 0.4 < elapsed < 3.0
    assert proxy.url in str(info.value)
    assert len(proxy.chat_bodies) == 1  # max_retries=0: one attempt only


def test_per_call_timeout_overrides_the_default() -> None:
    with recording_proxy(None, mode="sleep", sleep_s=10) as proxy:
        backend = OpenAICompatibleBackend(proxy.url, "mistral", timeout_s=30)
        started = time.monotonic()
        with pytest.raises(ModelUnavailableError, match="timeout"):
            backend.generate(MESSAGES, max_tokens=8, timeout_s=0.3)
        assert time.monotonic() - started < 3.0


def test_garbage_answer_is_model_unavailable() -> None:
    with recording_proxy(None, mode="garbage") as proxy:
        backend = OpenAICompatibleBackend(proxy.url, "mistral", timeout_s=5)
        with pytest.raises(ModelUnavailableError, match="invalid answer") as info:
            backend.generate(MESSAGES, max_tokens=8)
        assert check_backend(backend, timeout_s=2) is False
    assert proxy.url in str(info.value)


def test_generator_falls_back_with_a_warning_when_the_endpoint_is_down(
    closed_port_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    generator = MaritimeChatGenerator(backend="openai", url=closed_port_url, model="mistral", timeout_s=5)
    chunks: list[StreamingChunk] = []
    with caplog.at_level(logging.WARNING, logger="maritime.components.generators"):
        result = generator.run([ChatMessage.from_user("Feu du Portzic ?")], streaming_callback=chunks.append)
    assert result["replies"] == []
    assert result["model"] == f"mistral @ {closed_port_url}"
    assert closed_port_url in result["error"]
    assert "extractive" in caplog.text
    assert chunks == []


def test_generator_without_a_model_is_extractive(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("MARITIME_LLM_URL", "MARITIME_LLM_MODEL", "MARITIME_GGUF"):
        monkeypatch.delenv(name, raising=False)
    for kind in ("none", "auto"):
        generator = MaritimeChatGenerator(backend=kind)  # type: ignore[arg-type]
        assert generator.run([ChatMessage.from_user("Feu ?")]) == {
            "replies": [],
            "model": None,
            "error": None,
        }


def test_generator_rejects_incomplete_configuration() -> None:
    with pytest.raises(ConfigError, match="backend"):
        MaritimeChatGenerator(backend="cloud")  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match="url"):
        MaritimeChatGenerator(backend="openai").warm_up()
    with pytest.raises(ConfigError, match="gguf_path"):
        MaritimeChatGenerator(backend="llama_cpp").warm_up()


def test_generator_serializes_every_parameter_and_no_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MY_LLM_KEY", "sk-do-not-leak")
    generator = MaritimeChatGenerator(
        backend="openai",
        url="http://127.0.0.1:8080/v1",
        model="mistral-7b-instruct",
        api_key_env="MY_LLM_KEY",
        timeout_s=12.5,
        max_tokens=256,
    )
    data = generator.to_dict()
    assert data["type"] == "maritime.components.generators.MaritimeChatGenerator"
    assert set(data["init_parameters"]) == {
        "backend",
        "url",
        "model",
        "api_key_env",
        "gguf_path",
        "tokenizer",
        "n_ctx",
        "timeout_s",
        "max_tokens",
        "temperature",
    }
    assert data["init_parameters"]["api_key_env"] == "MY_LLM_KEY"
    assert "sk-do-not-leak" not in json.dumps(data)
    again = MaritimeChatGenerator.from_dict(data)
    assert again.to_dict() == data

    pipeline = Pipeline()
    pipeline.add_component("llm", generator)
    assert "sk-do-not-leak" not in pipeline.dumps()
    loaded = Pipeline.loads(pipeline.dumps(), allowed_modules=["maritime"])
    assert loaded.get_component("llm").to_dict() == data


# --- llama.cpp in process ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def in_process(tiny_gguf: Path, llama_cpp_module: Any) -> Any:
    backend = LlamaCppBackend(tiny_gguf, "v3", n_ctx=512, n_threads=1)
    yield backend
    backend.close()


def test_in_process_model_is_fed_mistral_common_tokens(
    in_process: LlamaCppBackend, monkeypatch: pytest.MonkeyPatch
) -> None:
    llm = in_process.llama
    llm.reset()  # forget the cache so the whole prompt is evaluated
    evaluated: list[int] = []
    original_eval = llm.eval

    def spy(tokens: Any) -> None:
        evaluated.extend(int(t) for t in tokens)
        original_eval(tokens)

    monkeypatch.setattr(llm, "eval", spy)
    generation = in_process.generate(MESSAGES, max_tokens=4)

    expected = encode_chat(MESSAGES, "v3")
    assert generation.prompt_tokens == expected
    assert evaluated[: len(expected)] == expected
    assert [int(t) for t in llm.input_ids[: len(expected)]] == expected
    assert expected[:2] == [1, control_id("[INST]")]
    assert expected[-1] == control_id("[/INST]")
    # the GGUF's own tokenizer would have read "[INST]" as plain text: the ids must come from mistral-common
    assert llm.tokenize(b"[INST]", add_bos=False, special=False) != [control_id("[INST]")]


@pytest.mark.parametrize("max_tokens", [1, 6], ids=["one", "six"])
def test_in_process_respects_max_tokens(in_process: LlamaCppBackend, max_tokens: int) -> None:
    generation = in_process.generate(MESSAGES, max_tokens=max_tokens)
    assert isinstance(generation, Generation)
    assert generation.completion_tokens == max_tokens  # the tiny model never says EOS
    assert generation.finish_reason == "length"
    assert generation.model == str(in_process.gguf_path)


def test_in_process_streaming_yields_the_non_streaming_text(in_process: LlamaCppBackend) -> None:
    plain = in_process.generate(MESSAGES, max_tokens=12)
    pieces: list[str] = []
    streamed = in_process.generate(MESSAGES, max_tokens=12, on_token=pieces.append)
    assert len(pieces) > 1
    assert "".join(pieces) == streamed.text == plain.text
    assert plain.text  # greedy decoding of 12 random tokens is not empty


def test_in_process_stops_at_eos(eos_gguf: Path, llama_cpp_module: Any) -> None:
    backend = LlamaCppBackend(eos_gguf, "v3", n_ctx=256, n_threads=1)
    try:
        pieces: list[str] = []
        generation = backend.generate(MESSAGES, max_tokens=20, on_token=pieces.append)
    finally:
        backend.close()
    assert (generation.text, generation.finish_reason, generation.completion_tokens) == ("", "stop", 0)
    assert pieces == []


def test_in_process_timeout(in_process: LlamaCppBackend) -> None:
    started = time.monotonic()
    with pytest.raises(ModelUnavailableError, match="timeout") as info:
        in_process.generate(MESSAGES, max_tokens=200, timeout_s=1e-6)
    assert time.monotonic() - started < FAST_FAILURE_S
    assert str(in_process.gguf_path) in str(info.value)


def test_in_process_prompt_longer_than_the_context(in_process: LlamaCppBackend) -> None:
    long_question = [{"role": "user", "content": "feu " * 600}]
    with pytest.raises(ModelUnavailableError, match="n_ctx"):
        in_process.generate(long_question, max_tokens=4)


def test_in_process_rejects_a_conversation_that_does_not_end_with_the_user(
    in_process: LlamaCppBackend,
) -> None:
    with pytest.raises(ChatFormatError):
        in_process.generate([*MESSAGES, {"role": "assistant", "content": "Oc."}], max_tokens=4)


def test_in_process_missing_or_invalid_file(tmp_path: Path, llama_cpp_module: Any) -> None:
    missing = LlamaCppBackend(tmp_path / "missing.gguf")
    assert check_backend(missing) is False
    with pytest.raises(ModelUnavailableError, match="file not found"):
        missing.generate(MESSAGES, max_tokens=2)
    not_gguf = tmp_path / "notes.gguf"
    not_gguf.write_bytes(b"this is not a model")
    assert check_backend(LlamaCppBackend(not_gguf)) is False
    with pytest.raises(ModelUnavailableError, match="cannot load"):
        LlamaCppBackend(not_gguf).generate(MESSAGES, max_tokens=2)


def test_in_process_check_and_banner(in_process: LlamaCppBackend) -> None:
    assert check_backend(in_process) is True
    assert describe_backend(in_process) == f"local Mistral at llama.cpp:{in_process.gguf_path} connected"


def test_generator_component_in_process(tiny_gguf: Path, llama_cpp_module: Any) -> None:
    generator = MaritimeChatGenerator(backend="llama_cpp", gguf_path=str(tiny_gguf), n_ctx=512, max_tokens=5)
    generator.warm_up()
    generator.warm_up()  # idempotent
    chunks: list[StreamingChunk] = []
    messages = [
        ChatMessage.from_system(MESSAGES[0]["content"]),
        ChatMessage.from_user(MESSAGES[1]["content"]),
    ]
    result = generator.run(messages, streaming_callback=chunks.append)
    assert result["error"] is None
    assert result["model"] == f"llama.cpp:{tiny_gguf}"
    [reply] = result["replies"]
    assert reply.text == "".join(c.content for c in chunks)
    assert reply.meta["usage"] == {"completion_tokens": 5}


# --- OpenAI-compatible llama.cpp server behind a recording proxy -----------------------------------------


@pytest.mark.integration
def test_server_receives_the_messages_as_sent(llama_server: str) -> None:
    with recording_proxy(llama_server) as proxy:
        backend = OpenAICompatibleBackend(proxy.url, "tiny-mistral", timeout_s=30)
        generation = backend.generate(MESSAGES, max_tokens=4)
    [body] = proxy.chat_bodies
    assert body["messages"] == MESSAGES
    assert body["model"] == "tiny-mistral"
    assert body["max_tokens"] == 4
    assert body["temperature"] == 0.0
    assert not body.get("stream")
    assert generation.prompt_tokens is None
    assert generation.finish_reason == "length"
    assert generation.completion_tokens is not None and generation.completion_tokens <= 4
    assert isinstance(generation.text, str) and generation.text


@pytest.mark.integration
def test_server_streaming(llama_server: str) -> None:
    with recording_proxy(llama_server) as proxy:
        backend = OpenAICompatibleBackend(proxy.url, "tiny-mistral", timeout_s=30)
        pieces: list[str] = []
        generation = backend.generate(MESSAGES, max_tokens=8, on_token=pieces.append)
    [body] = proxy.chat_bodies
    assert body["stream"] is True
    assert len(pieces) > 1
    assert "".join(pieces) == generation.text


@pytest.mark.integration
def test_server_api_key_comes_from_the_environment_only(
    llama_server: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-cloud-key-must-not-travel")
    monkeypatch.delenv("MARITIME_LLM_API_KEY", raising=False)
    with recording_proxy(llama_server) as proxy:
        OpenAICompatibleBackend(proxy.url, "tiny-mistral").generate(MESSAGES, max_tokens=1)
        monkeypatch.setenv("MARITIME_LLM_API_KEY", "sk-local")
        OpenAICompatibleBackend(proxy.url, "tiny-mistral").generate(MESSAGES, max_tokens=1)
    sent = [r["headers"].get("authorization") for r in proxy.requests]
    assert sent == ["Bearer no-key", "Bearer sk-local"]


@pytest.mark.integration
def test_server_check_banner_and_component(llama_server: str) -> None:
    backend = OpenAICompatibleBackend(llama_server, "tiny-mistral", timeout_s=30)
    assert check_backend(backend) is True
    assert describe_backend(backend) == f"local Mistral at tiny-mistral @ {llama_server} connected"
    generator = MaritimeChatGenerator(backend="auto", url=llama_server, model="tiny-mistral", max_tokens=3)
    result = generator.run([ChatMessage.from_user("Feu du Portzic ?")])
    assert result["error"] is None
    assert result["model"] == f"tiny-mistral @ {llama_server}"
    [reply] = result["replies"]
    assert reply.meta["finish_reason"] == "length"


@pytest.mark.integration
def test_env_configured_server_end_to_end(llama_server: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MARITIME_LLM_URL", llama_server)
    monkeypatch.setenv("MARITIME_LLM_MODEL", "tiny-mistral")
    monkeypatch.setenv("MARITIME_LLM_TIMEOUT_S", "20")
    backend = backend_from_env()
    assert backend is not None
    assert backend.generate(MESSAGES, max_tokens=2).completion_tokens == 2
