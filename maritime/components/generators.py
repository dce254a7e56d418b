"""Haystack chat generator backed by a local Mistral (:mod:`maritime.llm.backends`)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, Literal

from haystack import component, default_from_dict, default_to_dict
from haystack.dataclasses import ChatMessage, StreamingChunk, SyncStreamingCallbackT

from maritime.errors import ConfigError
from maritime.llm import tokenization
from maritime.llm.backends import (
    DEFAULT_N_CTX,
    DEFAULT_TIMEOUT_S,
    ENV_LLM_API_KEY,
    ChatBackend,
    LlamaCppBackend,
    ModelUnavailableError,
    OpenAICompatibleBackend,
    backend_from_env,
)

logger = logging.getLogger(__name__)

BackendKind = Literal["auto", "openai", "llama_cpp", "none"]
_KINDS = ("auto", "openai", "llama_cpp", "none")


@component
class MaritimeChatGenerator:
    """Generate a reply with the configured local Mistral; report, never raise, when it is unreachable.

    ``run`` returns ``replies`` (empty when no model is configured or it failed), ``model`` (the
    backend's name) and ``error`` (why the model could not answer, else ``None``), so a pipeline can
    fall back to extractive answers.

    Parameters
    ----------
    backend:
        ``"auto"`` (``url`` or ``gguf_path`` when given, else the ``MARITIME_*`` environment),
        ``"openai"`` (an OpenAI-compatible server at ``url``), ``"llama_cpp"`` (``gguf_path`` in
        process) or ``"none"`` (extractive mode).
    url, model:
        Server base URL (with ``/v1``) and model name, for ``"openai"``.
    api_key_env:
        Name of the environment variable holding the server's API key (the key itself is never stored).
    gguf_path, tokenizer, n_ctx:
        GGUF file, mistral-common tokenizer version and context length, for ``"llama_cpp"``.
    timeout_s:
        How long to wait for the model.
    max_tokens:
        Longest reply, in tokens.
    temperature:
        Sampling temperature; 0 is greedy, and reproducible.
    """

    def __init__(
        self,
        *,
        backend: BackendKind = "auto",
        url: str | None = None,
        model: str | None = None,
        api_key_env: str = ENV_LLM_API_KEY,
        gguf_path: str | None = None,
        tokenizer: str = tokenization.DEFAULT_CHAT_VERSION,
        n_ctx: int = DEFAULT_N_CTX,
        timeout_s: float = DEFAULT_TIMEOUT_S,
        max_tokens: int = 1024,
        temperature: float = 0.0,
    ) -> None:
        if backend not in _KINDS:
            raise ConfigError(f"unknown backend {backend!r}; choose one of {', '.join(_KINDS)}")
        self.backend = backend
        self.url = url
        self.model = model
        self.api_key_env = api_key_env
        self.gguf_path = gguf_path
        self.tokenizer = tokenizer
        self.n_ctx = n_ctx
        self.timeout_s = timeout_s
        self.max_tokens = max_tokens
        self.temperature = temperature
        self._backend: ChatBackend | None = None
        self._warmed_up = False

    def _make_backend(self) -> ChatBackend | None:
        kind: str = self.backend
        if kind == "auto":
            kind = "openai" if self.url else "llama_cpp" if self.gguf_path else "env"
        if kind == "none":
            return None
        if kind == "env":
            return backend_from_env()
        if kind == "openai":
            if not self.url or not self.model:
                raise ConfigError("backend 'openai' needs url (e.g. http://127.0.0.1:8080/v1) and model")
            return OpenAICompatibleBackend(
                self.url, self.model, api_key_env=self.api_key_env, timeout_s=self.timeout_s
            )
        if not self.gguf_path:
            raise ConfigError("backend 'llama_cpp' needs gguf_path, the GGUF model file")
        return LlamaCppBackend(self.gguf_path, self.tokenizer, n_ctx=self.n_ctx, timeout_s=self.timeout_s)

    def warm_up(self) -> None:
        """Choose the backend and, for llama.cpp, load the model; a model that fails to load is
        reported by ``run``."""
        if self._warmed_up:
            return
        self._backend = self._make_backend()
        self._warmed_up = True
        if isinstance(self._backend, LlamaCppBackend):
            try:
                self._backend.load()
            except (ModelUnavailableError, ConfigError) as exc:
                logger.warning("%s; answers will be extractive", exc)

    @component.output_types(replies=list[ChatMessage], model=str | None, error=str | None)
    def run(
        self, messages: list[ChatMessage], streaming_callback: SyncStreamingCallbackT | None = None
    ) -> dict[str, Any]:
        """Generate one reply to ``messages``.

        Parameters
        ----------
        messages:
            System, user and assistant messages; the last one is the user's question.
        streaming_callback:
            Called with a ``StreamingChunk`` for each new piece of text.

        Returns
        -------
        dict
            ``replies``: one assistant message, or none in extractive mode or on error;
            ``model``: the backend's name or ``None``; ``error``: why the model could not answer.
        """
        self.warm_up()
        backend = self._backend
        if backend is None:
            return {"replies": [], "model": None, "error": None}
        plain = [{"role": m.role.value, "content": m.text or ""} for m in messages]

        on_token: Callable[[str], None] | None = None
        if streaming_callback is not None:
            callback = streaming_callback

            def on_token(piece: str) -> None:
                callback(StreamingChunk(content=piece))

        try:
            generation = backend.generate(
                plain,
                max_tokens=self.max_tokens,
                temperature=self.temperature,
                on_token=on_token,
                timeout_s=self.timeout_s,
            )
        except (ModelUnavailableError, ConfigError) as exc:
            logger.warning("%s; falling back to extractive answers", exc)
            return {"replies": [], "model": backend.name, "error": str(exc)}
        meta: dict[str, Any] = {"model": generation.model, "finish_reason": generation.finish_reason}
        if generation.completion_tokens is not None:
            meta["usage"] = {"completion_tokens": generation.completion_tokens}
        reply = ChatMessage.from_assistant(generation.text, meta=meta)
        return {"replies": [reply], "model": backend.name, "error": None}

    def to_dict(self) -> dict[str, Any]:
        """Serialize every init parameter; the API key only as the name of its variable."""
        return default_to_dict(
            self,
            backend=self.backend,
            url=self.url,
            model=self.model,
            api_key_env=self.api_key_env,
            gguf_path=self.gguf_path,
            tokenizer=self.tokenizer,
            n_ctx=self.n_ctx,
            timeout_s=self.timeout_s,
            max_tokens=self.max_tokens,
            temperature=self.temperature,
        )

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> MaritimeChatGenerator:
        """Rebuild the component from :meth:`to_dict`."""
        return default_from_dict(cls, data)
