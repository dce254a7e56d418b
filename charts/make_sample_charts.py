"""Write the illustrative S-57 cell of the Brest approaches used by maritime's demo and tests.

ILLUSTRATIVE SAMPLE - NOT FOR NAVIGATION. Everything below was written by hand for this script from
general knowledge of the area (published light characters, approximate positions, a coarse coastline
of tens of vertices per shore); no chart data was copied. Depth areas, contours and soundings are
*synthesised* from the distance to the coast and are not surveyed depths.

The cell is written in S-57 (ISO 8211) by GDAL's own S-57 writer, so that the demo is read by exactly
the same path as real ENC cells (``maritime.enc.s57.read_dataset``). ``pyogrio`` cannot add features
to the layers the S-57 driver creates, so the script calls GDAL's C API through ``ctypes`` on the
``libgdal`` that the ``pyogrio`` wheel bundles. GDAL's writer stores geometry only in spatial
primitives, so each feature gets its own isolated node (points, soundings) or edges and connected
nodes (lines, area rings); S-57 topology is not shared between features.

Run from the repository root::

    .venv/bin/python charts/make_sample_charts.py            # writes charts/FR_BREST_SAMPLE.000
    .venv/bin/python charts/make_sample_charts.py --output /tmp/out

The output is deterministic (fixed dates, fixed ordering, no randomness).
"""

from __future__ import annotations

import argparse
import ctypes
import ctypes.util
import glob
import math
import shutil
import sys
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from pyproj import Transformer
from shapely.geometry import LineString, MultiPoint, Point, Polygon, box
from shapely.ops import linemerge, unary_union

CELL_NAME = "FR_BREST_SAMPLE"
CHARTS = Path(__file__).resolve().parent

#: Producing agency 65534 is "unknown producer" in S-62: this sample is not an official product.
AGENCY = 65534
NOT_FOR_NAVIGATION = "ILLUSTRATIVE SAMPLE - NOT FOR NAVIGATION"
NOT_FOR_NAVIGATION_FR = "ÉCHANTILLON ILLUSTRATIF - NE PAS UTILISER POUR LA NAVIGATION"

DSID_OPTIONS = {
    "S57_EXPP": "1",  # new data set
    "S57_INTU": "4",  # usage band 4, approach (1:50 000)
    "S57_EDTN": "1",
    "S57_UPDN": "0",
    "S57_ISDT": "20250601",
    "S57_UADT": "20250601",
    "S57_AGEN": str(AGENCY),
    "S57_COMT": f"maritime Brest approaches demo cell - {NOT_FOR_NAVIGATION}",
    "S57_AALL": "1",  # ATTF text in ISO 8859-1 (accents in OBJNAM)
    "S57_NALL": "1",  # national attributes in ISO 8859-1
    "S57_HDAT": "2",  # WGS 84
    "S57_VDAT": "17",  # heights above mean high water springs
    "S57_SDAT": "23",  # soundings below lowest astronomical tide (zero hydrographique ~ PBMA)
    "S57_CSCL": "50000",
}

#: Area covered (lon/lat): the Iroise from Ushant to the Rade de Brest and the Bay of Douarnenez.
COVERAGE = (-5.16, 48.15, -4.25, 48.55)

# ---------------------------------------------------------------------------------------- the coast
# (lon, lat) vertices, hand-drawn; each land polygon is closed by the coverage edges.
# fmt: off
LEON_AND_PLOUGASTEL = [
    (-4.720, 48.550), (-4.745, 48.540), (-4.770, 48.528), (-4.778, 48.515), (-4.768, 48.505),
    (-4.775, 48.493), (-4.762, 48.480), (-4.755, 48.470), (-4.768, 48.458), (-4.780, 48.445),
    (-4.788, 48.430), (-4.796, 48.415), (-4.785, 48.400), (-4.781, 48.388), (-4.768, 48.374),
    (-4.780, 48.366), (-4.792, 48.362), (-4.782, 48.358), (-4.770, 48.357), (-4.775, 48.350),
    (-4.780, 48.340), (-4.7735, 48.3298), (-4.760, 48.329), (-4.740, 48.333), (-4.720, 48.336),
    (-4.705, 48.341), (-4.695, 48.335), (-4.685, 48.343), (-4.670, 48.345), (-4.655, 48.340),
    (-4.640, 48.338), (-4.626, 48.340), (-4.615, 48.3355), (-4.600, 48.342), (-4.585, 48.348),
    (-4.570, 48.352), (-4.552, 48.358), (-4.534, 48.3575), (-4.520, 48.365), (-4.505, 48.373),
    (-4.494, 48.378), (-4.480, 48.379), (-4.465, 48.380), (-4.450, 48.383), (-4.435, 48.388),
    (-4.425, 48.393), (-4.410, 48.398), (-4.398, 48.402),
    # Elorn estuary, north bank up, south bank down
    (-4.385, 48.408), (-4.370, 48.414), (-4.350, 48.421), (-4.330, 48.428), (-4.310, 48.433),
    (-4.295, 48.437), (-4.305, 48.431), (-4.325, 48.424), (-4.345, 48.416), (-4.365, 48.408),
    (-4.380, 48.400), (-4.393, 48.391),
    # Plougastel peninsula
    (-4.405, 48.383), (-4.418, 48.372), (-4.428, 48.360), (-4.436, 48.348), (-4.445, 48.338),
    (-4.447, 48.331), (-4.438, 48.325), (-4.425, 48.324), (-4.412, 48.328), (-4.400, 48.323),
    (-4.388, 48.320), (-4.372, 48.327), (-4.358, 48.323), (-4.345, 48.330), (-4.330, 48.336),
    (-4.315, 48.340), (-4.300, 48.338), (-4.285, 48.342), (-4.265, 48.345), (-4.250, 48.346),
    (-4.250, 48.550),
]
CROZON_AND_CORNOUAILLE = [
    (-4.250, 48.300), (-4.270, 48.298), (-4.290, 48.300), (-4.310, 48.296), (-4.330, 48.301),
    (-4.350, 48.305), (-4.370, 48.302), (-4.390, 48.297), (-4.410, 48.299), (-4.430, 48.296),
    (-4.448, 48.292), (-4.462, 48.297), (-4.478, 48.293), (-4.495, 48.288), (-4.505, 48.287),
    # Île Longue (indices 15-23)
    (-4.500, 48.296), (-4.498, 48.305), (-4.505, 48.313), (-4.518, 48.316), (-4.532, 48.312),
    (-4.537, 48.304), (-4.528, 48.298), (-4.518, 48.294), (-4.525, 48.289),
    # Baie de Roscanvel, Roscanvel peninsula, Pointe des Espagnols
    (-4.540, 48.292), (-4.550, 48.300), (-4.548, 48.310), (-4.545, 48.320), (-4.550, 48.330),
    (-4.556, 48.338), (-4.563, 48.345), (-4.5675, 48.3465), (-4.572, 48.343), (-4.574, 48.334),
    (-4.572, 48.328), (-4.578, 48.318), (-4.580, 48.305), (-4.585, 48.295), (-4.583, 48.287),
    # Camaret, Toulinguet, Pen-Hir, Dinan, Cap de la Chèvre
    (-4.589, 48.282), (-4.597, 48.278), (-4.607, 48.279), (-4.617, 48.283), (-4.6305, 48.2805),
    (-4.626, 48.272), (-4.618, 48.266), (-4.620, 48.258), (-4.626, 48.252), (-4.612, 48.254),
    (-4.598, 48.257), (-4.585, 48.252), (-4.575, 48.245), (-4.567, 48.238), (-4.560, 48.232),
    (-4.552, 48.225), (-4.565, 48.218), (-4.578, 48.214), (-4.566, 48.207), (-4.560, 48.198),
    (-4.562, 48.185), (-4.556, 48.172), (-4.552, 48.167),
    # Cap de la Chèvre to Morgat and the Bay of Douarnenez
    (-4.540, 48.172), (-4.528, 48.185), (-4.515, 48.200), (-4.505, 48.212), (-4.498, 48.220),
    (-4.500, 48.228), (-4.485, 48.232), (-4.465, 48.230), (-4.440, 48.228), (-4.420, 48.230),
    (-4.395, 48.226), (-4.370, 48.220), (-4.345, 48.212), (-4.320, 48.200), (-4.300, 48.188),
    (-4.285, 48.172), (-4.272, 48.158), (-4.266, 48.150), (-4.250, 48.150),
]
OUESSANT = [
    (-5.143, 48.447), (-5.136, 48.455), (-5.131, 48.4615), (-5.112, 48.470), (-5.095, 48.474),
    (-5.078, 48.478), (-5.060, 48.477), (-5.050, 48.470), (-5.040, 48.462), (-5.045, 48.452),
    (-5.058, 48.446), (-5.072, 48.440), (-5.085, 48.435), (-5.095, 48.434), (-5.100, 48.441),
    (-5.108, 48.446), (-5.118, 48.443), (-5.130, 48.441),
]
MOLENE = [(-4.962, 48.393), (-4.957, 48.400), (-4.950, 48.399), (-4.948, 48.393), (-4.955, 48.390)]
# fmt: on


# --------------------------------------------------------------------------------- chart features
@dataclass
class Feature:
    """One S-57 feature to write: class acronym, attributes (S-57 acronyms) and a lon/lat geometry."""

    acronym: str
    geometry: Any
    attrs: dict[str, Any] = field(default_factory=dict)
    slaves: list[Feature] = field(default_factory=list)
    fidn: int = 0


def light(lon: float, lat: float, **attrs: Any) -> Feature:
    return Feature("LIGHTS", Point(lon, lat), attrs)


# fmt: off
# Light characters as published for these lights (INT 1 notation in the comments; this script writes
# one LIGHTS feature per sector, as ENCs do). Sector limits marked "illustrative" are not the real ones.
LIGHTHOUSES = [
    # Saint-Mathieu: Fl W 15s 56m 29M
    light(-4.7714, 48.3303, OBJNAM="Saint-Mathieu", NOBJNM="Phare de Saint-Mathieu", LITCHR=2, SIGGRP="(1)",
          COLOUR=[1], SIGPER=15.0, HEIGHT=56.0, VALNMR=29.0),
    # Kermorvan (Le Conquet): Fl W 5s 20m 22M
    light(-4.7903, 48.3622, OBJNAM="Kermorvan", NOBJNM="Phare de Kermorvan", LITCHR=2, SIGGRP="(1)",
          COLOUR=[1], SIGPER=5.0, HEIGHT=20.0, VALNMR=22.0),
    # Trézien, rear light of the Chenal du Four leading line on 007°: Oc(2) W 6s 84m 20M
    light(-4.7783, 48.4167, OBJNAM="Trézien", NOBJNM="Phare de Trézien", LITCHR=8, SIGGRP="(2)", COLOUR=[1],
          SIGPER=6.0, HEIGHT=84.0, VALNMR=20.0, CATLIT=[4, 13], ORIENT=7.0),
    # Le Four: Fl(5) W 15s 28m 18M
    light(-4.8056, 48.5231, OBJNAM="Le Four", NOBJNM="Phare du Four", LITCHR=2, SIGGRP="(5)", COLOUR=[1],
          SIGPER=15.0, HEIGHT=28.0, VALNMR=18.0),
    # Le Créac'h (Ushant): Fl(2) W 10s 70m 32M
    light(-5.1300, 48.4592, OBJNAM="Le Créac'h", NOBJNM="Phare du Créac'h", LITCHR=2, SIGGRP="(2)",
          COLOUR=[1], SIGPER=10.0, HEIGHT=70.0, VALNMR=32.0),
    # La Jument: Fl(3) R 15s 36m 22M
    light(-5.1339, 48.4225, OBJNAM="La Jument", NOBJNM="Phare de la Jument", LITCHR=2, SIGGRP="(3)",
          COLOUR=[3], SIGPER=15.0, HEIGHT=36.0, VALNMR=22.0),
    # Les Pierres Noires: Fl R 5s 27m 19M
    light(-4.9139, 48.3117, OBJNAM="Les Pierres Noires", NOBJNM="Phare des Pierres Noires", LITCHR=2,
          SIGGRP="(1)", COLOUR=[3], SIGPER=5.0, HEIGHT=27.0, VALNMR=19.0),
    # Le Petit Minou: Fl(2) WR 6s 32m 19/15M (sector limits illustrative)
    light(-4.6150, 48.3369, OBJNAM="Le Petit Minou", NOBJNM="Phare du Petit Minou", LITCHR=2, SIGGRP="(2)",
          COLOUR=[1], SIGPER=6.0, HEIGHT=32.0, VALNMR=19.0, SECTR1=250.0, SECTR2=70.0),
    light(-4.6150, 48.3369, OBJNAM="Le Petit Minou", NOBJNM="Phare du Petit Minou", LITCHR=2, SIGGRP="(2)",
          COLOUR=[3], SIGPER=6.0, HEIGHT=32.0, VALNMR=15.0, SECTR1=70.0, SECTR2=98.0),
    # Le Portzic: Oc(2) WR 12s 56m 19/15M (sector limits illustrative: white around the 068° approach
    # through the Goulet, as seen from seaward)
    light(-4.5344, 48.3589, OBJNAM="Le Portzic", NOBJNM="Phare du Portzic", LITCHR=8, SIGGRP="(2)",
          COLOUR=[1], SIGPER=12.0, HEIGHT=56.0, VALNMR=19.0, SECTR1=58.0, SECTR2=78.0),
    light(-4.5344, 48.3589, OBJNAM="Le Portzic", NOBJNM="Phare du Portzic", LITCHR=8, SIGGRP="(2)",
          COLOUR=[3], SIGPER=12.0, HEIGHT=56.0, VALNMR=15.0, SECTR1=78.0, SECTR2=120.0),
    # Pointe des Espagnols: Q WRG 49m 10/7M (only a white sector here, limits illustrative)
    light(-4.5667, 48.3453, OBJNAM="Pointe des Espagnols", NOBJNM="Feu de la pointe des Espagnols", LITCHR=4,
          SIGGRP="(1)", COLOUR=[1], HEIGHT=49.0, VALNMR=10.0, SECTR1=40.0, SECTR2=100.0),
    # Toulinguet: Oc(3) WR 12s 49m 15/11M (sector limits illustrative)
    light(-4.6289, 48.2803, OBJNAM="Toulinguet", NOBJNM="Phare du Toulinguet", LITCHR=8, SIGGRP="(3)",
          COLOUR=[1], SIGPER=12.0, HEIGHT=49.0, VALNMR=15.0, SECTR1=28.0, SECTR2=90.0),
    light(-4.6289, 48.2803, OBJNAM="Toulinguet", NOBJNM="Phare du Toulinguet", LITCHR=8, SIGGRP="(3)",
          COLOUR=[3], SIGPER=12.0, HEIGHT=49.0, VALNMR=11.0, SECTR1=90.0, SECTR2=185.0),
    # Camaret, north mole (Pointe du Grand Gouin side): Iso WG 4s 7m 12/9M (only the white light here)
    light(-4.5867, 48.2817, OBJNAM="Camaret North Mole", NOBJNM="Camaret, môle nord", LITCHR=7, SIGGRP="()",
          COLOUR=[1], SIGPER=4.0, HEIGHT=7.0, VALNMR=12.0),
    # Kéréon (Men Tensel): Oc(2+1) WR 24s 38m 17/7M (sector limits illustrative)
    light(-5.0258, 48.4383, OBJNAM="Kéréon", NOBJNM="Phare de Kéréon", LITCHR=8, SIGGRP="(2+1)",
          COLOUR=[1], SIGPER=24.0, HEIGHT=38.0, VALNMR=17.0, SECTR1=19.0, SECTR2=248.0),
    light(-5.0258, 48.4383, OBJNAM="Kéréon", NOBJNM="Phare de Kéréon", LITCHR=8, SIGGRP="(2+1)",
          COLOUR=[3], SIGPER=24.0, HEIGHT=38.0, VALNMR=7.0, SECTR1=248.0, SECTR2=19.0),
]

# Buoys and beacons: names of marks of the area, positions approximate and characters typical of the
# mark (IALA A). Each lit mark carries its light as a slave (FFPT master -> slave, RIND 2).
MARKS = [
    Feature("BOYCAR", Point(-4.5790, 48.3405),
            {"OBJNAM": "Les Fillettes", "CATCAM": 4, "BOYSHP": 4, "COLOUR": [6, 2, 6], "COLPAT": [1]},
            [light(-4.5790, 48.3405, LITCHR=5, SIGGRP="(9)", COLOUR=[1], SIGPER=10.0)]),
    Feature("BOYCAR", Point(-4.6230, 48.3240),
            {"OBJNAM": "La Vandrée", "CATCAM": 4, "BOYSHP": 4, "COLOUR": [6, 2, 6], "COLPAT": [1]},
            [light(-4.6230, 48.3240, LITCHR=5, SIGGRP="(9)", COLOUR=[1], SIGPER=10.0)]),
    Feature("BOYCAR", Point(-4.6520, 48.2850),
            {"OBJNAM": "Swansea Vale", "CATCAM": 4, "BOYSHP": 4, "COLOUR": [6, 2, 6], "COLPAT": [1]},
            [light(-4.6520, 48.2850, LITCHR=5, SIGGRP="(9)", COLOUR=[1], SIGPER=10.0)]),
    Feature("BCNCAR", Point(-4.6200, 48.3050),
            {"OBJNAM": "Basse Beuzec", "CATCAM": 1, "BCNSHP": 3, "COLOUR": [2, 6], "COLPAT": [1]},
            [light(-4.6200, 48.3050, LITCHR=4, SIGGRP="(1)", COLOUR=[1], HEIGHT=9.0, VALNMR=5.0)]),
    Feature("BOYLAT", Point(-4.5450, 48.3555),
            {"OBJNAM": "Charles Martel", "CATLAM": 1, "BOYSHP": 2, "COLOUR": [3], "MARSYS": 1},
            [light(-4.5450, 48.3555, LITCHR=2, SIGGRP="(4)", COLOUR=[3], SIGPER=15.0)]),
    Feature("BOYLAT", Point(-4.6450, 48.3300),
            {"OBJNAM": "Basse du Lis", "CATLAM": 1, "BOYSHP": 2, "COLOUR": [3], "MARSYS": 1},
            [light(-4.6450, 48.3300, LITCHR=2, SIGGRP="(2)", COLOUR=[3], SIGPER=6.0)]),
    Feature("BOYLAT", Point(-4.5950, 48.3280),
            {"CATLAM": 2, "BOYSHP": 1, "COLOUR": [4], "MARSYS": 1},
            [light(-4.5950, 48.3280, LITCHR=2, SIGGRP="(1)", COLOUR=[4], SIGPER=4.0)]),
    Feature("BCNLAT", Point(-4.5610, 48.3505),
            {"OBJNAM": "Roche Mengam", "NOBJNM": "Tourelle de la Roche Mengam", "CATLAM": 1, "BCNSHP": 3,
             "COLOUR": [3]},
            [light(-4.5610, 48.3505, LITCHR=2, SIGGRP="(3)", COLOUR=[3], SIGPER=12.0, HEIGHT=11.0,
                   VALNMR=5.0)]),
    Feature("BCNLAT", Point(-4.7767, 48.3233),
            {"OBJNAM": "Les Vieux-Moines", "NOBJNM": "Tourelle des Vieux-Moines", "CATLAM": 1, "BCNSHP": 3,
             "COLOUR": [3]},
            [light(-4.7767, 48.3233, LITCHR=2, SIGGRP="(1)", COLOUR=[3], SIGPER=4.0, HEIGHT=16.0,
                   VALNMR=5.0)]),
]

LANDMARKS = [
    Feature("LNDMRK", Point(-4.7714, 48.3303),
            {"OBJNAM": "Saint-Mathieu lighthouse", "NOBJNM": "Phare de Saint-Mathieu", "CATLMK": [17],
             "CONVIS": 1, "COLOUR": [1, 3], "COLPAT": [1]}),
    Feature("LNDMRK", Point(-4.6150, 48.3369),
            {"OBJNAM": "Petit Minou lighthouse", "NOBJNM": "Phare du Petit Minou", "CATLMK": [17],
             "CONVIS": 1, "COLOUR": [1]}),
    Feature("LNDMRK", Point(-4.5344, 48.3589),
            {"OBJNAM": "Portzic lighthouse", "NOBJNM": "Phare du Portzic", "CATLMK": [17], "CONVIS": 1,
             "COLOUR": [1]}),
]

PLACES = [
    Feature("BUAARE", Point(-4.486, 48.390), {"OBJNAM": "Brest"}),
    Feature("BUAARE", Point(-4.771, 48.360), {"OBJNAM": "Le Conquet"}),
    Feature("BUAARE", Point(-4.596, 48.276), {"OBJNAM": "Camaret-sur-Mer"}),
    Feature("BUAARE", Point(-4.505, 48.242), {"OBJNAM": "Crozon"}),
    Feature("BUAARE", Point(-4.372, 48.372), {"OBJNAM": "Plougastel-Daoulas"}),
    Feature("BUAARE", Point(-5.098, 48.455), {"OBJNAM": "Lampaul"}),
    Feature("LNDRGN", Point(-4.470, 48.255),
            {"OBJNAM": "Crozon Peninsula", "NOBJNM": "Presqu'île de Crozon"}),
    Feature("LNDRGN", Point(-4.400, 48.355),
            {"OBJNAM": "Plougastel Peninsula", "NOBJNM": "Presqu'île de Plougastel"}),
]

DANGERS = [
    Feature("WRECKS", Point(-4.9900, 48.4200),
            {"OBJNAM": "Drummond Castle", "CATWRK": 1, "VALSOU": 35.0, "WATLEV": 3, "QUASOU": [1],
             "INFORM": "Passenger steamer lost 16 June 1896",
             "NINFOM": "Paquebot naufragé le 16 juin 1896"}),
    Feature("WRECKS", Point(-4.6750, 48.2950),
            {"CATWRK": 2, "VALSOU": 8.4, "WATLEV": 3, "EXPSOU": 2, "QUASOU": [6]}),
    Feature("WRECKS", Point(-4.5000, 48.3300), {"CATWRK": 1, "VALSOU": 15.2, "WATLEV": 3, "QUASOU": [1]}),
    Feature("WRECKS", Point(-4.6040, 48.2920), {"CATWRK": 4, "WATLEV": 1}),
    Feature("WRECKS", Point(-5.0900, 48.4310),
            {"OBJNAM": "Olympic Bravery", "CATWRK": 3, "VALSOU": 2.0, "WATLEV": 3, "QUASOU": [6],
             "INFORM": "Remains of a tanker wrecked in 1976",
             "NINFOM": "Débris d'un pétrolier naufragé en 1976"}),
    Feature("OBSTRN", Point(-4.6800, 48.3380), {"CATOBS": 6, "VALSOU": 4.1, "WATLEV": 3, "QUASOU": [1]}),
    Feature("UWTROC", Point(-4.5615, 48.3500),
            {"OBJNAM": "Roche Mengam", "VALSOU": 0.6, "WATLEV": 4, "NATSUR": [9]}),
    Feature("UWTROC", Point(-4.6455, 48.3305), {"OBJNAM": "Basse du Lis", "VALSOU": 2.5, "WATLEV": 3}),
    Feature("UWTROC", Point(-4.6205, 48.3045), {"OBJNAM": "Basse Beuzec", "VALSOU": 1.8, "WATLEV": 3}),
]

#: Islets under the offshore lighthouses and towers (LNDARE may be a point).
ISLETS = [(-4.8056, 48.5231), (-5.1339, 48.4225), (-4.9139, 48.3117), (-5.0258, 48.4383), (-4.7767, 48.3233)]
# fmt: on


# ------------------------------------------------------------------------------------- geometry help
TO_METRES = Transformer.from_crs("EPSG:4326", "EPSG:2154", always_xy=True)
TO_DEGREES = Transformer.from_crs("EPSG:2154", "EPSG:4326", always_xy=True)


def _project(transformer: Transformer, xy: np.ndarray) -> np.ndarray:
    # Lists, not arrays: pyproj takes a one-element array for a scalar (and warns).
    x, y = transformer.transform(xy[:, 0].tolist(), xy[:, 1].tolist())
    return np.column_stack([np.asarray(x, dtype=float), np.asarray(y, dtype=float)])


def metric(geometry: Any) -> Any:
    return shapely.transform(geometry, lambda xy: _project(TO_METRES, xy))


def degrees(geometry: Any) -> Any:
    def back(xy: np.ndarray) -> np.ndarray:
        return np.round(_project(TO_DEGREES, xy), 7)

    return shapely.make_valid(shapely.transform(geometry, back))


def polygons(geometry: Any, min_area_m2: float = 0.0) -> list[Polygon]:
    """Polygon parts of a geometry, largest first, dropping parts smaller than ``min_area_m2``."""
    parts = []
    for part in shapely.get_parts(geometry):
        if part.geom_type == "Polygon" and not part.is_empty:
            parts.append(part)
        elif part.geom_type in ("MultiPolygon", "GeometryCollection"):
            parts += polygons(part)
    keep = [p for p in parts if metric(p).area >= min_area_m2]
    return sorted(keep, key=lambda p: (-round(metric(p).area), p.centroid.x, p.centroid.y))


def lines(geometry: Any) -> list[LineString]:
    merged = linemerge(geometry) if geometry.geom_type == "MultiLineString" else geometry
    parts = [g for g in shapely.get_parts(merged) if g.geom_type == "LineString" and g.length > 0]
    return sorted(parts, key=lambda g: (g.coords[0], g.coords[-1]))


def circle(lon: float, lat: float, radius_m: float) -> Any:
    return degrees(metric(Point(lon, lat)).buffer(radius_m, quad_segs=8))


def land_polygons() -> list[tuple[Polygon, dict[str, Any]]]:
    cover = box(*COVERAGE)
    return [
        (Polygon(LEON_AND_PLOUGASTEL).intersection(cover), {}),
        (Polygon(CROZON_AND_CORNOUAILLE).intersection(cover), {}),
        (Polygon(OUESSANT), {"OBJNAM": "Ushant", "NOBJNM": "Île d'Ouessant"}),
        (Polygon(MOLENE), {"OBJNAM": "Molène", "NOBJNM": "Île de Molène"}),
    ]


# ------------------------------------------------------------------------------------------- depths
BANDS_OPEN = [
    (0.0, 5.0, 150.0),
    (5.0, 10.0, 500.0),
    (10.0, 20.0, 1500.0),
    (20.0, 50.0, 5000.0),
    (50.0, 100.0, None),
]
BANDS_RADE = [(0.0, 5.0, 250.0), (5.0, 10.0, 800.0), (10.0, 20.0, None)]
GOULET_CHANNEL = [
    (-4.680, 48.322),
    (-4.615, 48.329),
    (-4.585, 48.339),
    (-4.560, 48.349),
    (-4.535, 48.350),
    (-4.515, 48.338),
    (-4.505, 48.325),
]
#: The Rade de Brest and its rivers: shallower than the open sea at the same distance from the shore.
RADE = box(-4.545, 48.26, -4.25, 48.45)


def depth_areas(land_m: Any, sea_m: Any) -> list[tuple[float, float, Any]]:
    """Depth bands tiling the sea (metric geometries), from the distance to the shore."""
    rade = metric(RADE).intersection(sea_m)
    open_sea = sea_m.difference(rade)
    channel = metric(LineString(GOULET_CHANNEL)).buffer(450.0, quad_segs=4)
    channel = channel.intersection(sea_m).difference(land_m.buffer(350.0, quad_segs=3))
    bands: dict[tuple[float, float], Any] = {}
    for region, table in ((open_sea, BANDS_OPEN), (rade, BANDS_RADE)):
        inner = None
        for low, high, radius in table:
            outer = (
                region
                if radius is None
                else land_m.buffer(radius, quad_segs=3).simplify(25.0).intersection(region)
            )
            band = outer if inner is None else outer.difference(inner)
            bands[(low, high)] = unary_union([bands.get((low, high), Polygon()), band])
            inner = outer if inner is None else unary_union([inner, outer])
    for key in list(bands):
        bands[key] = bands[key].difference(channel)
    bands[(20.0, 50.0)] = unary_union([bands[(20.0, 50.0)], channel])
    return [(low, high, geometry) for (low, high), geometry in sorted(bands.items())]


def contours(bands: list[tuple[float, float, Any]], sea_m: Any) -> list[tuple[float, Any]]:
    inside = sea_m.buffer(-5.0)
    result = []
    for value in (5.0, 10.0, 20.0, 50.0):
        shallow = unary_union([g for low, high, g in bands if high <= value])
        result.append((value, shallow.boundary.intersection(inside)))
    return result


def soundings(bands: list[tuple[float, float, Any]], land_m: Any) -> list[tuple[float, float, float]]:
    """Synthetic soundings (lon, lat, depth) on a grid, each inside the range of its depth band."""
    minx, miny, maxx, maxy = metric(box(*COVERAGE)).bounds
    clear = land_m.buffer(120.0, quad_segs=2)
    rade = metric(RADE)
    points = []
    for spacing, region in ((2500.0, None), (700.0, rade)):
        for i, x in enumerate(np.arange(math.ceil(minx / spacing) * spacing, maxx, spacing)):
            for j, y in enumerate(np.arange(math.ceil(miny / spacing) * spacing, maxy, spacing)):
                p = Point(float(x), float(y))
                if clear.contains(p) or (region is not None and not region.contains(p)):
                    continue
                if region is None and rade.contains(p):
                    continue
                for low, high, geometry in bands:
                    if geometry.contains(p):
                        fraction = 0.15 + 0.7 * ((i * 7919 + j * 104729) % 97) / 96.0
                        points.append((p, round(low + fraction * (high - low), 1)))
                        break
    result = []
    for p, depth in points:
        lonlat = degrees(p)
        result.append((lonlat.x, lonlat.y, depth))
    return result


# -------------------------------------------------------------------------------------- the features
def build_features() -> list[Feature]:
    cover = box(*COVERAGE)
    lands = land_polygons()
    land = unary_union([p for p, _ in lands])
    land_m = metric(land)
    sea_m = metric(cover).difference(land_m)
    sea = degrees(sea_m)
    features: list[Feature] = [
        Feature(
            "M_COVR", cover, {"CATCOV": 1, "INFORM": NOT_FOR_NAVIGATION, "NINFOM": NOT_FOR_NAVIGATION_FR}
        ),
        Feature("M_NSYS", cover, {"MARSYS": 1}),
    ]
    for polygon, attrs in lands:
        features.append(Feature("LNDARE", polygon, dict(attrs)))
        coast = polygon.exterior.difference(cover.exterior.buffer(1e-6))
        features += [Feature("COALNE", part, {}) for part in lines(coast)]
    features += [Feature("LNDARE", Point(lon, lat), {}) for lon, lat in ISLETS]

    bands = depth_areas(land_m, sea_m)
    for low, high, geometry in bands:
        for part in polygons(degrees(geometry), min_area_m2=2000.0):
            features.append(Feature("DEPARE", part, {"DRVAL1": low, "DRVAL2": high}))
    for value, geometry in contours(bands, sea_m):
        for part in lines(degrees(geometry.simplify(10.0))):
            if metric(part).length > 300.0:
                features.append(Feature("DEPCNT", part, {"VALDCO": value}))
    sounding_points = soundings(bands, land_m)
    for start in range(0, len(sounding_points), 60):
        chunk = sounding_points[start : start + 60]
        features.append(Feature("SOUNDG", MultiPoint([(x, y, z) for x, y, z in chunk]), {"TECSOU": [3]}))

    def sea_area(region: Any, **attrs: Any) -> None:
        for part in polygons(region.intersection(sea), min_area_m2=1e5)[:1]:
            features.append(Feature("SEAARE", part, attrs))

    sea_area(box(-4.625, 48.325, -4.535, 48.362), OBJNAM="Brest Narrows", NOBJNM="Goulet de Brest", CATSEA=12)
    sea_area(box(-4.535, 48.26, -4.25, 48.45), OBJNAM="Brest Roads", NOBJNM="Rade de Brest", CATSEA=5)
    sea_area(box(-5.16, 48.23, -4.625, 48.55), OBJNAM="Iroise Sea", NOBJNM="Mer d'Iroise")
    sea_area(
        box(-4.71, 48.325, -4.655, 48.347), OBJNAM="Bertheaume Bay", NOBJNM="Anse de Bertheaume", CATSEA=5
    )
    sea_area(box(-4.615, 48.276, -4.583, 48.297), OBJNAM="Camaret Bay", NOBJNM="Anse de Camaret", CATSEA=5)
    sea_area(
        box(-4.56, 48.15, -4.25, 48.232), OBJNAM="Bay of Douarnenez", NOBJNM="Baie de Douarnenez", CATSEA=5
    )
    sea_area(box(-4.87, 48.33, -4.79, 48.54), OBJNAM="Four Channel", NOBJNM="Chenal du Four")
    sea_area(box(-5.08, 48.40, -4.99, 48.45), OBJNAM="Fromveur Passage", NOBJNM="Passage du Fromveur")

    features += [
        Feature(
            "ACHARE",
            circle(-4.5980, 48.2880, 450.0),
            {"OBJNAM": "Camaret anchorage", "NOBJNM": "Mouillage de Camaret", "CATACH": [1]},
        ),
        Feature(
            "ACHARE",
            circle(-4.6750, 48.3370, 400.0),
            {"OBJNAM": "Bertheaume anchorage", "NOBJNM": "Mouillage de Bertheaume", "CATACH": [7]},
        ),
        Feature(
            "ACHARE",
            circle(-4.4750, 48.3700, 600.0),
            {"OBJNAM": "Brest inner roads", "NOBJNM": "Rade-abri de Brest", "CATACH": [1]},
        ),
    ]
    ile_longue = Polygon(CROZON_AND_CORNOUAILLE[15:24]).buffer(0.0)
    naval_zone = degrees(metric(ile_longue).buffer(900.0, quad_segs=6)).intersection(sea)
    features.append(
        Feature(
            "RESARE",
            polygons(naval_zone)[0],
            {
                "OBJNAM": "Ile Longue naval base",
                "NOBJNM": "Base navale de l'Île Longue",
                "CATREA": [9],
                "RESTRN": [7, 1],
                "INFORM": "Prohibited area: entry, anchoring and fishing prohibited",
                "NINFOM": "Zone interdite à la navigation, au mouillage et à la pêche",
            },
        )
    )
    goulet_fairway = degrees(metric(LineString(GOULET_CHANNEL[1:5])).buffer(250.0, quad_segs=4)).intersection(
        sea
    )
    features.append(
        Feature(
            "RESARE",
            polygons(goulet_fairway)[0],
            {
                "OBJNAM": "Brest Narrows fairway",
                "NOBJNM": "Chenal du Goulet de Brest",
                "RESTRN": [1],
                "INFORM": "Anchoring prohibited in the fairway",
                "NINFOM": "Mouillage interdit dans le chenal",
            },
        )
    )
    roscanvel_foul = degrees(metric(Point(-4.5420, 48.3040)).buffer(250.0, quad_segs=6)).intersection(sea)
    features.append(Feature("OBSTRN", polygons(roscanvel_foul)[0], {"CATOBS": 7, "VALSOU": 3.2, "WATLEV": 3}))

    features += DANGERS + LANDMARKS + PLACES
    for feature in LIGHTHOUSES:
        features.append(feature)
    for mark in MARKS:
        features.append(mark)
        features += mark.slaves
    return features


# --------------------------------------------------------------------------------------- GDAL writer
def _libgdal() -> ctypes.CDLL:
    import pyogrio

    wheel_libs = Path(pyogrio.__file__).resolve().parent.parent / "pyogrio.libs"
    candidates = sorted(glob.glob(str(wheel_libs / "libgdal*")))
    found = ctypes.util.find_library("gdal")
    if found:
        candidates.append(found)
    if not candidates:
        raise SystemExit("libgdal not found (expected in the pyogrio wheel's pyogrio.libs folder)")
    return ctypes.CDLL(candidates[0])


class S57Writer:
    """The few GDAL C API calls needed to write an S-57 file with GDAL's S-57 driver."""

    OFT_INTEGER, OFT_INTEGER_LIST, OFT_REAL, OFT_STRING, OFT_STRING_LIST = 0, 1, 2, 4, 5

    def __init__(self, path: Path, options: dict[str, str]) -> None:
        lib = _libgdal()
        v = ctypes.c_void_p
        self._sig(lib, "GDALAllRegister", None)
        self._sig(lib, "GDALGetDriverByName", v, ctypes.c_char_p)
        self._sig(
            lib,
            "GDALCreate",
            v,
            v,
            ctypes.c_char_p,
            ctypes.c_int,
            ctypes.c_int,
            ctypes.c_int,
            ctypes.c_int,
            ctypes.POINTER(ctypes.c_char_p),
        )
        self._sig(lib, "GDALDatasetGetLayerByName", v, v, ctypes.c_char_p)
        self._sig(lib, "GDALClose", ctypes.c_int, v)
        self._sig(lib, "OGR_L_GetLayerDefn", v, v)
        self._sig(lib, "OGR_L_CreateFeature", ctypes.c_int, v, v)
        self._sig(lib, "OGR_FD_GetFieldIndex", ctypes.c_int, v, ctypes.c_char_p)
        self._sig(lib, "OGR_FD_GetFieldDefn", v, v, ctypes.c_int)
        self._sig(lib, "OGR_Fld_GetType", ctypes.c_int, v)
        self._sig(lib, "OGR_F_Create", v, v)
        self._sig(lib, "OGR_F_Destroy", None, v)
        self._sig(lib, "OGR_F_SetFieldInteger", None, v, ctypes.c_int, ctypes.c_int)
        self._sig(lib, "OGR_F_SetFieldDouble", None, v, ctypes.c_int, ctypes.c_double)
        self._sig(lib, "OGR_F_SetFieldString", None, v, ctypes.c_int, ctypes.c_char_p)
        self._sig(
            lib,
            "OGR_F_SetFieldIntegerList",
            None,
            v,
            ctypes.c_int,
            ctypes.c_int,
            ctypes.POINTER(ctypes.c_int),
        )
        self._sig(lib, "OGR_F_SetFieldStringList", None, v, ctypes.c_int, ctypes.POINTER(ctypes.c_char_p))
        self._sig(lib, "OGR_F_SetGeometryDirectly", ctypes.c_int, v, v)
        self._sig(
            lib, "OGR_G_CreateFromWkb", ctypes.c_int, ctypes.c_char_p, v, ctypes.POINTER(v), ctypes.c_int
        )
        self.lib = lib
        lib.GDALAllRegister()
        driver = lib.GDALGetDriverByName(b"S57")
        if not driver:
            raise SystemExit("GDAL has no S57 driver")
        encoded = [f"{k}={v}".encode("latin-1") for k, v in options.items()]
        array = (ctypes.c_char_p * (len(encoded) + 1))(*encoded, None)
        self.dataset = lib.GDALCreate(driver, str(path).encode(), 0, 0, 0, 0, array)
        if not self.dataset:
            raise SystemExit(f"GDAL could not create {path}")
        self._layers: dict[str, tuple[int, int]] = {}

    @staticmethod
    def _sig(lib: ctypes.CDLL, name: str, restype: Any, *argtypes: Any) -> None:
        function = getattr(lib, name)
        function.restype = restype
        function.argtypes = list(argtypes)

    def _layer(self, name: str) -> tuple[int, int]:
        if name not in self._layers:
            layer = self.lib.GDALDatasetGetLayerByName(self.dataset, name.encode())
            if not layer:
                raise SystemExit(f"the S-57 driver has no layer {name}")
            self._layers[name] = (layer, self.lib.OGR_L_GetLayerDefn(layer))
        return self._layers[name]

    def write(self, layer_name: str, fields: dict[str, Any], geometry: Any = None) -> None:
        lib = self.lib
        layer, definition = self._layer(layer_name)
        feature = lib.OGR_F_Create(definition)
        for key, value in fields.items():
            index = lib.OGR_FD_GetFieldIndex(definition, key.encode())
            if index < 0:
                raise SystemExit(f"{layer_name} has no attribute {key}")
            kind = lib.OGR_Fld_GetType(lib.OGR_FD_GetFieldDefn(definition, index))
            values = value if isinstance(value, (list, tuple)) else [value]
            if kind == self.OFT_INTEGER:
                lib.OGR_F_SetFieldInteger(feature, index, int(value))
            elif kind == self.OFT_REAL:
                lib.OGR_F_SetFieldDouble(feature, index, float(value))
            elif kind == self.OFT_STRING:
                lib.OGR_F_SetFieldString(feature, index, str(value).encode("latin-1"))
            elif kind == self.OFT_INTEGER_LIST:
                ints = (ctypes.c_int * len(values))(*[int(x) for x in values])
                lib.OGR_F_SetFieldIntegerList(feature, index, len(values), ints)
            elif kind == self.OFT_STRING_LIST:
                texts = [str(x).encode("latin-1") for x in values]
                lib.OGR_F_SetFieldStringList(
                    feature, index, (ctypes.c_char_p * (len(texts) + 1))(*texts, None)
                )
            else:
                raise SystemExit(f"{layer_name}.{key}: unsupported field type {kind}")
        if geometry is not None:
            wkb = shapely.to_wkb(geometry, output_dimension=3 if geometry.has_z else 2, byte_order=1)
            handle = ctypes.c_void_p()
            if lib.OGR_G_CreateFromWkb(wkb, None, ctypes.byref(handle), len(wkb)) != 0:
                raise SystemExit(f"bad geometry for {layer_name}")
            lib.OGR_F_SetGeometryDirectly(feature, handle)
        if lib.OGR_L_CreateFeature(layer, feature) != 0:
            raise SystemExit(f"GDAL refused a {layer_name} feature")
        lib.OGR_F_Destroy(feature)

    def close(self) -> None:
        if self.dataset:
            self.lib.GDALClose(self.dataset)
            self.dataset = None


# Skin-of-the-earth classes (group 1); every other class is group 2.
GROUP_1 = {"DEPARE", "DRGARE", "FLODOC", "HULKES", "LNDARE", "PONTON", "UNSARE"}
PRIMITIVE = {"Point": 1, "MultiPoint": 1, "LineString": 2, "Polygon": 3}


def lnam(fidn: int) -> str:
    return f"{AGENCY:04X}{fidn:08X}{1:04X}"


def write_cell(features: Sequence[Feature], path: Path) -> None:
    """Write ``features`` as one S-57 cell at ``path`` with GDAL's S-57 writer."""
    from maritime.enc.catalogue import Catalogue

    catalogue = Catalogue.load()
    for number, feature in enumerate(features, start=1):
        feature.fidn = number
    counts = {"nodes": 0, "connected": 0, "edges": 0}
    for feature in features:
        kind = feature.geometry.geom_type
        if kind in ("Point", "MultiPoint"):
            counts["nodes"] += 1
        else:
            rings = _rings(feature.geometry)
            counts["edges"] += len(rings)
            counts["connected"] += sum(1 if closed else 2 for _, closed in rings)
    options = dict(DSID_OPTIONS)
    options.update(
        S57_NOMR=str(sum(f.acronym.startswith("M_") for f in features)),
        S57_NOGR=str(sum(not f.acronym.startswith("M_") for f in features)),
        S57_NOIN=str(counts["nodes"]),
        S57_NOCN=str(counts["connected"]),
        S57_NOED=str(counts["edges"]),
    )
    writer = S57Writer(path, options)
    node_id = connected_id = edge_id = 0
    try:
        for feature in features:
            kind = feature.geometry.geom_type
            link: dict[str, list[int]] = {
                "NAME_RCNM": [],
                "NAME_RCID": [],
                "ORNT": [],
                "USAG": [],
                "MASK": [],
            }
            if kind in ("Point", "MultiPoint"):
                node_id += 1
                writer.write("IsolatedNode", {"RCNM": 110, "RCID": node_id}, feature.geometry)
                link = {
                    "NAME_RCNM": [110],
                    "NAME_RCID": [node_id],
                    "ORNT": [255],
                    "USAG": [255],
                    "MASK": [255],
                }
            else:
                for usage, (ring, closed) in enumerate(_rings(feature.geometry)):
                    coords = list(ring.coords)
                    connected_id += 1
                    start = connected_id
                    writer.write("ConnectedNode", {"RCNM": 120, "RCID": start}, Point(coords[0]))
                    end = start
                    if not closed:
                        connected_id += 1
                        end = connected_id
                        writer.write("ConnectedNode", {"RCNM": 120, "RCID": end}, Point(coords[-1]))
                    edge_id += 1
                    nodes = {
                        "NAME_RCNM_0": 120,
                        "NAME_RCID_0": start,
                        "ORNT_0": 255,
                        "USAG_0": 255,
                        "TOPI_0": 1,
                        "MASK_0": 255,
                        "NAME_RCNM_1": 120,
                        "NAME_RCID_1": end,
                        "ORNT_1": 255,
                        "USAG_1": 255,
                        "TOPI_1": 2,
                        "MASK_1": 255,
                    }
                    interior = coords[1:-1]
                    # Edges hold the vertices between their two nodes; GDAL writes a lone vertex as a point.
                    shape = (
                        LineString(interior)
                        if len(interior) >= 2
                        else Point(interior[0])
                        if interior
                        else None
                    )
                    writer.write("Edge", {"RCNM": 130, "RCID": edge_id, **nodes}, shape)
                    link["NAME_RCNM"].append(130)
                    link["NAME_RCID"].append(edge_id)
                    link["ORNT"].append(1)
                    link["USAG"].append((1 if usage == 0 else 2) if kind == "Polygon" else 255)
                    link["MASK"].append(255)
            record = {
                "RCID": feature.fidn,
                "PRIM": PRIMITIVE[kind],
                "GRUP": 1 if feature.acronym in GROUP_1 else 2,
                "OBJL": catalogue.classes[feature.acronym].code,
                "AGEN": AGENCY,
                "FIDN": feature.fidn,
                "FIDS": 1,
                **link,
                **feature.attrs,
            }
            if feature.slaves:
                record["LNAM_REFS"] = [lnam(s.fidn) for s in feature.slaves]
                record["FFPT_RIND"] = [2] * len(feature.slaves)
            writer.write(feature.acronym, record)
    finally:
        writer.close()


def _rings(geometry: Any) -> list[tuple[LineString, bool]]:
    if geometry.geom_type == "Polygon":
        rings = [geometry.exterior, *geometry.interiors]
        return [(LineString(r.coords), True) for r in rings]
    if geometry.geom_type == "LineString":
        return [(geometry, geometry.is_closed)]
    raise ValueError(f"cannot write {geometry.geom_type}")


def build(output_dir: Path) -> Path:
    """Write ``<output_dir>/FR_BREST_SAMPLE.000`` and return its path."""
    output_dir.mkdir(parents=True, exist_ok=True)
    target = output_dir / f"{CELL_NAME}.000"
    features = build_features()
    _check_positions(features)
    with tempfile.TemporaryDirectory() as tmp:
        scratch = Path(tmp) / target.name  # DSID DSNM is the file name: write under the final name
        write_cell(features, scratch)
        shutil.copyfile(scratch, target)
    return target


def _check_positions(features: Iterable[Feature]) -> None:
    """Buoys, wrecks and soundings must be at sea; lighthouses ashore or on an islet."""
    land = unary_union([p for p, _ in land_polygons()])
    for feature in features:
        if feature.acronym in {"BOYCAR", "BOYLAT", "WRECKS", "UWTROC"} and land.contains(feature.geometry):
            raise SystemExit(f"{feature.acronym} {feature.attrs.get('OBJNAM')} is on land")
        if feature.acronym == "SOUNDG" and any(
            land.contains(Point(p.x, p.y)) for p in feature.geometry.geoms
        ):
            raise SystemExit("a sounding is on land")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", type=Path, default=CHARTS, help="folder to write into (default: charts/)")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(CHARTS.parent))
    path = build(args.output)
    from maritime.enc.s57 import read_dataset

    frame, metadata = read_dataset(path)
    print(f"wrote {path} ({path.stat().st_size} bytes): {len(frame)} features")
    for acronym, count in metadata.feature_counts.items():
        print(f"  {acronym:7s} {count}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
