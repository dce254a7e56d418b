"""Local Mistral behind one small interface: an OpenAI-compatible server, or llama.cpp in process.

Which one is used is configuration, read by :func:`backend_from_env`:

- ``MARITIME_LLM_URL`` + ``MARITIME_LLM_MODEL`` (optional ``MARITIME_LLM_API_KEY``,
  ``MARITIME_LLM_TIMEOUT_S``, default 60): any OpenAI-compatible server (vLLM with
  ``--tokenizer-mode mistral``, ``python -m llama_cpp.server``, Ollama) through Haystack's
  ``OpenAIChatGenerator``;
- ``MARITIME_GGUF`` (+ ``MARITIME_TOKENIZER``, default ``v3``): a GGUF file run by llama-cpp-python in
  this process, the prompt tokenized by mistral-common so the instruct format is exact whatever chat
  template the file carries;
- neither: ``None``, and answers are extractive.

A backend that cannot answer (server down, timeout, garbage, missing file) raises
:class:`ModelUnavailableError`, whose message names the endpoint and the cause; callers fall back to
extractive answers.
"""

from __future__ import annotations

import json
import logging
import os
import threading
import time
import urllib.error
import urllib.request
import weakref
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from maritime.errors import ConfigError, ModelUnavailableError
from maritime.llm import tokenization

logger = logging.getLogger(__name__)

ENV_LLM_URL = "MARITIME_LLM_URL"
ENV_LLM_MODEL = "MARITIME_LLM_MODEL"
ENV_LLM_API_KEY = "MARITIME_LLM_API_KEY"
ENV_LLM_TIMEOUT_S = "MARITIME_LLM_TIMEOUT_S"
ENV_GGUF = "MARITIME_GGUF"
ENV_TOKENIZER = "MARITIME_TOKENIZER"

DEFAULT_TIMEOUT_S = 60.0
DEFAULT_N_CTX = 4096

#: Sent as the API key when none is configured: local servers without auth accept anything, and a
#: placeholder keeps the OpenAI client from picking up ``OPENAI_API_KEY`` and sending a cloud key to a
#: local endpoint.
_NO_KEY = "no-key"

_INSTALL_HINT = "pip install 'maritime[llm]'"


@dataclass(frozen=True)
class Generation:
    """What a backend generated.

    Attributes
    ----------
    text:
        The reply.
    model:
        The model that answered, as the endpoint names it (or the GGUF path).
    prompt_tokens:
        The token ids the model was fed (in-process backend), ``None`` when a server tokenized.
    finish_reason:
        ``"stop"`` (end of sequence), ``"length"`` (``max_tokens`` reached) or what the server said.
    completion_tokens:
        Number of generated tokens when known.
    """

    text: str
    model: str
    prompt_tokens: list[int] | None
    finish_reason: str | None
    completion_tokens: int | None = None


@runtime_checkable
class ChatBackend(Protocol):
    """A chat model: ``generate`` a reply to ``messages`` (``{"role", "content"}`` dicts)."""

    @property
    def name(self) -> str:
        """Model and endpoint, for logs and the UI banner."""
        ...

    def generate(
        self,
        messages: list[dict[str, str]],
        *,
        max_tokens: int,
        temperature: float = 0.0,
        on_token: Callable[[str], None] | None = None,
        timeout_s: float | None = None,
    ) -> Generation:
        """Generate a reply; raise :class:`ModelUnavailableError` when the model cannot answer."""
        ...


def _check_messages(messages: Sequence[Mapping[str, str]]) -> None:
    if not messages:
        raise tokenization.ChatFormatError("cannot generate from an empty conversation")


# --- (a) OpenAI-compatible server ---------------------------------------------------------------------


class OpenAICompatibleBackend:
    """An OpenAI-compatible chat endpoint (vLLM, llama.cpp server, Ollama) through Haystack.

    Parameters
    ----------
    url:
        Base URL of the API, with its ``/v1``: ``http://127.0.0.1:8080/v1``.
    model:
        Model name the server expects (vLLM and Ollama check it; llama.cpp ignores it).
    api_key_env:
        Environment variable holding the API key, if the server wants one. Only the name is kept.
    timeout_s:
        Default time to wait for the server to connect and for each part of its answer. Requests
        are not retried: a local server that does not answer now will not answer in a second either.
    """

    def __init__(
        self,
        url: str,
        model: str,
        *,
        api_key_env: str = ENV_LLM_API_KEY,
        timeout_s: float = DEFAULT_TIMEOUT_S,
    ) -> None:
        if not url.startswith(("http://", "https://")):
            raise ConfigError(f"model URL {url!r} is not an http(s) URL; example: http://127.0.0.1:8080/v1")
        self.url = url.rstrip("/")
        self.model = model
        self.api_key_env = api_key_env
        self.timeout_s = float(timeout_s)
        self._generators: dict[float, Any] = {}
        self._lock = threading.Lock()

    @property
    def name(self) -> str:
        return f"{self.model} @ {self.url}"

    def __repr__(self) -> str:
        return f"OpenAICompatibleBackend({self.url!r}, {self.model!r}, timeout_s={self.timeout_s})"

    def _api_key(self) -> Any:
        from haystack.utils import Secret

        if os.environ.get(self.api_key_env):
            return Secret.from_env_var(self.api_key_env)
        return Secret.from_token(_NO_KEY)

    def _generator(self, timeout_s: float) -> Any:
        # One Haystack generator (one HTTP client) per timeout: the timeout is fixed at client creation.
        with self._lock:
            generator = self._generators.get(timeout_s)
            if generator is None:
                from haystack.components.generators.chat import OpenAIChatGenerator

                generator = OpenAIChatGenerator(
                    api_key=self._api_key(),
                    model=self.model,
                    api_base_url=self.url,
                    timeout=timeout_s,
                    max_retries=0,
                )
                generator.warm_up()
                self._generators[timeout_s] = generator
            return generator

    def generate(
        self,
        messages: list[dict[str, str]],
        *,
        max_tokens: int,
        temperature: float = 0.0,
        on_token: Callable[[str], None] | None = None,
        timeout_s: float | None = None,
    ) -> Generation:
        """Send ``messages`` to the server; stream the reply through ``on_token`` when given.

        Raises
        ------
        ModelUnavailableError
            The server refused the connection, did not answer within ``timeout_s``, answered an HTTP
            error or something that is not a chat completion.
        """
        from haystack.dataclasses import ChatMessage, StreamingChunk

        _check_messages(messages)
        timeout = self.timeout_s if timeout_s is None else float(timeout_s)
        chat = [_to_chat_message(m, ChatMessage) for m in messages]
        callback_errors: list[BaseException] = []

        def streaming_callback(chunk: StreamingChunk) -> None:
            if chunk.content and on_token is not None:
                try:
                    on_token(chunk.content)
                except BaseException as exc:  # the caller's own error: re-raised as is below
                    callback_errors.append(exc)
                    raise

        generator = self._generator(timeout)
        started = time.monotonic()
        try:
            result = generator.run(
                messages=chat,
                streaming_callback=streaming_callback if on_token is not None else None,
                generation_kwargs={"max_tokens": int(max_tokens), "temperature": float(temperature)},
            )
        except Exception as exc:
            if callback_errors:
                raise callback_errors[0] from None
            raise ModelUnavailableError(
                f"local model at {self.url} ({self.model}): {_describe_failure(exc, timeout)}"
            ) from exc
        replies = result.get("replies") or []
        if not replies or replies[0].text is None:
            raise ModelUnavailableError(f"local model at {self.url} ({self.model}) answered no text")
        reply = replies[0]
        usage = reply.meta.get("usage") or {}
        logger.debug("%s answered in %.2f s", self.name, time.monotonic() - started)
        return Generation(
            text=reply.text,
            model=str(reply.meta.get("model") or self.model),
            prompt_tokens=None,
            finish_reason=reply.meta.get("finish_reason"),
            completion_tokens=usage.get("completion_tokens") if isinstance(usage, dict) else None,
        )

    def check(self, timeout_s: float = 3.0) -> bool:
        """Whether ``GET {url}/models`` answers a model list within ``timeout_s``."""
        request = urllib.request.Request(f"{self.url}/models", headers={"Accept": "application/json"})
        key = os.environ.get(self.api_key_env)
        if key:
            request.add_header("Authorization", f"Bearer {key}")
        try:
            with urllib.request.urlopen(request, timeout=timeout_s) as response:
                body = json.loads(response.read(1_000_000))
        except (OSError, ValueError) as exc:  # URLError, timeouts and refused connections are OSErrors
            logger.info("model endpoint %s not reachable: %s", self.url, exc)
            return False
        return isinstance(body, dict) and isinstance(body.get("data"), list)


def _to_chat_message(message: Mapping[str, str], chat_message: Any) -> Any:
    role = message.get("role")
    content = message.get("content") or ""
    if role == "system":
        return chat_message.from_system(content)
    if role == "user":
        return chat_message.from_user(content)
    if role == "assistant":
        return chat_message.from_assistant(content)
    raise tokenization.ChatFormatError(f"unsupported chat role {role!r}; use system, user or assistant")


def _describe_failure(exc: BaseException, timeout_s: float) -> str:
    """One line saying why a request failed, for :class:`ModelUnavailableError`."""
    import openai

    if isinstance(exc, openai.APITimeoutError) or "timeout" in type(exc).__name__.lower():
        return f"no answer within {timeout_s:g} s (timeout)"
    if isinstance(exc, openai.APIConnectionError):
        cause = exc.__cause__ or exc.__context__
        return f"cannot connect ({cause or exc}); is the server running?"
    if isinstance(exc, openai.APIStatusError):
        body = exc.response.text[:200] if exc.response is not None else ""
        return f"HTTP {exc.status_code} {body}".strip()
    return f"invalid answer, not an OpenAI chat completion ({type(exc).__name__}: {exc})"


# --- (b) llama.cpp in process -------------------------------------------------------------------------


class LlamaCppBackend:
    """A GGUF model run in this process by llama-cpp-python.

    The prompt is encoded by mistral-common (:func:`maritime.llm.tokenization.encode_chat`) and fed as
    token ids, generation stops at EOS, and the reply is decoded by mistral-common too: the GGUF's own
    tokenizer and chat template are never used.

    Parameters
    ----------
    gguf_path:
        The model file.
    tokenizer_version:
        mistral-common tokenizer of the model (``v3`` for Mistral-7B-Instruct-v0.3).
    n_ctx:
        Context length, in tokens, prompt and reply together.
    n_threads:
        CPU threads; default half the cores (at least one).
    timeout_s:
        Default wall-clock limit of one generation.
    seed:
        Sampling seed (used when ``temperature > 0``).
    """

    def __init__(
        self,
        gguf_path: str | os.PathLike[str],
        tokenizer_version: str = tokenization.DEFAULT_CHAT_VERSION,
        *,
        n_ctx: int = DEFAULT_N_CTX,
        n_threads: int | None = None,
        timeout_s: float = DEFAULT_TIMEOUT_S,
        seed: int = 0,
    ) -> None:
        tokenization.get_tokenizer(tokenizer_version)  # ConfigError on an unknown version
        self.gguf_path = Path(gguf_path).expanduser()
        self.tokenizer_version = tokenizer_version
        self.n_ctx = int(n_ctx)
        self.n_threads = n_threads if n_threads is not None else max(1, (os.cpu_count() or 2) // 2)
        self.timeout_s = float(timeout_s)
        self.seed = seed
        self._llama: Any = None
        self._finalizer: weakref.finalize[Any, Any] | None = None
        self._lock = threading.Lock()

    @property
    def name(self) -> str:
        return f"llama.cpp:{self.gguf_path}"

    def __repr__(self) -> str:
        return f"LlamaCppBackend({str(self.gguf_path)!r}, {self.tokenizer_version!r}, n_ctx={self.n_ctx})"

    @property
    def llama(self) -> Any:
        """The loaded ``llama_cpp.Llama`` (loaded on first use)."""
        self.load()
        return self._llama

    def load(self) -> None:
        """Load the model (idempotent).

        Raises
        ------
        ConfigError
            llama-cpp-python is not installed.
        ModelUnavailableError
            The file is missing or llama.cpp cannot load it.
        """
        if self._llama is not None:
            return
        llama_cpp = _import_llama_cpp()
        if not self.gguf_path.is_file():
            raise ModelUnavailableError(f"{self.name}: file not found; set {ENV_GGUF} to a GGUF model file")
        try:
            self._llama = llama_cpp.Llama(
                model_path=str(self.gguf_path),
                n_ctx=self.n_ctx,
                n_threads=self.n_threads,
                n_threads_batch=self.n_threads,
                seed=self.seed,
                verbose=False,
            )
        except (ValueError, RuntimeError, OSError) as exc:
            raise ModelUnavailableError(f"{self.name}: llama.cpp cannot load the file ({exc})") from exc
        # Free the model while the interpreter is still whole: llama-cpp-python's own __del__ fails
        # noisily when it runs during interpreter shutdown.
        self._finalizer = weakref.finalize(self, self._llama.close)
        logger.info("loaded %s (n_ctx=%d, %d threads)", self.name, self.n_ctx, self.n_threads)

    def close(self) -> None:
        """Free the model's memory."""
        with self._lock:
            if self._llama is not None:
                if self._finalizer is not None:
                    self._finalizer()
                self._llama = None

    def generate(
        self,
        messages: list[dict[str, str]],
        *,
        max_tokens: int,
        temperature: float = 0.0,
        on_token: Callable[[str], None] | None = None,
        timeout_s: float | None = None,
    ) -> Generation:
        """Generate greedily (``temperature=0``) or by sampling, up to ``max_tokens`` or EOS.

        Raises
        ------
        ModelUnavailableError
            Model not loadable, prompt longer than the context, or generation slower than ``timeout_s``.
        ChatFormatError
            The conversation is not valid for the instruct format (see ``encode_chat``).
        """
        _check_messages(messages)
        timeout = self.timeout_s if timeout_s is None else float(timeout_s)
        prompt = tokenization.encode_chat(messages, self.tokenizer_version)
        room = self.n_ctx - len(prompt)
        if room <= 0:
            raise ModelUnavailableError(
                f"{self.name}: prompt of {len(prompt)} tokens does not fit the context of {self.n_ctx}; "
                "shorten the context or raise n_ctx"
            )
        limit = min(int(max_tokens), room)
        eos = tokenization.eos_id(self.tokenizer_version)
        decoder = tokenization.IncrementalDecoder(self.tokenizer_version)
        finish_reason = "length"
        with self._lock:
            self.load()
            deadline = time.monotonic() + timeout
            tokens = self._llama.generate(
                prompt, temp=float(temperature), top_k=40, top_p=0.95, min_p=0.05, repeat_penalty=1.0
            )
            try:
                for count, token in enumerate(tokens, start=1):
                    if token == eos:
                        finish_reason = "stop"
                        break
                    piece = decoder.push(int(token))
                    if piece and on_token is not None:
                        on_token(piece)
                    if count >= limit:
                        break
                    if time.monotonic() > deadline:
                        raise ModelUnavailableError(
                            f"{self.name}: generation took longer than {timeout:g} s (timeout) "
                            f"after {count} tokens; raise {ENV_LLM_TIMEOUT_S} or lower max_tokens"
                        )
            finally:
                tokens.close()
        rest = decoder.flush()
        if rest and on_token is not None:
            on_token(rest)
        return Generation(
            text=decoder.text,
            model=str(self.gguf_path),
            prompt_tokens=prompt,
            finish_reason=finish_reason,
            completion_tokens=len(decoder.tokens),
        )

    def check(self, timeout_s: float = 3.0) -> bool:
        """Whether llama-cpp-python is installed and the file looks like a GGUF model (no loading)."""
        try:
            _import_llama_cpp()
            with self.gguf_path.open("rb") as f:
                return f.read(4) == b"GGUF"
        except (ConfigError, OSError) as exc:
            logger.info("%s not usable: %s", self.name, exc)
            return False


def _import_llama_cpp() -> Any:
    try:
        import llama_cpp
    except ImportError as exc:
        raise ConfigError(
            f"{ENV_GGUF} is set but llama-cpp-python is not installed; {_INSTALL_HINT}"
        ) from exc
    return llama_cpp


# --- (c) configuration -----------------------------------------------------------------------------------


def _timeout_from_env(env: Mapping[str, str]) -> float:
    raw = env.get(ENV_LLM_TIMEOUT_S)
    if not raw:
        return DEFAULT_TIMEOUT_S
    try:
        value = float(raw)
    except ValueError:
        value = -1.0
    if not value > 0:
        raise ConfigError(f"{ENV_LLM_TIMEOUT_S}={raw!r} is not a positive number of seconds; example: 60")
    return value


def backend_from_env(env: Mapping[str, str] | None = None) -> ChatBackend | None:
    """The backend the environment configures, or ``None`` for extractive answers.

    Does no I/O: whether the model answers is :func:`check_backend`'s business.

    Examples
    --------
    >>> backend_from_env({}) is None
    True
    >>> backend_from_env({"MARITIME_LLM_URL": "http://127.0.0.1:8080/v1", "MARITIME_LLM_MODEL": "mistral"}).name
    'mistral @ http://127.0.0.1:8080/v1'
    >>> backend_from_env({"MARITIME_GGUF": "/models/mistral.gguf"}).name
    'llama.cpp:/models/mistral.gguf'

    Raises
    ------
    ConfigError
        URL without model, unknown tokenizer version, or a timeout that is not a positive number.
    """
    env = os.environ if env is None else env
    url = (env.get(ENV_LLM_URL) or "").strip()
    gguf = (env.get(ENV_GGUF) or "").strip()
    timeout_s = _timeout_from_env(env)
    if url:
        model = (env.get(ENV_LLM_MODEL) or "").strip()
        if not model:
            raise ConfigError(
                f"{ENV_LLM_URL} is set but {ENV_LLM_MODEL} is not; set it to the model name the server "
                "serves, e.g. mistral-7b-instruct"
            )
        if gguf:
            logger.warning("both %s and %s are set; using the server at %s", ENV_LLM_URL, ENV_GGUF, url)
        return OpenAICompatibleBackend(url, model, timeout_s=timeout_s)
    if gguf:
        version = (env.get(ENV_TOKENIZER) or tokenization.DEFAULT_CHAT_VERSION).strip()
        return LlamaCppBackend(gguf, version, timeout_s=timeout_s)
    return None


def check_backend(backend: ChatBackend | None, timeout_s: float = 3.0) -> bool:
    """Cheap reachability probe: ``GET /v1/models`` for a server, file and library for llama.cpp.

    ``None`` (extractive mode) is never reachable.
    """
    if backend is None:
        return False
    check = getattr(backend, "check", None)
    if check is None:
        return True
    return bool(check(timeout_s=timeout_s))


_FROM_ENV: Any = object()


def describe_backend(backend: ChatBackend | None = _FROM_ENV, *, timeout_s: float = 3.0) -> str:
    """One line for a UI banner: which model answers, and whether it is reachable.

    Examples
    --------
    >>> describe_backend(None)
    'no model configured: extractive answers'
    """
    if backend is _FROM_ENV:
        backend = backend_from_env()
    if backend is None:
        return "no model configured: extractive answers"
    if check_backend(backend, timeout_s=timeout_s):
        return f"local Mistral at {backend.name} connected"
    return f"local Mistral at {backend.name} not reachable: extractive answers until it is"


__all__ = [
    "ChatBackend",
    "Generation",
    "LlamaCppBackend",
    "ModelUnavailableError",
    "OpenAICompatibleBackend",
    "backend_from_env",
    "check_backend",
    "describe_backend",
]
