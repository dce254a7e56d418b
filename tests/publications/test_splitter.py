"""Passages follow paragraphs, articles and pages, and stay under the token bound."""

from __future__ import annotations

import pytest

from maritime.llm.tokenization import TokenCounter
from maritime.publications.convert import TextBlock
from maritime.publications.splitter import section_label, split_blocks


@pytest.mark.parametrize(
    ("text", "label"),
    [
        ("2.14 Le Goulet est étroit.", "2.14"),
        ("1.12. Ushant TSS lies NW.", "1.12"),
        ("Article 1er — Objet", "Article 1er"),
        ("Article premier : objet", "Article 1er"),
        ("ARTICLE 12 - Sanctions", "Article 12"),
        ("Art. 3 Vitesse", "Article 3"),
        ("§ 4.2 Courants", "§ 4.2"),
        ("48.3583 N 4.55 W", None),
        ("Le feu 2.1 est", None),
        ("", None),
    ],
    ids=[
        "para",
        "para-dot",
        "article-1er",
        "article-premier",
        "article-caps",
        "art-abbrev",
        "section-sign",
        "decimal-position",
        "mid-sentence",
        "empty",
    ],
)
def test_section_label(text: str, label: str | None) -> None:
    assert section_label(text) == label


def test_articles_pages_and_headings() -> None:
    blocks = [
        TextBlock("Arrêté n° 12/2026", kind="heading", level=1, page=1, bbox=(50, 50, 300, 70)),
        TextBlock("Vu le code des transports ;", page=1, bbox=(50, 80, 500, 95)),
        TextBlock("Article 1er — Une zone interdite est créée.", page=1, bbox=(50, 100, 500, 120)),
        TextBlock("Ses sommets sont les suivants :", page=1, bbox=(50, 125, 500, 140)),
        TextBlock("- 48°18,5' N - 004°30,0' W", kind="list_item", page=2, bbox=(60, 50, 400, 65)),
        TextBlock("Article 2 — Vitesse limitée à 8 nœuds.", page=2, bbox=(50, 70, 500, 85)),
    ]
    passages = split_blocks(blocks, TokenCounter().count)
    assert [(p.section, p.page) for p in passages] == [
        ("Arrêté n° 12/2026", 1),
        ("Article 1er", 1),
        ("Article 1er", 2),  # the article runs over the page break: same section, new page
        ("Article 2", 2),
    ]
    assert passages[1].text == "Article 1er — Une zone interdite est créée. Ses sommets sont les suivants :"
    assert passages[1].bbox == (50, 100, 500, 140)
    assert passages[1].heading == "Arrêté n° 12/2026"


def test_long_paragraph_is_cut_under_the_bound() -> None:
    counter = TokenCounter()
    sentence = "Le courant de flot porte au nord-est dans le chenal du Four à plus de 3 nœuds. "
    blocks = [TextBlock("3.1 " + sentence * 40, page=4)]
    passages = split_blocks(blocks, counter.count, max_tokens=120)
    assert len(passages) > 5
    assert all(p.n_tokens <= 120 for p in passages)
    assert all(counter.count(p.text) <= 120 for p in passages)
    assert {p.section for p in passages} == {"3.1"}
    assert " ".join(p.text for p in passages).split() == ("3.1 " + sentence * 40).split()


def test_heading_levels_form_a_path() -> None:
    blocks = [
        TextBlock("Chapitre 1", kind="heading", level=1),
        TextBlock("Iroise", kind="heading", level=2),
        TextBlock("Texte A."),
        TextBlock("Goulet", kind="heading", level=2),
        TextBlock("Texte B."),
    ]
    passages = split_blocks(blocks, len)
    assert [(p.heading, p.section) for p in passages] == [
        ("Chapitre 1 > Iroise", "Iroise"),
        ("Chapitre 1 > Goulet", "Goulet"),
    ]
