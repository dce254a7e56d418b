"""The Gradio app without a browser: nothing built at import, the API endpoints, login, the CLI command."""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from maritime import Assistant
from maritime.app.auth import Credentials, hash_password, load_auth_file
from maritime.errors import ConfigError
from tests.app.conftest import EN_QUESTION, FR_QUESTION, REPO, api_ask, running

pytestmark = pytest.mark.filterwarnings(
    "ignore:.*no_silent_downcasting.*", "ignore:The copy keyword is deprecated"
)

IMPORT_PROBE = r"""
import json, sys
import gradio as gr
import maritime.store.sqlite_store as sqlite_store
import maritime.enc.store as chart_store
import maritime.assistant as assistant

blocks, stores, charts, opened = [], [], [], []
_blocks_init = gr.Blocks.__init__
def blocks_init(self, *a, **k):
    blocks.append(type(self).__name__)
    _blocks_init(self, *a, **k)
gr.Blocks.__init__ = blocks_init
_store_init = sqlite_store.SQLiteDocumentStore.__init__
def store_init(self, *a, **k):
    stores.append(str(a))
    _store_init(self, *a, **k)
sqlite_store.SQLiteDocumentStore.__init__ = store_init
_chart_open = chart_store.ChartStore.open.__func__
chart_store.ChartStore.open = classmethod(lambda cls, *a, **k: (charts.append(str(a)), _chart_open(cls, *a, **k))[1])
_asst_open = assistant.Assistant.open.__func__
assistant.Assistant.open = classmethod(lambda cls, *a, **k: (opened.append(str(a)), _asst_open(cls, *a, **k))[1])

import maritime.app
import maritime.app.handlers, maritime.app.views, maritime.app.mapsvg, maritime.app.render, maritime.app.auth
handlers_alone = "gradio" not in sys.modules
import maritime.app.app
from maritime.app import build_app
print(json.dumps({"blocks": blocks, "stores": stores, "charts": charts, "opened": opened,
                  "root": gr.context.Context.root_block is None, "factory": callable(build_app)}))
"""

HANDLERS_PROBE = r"""
import json, sys
import maritime.app.handlers, maritime.app.views, maritime.app.mapsvg, maritime.app.render
print(json.dumps({"gradio": "gradio" in sys.modules}))
"""


OFFLINE_PROBE = r"""
import json, sys
from maritime.netguard import free_loopback_port, watch_outbound
attempts = []
watch_outbound(attempts.append)
from maritime import Assistant
from maritime.app import build_app
app = build_app(assistant=Assistant.open(sys.argv[1], embedder="none"))
port = free_loopback_port()
app.launch(server_port=port, prevent_thread_lock=True, quiet=True)
from gradio_client import Client
client = Client(f"http://127.0.0.1:{port}/", verbose=False)
out = client.predict(question=sys.argv[2], history=[], area="none", position="", radius_nm=3, bbox="",
                     doc_language="any", doc_type="any", answer_language="auto", top_k=5, api_name="/ask")
client.predict(api_name="/index")
app.close()
print(json.dumps({"attempts": attempts, "answered": 'id="map-C1"' in out[3]}))
"""


def _probe(script: str) -> dict[str, Any]:
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, cwd=REPO, timeout=300, check=True
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_importing_the_app_builds_nothing_and_opens_no_index() -> None:
    result = _probe(IMPORT_PROBE)
    assert result == {"blocks": [], "stores": [], "charts": [], "opened": [], "root": True, "factory": True}


@pytest.mark.slow
def test_server_and_api_client_make_no_outbound_connection(asst: Assistant, tmp_path: Path) -> None:
    """Gradio's server and gradio_client, in a process whose environment opts out of nothing."""
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    out = subprocess.run(
        [sys.executable, "-c", OFFLINE_PROBE, str(asst.index_dir), EN_QUESTION],
        capture_output=True,
        text=True,
        cwd=REPO,
        env=env,
        timeout=300,
        check=True,
    )
    assert json.loads(out.stdout.strip().splitlines()[-1]) == {"attempts": [], "answered": True}


def test_handlers_do_not_import_gradio() -> None:
    assert _probe(HANDLERS_PROBE) == {"gradio": False}


def test_build_app_returns_blocks_over_the_given_assistant(asst: Assistant, tmp_path: Path) -> None:
    import gradio as gr

    from maritime.app import build_app

    app = build_app(assistant=asst, work_dir=tmp_path)
    assert isinstance(app, gr.Blocks)
    assert app.maritime_auth is None  # type: ignore[attr-defined]
    names = {d.api_name for d in app.fns.values() if d.api_name}
    assert {"ask", "source", "export_md", "export_geojson", "export_png", "upload", "index"} <= names


def _ask(client: Any, question: str, **filters: Any) -> tuple:
    return api_ask(client, question, **filters)


@pytest.mark.slow
def test_api_answers_french_and_english_and_lists_the_index(asst: Assistant, tmp_path: Path) -> None:
    from gradio_client import Client

    from maritime.app import build_app

    with running(build_app(assistant=asst, work_dir=tmp_path)) as url:
        client = Client(url + "/", verbose=False)
        for question, language in ((FR_QUESTION, "fr"), (EN_QUESTION, "en")):
            chat, _, details, map_html, sources, *_ = _ask(client, question)
            assert chat[-1]["role"] == "assistant"
            assert "#feat-C1" in chat[-1]["content"][0]["text"]
            assert f'lang="{language}"' in details and 'id="feat-C1"' in details
            assert 'id="map-C1"' in map_html
            assert sources["value"] == sources["choices"][0][1]
        publications, charts, summary = client.predict(api_name="/index")
        assert charts["data"][0][0] == "FR_BREST_SAMPLE"
        assert {row[0] for row in publications["data"]} == {r.source for r in asst.files()}
        assert "1 chart dataset" in summary


def test_auth_file_formats(tmp_path: Path) -> None:
    path = tmp_path / "users"
    path.write_text(
        f"# users\nana:{hash_password('marée', iterations=2000)}\nbob:plain pass\n\n", encoding="utf-8"
    )
    path.chmod(0o600)
    check = load_auth_file(path)
    assert isinstance(check, Credentials) and check.users == ["ana", "bob"]
    assert check("ana", "marée") and not check("ana", "maree")
    assert check("bob", "plain pass") and not check("bob", "plain")
    assert not check("carl", "anything")
    assert "marée" not in repr(check) and "plain" not in repr(check)
    path.write_text("no separator here\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="line 1"):
        load_auth_file(path)
    with pytest.raises(ConfigError, match="cannot read"):
        load_auth_file(tmp_path / "missing")


@pytest.mark.slow
def test_login_is_required_with_an_auth_file(
    asst: Assistant, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from maritime.app import build_app

    users = tmp_path / "users"
    users.write_text(f"ana:{hash_password('s3cret', iterations=2000)}\n", encoding="utf-8")
    users.chmod(0o600)
    monkeypatch.setenv("MARITIME_APP_AUTH_FILE", str(users))
    app = build_app(assistant=asst, work_dir=tmp_path / "work")
    assert isinstance(app.maritime_auth, Credentials)  # type: ignore[attr-defined]
    with running(app) as url:
        with pytest.raises(urllib.error.HTTPError) as denied:
            urllib.request.urlopen(url + "/config", timeout=10)
        assert denied.value.code == 401
        data = b"username=ana&password=wrong"
        with pytest.raises(urllib.error.HTTPError):
            urllib.request.urlopen(urllib.request.Request(url + "/login", data=data), timeout=10)
        ok = urllib.request.urlopen(
            urllib.request.Request(url + "/login", data=b"username=ana&password=s3cret"), timeout=10
        )
        assert ok.status == 200


def test_cli_app_command_builds_and_launches_on_loopback(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, no_model_env: None
) -> None:
    import maritime.app.app as app_module
    from maritime.cli import main

    seen: dict[str, Any] = {}

    def fake_launch(blocks: Any, **kwargs: Any) -> None:
        seen["blocks"] = blocks
        seen.update(kwargs)

    monkeypatch.setattr(app_module, "launch_app", fake_launch)
    users = tmp_path / "users"
    users.write_text("ana:pw\n", encoding="utf-8")
    result = CliRunner().invoke(
        main, ["app", "--index", str(tmp_path / "idx"), "--port", "7999", "--auth-file", str(users)]
    )
    assert result.exit_code == 0, result.output
    assert seen["host"] == "127.0.0.1" and seen["port"] == 7999
    assert isinstance(seen["blocks"].maritime_auth, Credentials)
    assert "Not for navigation" in result.output


def test_cli_app_help_documents_the_options() -> None:
    from maritime.cli import main

    result = CliRunner().invoke(main, ["app", "--help"])
    assert result.exit_code == 0
    for option in ("--index", "--host", "--port", "--auth-file", "127.0.0.1", "7860", "Example"):
        assert option in result.output
