"""Fixtures for the local-model tests: a tiny random-weight Mistral GGUF, a llama.cpp server, a proxy.

The GGUF has the Llama/Mistral architecture, random weights (fixed seed) and the real v3 vocabulary
read from the sentencepiece model bundled in mistral-common, so llama.cpp loads it like any Mistral
GGUF and generates in milliseconds. Its answers are gibberish: the tests check what the model received
and how the text travels, not what it says.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from maritime.llm import tokenization
from maritime.netguard import free_loopback_port

LOOPBACK = "127.0.0.1"

# Tiny Mistral-7B-shaped model: same layout (GQA, SwiGLU, RMSNorm, RoPE), toy sizes.
N_LAYERS = 2
N_EMBD = 64
N_HEAD = 4
N_HEAD_KV = 2
N_FF = 128
N_CTX_TRAIN = 2048
SEED = 20240323

SERVER_START_TIMEOUT_S = 60.0


def _require_gguf() -> Any:
    return pytest.importorskip(
        "gguf", reason="the 'gguf' package is not installed (pip install 'maritime[llm]')"
    )


def _require_llama_cpp() -> Any:
    return pytest.importorskip(
        "llama_cpp", reason="llama-cpp-python is not installed (pip install 'maritime[llm]')"
    )


def _sentencepiece_vocab(version: str) -> tuple[list[bytes], list[float], list[int]]:
    """Tokens, scores and GGUF token types of the sentencepiece model bundled for ``version``."""
    import sentencepiece as spm
    from gguf import TokenType

    sp = spm.SentencePieceProcessor(model_file=str(tokenization.tokenizer_model_file(version)))
    tokens, scores, types = [], [], []
    for i in range(sp.vocab_size()):
        tokens.append(sp.id_to_piece(i).encode("utf-8"))
        scores.append(float(sp.get_score(i)))
        if sp.is_unknown(i):
            types.append(TokenType.UNKNOWN)
        elif sp.is_control(i):
            types.append(TokenType.CONTROL)
        elif sp.is_byte(i):
            types.append(TokenType.BYTE)
        elif sp.is_unused(i):
            types.append(TokenType.UNUSED)
        else:
            types.append(TokenType.NORMAL)
    return tokens, scores, types


def write_tiny_mistral_gguf(path: Path, *, version: str = "v3", always_eos: bool = False) -> Path:
    """Write a tiny random-weight Mistral-architecture GGUF with the vocabulary of ``version``.

    ``always_eos`` builds a model whose greedy choice is always EOS (no attention or feed-forward
    contribution, every position sees the same hidden state, only the EOS row of the output is set).
    """
    gguf = _require_gguf()
    tokens, scores, types = _sentencepiece_vocab(version)
    n_vocab = len(tokens)
    head_dim = N_EMBD // N_HEAD
    rng = np.random.default_rng(SEED)

    def rand(*shape: int) -> np.ndarray:
        return (rng.standard_normal(shape) * 0.02).astype(np.float32)

    writer = gguf.GGUFWriter(str(path), "llama")
    writer.add_name("tiny-mistral-test")
    writer.add_context_length(N_CTX_TRAIN)
    writer.add_embedding_length(N_EMBD)
    writer.add_block_count(N_LAYERS)
    writer.add_feed_forward_length(N_FF)
    writer.add_head_count(N_HEAD)
    writer.add_head_count_kv(N_HEAD_KV)
    writer.add_rope_dimension_count(head_dim)
    writer.add_rope_freq_base(1_000_000.0)
    writer.add_layer_norm_rms_eps(1e-5)
    writer.add_vocab_size(n_vocab)
    writer.add_file_type(gguf.LlamaFileType.ALL_F32)

    writer.add_tokenizer_model("llama")
    writer.add_token_list(tokens)
    writer.add_token_scores(scores)
    writer.add_token_types(types)
    writer.add_bos_token_id(tokenization.bos_id(version))
    writer.add_eos_token_id(tokenization.eos_id(version))
    writer.add_unk_token_id(0)
    writer.add_add_bos_token(True)
    writer.add_add_eos_token(False)

    eos = tokenization.eos_id(version)
    if always_eos:
        embeddings = np.ones((n_vocab, N_EMBD), dtype=np.float32)
        output = np.zeros((n_vocab, N_EMBD), dtype=np.float32)
        output[eos] = 1.0
    else:
        embeddings = rand(n_vocab, N_EMBD) * 50  # ~unit-scale activations
        output = rand(n_vocab, N_EMBD) * 50
        output[eos] = 0.0  # never stop early: tests count streamed tokens
    # numpy shapes are ggml's ne reversed: (rows = output features, cols = input features)
    writer.add_tensor("token_embd.weight", embeddings)
    writer.add_tensor("output_norm.weight", np.ones(N_EMBD, dtype=np.float32))
    writer.add_tensor("output.weight", output)
    kv_dim = N_HEAD_KV * head_dim
    scale = 0.0 if always_eos else 1.0
    for i in range(N_LAYERS):
        blk = f"blk.{i}"
        writer.add_tensor(f"{blk}.attn_norm.weight", np.ones(N_EMBD, dtype=np.float32))
        writer.add_tensor(f"{blk}.attn_q.weight", rand(N_EMBD, N_EMBD))
        writer.add_tensor(f"{blk}.attn_k.weight", rand(kv_dim, N_EMBD))
        writer.add_tensor(f"{blk}.attn_v.weight", rand(kv_dim, N_EMBD))
        writer.add_tensor(f"{blk}.attn_output.weight", rand(N_EMBD, N_EMBD) * scale)
        writer.add_tensor(f"{blk}.ffn_norm.weight", np.ones(N_EMBD, dtype=np.float32))
        writer.add_tensor(f"{blk}.ffn_gate.weight", rand(N_FF, N_EMBD))
        writer.add_tensor(f"{blk}.ffn_up.weight", rand(N_FF, N_EMBD))
        writer.add_tensor(f"{blk}.ffn_down.weight", rand(N_EMBD, N_FF) * scale)

    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    return path


@pytest.fixture(scope="session")
def tiny_gguf(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny random Mistral GGUF (v3 vocabulary, 32768 tokens), written once per session."""
    return write_tiny_mistral_gguf(tmp_path_factory.mktemp("gguf") / "tiny-mistral-v3.gguf")


@pytest.fixture(scope="session")
def eos_gguf(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny GGUF whose greedy reply is EOS straight away."""
    return write_tiny_mistral_gguf(tmp_path_factory.mktemp("gguf") / "tiny-mistral-eos.gguf", always_eos=True)


@pytest.fixture(scope="session")
def llama_cpp_module() -> Any:
    """``llama_cpp``, or skip with the reason."""
    return _require_llama_cpp()


def _wait_for_models(url: str, process: subprocess.Popen[bytes], timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    last: Exception | None = None
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"llama_cpp.server exited with code {process.returncode}")
        try:
            with urllib.request.urlopen(f"{url}/models", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError as exc:
            last = exc
        time.sleep(0.2)
    raise TimeoutError(f"llama_cpp.server did not answer {url}/models within {timeout_s} s ({last})")


@pytest.fixture(scope="session")
def llama_server(
    tiny_gguf: Path, llama_cpp_module: Any, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """``python -m llama_cpp.server`` serving the tiny GGUF on a free loopback port; yields its ``/v1`` URL."""
    yield from serve_gguf(tiny_gguf, n_ctx=512, log_dir=tmp_path_factory.mktemp("llama-server"))


def serve_gguf(gguf: Path, *, n_ctx: int, log_dir: Path) -> Iterator[str]:
    """Run ``python -m llama_cpp.server`` on ``gguf`` on a free loopback port; yield its ``/v1`` URL.

    The server is stopped when the generator is closed (fixture teardown); its log is shown on failure.
    """
    pytest.importorskip("uvicorn", reason="llama-cpp-python[server] extras are not installed")
    pytest.importorskip("sse_starlette", reason="llama-cpp-python[server] extras are not installed")
    port = free_loopback_port()
    log_path = log_dir / "server.log"
    command = [
        sys.executable,
        "-m",
        "llama_cpp.server",
        "--model",
        str(gguf),
        "--model_alias",
        "tiny-mistral",
        "--chat_format",
        "mistral-instruct",
        "--host",
        LOOPBACK,
        "--port",
        str(port),
        "--n_ctx",
        str(n_ctx),
        "--n_threads",
        "1",
        "--n_threads_batch",
        "1",
    ]
    env = {**os.environ, "no_proxy": "*", "NO_PROXY": "*"}
    with log_path.open("wb") as log:
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=env)
    url = f"http://{LOOPBACK}:{port}/v1"
    try:
        try:
            _wait_for_models(url, process, SERVER_START_TIMEOUT_S)
        except (RuntimeError, TimeoutError) as exc:
            tail = log_path.read_text(errors="replace")[-2000:]
            pytest.fail(f"{exc}\n--- server log ---\n{tail}")
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


@dataclass
class RecordingProxy:
    """A loopback HTTP proxy in front of an OpenAI-compatible server that records what it forwards.

    ``mode``: ``"forward"`` (pass requests on to ``upstream``), ``"sleep"`` (answer nothing for
    ``sleep_s``) or ``"garbage"`` (answer 200 with a body that is not JSON).
    """

    upstream: str | None
    mode: str = "forward"
    sleep_s: float = 5.0
    requests: list[dict[str, Any]] = field(default_factory=list)
    url: str = ""
    release: threading.Event = field(default_factory=threading.Event)

    @property
    def chat_bodies(self) -> list[dict[str, Any]]:
        """JSON bodies of the chat completion requests received."""
        return [r["json"] for r in self.requests if r["path"].endswith("/chat/completions")]


def _handler(proxy: RecordingProxy) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:  # keep the test output clean
            pass

        def _relay(self, method: str) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            record: dict[str, Any] = {
                "method": method,
                "path": self.path,
                "headers": {k.lower(): v for k, v in self.headers.items()},
                "json": None,
            }
            if body:
                with contextlib.suppress(ValueError):
                    record["json"] = json.loads(body)
            proxy.requests.append(record)
            if proxy.mode == "sleep":
                proxy.release.wait(proxy.sleep_s)
                self._send(504, b'{"error": "slept"}', "application/json")
                return
            if proxy.mode == "garbage":
                self._send(200, b"<html>not a chat completion</html>", "application/json")
                return
            assert proxy.upstream is not None
            host, port = proxy.upstream.split("//", 1)[1].split("/", 1)[0].split(":")
            conn = http.client.HTTPConnection(host, int(port), timeout=30)
            try:
                headers = {"Content-Type": self.headers.get("Content-Type") or "application/json"}
                conn.request(method, self.path, body=body or None, headers=headers)
                response = conn.getresponse()
                payload = response.read()
                self._send(response.status, payload, response.getheader("Content-Type") or "application/json")
            finally:
                conn.close()

        def _send(self, status: int, payload: bytes, content_type: str) -> None:
            try:
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)
            except OSError:  # the client gave up (timeout test): nothing to answer to
                pass

        def do_GET(self) -> None:
            self._relay("GET")

        def do_POST(self) -> None:
            self._relay("POST")

    return Handler


@contextlib.contextmanager
def recording_proxy(
    upstream: str | None, *, mode: str = "forward", sleep_s: float = 5.0
) -> Iterator[RecordingProxy]:
    """Run a :class:`RecordingProxy` on a free loopback port for the duration of the block."""
    proxy = RecordingProxy(upstream=upstream, mode=mode, sleep_s=sleep_s)
    server = ThreadingHTTPServer((LOOPBACK, 0), _handler(proxy))
    server.daemon_threads = True
    proxy.url = f"http://{LOOPBACK}:{server.server_address[1]}/v1"
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield proxy
    finally:
        proxy.release.set()
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@pytest.fixture()
def closed_port_url() -> str:
    """A loopback ``/v1`` URL where nothing listens."""
    return f"http://{LOOPBACK}:{free_loopback_port()}/v1"
