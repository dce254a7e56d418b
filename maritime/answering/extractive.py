"""Extractive answers: composed without a model from chart query results and the best quotes.

Deterministic, in the question's language, every fact with its marker. Distances are written with
enough digits to stay within 1 % of the computed value, bearings to the degree.
"""

from __future__ import annotations

from maritime.answer import ChartRef, Citation
from maritime.answering.query import QueryAnalysis
from maritime.geo.coordinates import Position, format_position
from maritime.geo.geodesy import distances_nm

_QUOTE_CHARS = 280


def format_distance_nm(value: float, language: str) -> str:
    """Nautical miles with the digits a mariner would write, at most 1 % off.

    Examples
    --------
    >>> format_distance_nm(1.2345, "fr"), format_distance_nm(0.4234, "en"), format_distance_nm(12.34, "en")
    ('1,23 M', '0.423 NM', '12.3 NM')
    """
    decimals = 1 if value >= 10 else 2 if value >= 1 else 3
    text = f"{value:.{decimals}f}"
    return (text.replace(".", ",") + " M") if language == "fr" else (text + " NM")


def format_bearing(value: float) -> str:
    """True bearing on three digits: 045°, 359°, 000°.

    Examples
    --------
    >>> format_bearing(44.6), format_bearing(359.7)
    ('045°', '000°')
    """
    return f"{round(value) % 360:03d}°"


def _feature_phrase(ref: ChartRef, language: str) -> str:
    fr = language == "fr"
    label = (
        (ref.object_class_name or ref.object_class).lower()
        if fr
        else (ref.object_class_name or ref.object_class)
    )
    text = label
    if ref.name:
        text += f" « {ref.name} »" if fr else f" “{ref.name}”"
    if ref.description:
        text += f" ({ref.description})"
    return text


def _where(ref: ChartRef, language: str) -> str:
    fr = language == "fr"
    if ref.distance_nm is None or ref.bearing_deg is None:
        return ("par " if fr else "at ") + format_position(Position(ref.lat, ref.lon), language=language)
    if ref.distance_nm == 0:
        return "à la position" if fr else "at the position"
    distance = format_distance_nm(ref.distance_nm, language)
    bearing = format_bearing(ref.bearing_deg)
    return f"à {distance} au {bearing}" if fr else f"{distance}, bearing {bearing}"


def _radius(radius_nm: float | None, language: str) -> str:
    value = radius_nm or 0.0
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return (text.replace(".", ",") + " M") if language == "fr" else (text + " NM")


#: How far from a chart question's position a passage's own positions may be for it to be quoted.
_QUOTE_REACH_NM = 5.0


def _near(citation: Citation, position: Position, reach_nm: float) -> bool:
    """True when the passage writes a position within ``reach_nm`` of ``position``."""
    if not citation.positions:
        return False
    lats = [lat for lat, _ in citation.positions]
    lons = [lon for _, lon in citation.positions]
    return bool((distances_nm(position, lats, lons) <= reach_nm).any())


def compose(
    analysis: QueryAnalysis,
    refs: list[ChartRef],
    citations: list[Citation],
    *,
    answered_by: list[str] | None = None,
    datum: str | None = None,
) -> tuple[str, list[str]]:
    """The answer text and its warnings.

    ``refs`` are the chart features in the order the chart query returned them (already numbered C1,
    C2 ...), ``citations`` the passages (numbered 1, 2 ...) best first.
    """
    fr = analysis.language == "fr"
    lang = analysis.language
    sentences: list[str] = []
    warnings: list[str] = []
    task = analysis.chart_task
    classes_words = (
        ", ".join(analysis.class_words) if analysis.class_words else ("objets" if fr else "features")
    )

    if task != "none" and analysis.position is None:
        warnings.append(
            "La question ne donne ni position ni lieu connu de la carte : aucune recherche sur la carte."
            if fr
            else "The question gives no position and no place known to the chart: no chart search was made."
        )
    elif task == "nearest":
        if not refs:
            sentences.append(
                f"Aucun objet de ce type ({classes_words}) sur la carte."
                if fr
                else f"No such feature ({classes_words}) on the chart."
            )
        elif analysis.count <= 1:
            ref = refs[0]
            sentences.append(
                f"Le plus proche est : {_feature_phrase(ref, lang)}, {_where(ref, lang)} [{ref.id}]."
                if fr
                else f"The nearest is the {_feature_phrase(ref, lang)}, {_where(ref, lang)} [{ref.id}]."
            )
        else:
            wanted = refs[: analysis.count]
            ref = wanted[-1]
            if len(wanted) < analysis.count:
                sentences.append(
                    "Il n'y en a pas d'autre sur la carte." if fr else "There is no other one on the chart."
                )
            else:
                sentences.append(
                    f"Le suivant ({analysis.count}e plus proche) est : {_feature_phrase(ref, lang)}, {_where(ref, lang)} [{ref.id}]."
                    if fr
                    else f"The next one (number {analysis.count} by distance) is the {_feature_phrase(ref, lang)}, {_where(ref, lang)} [{ref.id}]."
                )
    elif task in ("within", "visible", "inside"):
        radius = _radius(analysis.radius_nm, lang)
        place = analysis.place_name or ""
        if not refs:
            if task == "inside":
                sentences.append(
                    f"Aucun objet ({classes_words}) dans « {place} » sur la carte."
                    if fr
                    else f"No {classes_words} in “{place}” on the chart."
                )
            elif task == "visible":
                sentences.append(
                    "Aucun feu de la carte n'est visible depuis cette position (portée nominale et secteurs)."
                    if fr
                    else "No light of the chart is visible from this position (nominal range and sectors)."
                )
            else:
                sentences.append(
                    f"Aucun objet ({classes_words}) à moins de {radius} de la position."
                    if fr
                    else f"No {classes_words} within {radius} of the position."
                )
        else:
            if task == "inside":
                head = (
                    f"{len(refs)} objet(s) ({classes_words}) dans « {place} » : "
                    if fr
                    else f"{len(refs)} feature(s) ({classes_words}) in “{place}”: "
                )
            elif task == "visible":
                head = (
                    f"{len(refs)} feu(x) visible(s) depuis la position : "
                    if fr
                    else f"{len(refs)} light(s) visible from the position: "
                )
            else:
                head = (
                    f"{len(refs)} objet(s) ({classes_words}) à moins de {radius} : "
                    if fr
                    else f"{len(refs)} feature(s) ({classes_words}) within {radius}: "
                )
            items = [f"{_feature_phrase(r, lang)}, {_where(r, lang)} [{r.id}]" for r in refs]
            sentences.append(head + " ; ".join(items) + ".")
    elif task == "containing":
        if not refs:
            sentences.append(
                f"Aucune zone de la carte ({classes_words}) ne contient cette position."
                if fr
                else f"No chart area ({classes_words}) contains this position."
            )
        else:
            areas = [r for r in refs if r.geometry is not None]
            points = [r for r in refs if r.geometry is None]
            if not areas:
                sentences.append(
                    f"Aucune zone de la carte ({classes_words}) ne contient cette position."
                    if fr
                    else f"No chart area ({classes_words}) contains this position."
                )
            for ref in areas:
                sentences.append(
                    f"La position est dans : {_feature_phrase(ref, lang)} [{ref.id}]."
                    if fr
                    else f"The position is in: {_feature_phrase(ref, lang)} [{ref.id}]."
                )
            for ref in points:
                sentences.append(
                    f"Au plus près : {_feature_phrase(ref, lang)}, {_where(ref, lang)} [{ref.id}]."
                    if fr
                    else f"Nearest: {_feature_phrase(ref, lang)}, {_where(ref, lang)} [{ref.id}]."
                )
    if refs and answered_by:
        cells = ", ".join(answered_by)
        sentences.append(
            f"Source cartographique : cellule {cells}." if fr else f"Chart source: cell {cells}."
        )
    if (
        refs
        and datum
        and any(r.object_class in ("DEPARE", "SOUNDG", "WRECKS", "OBSTRN", "UWTROC") for r in refs)
    ):
        sentences.append(f"Profondeurs rapportées au {datum}." if fr else f"Depths are referred to {datum}.")

    # Quotes: the chart answers a chart question; the publications add to it, or answer alone.
    n_quotes = 3 if (analysis.intent == "document" or not refs) else 2 if analysis.intent == "both" else 1
    if refs and analysis.intent == "chart" and analysis.position is not None:
        # A chart question answered from the chart: quote a publication only about that place (a
        # position written within the search radius, at least 5 NM), not the best text match elsewhere.
        reach = max(analysis.radius_nm or 0.0, _QUOTE_REACH_NM)
        citations = [c for c in citations if _near(c, analysis.position, reach)]
    citations = citations[:n_quotes]
    if citations:
        lead = "D'après les publications : " if fr else "From the publications: "
        quotes = []
        for c in citations[:3]:
            text = (
                c.quote
                if len(c.quote) <= _QUOTE_CHARS
                else c.quote[: _QUOTE_CHARS - 1].rsplit(" ", 1)[0] + "…"
            )
            where = c.source + (f", p. {c.page}" if c.page else "") + (f", {c.section}" if c.section else "")
            quotes.append(f"« {text} » ({where}) [{c.id}]" if fr else f"“{text}” ({where}) [{c.id}]")
        sentences.append(lead + " ".join(quotes))
    if not sentences or (not refs and not citations and task == "none"):
        sentences = [
            "Les sources disponibles ne répondent pas à cette question."
            if fr
            else "The available sources do not answer this question."
        ]
        warnings.append("Aucune source pertinente trouvée." if fr else "No relevant source was found.")
    return " ".join(sentences), warnings
