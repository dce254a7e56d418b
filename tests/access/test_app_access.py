"""Access control in the web app: the login gives the clearance; answers, sources, maps, the index tab,
exports and uploads follow it. Driven through Gradio's own API client, logged in as each user."""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from maritime.app import handlers
from maritime.app.auth import hash_password, load_auth_file
from maritime.errors import ConfigError

from .conftest import NEAREST_LIGHT_FR, SECRET_WORDS, TRIDENT_CELL, TRIDENT_QUESTION_FR, Indexes

LEAKS = (*SECRET_WORDS, TRIDENT_CELL)


def _leaks(text: str) -> list[str]:
    return [w for w in LEAKS if w.lower() in text.lower()]


def test_the_auth_file_gives_each_user_a_clearance(tmp_path: Path, access_env: None) -> None:
    users = tmp_path / "users"
    users.write_text(
        f"ana:{hash_password('a', iterations=1000)}\n"
        f"bob:{hash_password('b', iterations=1000)}:restricted\n"
        "carl:plain:password:Confidential\n",
        encoding="utf-8",
    )
    users.chmod(0o600)
    check = load_auth_file(users)
    assert check("bob", "b") and check("carl", "plain:password")
    assert [check.clearance_of(u) for u in ("ana", "bob", "carl")] == ["public", "restricted", "confidential"]
    assert check.clearance_of("ana", "restricted") == "restricted"  # the app's default for users without one
    users.write_text(f"bob:{hash_password('b', iterations=1000)}:cosmic\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"line 1: unknown clearance 'cosmic'"):
        load_auth_file(users)


def test_handlers_follow_the_clearance_they_are_given(indexes: Indexes, tmp_path: Path) -> None:
    asst = indexes.mixed
    public = handlers.ask(asst, NEAREST_LIGHT_FR, clearance="public")
    restricted = handlers.ask(asst, NEAREST_LIGHT_FR, clearance="restricted")
    assert not _leaks(public.markdown + public.map_html + repr(public.features))
    assert restricted.features[0].cell == TRIDENT_CELL and "Trident" in restricted.map_html
    for kind in ("md", "geojson", "png"):
        out = handlers.write_export(
            public.answer, asst.charts_for("public"), kind, out_dir=tmp_path / "public"
        )
        if kind != "png":
            assert not _leaks(out.read_text(encoding="utf-8")), kind
    note = handlers.ask(asst, TRIDENT_QUESTION_FR, clearance="restricted")
    ref = note.citations[0].id
    assert handlers.source_view(asst, note.answer, ref, out_dir=tmp_path, clearance="restricted").caption
    # A public user handed a restricted answer still gets no path to its file.
    shown = handlers.source_view(asst, note.answer, ref, out_dir=tmp_path, clearance="public")
    assert shown.image_path is None
    listing = handlers.index_view(asst, clearance="public")
    assert indexes.secret_note.name not in {p.source for p in listing.publications}
    assert TRIDENT_CELL not in {c.cell for c in listing.charts}
    assert {c.marking for c in handlers.index_view(asst, clearance="restricted").charts} == {
        "public",
        "restricted",
    }
    with pytest.raises(ConfigError, match="above your clearance"):
        handlers.upload(
            asst, [indexes.secret_note], upload_dir=tmp_path / "up", marking="restricted", clearance="public"
        )
    assert not (tmp_path / "up").exists() or not any((tmp_path / "up").iterdir())


def _read(path: Any) -> str:
    return Path(path if isinstance(path, str) else path["path"]).read_text(encoding="utf-8")


@pytest.mark.slow
def test_logged_in_users_see_what_their_clearance_allows(indexes: Indexes, tmp_path: Path) -> None:
    from gradio_client import Client

    from maritime.app import build_app

    from ..app.conftest import api_ask, running

    users = tmp_path / "users"
    users.write_text(
        f"ana:{hash_password('marée', iterations=1000)}\nbob:{hash_password('houle', iterations=1000)}:restricted\n",
        encoding="utf-8",
    )
    users.chmod(0o600)
    seen: dict[str, dict[str, str]] = {}
    with running(build_app(assistant=indexes.mixed, auth=users, work_dir=tmp_path / "work")) as url:
        for user, password in (("ana", "marée"), ("bob", "houle")):
            client = Client(url + "/", auth=(user, password), verbose=False)
            chat, _, details, map_html, sources, *_ = api_ask(client, NEAREST_LIGHT_FR)
            out = {
                "answer": chat[-1]["content"][0]["text"] + details + map_html + repr(sources),
                "md": _read(client.predict(api_name="/export_md")),
                "geojson": _read(client.predict(api_name="/export_geojson")),
            }
            chat, _, details, _, sources, *_ = api_ask(client, TRIDENT_QUESTION_FR)
            out["note"] = chat[-1]["content"][0]["text"] + details
            _image, caption = client.predict(ref=sources["choices"][0][1], api_name="/source")
            out["source"] = caption
            publications, charts, summary = client.predict(api_name="/index")
            out["index"] = repr(publications["data"]) + repr(charts["data"]) + summary
            seen[user] = out
    for part, text in seen["ana"].items():
        # The user's own question is echoed (chat, data-question): what else is shown must not leak.
        for echo in (TRIDENT_QUESTION_FR, html.escape(TRIDENT_QUESTION_FR)):
            text = text.replace(echo, "")
        assert not _leaks(text), (part, _leaks(text))
    assert "Trident" in seen["bob"]["answer"] and TRIDENT_CELL in seen["bob"]["md"]
    assert TRIDENT_CELL in seen["bob"]["geojson"]
    assert "Narval" in seen["bob"]["note"] and "Narval" in seen["bob"]["source"]
    assert indexes.secret_note.name in seen["bob"]["index"] and "restricted" in seen["bob"]["index"]


def test_exports_and_the_answer_panel_carry_the_marking(indexes: Indexes, tmp_path: Path) -> None:
    from maritime.app import render

    restricted = handlers.ask(indexes.mixed, TRIDENT_QUESTION_FR, clearance="restricted")
    assert restricted.marking == "Marquage : RESTRICTED"
    assert '<div class="marking">Marquage : RESTRICTED</div>' in render.answer_details_html(restricted)
    assert restricted.answer is not None
    md = handlers.write_export(restricted.answer, None, "md", out_dir=tmp_path).read_text(encoding="utf-8")
    lines = md.strip().splitlines()
    assert lines[0] == lines[-1] == "**Marquage : RESTRICTED**"  # at the top and the foot
    assert f"{indexes.secret_note.name}" in md and "[RESTRICTED]" in md
    geojson = handlers.write_export(restricted.answer, None, "geojson", out_dir=tmp_path).read_text(
        encoding="utf-8"
    )
    assert '"marking": "restricted"' in geojson
    charts = indexes.mixed.charts_for("restricted")
    with Image.open(handlers.write_export(restricted.answer, charts, "png", out_dir=tmp_path)) as png:
        assert png.text["Marking"] == "restricted"  # type: ignore[attr-defined]
    public = handlers.ask(
        indexes.mixed, "Which wrecks are within 3 NM of 48°20'N 4°32'W?", clearance="public"
    )
    assert public.answer is not None
    md = handlers.write_export(public.answer, None, "md", out_dir=tmp_path).read_text(encoding="utf-8")
    assert md.startswith("**Marking: PUBLIC**") and md.strip().splitlines()[-1] != "**Marking: PUBLIC**"


@pytest.mark.slow
def test_without_a_login_everyone_has_the_app_s_clearance(indexes: Indexes, tmp_path: Path) -> None:
    from gradio_client import Client

    from maritime.app import build_app

    from ..app.conftest import api_ask, running

    for clearance, sees in (("restricted", True), (None, False)):
        app = build_app(assistant=indexes.mixed, work_dir=tmp_path / str(clearance), clearance=clearance)
        with running(app) as url:
            client = Client(url + "/", verbose=False)
            _, _, details, map_html, *_ = api_ask(client, NEAREST_LIGHT_FR)
            publications, charts, _summary = client.predict(api_name="/index")
        shown = details + map_html + repr(publications["data"]) + repr(charts["data"])
        assert (TRIDENT_CELL in shown and indexes.secret_note.name in shown) == sees, clearance
        assert bool(_leaks(shown)) == sees
