"""Benchmark of the ChartStore: ingest cost and query latency, each against its baseline.

(a) Ingest of each real NOAA cell (``maritime.enc.store.ChartStore.ingest``: read with updates, decode,
    write GeoParquet and gazetteer) against GDAL's bare read of the same layers
    (``pyogrio.read_dataframe`` of every layer, same open options). Target: at most 3x.
(b) Query latency at 1 million point features. The soundings of the real cells are jittered
    deterministically (fixed seed) up to one million points; ``within`` (radius query) and ``nearest``
    run at positions drawn the same way, against a brute-force geodesic scan (``pyproj.Geod.inv`` over
    every point, timed on a few queries only). The brute force also checks the answers.
    Targets: p50 < 10 ms and at least 100x faster than brute force.

Usage::

    .venv/bin/python benchmarks/bench_charts.py            # full run (1 000 000 points)
    .venv/bin/python benchmarks/bench_charts.py --quick    # 100 000 points, fewer repeats

It prints its figures and a Markdown table for docs/benchmarks.md. It needs the real data in
``../shared/data/enc`` (next to the repository) and exits with a message when it is absent.
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

import geopandas as gpd
import numpy as np
import pyogrio
from pyproj import Geod

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:  # run as a script from anywhere
    sys.path.insert(0, str(REPO))

from maritime.enc import model, s57  # noqa: E402
from maritime.enc.model import CellMetadata  # noqa: E402
from maritime.enc.store import NM_M, ChartStore  # noqa: E402

ENC = REPO.parent / "shared" / "data" / "enc"
SEED = 20240611
GEOD = Geod(ellps="WGS84")


def bare_read(path: Path) -> int:
    """GDAL's read of every layer of a cell, with the reader's open options; returns the row count."""
    rows = 0
    for layer, _ in pyogrio.list_layers(path):
        frame = pyogrio.read_dataframe(
            path, layer=str(layer), read_geometry=str(layer) != "DSID", force_2d=True, **s57.S57_OPEN_OPTIONS
        )
        rows += len(frame)
    return rows


def best_of(repeats: int, func) -> float:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        func()
        times.append(time.perf_counter() - start)
    return min(times)


def bench_ingest(cells: list[Path], repeats: int) -> list[dict[str, object]]:
    out = []
    for cell_dir in cells:
        base = s57.find_datasets(cell_dir)[0]
        bare_read(base)  # warm the file cache and GDAL
        t_bare = best_of(repeats, lambda base=base: bare_read(base))

        def ingest(cell_dir: Path = cell_dir) -> None:
            with tempfile.TemporaryDirectory() as tmp:
                report = ChartStore.open(Path(tmp) / "charts").ingest([cell_dir])
                if report.skipped or not report.ingested:
                    raise RuntimeError(f"ingest of {cell_dir} failed: {report.skipped}")

        t_ingest = best_of(repeats, ingest)
        out.append(
            {
                "cell": base.stem,
                "size_kb": sum(p.stat().st_size for p in [base, *s57.find_updates(base)]) // 1024,
                "bare_s": t_bare,
                "ingest_s": t_ingest,
                "ratio": t_ingest / t_bare,
            }
        )
        print(
            f"  {base.stem}: GDAL {t_bare * 1000:.0f} ms, ingest {t_ingest * 1000:.0f} ms, "
            f"x{t_ingest / t_bare:.2f}",
            flush=True,
        )
    return out


def synthetic_soundings(cells: list[Path], n_points: int, rng: np.random.Generator) -> gpd.GeoDataFrame:
    """``n_points`` soundings: real SOUNDG points of the cells, jittered (sigma 300 m) with a fixed seed."""
    lons, lats, depths = [], [], []
    for cell_dir in cells:
        frame, _ = s57.read_dataset(s57.find_datasets(cell_dir)[0])
        snd = frame[frame[model.COL_CLASS] == "SOUNDG"]
        lons.append(snd.geometry.x.to_numpy())
        lats.append(snd.geometry.y.to_numpy())
        depths.append(snd[model.COL_DEPTH_M].to_numpy(dtype=float))
    lon0, lat0, depth0 = np.concatenate(lons), np.concatenate(lats), np.concatenate(depths)
    pick = rng.integers(0, len(lon0), n_points)
    sigma_deg = 300.0 / 111_320.0
    lat = np.clip(lat0[pick] + rng.normal(0.0, sigma_deg, n_points), -89.9, 89.9)
    lon = lon0[pick] + rng.normal(0.0, sigma_deg, n_points) / np.cos(np.radians(lat))
    lon = (lon + 180.0) % 360.0 - 180.0
    depth = np.round(np.maximum(depth0[pick] + rng.normal(0.0, 0.5, n_points), 0.0), 1)
    return gpd.GeoDataFrame(
        {
            model.COL_CELL: "BENCH1M",
            model.COL_CLASS: "SOUNDG",
            model.COL_FEATURE_ID: [f"S{i}" for i in range(n_points)],
            model.COL_NAME: None,
            model.COL_NATIONAL_NAME: None,
            model.COL_DEPTH_M: depth,
            model.COL_ATTRIBUTES: "{}",
            model.COL_SCALE: 20000,
            model.COL_GEOMETRY: gpd.points_from_xy(lon, lat),
        },
        geometry=model.COL_GEOMETRY,
        crs=model.CRS,
    )


def percentile(values: list[float], q: float) -> float:
    return float(np.percentile(np.asarray(values), q))


def bench_queries(
    cells: list[Path], n_points: int, n_queries: int, n_brute: int, radius_nm: float
) -> dict[str, object]:
    rng = np.random.default_rng(SEED)
    t0 = time.perf_counter()
    frame = synthetic_soundings(cells, n_points, rng)
    t_make = time.perf_counter() - t0
    xs, ys = frame.geometry.x.to_numpy(), frame.geometry.y.to_numpy()
    with tempfile.TemporaryDirectory() as tmp:
        store = ChartStore.open(Path(tmp) / "charts")
        t0 = time.perf_counter()
        store.add_dataset(
            frame, CellMetadata(cell="BENCH1M", source_path="synthetic", compilation_scale=20000)
        )
        t_write = time.perf_counter() - t0
        store = ChartStore.open(store.folder)
        t0 = time.perf_counter()
        store.nearest((float(ys[0]), float(xs[0])))  # loads the GeoParquet and builds the STRtree
        t_load = time.perf_counter() - t0
        pick = rng.integers(0, n_points, n_queries)
        jitter = rng.normal(0.0, 0.002, (n_queries, 2))
        queries = [
            (float(np.clip(ys[i] + j[0], -89.9, 89.9)), float(xs[i] + j[1]))
            for i, j in zip(pick, jitter, strict=True)
        ]
        queries = [(lat, (lon + 180.0) % 360.0 - 180.0) for lat, lon in queries]
        for q in queries[:5]:  # warm-up
            store.within(q, radius_nm)
            store.nearest(q)
        lat_within, lat_nearest, lat_nearest10, counts = [], [], [], []
        for q in queries:
            t = time.perf_counter()
            res = store.within(q, radius_nm)
            lat_within.append(time.perf_counter() - t)
            counts.append(len(res))
            t = time.perf_counter()
            store.nearest(q)
            lat_nearest.append(time.perf_counter() - t)
            t = time.perf_counter()
            store.nearest(q, n=10)
            lat_nearest10.append(time.perf_counter() - t)
        brute_times = []
        for q in queries[:n_brute]:
            t = time.perf_counter()
            _, _, dist = GEOD.inv(np.full(n_points, q[1]), np.full(n_points, q[0]), xs, ys)
            inside = np.flatnonzero(dist <= radius_nm * NM_M)
            nearest = int(np.argmin(dist))
            brute_times.append(time.perf_counter() - t)
            got = store.within(q, radius_nm)
            if sorted(got[model.COL_FEATURE_ID]) != sorted(f"S{i}" for i in inside):
                raise AssertionError(f"within({q}) differs from the brute force")
            near = store.nearest(q)
            if abs(float(near["distance_nm"].iloc[0]) * NM_M - float(dist[nearest])) > 0.01:
                raise AssertionError(f"nearest({q}) differs from the brute force")
    brute = statistics.median(brute_times)
    return {
        "n_points": n_points,
        "n_queries": n_queries,
        "radius_nm": radius_nm,
        "make_s": t_make,
        "write_s": t_write,
        "load_s": t_load,
        "within_p50_ms": percentile(lat_within, 50) * 1000,
        "within_p95_ms": percentile(lat_within, 95) * 1000,
        "within_mean_hits": float(np.mean(counts)),
        "within_median_hits": float(np.median(counts)),
        "within_max_hits": int(np.max(counts)),
        "nearest_p50_ms": percentile(lat_nearest, 50) * 1000,
        "nearest_p95_ms": percentile(lat_nearest, 95) * 1000,
        "nearest10_p50_ms": percentile(lat_nearest10, 50) * 1000,
        "nearest10_p95_ms": percentile(lat_nearest10, 95) * 1000,
        "brute_ms": brute * 1000,
        "n_brute": n_brute,
    }


def markdown(ingest: list[dict[str, object]], query: dict[str, object], quick: bool) -> str:
    lines = [
        f"### Charts benchmark ({'quick' if quick else 'full'} run, seed {SEED})",
        "",
        f"Machine: {platform.processor() or platform.machine()}, Python {platform.python_version()}, "
        f"GDAL {pyogrio.__gdal_version_string__}.",
        "",
        "**(a) Ingest per cell vs GDAL's bare read of the same layers** (best of the repeats; target <= 3x)",
        "",
        "| cell | files (KB) | GDAL read (ms) | ChartStore.ingest (ms) | ratio | target met |",
        "|---|---:|---:|---:|---:|:---:|",
    ]
    for row in ingest:
        ratio = float(row["ratio"])  # type: ignore[arg-type]
        lines.append(
            f"| {row['cell']} | {row['size_kb']} | {float(row['bare_s']) * 1000:.0f} | "  # type: ignore[arg-type]
            f"{float(row['ingest_s']) * 1000:.0f} | {ratio:.2f}x | {'yes' if ratio <= 3 else 'no'} |"  # type: ignore[arg-type]
        )
    total_bare = sum(float(r["bare_s"]) for r in ingest)  # type: ignore[arg-type]
    total_ingest = sum(float(r["ingest_s"]) for r in ingest)  # type: ignore[arg-type]
    lines.append(
        f"| **all** | | {total_bare * 1000:.0f} | {total_ingest * 1000:.0f} | {total_ingest / total_bare:.2f}x | "
        f"{'yes' if total_ingest / total_bare <= 3 else 'no'} |"
    )
    q = query
    brute = float(q["brute_ms"])  # type: ignore[arg-type]
    lines += [
        "",
        f"**(b) Queries at {int(q['n_points']):,} point features** ({q['n_queries']} random queries; "  # type: ignore[call-overload]
        f"brute force = `Geod.inv` over every point, median of {q['n_brute']}; targets p50 < 10 ms and >= 100x)",
        "",
        "| query | p50 (ms) | p95 (ms) | brute force (ms) | speed-up at p50 | target met |",
        "|---|---:|---:|---:|---:|:---:|",
    ]
    for label, key in (
        (
            f"within {q['radius_nm']} NM (hits: median {float(q['within_median_hits']):.0f}, "  # type: ignore[arg-type]
            f"mean {float(q['within_mean_hits']):.0f}, max {q['within_max_hits']})",
            "within",
        ),
        ("nearest (n=1)", "nearest"),
        ("nearest (n=10)", "nearest10"),
    ):
        p50 = float(q[f"{key}_p50_ms"])  # type: ignore[arg-type]
        p95 = float(q[f"{key}_p95_ms"])  # type: ignore[arg-type]
        ok = p50 < 10 and brute / p50 >= 100
        lines.append(
            f"| {label} | {p50:.2f} | {p95:.2f} | {brute:.0f} | {brute / p50:,.0f}x | {'yes' if ok else 'no'} |"
        )
    lines += [
        "",
        f"Building the data: jitter {float(q['make_s']):.1f} s; writing GeoParquet {float(q['write_s']):.1f} s; "  # type: ignore[arg-type]
        f"first query after opening (read GeoParquet + build STRtree) {float(q['load_s']):.1f} s. "  # type: ignore[arg-type]
        "Every brute-force query also checked the answers (same features, nearest distance to 1 cm).",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="100 000 points, 1 repeat, fewer queries")
    parser.add_argument("--points", type=int, default=None, help="number of point features (default 1e6)")
    parser.add_argument("--radius-nm", type=float, default=1.0, help="radius of the within query")
    parser.add_argument("--json", type=Path, default=None, help="also write the raw figures to this file")
    args = parser.parse_args(argv)
    if not ENC.is_dir():
        print(f"bench_charts: skipped, the real ENC cells are not at {ENC} (../shared/data is absent)")
        return 0
    cells = sorted(p for p in ENC.iterdir() if p.is_dir() and not p.name.startswith("_"))
    n_points = args.points or (100_000 if args.quick else 1_000_000)
    repeats = 1 if args.quick else 5
    print(f"(a) ingest of {len(cells)} cells, best of {repeats}", flush=True)
    ingest = bench_ingest(cells, repeats)
    print(f"(b) queries at {n_points:,} points", flush=True)
    query = bench_queries(cells, n_points, 50 if args.quick else 200, 3 if args.quick else 5, args.radius_nm)
    print(json.dumps(query, indent=1))
    print()
    print(markdown(ingest, query, args.quick))
    if args.json:
        args.json.write_text(json.dumps({"ingest": ingest, "query": query}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
