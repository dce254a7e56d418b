"""The S-57 catalogue: English names from GDAL's tables, French names from maritime/data/s57_fr.csv."""

from __future__ import annotations

import doctest
from pathlib import Path

import pyogrio
import pytest
from hypothesis import given
from hypothesis import strategies as st

from maritime.enc import catalogue as catalogue_module
from maritime.enc.catalogue import FRENCH_TABLE, Catalogue, gdal_catalogue_dir, normalize_words

CAT = Catalogue.load()

#: The enumerations the issue asks to have in French, in full.
FRENCH_ENUMERATIONS = (
    "COLOUR", "LITCHR", "CATWRK", "CATLIT", "CATREA", "RESTRN", "WATLEV", "QUASOU",
    "VERDAT", "CATOBS", "BOYSHP", "BCNSHP", "CATLAM", "CATCAM", "EXPSOU", "CATZOC",
)  # fmt: skip

CLASS_NAMES = [
    ("LIGHTS", "Light", "feu"),
    ("WRECKS", "Wreck", "épave"),
    ("DEPARE", "Depth area", "zone de profondeur"),
    ("DEPCNT", "Depth contour", "isobathe"),
    ("SOUNDG", "Sounding", "sonde"),
    ("OBSTRN", "Obstruction", "obstruction"),
    ("UWTROC", "Underwater rock / awash rock", "roche submergée / roche à fleur d'eau"),
    ("BOYLAT", "Buoy, lateral", "bouée latérale"),
    ("BOYCAR", "Buoy, cardinal", "bouée cardinale"),
    ("BOYISD", "Buoy, isolated danger", "bouée de danger isolé"),
    ("BOYSAW", "Buoy, safe water", "bouée d'eaux saines"),
    ("BOYSPP", "Buoy, special purpose/general", "bouée spéciale"),
    ("BCNLAT", "Beacon, lateral", "balise latérale"),
    ("BCNCAR", "Beacon, cardinal", "balise cardinale"),
    ("BCNISD", "Beacon, isolated danger", "balise de danger isolé"),
    ("LNDARE", "Land area", "zone terrestre"),
    ("COALNE", "Coastline", "trait de côte"),
    ("RESARE", "Restricted area", "zone réglementée"),
    ("ACHARE", "Anchorage area", "zone de mouillage"),
    ("ACHBRT", "Anchor berth", "poste de mouillage"),
    (
        "TSSLPT",
        "Traffic Separation Scheme Lane part",
        "voie de circulation d'un dispositif de séparation du trafic",
    ),
    ("TSEZNE", "Traffic Separation Zone", "zone de séparation du trafic"),
    ("FAIRWY", "Fairway", "chenal"),
    ("NAVLNE", "Navigation line", "alignement"),
    ("RECTRC", "Recommended track", "route recommandée"),
    ("DRGARE", "Dredged area", "zone draguée"),
    ("SEAARE", "Sea area / named water area", "zone maritime nommée"),
    ("SBDARE", "Seabed area", "nature du fond"),
    ("LNDMRK", "Landmark", "amer"),
    ("CBLSUB", "Cable, submarine", "câble sous-marin"),
    ("PIPSOL", "Pipeline, submarine/on land", "conduite sous-marine ou terrestre"),
    ("MIPARE", "Military practice area", "zone d'exercices militaires"),
    ("PILBOP", "Pilot boarding place", "zone d'embarquement du pilote"),
    ("FOGSIG", "Fog signal", "signal de brume"),
    ("TOPMAR", "Top mark", "voyant"),
    ("DAYMAR", "Daymark", "marque de jour"),
    ("LITVES", "Light vessel", "bateau-feu"),
    ("LITFLT", "Light float", "feu flottant"),
    ("MORFAC", "Mooring/warping facility", "installation d'amarrage"),
    ("SLCONS", "Shoreline Construction", "ouvrage côtier"),
    ("BRIDGE", "Bridge", "pont"),
    ("HRBFAC", "Harbour facility", "installation portuaire"),
    ("UNSARE", "Unsurveyed area", "zone non hydrographiée"),
    ("MAGVAR", "Magnetic variation", "déclinaison magnétique"),
    ("M_QUAL", "Quality of data", "qualité des données"),
    ("M_COVR", "Coverage", "couverture des données"),
]


def test_tables_come_from_the_installed_gdal() -> None:
    folder = gdal_catalogue_dir()
    assert (folder / "s57objectclasses.csv").is_file()
    assert Path(pyogrio.__file__).resolve().parent in folder.resolve().parents
    assert "shared" not in folder.parts


def test_load_is_cached_and_complete() -> None:
    assert Catalogue.load() is CAT
    assert len(CAT.classes) > 170 and len(CAT.attributes) > 190
    assert CAT.class_acronym(75) == "LIGHTS" and CAT.class_acronym("159") == "WRECKS"
    assert CAT.class_acronym(99999) is None
    assert all(code < 17000 for code in (c.code for c in CAT.classes.values()))  # no Inland/AML extras


@pytest.mark.parametrize(("acronym", "english", "french"), CLASS_NAMES, ids=[c[0] for c in CLASS_NAMES])
def test_class_names(acronym: str, english: str, french: str) -> None:
    assert CAT.class_name(acronym, "en") == english
    assert CAT.class_name(acronym, "fr") == french
    assert CAT.class_name(acronym.lower(), "fr") == french


def test_at_least_60_classes_have_french_names() -> None:
    assert len(CLASS_NAMES) >= 40
    assert sum(1 for oc in CAT.classes.values() if oc.name_fr) >= 60


def test_unknown_names_fall_back() -> None:
    assert CAT.class_name("XXXXXX", "fr") == "XXXXXX"
    assert CAT.class_name("$AREAS", "fr") == CAT.class_name("$AREAS", "en") == "Cartographic area"
    assert CAT.attribute_name("NOPE", "fr") == "NOPE"
    assert CAT.class_name("LIGHTS", "de") == "Light"


@pytest.mark.parametrize("attribute", FRENCH_ENUMERATIONS)
def test_listed_enumerations_are_complete_in_french(attribute: str) -> None:
    english = CAT.enumeration(attribute, "en")
    french = CAT.attributes[attribute].values_fr
    assert english, f"{attribute} has no values in GDAL's table"
    assert set(english) <= set(french)
    assert all(french[code].strip() for code in english)


@pytest.mark.parametrize(
    ("attribute", "code", "english", "french"),
    [
        ("COLOUR", 1, "white", "blanc"),
        ("COLOUR", 4, "green", "vert"),
        ("LITCHR", 2, "flashing", "à éclats"),
        ("LITCHR", 7, "isophased", "isophase"),
        ("LITCHR", 8, "occulting", "à occultations"),
        ("CATWRK", 2, "dangerous wreck", "épave dangereuse"),
        ("CATLIT", 4, "leading light", "feu d'alignement"),
        ("CATREA", 9, "military area", "zone militaire"),
        ("RESTRN", 1, "anchoring prohibited", "mouillage interdit"),
        ("RESTRN", 7, "entry prohibited", "entrée interdite"),
        ("WATLEV", 4, "covers and uncovers", "couvre et découvre"),
        ("WATLEV", 5, "awash", "à fleur d'eau"),
        ("QUASOU", 6, "least depth known", "profondeur minimale connue"),
        ("VERDAT", 23, "Lowest astronomical tide", "plus basses mers astronomiques"),
        ("VERDAT", 12, "Mean lower low water", "moyenne des basses mers inférieures"),
        ("CATOBS", 7, "foul ground", "fond malsain"),
        ("BOYSHP", 4, "pillar", "charpente"),
        ("BCNSHP", 3, "beacon tower", "tourelle"),
        ("CATLAM", 1, "port-hand lateral mark", "marque latérale bâbord"),
        ("CATCAM", 4, "west cardinal mark", "cardinale ouest"),
        ("EXPSOU", 2, "shoaler than range of depth of the surrounding depth area",
         "moins profond que la zone environnante"),
        ("CATZOC", 1, "zone of confidence A1", "zone de confiance A1"),
    ],
)  # fmt: skip
def test_enumeration_values(attribute: str, code: int, english: str, french: str) -> None:
    assert CAT.decode_value(attribute, code, "en") == english
    assert CAT.decode_value(attribute, str(code), "fr") == french


def test_forty_common_attributes_have_french_names() -> None:
    common = [
        "OBJNAM", "NOBJNM", "COLOUR", "COLPAT", "LITCHR", "SIGGRP", "SIGPER", "SIGSEQ", "HEIGHT", "VALNMR",
        "SECTR1", "SECTR2", "CATLIT", "EXCLIT", "ORIENT", "MLTYLT", "CATWRK", "VALSOU", "WATLEV", "QUASOU",
        "TECSOU", "EXPSOU", "SOUACC", "DRVAL1", "DRVAL2", "VALDCO", "CATREA", "RESTRN", "CATOBS", "BOYSHP",
        "BCNSHP", "CATLAM", "CATCAM", "CATSPM", "CATZOC", "VERDAT", "STATUS", "INFORM", "NINFOM", "SCAMIN",
        "SORDAT", "SORIND", "CATACH", "NATSUR", "TOPSHP", "VERCLR", "ELEVAT", "CONVIS",
    ]  # fmt: skip
    missing = [a for a in common if CAT.attribute_name(a, "fr") == CAT.attribute_name(a, "en")]
    assert len(common) >= 40 and missing == []
    assert CAT.attribute_name("COLOUR", "fr") == "couleur"
    assert CAT.attribute_name("VALSOU", "en") == "Value of sounding"
    assert CAT.attribute_name("VALSOU", "fr") == "valeur de la sonde"


@pytest.mark.parametrize(
    ("raw", "english", "french"),
    [
        ("1,3", "white, red", "blanc, rouge"),
        (["1", "3"], "white, red", "blanc, rouge"),
        ([1, 3], "white, red", "blanc, rouge"),
        ("3", "red", "rouge"),
        (4, "green", "vert"),
        ("1, 99", "white, 99", "blanc, 99"),
        (None, "", ""),
        ([], "", ""),
        ("", "", ""),
        (float("nan"), "", ""),
    ],
    ids=["string-list", "list-of-str", "list-of-int", "one", "int", "unknown-code", "none", "empty-list",
         "empty-str", "nan"],
)  # fmt: skip
def test_decode_list_values(raw: object, english: str, french: str) -> None:
    assert CAT.decode_value("COLOUR", raw, "en") == english
    assert CAT.decode_value("COLOUR", raw, "fr") == french


def test_decode_numbers_and_text() -> None:
    assert CAT.decode_value("VALSOU", 12.5, "en") == "12.5 m"
    assert CAT.decode_value("VALSOU", 12.5, "fr") == "12,5 m"
    assert CAT.decode_value("HEIGHT", 56.0, "en") == "56 m"
    assert CAT.decode_value("VALNMR", 19.0, "fr") == "19 M"
    assert CAT.decode_value("SECTR1", 219.0, "en") == "219°"
    assert CAT.decode_value("SIGPER", 2.5, "fr") == "2,5 s"
    assert CAT.decode_value("SCAMIN", 999999, "en") == "999999"
    assert CAT.decode_value("OBJNAM", "Le Portzic", "fr") == "Le Portzic"
    assert CAT.decode_value("UNKNWN", ["a", "b"], "fr") == "a, b"


def test_decode_attributes() -> None:
    attrs = {
        "CATWRK": 2,
        "VALSOU": 8.4,
        "QUASOU": ["6"],
        "OBJNAM": None,
        "LNAM_REFS": ["022600019FEA0001"],
        "FFPT_RIND": [2],
        "XYZ": "kept",
    }
    assert CAT.decode_attributes(attrs, "fr") == {
        "catégorie d'épave": "épave dangereuse",
        "valeur de la sonde": "8,4 m",
        "qualité de la sonde": "profondeur minimale connue",
        "XYZ": "kept",
    }
    assert CAT.decode_attributes(attrs, "en")["Category of wreck"] == "dangerous wreck"
    assert CAT.decode_attributes({}, "en") == {}


@pytest.mark.parametrize(
    ("word", "expected"),
    [
        ("feux", ["LIGHTS"]),
        ("Feu", ["LIGHTS"]),
        ("PHARES", ["LIGHTS"]),
        ("lights", ["LIGHTS"]),
        ("lighthouse", ["LIGHTS"]),
        ("épaves", ["WRECKS"]),
        ("epave", ["WRECKS"]),
        ("l'épave", ["WRECKS"]),
        ("Wrecks", ["WRECKS"]),
        ("bouées", ["BOYCAR", "BOYINB", "BOYISD", "BOYLAT", "BOYSAW", "BOYSPP"]),
        ("buoys", ["BOYCAR", "BOYINB", "BOYISD", "BOYLAT", "BOYSAW", "BOYSPP"]),
        ("bouée latérale", ["BOYLAT"]),
        ("lateral buoys", ["BOYLAT"]),
        ("beacons", ["BCNCAR", "BCNISD", "BCNLAT", "BCNSAW", "BCNSPP"]),
        ("roches", ["UWTROC"]),
        ("rocks", ["UWTROC"]),
        ("sondes", ["SOUNDG"]),
        ("isobathes", ["DEPCNT"]),
        ("zones de mouillage", ["ACHARE"]),
        ("mouillage", ["ACHARE"]),
        ("anchorage", ["ACHARE"]),
        ("zones réglementées", ["RESARE"]),
        ("restricted areas", ["RESARE"]),
        ("trait de côte", ["COALNE"]),
        ("WRECKS", ["WRECKS"]),
        ("", []),
        ("xyzzy", []),
    ],
)
def test_classes_for_word(word: str, expected: list[str]) -> None:
    assert CAT.classes_for_word(word) == expected


@pytest.mark.parametrize(
    ("text", "folded"),
    [("Feux", "feu"), ("Épaves", "epave"), ("chenaux", "chenal"), ("bateaux", "bateau"), ("Buoys", "buoy"),
     ("facilities", "facility"), ("l'île", "l ile"), ("  ", ""), ("gas", "gas")],
)  # fmt: skip
def test_normalize_words(text: str, folded: str) -> None:
    assert normalize_words(text) == folded


@given(
    st.one_of(
        st.text(max_size=30),
        st.integers(),
        st.floats(),
        st.lists(st.one_of(st.text(max_size=4), st.integers(-3, 40)), max_size=4),
        st.none(),
    ),
    st.sampled_from(["COLOUR", "LITCHR", "VALSOU", "SECTR1", "OBJNAM", "NOPE"]),
    st.sampled_from(["en", "fr", "xx"]),
)
def test_decode_value_never_fails(raw: object, attribute: str, language: str) -> None:
    assert isinstance(CAT.decode_value(attribute, raw, language), str)


@given(st.text(max_size=40))
def test_classes_for_word_never_fails(word: str) -> None:
    found = CAT.classes_for_word(word)
    assert found == sorted(found) and all(a in CAT.classes for a in found)


def test_french_table_is_well_formed() -> None:
    import csv

    rows = list(csv.DictReader(FRENCH_TABLE.open(encoding="utf-8")))
    assert {r["kind"] for r in rows} == {"class", "attribute", "value"}
    for row in rows:
        assert row["fr"].strip(), row
        if row["kind"] == "class":
            assert row["acronym"] in CAT.classes, row
        else:
            assert row["acronym"] in CAT.attributes, row
    keys = [(r["kind"], r["acronym"], r["code"]) for r in rows]
    assert len(keys) == len(set(keys))


def test_docstring_examples() -> None:
    result = doctest.testmod(catalogue_module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0 and result.failed == 0
