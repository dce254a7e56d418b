"""Understand a question without a model: language, where, how far, what kind of feature, what is asked.

French and English. Positions in every mariners' notation, place names through the gazetteer,
distances with their unit ("à moins de 3 milles", "within 2 cables", "5 NM"), object classes from words
("feux", "épaves", "wrecks", "zones réglementées"), and the intent: a chart question, a document
question, or both. Follow-up questions ("et le suivant ?", "what about wrecks there?") inherit the
place and subject of the previous question.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

from maritime.errors import MaritimeError
from maritime.geo.coordinates import Position, find_positions
from maritime.geo.units import METRES_PER_NM, parse_distance
from maritime.publications.language import language_scores
from maritime.text import fold

if TYPE_CHECKING:
    from maritime.enc.catalogue import Catalogue
    from maritime.enc.gazetteer import Gazetteer, GazetteerHit

Intent = Literal["chart", "document", "both"]
ChartTask = Literal["nearest", "within", "inside", "containing", "visible", "none"]

DEFAULT_RADIUS_NM = 3.0

_DISTANCE = re.compile(
    r"(\d+(?:[.,]\d+)?)\s*(milles?\s+nautiques?|milles?|nautical\s+miles?|miles?|nm|m\b|encablures?|"
    r"cables?|câbles?|km|kilom[eè]tres?|kilometres?|kilometers?|m[eè]tres?|meters?|metres?)",
    re.IGNORECASE,
)
_NAUTICAL_UNIT = re.compile(r"^(M|nm|NM|milles?|nautical|miles?|encablures?|cables?|câbles?)", re.IGNORECASE)
_RADIUS_CUES = re.compile(
    r"(à moins de|a moins de|dans un rayon de|rayon|within|less than|inside|closer than|jusqu'à|up to|"
    r"de moins de|autour|around|near|près|pres)\s*$",
    re.IGNORECASE,
)
_NEAREST = re.compile(
    r"\b(le plus proche|la plus proche|les plus proches|plus proches?|nearest|closest|the next|suivante?s?|"
    r"next one|prochaine?)\b",
    re.IGNORECASE,
)
_NEXT = re.compile(r"\b(suivante?s?|next|autre|another)\b", re.IGNORECASE)
_CONTAINING = re.compile(
    r"\b(profondeur|sonde|depth|how deep|fond|quelle zone|which area|dans une zone|in a restricted|"
    r"in an? (?:restricted|prohibited|anchorage)|est-(?:ce|elle|il) dans|is (?:it|this|the position) in|"
    r"inside|à l'intérieur|zone réglementée|restricted area|mouillage interdit|suis-je|am i)\b",
    re.IGNORECASE,
)
_VISIBLE = re.compile(r"\b(visibles?|voit-on|see|seen|in sight|en vue|aperçoit)\b", re.IGNORECASE)
_DOC_CUES = re.compile(
    r"\b(règle|regle|réglement|reglement|arrêté|arrete|article|interdit|autorisé|autorise|obligatoire|"
    r"vitesse|limitation|avis|notice|regulation|rule|speed|allowed|permitted|prohibited|must|pilot|"
    r"pilotage|vhf|canal|channel \d+|courant|stream|tide|marée|maree|instructions|sailing directions|"
    r"procédure|procedure|quand|when|pourquoi|why|comment|how)\b",
    re.IGNORECASE,
)
_CHART_CUES = re.compile(
    r"\b(distance|relèvement|relevement|bearing|position|où|ou se trouve|where|combien de|how many|"
    r"proche|near|nearest|closest|autour|around)\b",
    re.IGNORECASE,
)
_FOLLOW_UP = re.compile(
    r"^\s*(et|and|what about|how about|puis|ensuite|same|même|meme|là|la-bas|là-bas|there)\b|\b(là|there|ici|here)\s*\??\s*$",
    re.IGNORECASE,
)
_DEPTH_WORDS = re.compile(r"\b(how deep|deep|depths?|profonde?s?|profondeurs?)\b", re.IGNORECASE)
_WORD = re.compile(r"[^\W\d_][\w'’-]*", re.UNICODE)
#: Phrases naming object classes that one word alone would miss.
_PHRASES = (
    "zones réglementées",
    "zone réglementée",
    "zone interdite",
    "zones interdites",
    "restricted areas",
    "restricted area",
    "prohibited area",
    "zone de mouillage",
    "zones de mouillage",
    "anchorage areas",
    "anchorage area",
    "depth areas",
    "depth area",
    "zone de profondeur",
    "sector lights",
)


@dataclass(frozen=True)
class QueryAnalysis:
    """What the question asks, as structured data."""

    question: str
    language: str
    positions: tuple[Position, ...] = ()
    places: tuple[GazetteerHit, ...] = ()
    radius_nm: float | None = None
    classes: tuple[str, ...] = ()
    intent: Intent = "document"
    chart_task: ChartTask = "none"
    #: How many features a "nearest" question wants (2 for "et le suivant ?" after a first answer).
    count: int = 1
    follow_up: bool = False
    #: Words of the question that named the classes (for messages).
    class_words: tuple[str, ...] = ()
    #: Place names as the question wrote them (same order as ``places``).
    place_texts: tuple[str, ...] = ()
    notes: tuple[str, ...] = field(default_factory=tuple)
    #: Clearance the question was asked with (:mod:`maritime.access`): what the chart query, the ranker
    #: and a follow-up question may use. Set by the pipeline's analyzer.
    clearance: str | None = None

    @property
    def position(self) -> Position | None:
        """Where the question is about: the first written position, else the first place found."""
        if self.positions:
            return self.positions[0]
        if self.places:
            return self.places[0].position
        return None

    @property
    def place_name(self) -> str | None:
        """The place as the question named it ("Goulet de Brest", not the chart's "Brest Narrows")."""
        if self.place_texts:
            return self.place_texts[0]
        return self.places[0].name if self.places else None


_FRENCH_CUES = re.compile(
    r"\b(quel|quels|quelle|quelles|ou|combien|quand|comment|pourquoi|puis|faut|feux|epaves?|bouees?|"
    r"profondeur|pres|proche|mouiller|mouillages?|rade|baie|peut|dois|doit|est-ce|y a-t-il|suivant)\b"
)
_ENGLISH_CUES = re.compile(
    r"\b(what|which|where|when|how|why|do|does|did|is|are|can|may|need|nearest|closest|lights?|wrecks?|"
    r"buoys?|depth|deep|anchorage|within|there|about|the)\b"
)


def question_language(question: str, default: str = "en") -> str:
    """Language of a question: function words first, then French-only signs (accents, 'quel', 'où').

    Examples
    --------
    >>> question_language("Quels feux à moins de 3 M ?")
    'fr'
    >>> question_language("Nearest light?")
    'en'
    """
    # Answers are written in French or English: weigh only those two. The other languages the
    # passage detector knows share short words ("de", "la", "do") and would only blur the choice.
    scores = language_scores(question)
    # A question clearly in another language the passage detector knows (Spanish, German...) is
    # answered in the default language: shared short words ("la", "de") made a Spanish question read
    # as French (robustness tests). Clearly: 3 function words or more, 2 more than French or English
    # have, and no letter that only French uses here.
    other = max((lang for lang in scores if lang not in ("fr", "en")), key=lambda lang: scores[lang])
    if (
        scores[other] >= 3
        and scores[other] >= max(scores["fr"], scores["en"]) + 2
        and not re.search(r"[àâçèêëîïôûùœ]", question.lower())
    ):
        return default
    folded = fold(question)
    fr = (
        scores["fr"]
        + len(_FRENCH_CUES.findall(folded))
        + (2 if re.search(r"[àâçéèêëîïôûùœ]", question.lower()) else 0)
    )
    en = scores["en"] + len(_ENGLISH_CUES.findall(folded))
    if fr > en:
        return "fr"
    if en > fr:
        return "en"
    return default


#: Distances written in words ("à moins d'un mille", "within half a mile"): the words, as a number.
_NUMBER_WORDS = {
    "un": "1", "une": "1", "a": "1", "an": "1", "one": "1", "half a": "0.5", "half": "0.5", "demi": "0.5",
    "deux": "2", "two": "2", "trois": "3", "three": "3", "quatre": "4", "four": "4", "cinq": "5",
    "five": "5", "six": "6", "dix": "10", "ten": "10",
}  # fmt: skip
_WORDED_DISTANCE = re.compile(
    r"\b(half an?|" + "|".join(sorted(_NUMBER_WORDS, key=len, reverse=True)) + r")[\s-]+"
    # Not "cables": "a cable" is far more often a submarine cable than a distance.
    r"(?=(?:milles?|miles?|nautical|encablures?|km\b|kilom))",
    re.IGNORECASE,
)


def _charted_point(hit: GazetteerHit) -> bool:
    """A place of the gazetteer that is one point feature of a chart (not an area, not a place list)."""
    geometry = hit.geometry
    return bool(hit.cell) and geometry is not None and geometry.geom_type == "Point"


def radius_from_text(text: str) -> float | None:
    """The search radius written in a question, in nautical miles, or None.

    A distance counts as a radius when a cue precedes it ("à moins de", "within", "rayon") or when it is
    the only distance in the question.

    Examples
    --------
    >>> radius_from_text("Quels feux à moins de 3 milles de Brest ?")
    3.0
    >>> radius_from_text("wrecks within 2 cables")
    0.2
    >>> radius_from_text("Quelles épaves à moins d'un mille ?"), radius_from_text("lights within half a mile")
    (1.0, 0.5)
    >>> radius_from_text("Quelle est la profondeur ?") is None
    True
    """
    text = _WORDED_DISTANCE.sub(
        lambda m: _NUMBER_WORDS.get(m.group(1).lower(), "0.5") + " ", text
    )  # "half an" -> 0.5
    matches = list(_DISTANCE.finditer(text))
    chosen = None
    for m in matches:
        # A bare "m" is metres unless it follows a cue for a nautical radius ("3 M" in French charts
        # means nautical miles: mariners write M for miles and m for metres).
        if _RADIUS_CUES.search(text[: m.start()]):
            chosen = m
            break
    if (
        chosen is None
        and len(matches) == 1
        and matches[0].group(2) != "m"
        and _NAUTICAL_UNIT.match(matches[0].group(2))
    ):
        # A lone distance in nautical units is a radius ("wrecks 2 cables off ..."); a lone "12 m" is
        # more likely a depth or a height ("more than 12 m of water").
        chosen = matches[0]
    if chosen is None:
        return None
    number, unit = chosen.group(1), chosen.group(2)
    if unit == "M" or unit.lower() in ("nm",):
        unit = "NM"
    try:
        metres = parse_distance(f"{number} {unit}")
    except (MaritimeError, ValueError):
        return None
    return round(metres / METRES_PER_NM, 6)


class QueryAnalyzer:
    """Analyse questions with the chart catalogue and gazetteer of an index.

    Parameters
    ----------
    catalogue:
        Words to object classes (French and English).
    gazetteer:
        Place names to positions; None when the index has no chart data.
    """

    def __init__(self, catalogue: Catalogue, gazetteer: Gazetteer | None = None) -> None:
        self.catalogue = catalogue
        self.gazetteer = gazetteer

    def classes_in(self, question: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """Object classes named in the question, and the words that named them."""
        found: list[str] = []
        words: list[str] = []
        for m in _DEPTH_WORDS.finditer(question):
            # "deep"/"profond" ask for the depth here, not for deep-water routes.
            found.extend(("DEPARE", "SOUNDG"))
            words.append(m.group(0))
        question = _DEPTH_WORDS.sub(" ", question)
        lowered = question.lower()
        taken: list[tuple[int, int]] = []
        for phrase in _PHRASES:
            for m in re.finditer(re.escape(phrase), lowered):
                if any(a < m.end() and m.start() < b for a, b in taken):
                    continue
                classes = self.catalogue.classes_for_word(phrase)
                if classes:
                    taken.append((m.start(), m.end()))
                    found.extend(classes)
                    words.append(phrase)
        for m in _WORD.finditer(question):
            if any(a <= m.start() < b for a, b in taken):
                continue
            word = m.group(0).strip("'’-")
            if len(word) < 3:
                continue
            classes = self.catalogue.classes_for_word(word)
            if classes and len(classes) <= 12:
                found.extend(classes)
                words.append(word)
        return tuple(dict.fromkeys(found)), tuple(dict.fromkeys(words))

    def analyze(
        self,
        question: str,
        *,
        language: str | None = None,
        near: Position | None = None,
        radius_nm: float | None = None,
        previous: QueryAnalysis | None = None,
    ) -> QueryAnalysis:
        """Analyse ``question``; ``near``/``radius_nm`` given by the caller win over the text."""
        lang = language or question_language(question)
        positions = tuple(m.position for m in find_positions(question))
        if near is not None:
            positions = (near, *positions)
        places: tuple[GazetteerHit, ...] = ()
        place_texts: tuple[str, ...] = ()
        unnamed = question
        if self.gazetteer is not None:
            found = self.gazetteer.find_in_text(question)
            places = tuple(hit for _, hit in found)
            place_texts = tuple(question[start:end].strip() for (start, end), _ in found)
            # "Rade de Brest" names a place; it does not ask for sea areas.
            for (start, end), _hit in sorted(found, key=lambda f: -f[0][0]):
                unnamed = unnamed[:start] + " " * (end - start) + unnamed[end:]
        radius = radius_nm if radius_nm is not None else radius_from_text(question)
        # Units are not features either: "2 cables" must not ask for submarine cables.
        classes, words = self.classes_in(_DISTANCE.sub(" ", unnamed))
        has_place = bool(positions or places)

        if _VISIBLE.search(question) and ("LIGHTS" in classes or not classes):
            task: ChartTask = "visible"
            classes = classes or ("LIGHTS",)
        elif _NEAREST.search(question):
            task = "nearest"
        elif radius is not None and classes:
            task = "within"
        elif _CONTAINING.search(question) and has_place:
            task = "containing"
        elif classes and has_place:
            task = "within"
        else:
            task = "none"
        if task == "none" and not classes and not positions and places and _charted_point(places[0]):
            # "What is the characteristic of Cape May Light?": the question names a charted feature,
            # whose name swallowed the class word. Cite it, and what its name says stands there (the
            # light of a lighthouse, which S-57 charts as a LIGHTS object at the LNDMRK's position).
            named, named_words = self.classes_in(places[0].name)
            classes = tuple(dict.fromkeys((*named, places[0].object_class)))
            words = named_words
            task = "nearest"

        follow_up = False
        count = 1
        # Without a cue ("et", "what about", "there"), only a short question that still asks about
        # features ("et les épaves ?", "le suivant ?") continues the previous one.
        short = len(_WORD.findall(question)) <= 4 and bool(
            classes or _NEXT.search(question) or _NEAREST.search(question)
        )
        if previous is not None and (_FOLLOW_UP.search(question) or (short and not has_place)):
            # A follow-up keeps the previous place and, unless it names new ones, the subject.
            follow_up = True
            new_classes = bool(classes)
            if not has_place:
                positions, places = previous.positions, previous.places
                place_texts = previous.place_texts
                has_place = bool(positions or places)
            if radius is None:
                radius = previous.radius_nm
            if not new_classes:
                classes, words = previous.classes, previous.class_words
            if task == "nearest" and _NEXT.search(question) and previous.chart_task == "nearest":
                count = previous.count + 1
            elif task == "none" and previous.chart_task != "none":
                task = previous.chart_task
                if new_classes and task == "nearest":
                    task = "within"  # "what about wrecks there?": the wrecks around, not just one
                elif task == "nearest" and _NEXT.search(question):
                    count = previous.count + 1
            elif task == "none" and has_place and classes:
                task = "within"

        if task == "within" and radius is None:
            area = places[0].geometry if places and not positions else None
            if area is not None and area.geom_type in ("Polygon", "MultiPolygon"):
                task = "inside"  # "les feux du Goulet de Brest": the features in that named area
            else:
                radius = DEFAULT_RADIUS_NM
        chart_side = task != "none" or (has_place and bool(classes))
        doc_side = bool(_DOC_CUES.search(question)) or not chart_side
        intent: Intent = "both" if (chart_side and doc_side) else "chart" if chart_side else "document"
        if chart_side and has_place and not _DOC_CUES.search(question):
            intent = "both" if not classes else "chart"
        notes: list[str] = []
        if task != "none" and not has_place:
            notes.append("no position or known place in the question")
        return QueryAnalysis(
            question=question,
            language=lang,
            positions=positions,
            places=places,
            radius_nm=radius,
            classes=classes,
            intent=intent,
            chart_task=task,
            count=count,
            follow_up=follow_up,
            class_words=words,
            place_texts=place_texts,
            notes=tuple(notes),
        )
