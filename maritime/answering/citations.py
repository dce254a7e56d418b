"""Check an answer against its sources before it reaches the user.

- Every marker resolves: ``[n]`` to a cited passage, ``[Cn]`` to a chart feature. Markers that point
  nowhere are removed, with a warning.
- No number without a source: a number written in the answer must appear in a cited quote, in a cited
  chart feature (attributes, description, position) or among the values the chart query computed
  (distances, bearings). Others are flagged in the warnings.
- An answer that cites nothing and does not say it found nothing gets a warning.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from maritime.answer import ChartRef, Citation

_MARKER = re.compile(r"\[\s*(C?\d+(?:\s*[,;]\s*C?\d+)*)\s*\]", re.IGNORECASE)
# A number as people write them: 12, 1,5, 1.5, 045°, 48°21,5', -4.55. Digits glued to letters (Fl(2),
# 12s, 20M) count: "12s" gives 12.
_NUMBER = re.compile(r"(?<![\w.,])-?\d+(?:[.,]\d+)?")
#: How an answer says it found nothing (French and English); such an answer needs no citation.
NOTHING_FOUND = (
    "ne répondent pas",
    "aucune source",
    "aucun objet",
    "rien trouvé",
    "pas trouvé",
    "do not answer",
    "no source",
    "no such",
    "nothing relevant",
    "found nothing",
    "not found",
)


@dataclass
class CheckResult:
    """The checked answer text, the sources it really cites, and what is wrong with it."""

    text: str
    citations: list[Citation]
    chart_features: list[ChartRef]
    warnings: list[str] = field(default_factory=list)
    unsupported_numbers: list[str] = field(default_factory=list)


def _numbers_in(text: str) -> set[float]:
    values = set()
    for match in _NUMBER.finditer(text):
        token = match.group(0).replace(",", ".")
        try:
            values.add(round(float(token), 6))
        except ValueError:
            continue
    return values


def _supported(token: str, known: set[float]) -> bool:
    """True when ``token`` is a known value, or a known value rounded to the digits ``token`` shows.

    "1,2" stands for 1.234 and "045" for 44.6, but "12,4" does not stand for 12.
    """
    value = round(float(token.replace(",", ".")), 6)
    if value in known:
        return True
    decimals = len(re.split(r"[.,]", token)[1]) if re.search(r"[.,]", token) else 0
    tolerance = 0.5 * 10**-decimals + 1e-9
    return any(abs(value - k) <= tolerance for k in known)


def check_answer(
    text: str,
    citations: Iterable[Citation],
    chart_features: Iterable[ChartRef],
    *,
    language: str = "en",
    computed: Iterable[float] = (),
    extra_known_text: str = "",
) -> CheckResult:
    """Resolve markers, drop dangling ones, flag unsupported numbers.

    Parameters
    ----------
    text:
        The answer as written by the model (or by extractive mode).
    citations, chart_features:
        Everything that was offered to the model, with ids ("1", "2" ... and "C1", "C2" ...).
    language:
        Language of the warnings.
    computed:
        Numbers the chart query computed (distances, bearings) that the answer may use.
    extra_known_text:
        Text whose numbers are also allowed (the question itself: a user's own position or radius).

    Examples
    --------
    >>> c = Citation(id="1", source="a.pdf", quote="La vitesse est limitée à 12 nœuds.")
    >>> r = check_answer("Vitesse limitée à 12 nœuds [1] et 15 nœuds [7].", [c], [], language="fr")
    >>> r.text, [x.id for x in r.citations], r.unsupported_numbers
    ('Vitesse limitée à 12 nœuds [1] et 15 nœuds.', ['1'], ['15'])
    >>> check_answer("", [], []).warnings
    ['The answer is empty.']
    """
    fr = language == "fr"
    by_id = {c.id: c for c in citations}
    refs_by_id = {r.id.upper(): r for r in chart_features}
    warnings: list[str] = []
    used_docs: list[str] = []
    used_refs: list[str] = []
    dangling: list[str] = []

    def replace(match: re.Match[str]) -> str:
        kept = []
        for raw in re.split(r"\s*[,;]\s*", match.group(1)):
            marker = raw.strip().upper()
            if marker.startswith("C") and marker in refs_by_id:
                kept.append(marker)
                if marker not in used_refs:
                    used_refs.append(marker)
            elif marker.isdigit() and marker in by_id:
                kept.append(marker)
                if marker not in used_docs:
                    used_docs.append(marker)
            else:
                dangling.append(raw.strip())
        return "".join(f"[{k}]" for k in kept)

    checked = _MARKER.sub(replace, text)
    checked = re.sub(r"[ \t]+([.,])", r"\1", checked)
    checked = re.sub(r"[ \t]{2,}", " ", checked).strip()
    if dangling:
        listed = ", ".join(f"[{d}]" for d in dangling)
        warnings.append(
            f"Renvois sans source supprimés : {listed}."
            if fr
            else f"Markers that point to no source were removed: {listed}."
        )
    if not checked:
        warnings.append("La réponse est vide." if fr else "The answer is empty.")
        return CheckResult(checked, [], [], warnings)

    cited_docs = [by_id[i] for i in used_docs]
    cited_refs = [refs_by_id[i] for i in used_refs]
    known: set[float] = set(round(float(v), 6) for v in computed)
    # Bearings wrap: a computed 359.8° is written 000°, and 0.2° may be written 360°.
    known |= {round(k - 360.0, 6) for k in known if 359.0 <= k <= 360.0}
    known |= {round(k + 360.0, 6) for k in known if 0.0 <= k < 1.0}
    known |= _numbers_in(extra_known_text)
    for c in cited_docs:
        known |= _numbers_in(c.quote)
        # Where the quote comes from ("p. 4, 2.21") is a reference, not a claim.
        known |= _numbers_in(" ".join(str(x) for x in (c.source, c.page, c.section, c.title) if x))
    for r in cited_refs:
        known |= _numbers_in(" ".join([r.description or "", *r.attributes.values()]))
        known |= {round(r.lat, 6), round(r.lon, 6)}
        known |= {round(v, 6) for v in (r.distance_nm, r.bearing_deg) if v is not None}
        known |= _position_parts(r.lat, r.lon)
    # Marker digits are not claims.
    body = _MARKER.sub(" ", checked)
    unsupported = []
    for match in _NUMBER.finditer(body):
        token = match.group(0)
        if not _supported(token, known):
            unsupported.append(token)
    if unsupported:
        listed = ", ".join(dict.fromkeys(unsupported))
        warnings.append(
            f"Nombres absents des sources citées : {listed} ; à vérifier."
            if fr
            else f"Numbers not found in the cited sources: {listed}; check them."
        )
    if not cited_docs and not cited_refs and not any(p in checked.lower() for p in NOTHING_FOUND):
        warnings.append("La réponse ne cite aucune source." if fr else "The answer cites no source.")
    return CheckResult(checked, cited_docs, cited_refs, warnings, list(dict.fromkeys(unsupported)))


def _position_parts(lat: float, lon: float) -> set[float]:
    """Degrees and minutes of a position as a mariner writes them (48°21,5' -> 48 and 21.5)."""
    parts: set[float] = set()
    for value in (abs(lat), abs(lon)):
        degrees = int(value)
        minutes = (value - degrees) * 60
        parts |= {float(degrees), round(minutes, 1), round(minutes, 2), round(minutes, 0)}
    return parts
