"""HTML and table values placed in the app's components, from the view models.

The page's stylesheet (:data:`CSS`) and its one inline script (:data:`HEAD`) live here too: the script
links markers across the answer, the source list, the feature table and the map (click a ``[C1]`` and
the feature is highlighted on the map; click a marker on the map and its row is highlighted). Nothing
is loaded from outside the app.
"""

from __future__ import annotations

from html import escape

from maritime.app.views import AnswerView, IndexView, UploadReportView

NOT_FOR_NAVIGATION_HTML = (
    '<div class="maritime-notice" role="note">'
    '<span lang="fr">⚠ Ne pas utiliser pour la navigation</span> · '
    '<span lang="en">Not for navigation</span> — '
    '<span lang="fr">vérifiez sur les cartes et publications officielles</span> / '
    '<span lang="en">check against official charts and publications</span></div>'
)

CSS = """
.maritime-notice { background: #7a0000; padding: 6px 12px; border-radius: 4px; font-weight: 600; }
.maritime-notice, .maritime-notice * { color: #fff !important; }
.maritime-banner { font-size: 0.95em; }
.maritime-map svg { width: 100%; height: auto; display: block; border: 1px solid #9cc3e0; background: #f7fbfe; }
.maritime-map .depare { stroke: #9cc3e0; stroke-width: 0.3; }
.maritime-map .lndare { stroke-width: 0.6; }
.maritime-map .coalne { stroke-width: 0.8; }
.maritime-map .geom { stroke-width: 1.2; }
.maritime-map .lbl { font: 11px sans-serif; fill: #111; paint-order: stroke; stroke: #fff; stroke-width: 3px; }
.maritime-map .lbl-passage { fill: #006000; }
.maritime-map .furn { font: 12px sans-serif; fill: #222; }
.maritime-map .note { font: 11px sans-serif; fill: #a00000; }
.maritime-map .mk { cursor: pointer; }
.maritime-map .mk .sym { transform-box: fill-box; transform-origin: center; transition: transform .15s; }
.maritime-map .mk.maritime-hl .sym, .maritime-map .mk:target .sym { transform: scale(1.8); stroke: #ffb000; stroke-width: 2.5; }
.maritime-map .mk.maritime-hl .geom, .maritime-map .mk:target .geom { stroke: #ffb000; stroke-width: 3; }
.maritime-map .mk.maritime-hl .lbl, .maritime-map .mk:target .lbl { font-weight: bold; fill: #b00000; }
.maritime-answer .answer-text { font-size: 1.02em; line-height: 1.5; margin-bottom: .6em; }
.maritime-answer .mode { font-size: .9em; color: #444; margin-bottom: .4em; }
.maritime-answer .marking { display: inline-block; font-weight: 700; letter-spacing: .05em; border: 2px solid #b00020;
  color: #b00020; padding: .1em .5em; margin-bottom: .4em; }
.maritime-answer .warnings li { color: #8a4b00; }
.maritime-answer ol, .maritime-answer ul { margin: .2em 0 .6em 1.2em; }
.maritime-answer blockquote { margin: .2em 0 .4em .8em; padding-left: .6em; border-left: 3px solid #9cc3e0; color: #333; }
.maritime-answer .table-wrap { overflow-x: auto; max-width: 100%; }
.maritime-answer table { border-collapse: collapse; font-size: .9em; width: 100%; min-width: 46em; }
.maritime-answer td.attrs { min-width: 14em; }
.maritime-answer th, .maritime-answer td { border: 1px solid #ccd; padding: 2px 5px; vertical-align: top; text-align: left; }
.maritime-answer .maritime-hl, .maritime-answer :target { background: #fff3b0; outline: 2px solid #ffb000; }
.maritime-answer a.mref { font-weight: 600; text-decoration: none; }
"""

# One inline script, no external file: highlight a reference everywhere it appears and bring its
# counterpart into view. Capture phase, so a click on a link inside the chat does not navigate.
HEAD = """
<script>
(function () {
  function esc(v) { return (window.CSS && CSS.escape) ? CSS.escape(v) : v.replace(/"/g, '\\\\"'); }
  function highlight(ref, from) {
    document.querySelectorAll('.maritime-hl').forEach(function (e) { e.classList.remove('maritime-hl'); });
    if (!ref) { return; }
    var sel = '[data-ref="' + esc(ref) + '"]';
    document.querySelectorAll('.maritime-map ' + sel + ', .maritime-answer li' + sel + ', .maritime-answer tr' + sel)
      .forEach(function (e) { e.classList.add('maritime-hl'); });
    var anchor = (ref.charAt(0) === 'C' ? 'feat-' : 'cit-') + ref;
    var target = document.getElementById(from === 'list' ? 'map-' + ref : anchor);
    if (target && target.scrollIntoView) { target.scrollIntoView({block: 'nearest', behavior: 'smooth'}); }
  }
  function refOf(el) {
    var ref = el.getAttribute('data-ref');
    if (!ref) { ref = (el.getAttribute('href') || '').replace(/^#(cit|feat|map)-/, ''); }
    return ref;
  }
  var SELECTOR = 'a[href^="#cit-"], a[href^="#feat-"], a[href^="#map-"], .maritime-map [data-ref]';
  document.addEventListener('click', function (ev) {
    var el = ev.target && ev.target.closest ? ev.target.closest(SELECTOR) : null;
    if (!el) { return; }
    ev.preventDefault();
    ev.stopPropagation();
    var from = el.closest('.maritime-map') ? 'map' : (el.closest('.maritime-answer li, .maritime-answer tr') ? 'list' : 'text');
    highlight(refOf(el), from);
  }, true);
  document.addEventListener('keydown', function (ev) {
    if (ev.key !== 'Enter' || !ev.target || !ev.target.closest) { return; }
    var el = ev.target.closest('.maritime-map [data-ref]');
    if (el) { highlight(refOf(el), 'map'); }
  }, true);
  window.maritimeHighlight = highlight;
})();
</script>
"""


def _fmt(value: float | None, digits: int, language: str) -> str:
    if value is None:
        return ""
    text = f"{value:.{digits}f}"
    return text.replace(".", ",") if language == "fr" else text


def answer_details_html(view: AnswerView | None) -> str:
    """The panel under the chat: mode, answer with linked markers, sources, feature table, warnings."""
    if view is None:
        return '<div class="maritime-answer"></div>'
    fr = view.language == "fr"
    parts = [
        f'<div class="maritime-answer" lang="{escape(view.language)}" data-question="{escape(view.question)}">'
    ]
    if view.marking:
        parts.append(f'<div class="marking">{escape(view.marking)}</div>')
    parts.append(
        f'<div class="mode">Mode : {escape(view.mode_label)}</div>'
        if fr
        else (f'<div class="mode">Mode: {escape(view.mode_label)}</div>')
    )
    parts.append(f'<div class="answer-text">{view.text_html}</div>')
    if view.applied_filters:
        label = "Filtres" if fr else "Filters"
        parts.append(f'<div class="filters">{label} : ' if fr else f'<div class="filters">{label}: ')
        parts[-1] += escape("; ".join(view.applied_filters)) + "</div>"
    if view.warnings:
        title = "Avertissements" if fr else "Warnings"
        warning_items = "".join(f"<li>{escape(w)}</li>" for w in view.warnings)
        parts.append(f'<h4>{title}</h4><ul class="warnings">{warning_items}</ul>')
    if view.citations:
        items: list[str] = []
        for c in view.citations:
            ref = escape(c.id)
            link = (
                f'<a class="mref" href="#map-{ref}" data-ref="{ref}">[{ref}]</a>'
                if c.on_map
                else f'<span class="mref">[{ref}]</span>'
            )
            title = f" — <i>{escape(c.title)}</i>" if c.title else ""
            lang = f' lang="{escape(c.language)}"' if c.language else ""
            items.append(
                f'<li id="cit-{ref}" data-ref="{ref}">{link} <b>{escape(c.where)}</b>{title}'
                f"<blockquote{lang}>{escape(c.quote)}</blockquote></li>"
            )
        parts.append('<h4>Sources</h4><ol class="citations">' + "".join(items) + "</ol>")
    if view.features:
        heads = (
            (
                "",
                "classe",
                "nom",
                "description",
                "position",
                "distance (M)",
                "relèvement",
                "cellule / objet",
                "attributs",
            )
            if fr
            else (
                "",
                "class",
                "name",
                "description",
                "position",
                "distance (NM)",
                "bearing",
                "cell / feature",
                "attributes",
            )
        )
        rows = []
        for f in view.features:
            ref = escape(f.id)
            attrs = "<br>".join(
                f"{escape(k)} : {escape(v)}" if fr else f"{escape(k)}: {escape(v)}" for k, v in f.attributes
            )
            bearing = f"{f.bearing_deg:03.0f}°" if f.bearing_deg is not None else ""
            rows.append(
                f'<tr id="feat-{ref}" data-ref="{ref}"><td><a class="mref" href="#map-{ref}" data-ref="{ref}">[{ref}]</a></td>'
                f"<td>{escape(f.class_name)}</td><td>{escape(f.name)}</td><td>{escape(f.description)}</td>"
                f"<td>{escape(f.position)}</td><td>{_fmt(f.distance_nm, 2, view.language)}</td><td>{bearing}</td>"
                f'<td>{escape(f.cell)}<br><small>{escape(f.feature_id)}</small></td><td class="attrs">{attrs}</td></tr>'
            )
        title = "Objets cartographiques" if fr else "Chart features"
        head = "".join(f"<th>{escape(h)}</th>" for h in heads)
        parts.append(
            f'<h4>{title}</h4><div class="table-wrap"><table class="features"><thead><tr>{head}</tr></thead><tbody>'
            + "".join(rows)
            + "</tbody></table></div>"
        )
    if view.passages:
        title = "Passages qui répondent aux filtres" if fr else "Passages matching the filters"
        passage_items: list[str] = []
        for p in view.passages:
            where = p.source + (f", p. {p.page}" if p.page else "") + (f", {p.section}" if p.section else "")
            meta = ", ".join(x for x in (p.language, p.doc_type) if x)
            text = p.text if len(p.text) <= 400 else p.text[:397] + "…"
            passage_items.append(
                f"<li><b>{escape(where)}</b> <small>({escape(meta)})</small><blockquote>{escape(text)}</blockquote></li>"
            )
        parts.append(f'<h4>{title}</h4><ol class="passages">' + "".join(passage_items) + "</ol>")
    parts.append("</div>")
    return "".join(parts)


def upload_report_markdown(view: UploadReportView) -> str:
    """The upload report as Markdown: one line per file, the summary first."""
    # Words, not emoji: the page loads no font, and a system may have no emoji glyphs.
    labels = {
        "ingested": "ingéré / ingested",
        "unchanged": "déjà indexé / unchanged",
        "skipped": "REFUSÉ / REFUSED",
        "rejected": "REFUSÉ / REFUSED",
    }
    lines = [f"**{escape(view.summary)}**", ""]
    for f in view.files:
        detail = f" — {escape(f.detail)}" if f.detail else ""
        lines.append(f"- `{f.name}` **{labels[f.status]}**{detail}")
    return "\n".join(lines)


PUBLICATION_HEADERS = [
    "source",
    "pages",
    "passages",
    "skipped pages / pages ignorées",
    "ingested / ingéré",
    "marquage / marking",
]
CHART_HEADERS = [
    "cellule / cell",
    "éd. / ed.",
    "m. à j. / upd.",
    "date",
    "échelle / scale",
    "datum horizontal",
    "datum vertical",
    "zéro des sondes / sounding datum",
    "objets / features",
    "mises à jour / updates",
    "producteur / producer",
    "marquage / marking",
]
CHART_COLUMN_WIDTHS: list[str | int] = [
    "12%",
    "5%",
    "5%",
    "8%",
    "8%",
    "8%",
    "11%",
    "11%",
    "7%",
    "8%",
    "10%",
    "7%",
]


def _text(value: object) -> str:
    return "" if value is None else str(value)


def publication_rows(view: IndexView) -> list[list[str]]:
    """Rows of the publications table (:data:`PUBLICATION_HEADERS`), as text."""
    return [
        [_text(v) for v in (p.source, p.pages, p.passages, p.skipped_pages, p.ingested_at, p.marking)]
        for p in view.publications
    ]


def chart_rows(view: IndexView) -> list[list[str]]:
    """Rows of the chart datasets table (:data:`CHART_HEADERS`), as text."""
    return [
        [
            _text(v)
            for v in (
                c.cell,
                c.edition,
                c.update_number,
                c.issue_date,
                c.scale,
                c.horizontal_datum,
                c.vertical_datum,
                c.sounding_datum,
                c.features,
                c.updates_applied,
                c.producer,
                c.marking,
            )
        ]
        for c in view.charts
    ]
