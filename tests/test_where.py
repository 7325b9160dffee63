"""When and where violations happen: diurnal profiles, per-type offsets and bands, sectors.

Statistical checks use stated levels (ALPHA, Bonferroni-corrected where many bins are
tested at once); each draw is seeded, so the tests are deterministic, and each fails
on a wrong model (a UTC instead of a solar hour, an unnormalised profile, the wrong
offset distribution).
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from scipy import stats

from sim.core.errors import ScenarioError
from sim.core.geo import Line
from sim.core.solar_time import solar_hour
from sim.spec.load import scenario_from_data
from sim.world.violation_types import hour_factors
from sim.world.violations import make_violations

ALPHA = 1e-3  # the level of each statistical test (a true model fails one in 1000 seeds)

# an east-west line over 30 degrees of longitude: two hours of solar time end to end
POINTS = [[20.0, 48.0], [35.0, 48.2], [50.0, 48.0]]
DAWN_DUSK = [1, 1, 1, 1, 2, 6, 8, 4, 1, 1, 0.5, 0.5, 0.5, 0.5, 0.5, 1, 2, 5, 8, 3, 1, 1, 1, 0]


def scenario(violations: dict, line: dict | None = None, **top):
    data = {
        "name": "where",
        "duration": "20d",
        "start": "2026-03-01T05:17:00Z",
        "line": {"crs": "lonlat", "points": POINTS, "buffer": "20km", **(line or {})},
        "violations": violations,
        **top,
    }
    return scenario_from_data(data)


def draw(s, seed: int = 1):
    line = Line.from_points(s.line.points, s.line.crs, s.line.buffer)
    return make_violations(s, line, np.random.default_rng(seed)), line


def local_hours(s, v, line) -> np.ndarray:
    """The violations' local mean solar hours, computed here from their lon and UTC start."""
    lon, _ = line.to_lonlat(v.x, v.y)
    utc = [s.start + dt.timedelta(seconds=float(t)) for t in v.t_start]
    seconds = [3600 * u.hour + 60 * u.minute + u.second + u.microsecond * 1e-6 for u in utc]
    hours = np.array(seconds) / 3600.0
    return np.mod(hours + np.asarray(lon) / 15.0, 24.0)


def hour_counts(hours: np.ndarray) -> np.ndarray:
    return np.bincount(np.floor(hours).astype(int) % 24, minlength=24)


def chi_square_p(counts: np.ndarray, probabilities: np.ndarray) -> float:
    """p-value of counts against the cell probabilities (cells of probability 0 excluded)."""
    live = probabilities > 0
    expected = counts.sum() * probabilities[live] / probabilities[live].sum()
    return float(stats.chisquare(counts[live], expected).pvalue)


def test_hour_factors_have_a_daily_mean_of_one():
    f = hour_factors(DAWN_DUSK)
    assert f.mean() == pytest.approx(1.0)
    assert f[6] / f[10] == pytest.approx(16.0)


def test_solar_hour_is_utc_plus_longitude_over_15():
    start = dt.datetime(2026, 1, 1, 23, 0, tzinfo=dt.timezone.utc)
    assert solar_hour(start, 0.0, 30.0) == pytest.approx(1.0)
    assert solar_hour(start, 1800.0, -15.0) == pytest.approx(22.5)


def test_counts_per_local_solar_hour_follow_the_profile():
    """Chi-square goodness of fit per type (Bonferroni over the types), and zero in hour 23."""
    s = scenario(
        {
            "rate": "600/day",
            "types": {
                "artillery": {"weight": 2, "diurnal": DAWN_DUSK},
                "mortar": {"weight": 1},
            },
        }
    )
    v, line = draw(s)
    hours = local_hours(s, v, line)
    names = np.array(v.type_names)[v.type_index]
    art = hour_counts(hours[names == "artillery"])
    assert art[23] == 0  # a weight 0 hour gets nothing, exactly
    assert chi_square_p(art, hour_factors(DAWN_DUSK)) > ALPHA / 2
    assert chi_square_p(hour_counts(hours[names == "mortar"]), np.ones(24)) > ALPHA / 2
    # the profile moves violations in the day but keeps the stated mean rate: Poisson counts
    for name, mean in (("artillery", 400 * 20), ("mortar", 200 * 20)):
        count = int(np.sum(names == name))
        low, high = stats.poisson.ppf([ALPHA / 4, 1 - ALPHA / 4], mean)
        assert low <= count <= high, (name, count, mean)


def test_the_profile_is_in_solar_not_utc_time():
    """A one-hour profile lands in that solar hour at every longitude, not in a UTC hour."""
    only_noon = [0.0] * 24
    only_noon[12] = 1.0
    s = scenario({"rate": "100/day", "diurnal": only_noon})
    v, line = draw(s)
    hours = local_hours(s, v, line)
    assert len(v) > 500
    assert np.all((hours >= 12.0 - 1e-6) & (hours < 13.0 + 1e-6))
    utc = np.mod(hours - np.asarray(line.to_lonlat(v.x, v.y)[0]) / 15.0, 24.0)
    assert np.ptp(utc) > 1.5  # the line spans two hours of longitude: UTC hours differ


def test_a_types_own_profile_overrides_the_default():
    night = [1.0] * 6 + [0.0] * 12 + [1.0] * 6
    day = [0.0] * 6 + [1.0] * 12 + [0.0] * 6
    s = scenario({"rate": "100/day", "diurnal": night, "types": {"a": {}, "b": {"diurnal": day}}})
    v, line = draw(s)
    hours = local_hours(s, v, line)
    names = np.array(v.type_names)[v.type_index]
    is_day = (hours >= 6) & (hours < 18)
    assert np.all(is_day[names == "b"]) and not np.any(is_day[names == "a"])
    assert np.all(np.diff(v.t_start) >= 0)
    assert list(v.ids[:2]) == ["v000001", "v000002"]


@pytest.mark.parametrize(
    ("violations", "line", "where", "words"),
    [
        ({"rate": 1e-3, "diurnal": [1] * 23}, None, "violations.diurnal", "24 hourly"),
        ({"rate": 1e-3, "diurnal": [0] * 24}, None, "violations.diurnal", "positive"),
        ({"rate": 1e-3, "diurnal": [1] * 23 + [-1]}, None, "violations.diurnal[23]", ">= 0"),
        (
            {"rate": 1e-3, "types": {"a": {"diurnal": [1] * 24}}},
            {"crs": "local", "points": [[0, 0], [50_000, 0]]},
            "violations.types.a.diurnal",
            "lon/lat",
        ),
    ],
)
def test_bad_diurnal_profiles_are_refused(violations, line, where, words):
    with pytest.raises(ScenarioError) as info:
        scenario(violations, line)
    text = str(info.value)
    assert where in text and words in text, text


# --- offsets and bands -------------------------------------------------------------------

BANDS = {"light": "15km", "medium": "50km", "heavy": "70km", "rocket": "140km"}


def ks_p(sample: np.ndarray, cdf) -> float:
    return float(stats.kstest(sample, cdf).pvalue)


def test_each_types_offsets_follow_its_own_distribution():
    """KS test per type at ALPHA / 4 (four types): own offset, band, the default offset."""
    s = scenario(
        {
            "rate": "400/day",
            "offset": {"exponential": "5km"},
            "diurnal": DAWN_DUSK,  # drawn with the profile too: thinning must not bias offsets
            "types": {
                "gun": {"offset": {"uniform": ["30km", "70km"]}, "band": "heavy"},
                "mortar": {"band": "light"},
                "sniper": {"offset": "-2km"},
                "other": {},
            },
        },
        {"bands": BANDS},
    )
    v, _ = draw(s)
    names = np.array(v.type_names)[v.type_index]
    offset = {name: v.offset[names == name] for name in v.type_names}
    assert min(len(o) for o in offset.values()) > 1000
    level = ALPHA / 4
    assert ks_p(offset["gun"], stats.uniform(30e3, 40e3).cdf) > level
    assert ks_p(offset["mortar"], stats.uniform(-15e3, 30e3).cdf) > level
    assert ks_p(offset["other"], stats.expon(scale=5e3).cdf) > level
    assert np.all(offset["sniper"] == -2e3)
    # and the wrong distribution is told apart: the band's, not the zone's, half-width
    assert ks_p(offset["mortar"], stats.uniform(-20e3, 40e3).cdf) < level


def test_default_offsets_are_uniform_across_the_zone_per_type():
    s = scenario({"rate": "300/day", "types": {"a": {"diurnal": [1] * 24}}})
    v, _ = draw(s)
    assert ks_p(v.offset, stats.uniform(-20e3, 40e3).cdf) > ALPHA


@pytest.mark.parametrize(
    ("types", "where", "words"),
    [
        ({"a": {"band": "huge"}}, "violations.types.a.band", "no band 'huge'"),
        (
            {"a": {"band": "light", "offset": {"uniform": ["10km", "20km"]}}},
            "violations.types.a.offset",
            "leave band 'light'",
        ),
        (
            {"a": {"band": "light", "offset": {"exponential": "1km"}}},
            "violations.types.a.offset",
            "leave band",
        ),
    ],
)
def test_bad_bands_are_refused(types, where, words):
    with pytest.raises(ScenarioError) as info:
        scenario({"rate": "1/day", "types": types}, {"bands": BANDS})
    text = str(info.value)
    assert where in text and words in text, text


def test_a_replay_refuses_generation_keys(tmp_path):
    csv = tmp_path / "v.csv"
    csv.write_text("id,t_start_s,duration_s,lon,lat\na,3600,1800,35.0,48.2\n", encoding="utf-8")
    with pytest.raises(ScenarioError) as info:
        scenario({"file": str(csv), "types": {"violation": {"offset": "1km"}}})
    assert "violations.types.violation.offset" in str(info.value)


# --- sectors and bands in the results ------------------------------------------------------


def test_sector_and_band_labels():
    from sim.world.places import band_labels, sector_labels

    sectors = {"b": (50.0, 100.0), "a": (0.0, 50.0), "c": (120.0, 130.0)}
    got = sector_labels([0, 49.9, 50, 75, 100, 110, 125, 131], sectors)
    assert list(got) == ["a", "a", "a", "b", "b", "", "c", ""]
    bands = {"wide": 70.0, "narrow": 15.0}
    assert list(band_labels([0, -15, 15.1, -70, 70.5], bands)) == [
        "narrow",
        "narrow",
        "wide",
        "wide",
        "",
    ]


def test_sector_problems_are_refused():
    for sectors, where, words in (
        ({"a": ["0km", "50km"], "b": ["40km", "60km"]}, "line.sectors.b", "overlap"),
        ({"a": ["30km", "10km"]}, "line.sectors.a", "from < to"),
        ({"a": ["3000km", "3100km"]}, "line.sectors.a", "beyond the line"),
    ):
        with pytest.raises(ScenarioError) as info:
            scenario({"rate": "1/day"}, {"sectors": sectors})
        text = str(info.value)
        assert where in text and words in text, text


def placed_scenario():
    return scenario(
        {
            "rate": "80/day",
            "duration": {"exponential": "2h"},
            "types": {"gun": {"band": "heavy"}, "mortar": {"band": "light", "diurnal": DAWN_DUSK}},
        },
        {
            "bands": BANDS,
            "sectors": {"west": ["0km", "600km"], "east": ["1200km", "2300km"]},
        },
        duration="6d",
        drones=[
            {
                "name": "uav",
                "count": 30,
                "speed": "150km/h",
                "sensor": {"range": "8km", "pd": 0.9},
                "patrol": {"standoff": "5km"},
            }
        ],
        ground_sensors=[
            {"name": "ugs", "modality": "acoustic", "spacing": "5km", "sensor": {"range": "3km"}}
        ],
        reporting={"verification": {"modalities": 2, "window": "6h"}},
    )


def test_metrics_per_sector_and_band_are_counts_of_the_events(tmp_path):
    """Each sector's and band's metrics equal a count over events.csv; keys are predicted."""
    import csv

    from sim.measure.metrics import metric_keys, wilson_interval
    from sim.pipeline import run

    s = placed_scenario()
    out = tmp_path / "run"
    metrics = run(s, out=out).metrics()
    with (out / "events.csv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert set(metrics) == metric_keys(s)
    assert rows and {"sector", "band"} <= set(rows[0])
    assert {r["sector"] for r in rows} == {"west", "east", ""}
    for kind, names in (("sector", ("west", "east")), ("band", tuple(BANDS))):
        for name in names:
            mine = [r for r in rows if r[kind] == name]
            n = len(mine)
            det = sum(r["detected"] == "true" for r in mine)
            ver = sum(r["verified"] == "true" for r in mine)
            prefix = f"{kind}.{name}"
            assert metrics[f"{prefix}.violations.count"] == n
            if n:
                assert metrics[f"{prefix}.detection.probability"] == det / n
                assert metrics[f"{prefix}.verified.probability"] == ver / n
            low, high = wilson_interval(det, n)
            assert metrics[f"{prefix}.detection.probability.low95"] == low
            assert metrics[f"{prefix}.detection.probability.high95"] == high
            lat = [float(r["latency_s"]) for r in mine if r["detected"] == "true"]
            if lat:
                assert metrics[f"{prefix}.latency.median_s"] == pytest.approx(np.median(lat))
    # the band column is the narrowest band holding |offset|: heavy guns reach beyond light
    gun = [r for r in rows if r["type"] == "gun"]
    assert all(abs(float(r["offset_m"])) <= 70e3 for r in gun)
    assert {r["band"] for r in gun} >= {"light", "medium", "heavy"}


def test_sector_plot_and_report_tables_are_drawn_from_the_folder(tmp_path):
    """sectors.png is drawn (only) with sectors; its bars are the events' shares; the
    report has a row per sector and band carrying the metrics.json values."""
    from sim.pipeline import run
    from sim.present.figures import run as plots
    from sim.present.figures.places import place_counts
    from sim.present.report.run import render_report
    from sim.store.read import ResultsFolder

    out = tmp_path / "run"
    metrics = run(placed_scenario(), out=out).metrics()
    folder = ResultsFolder(out)
    assert "sectors" in plots.available(folder)
    counts = {c.name: c for c in place_counts(folder, "sector")}
    assert list(counts) == ["west", "east"]  # chainage order
    for name, c in counts.items():
        assert c.n == metrics[f"sector.{name}.violations.count"]
        p, low, high = c.share("detected")
        assert p == metrics[f"sector.{name}.detection.probability"]
        assert (low, high) == (
            metrics[f"sector.{name}.detection.probability.low95"],
            metrics[f"sector.{name}.detection.probability.high95"],
        )
    ax = plots.PLOTS["sectors"].draw(folder)
    heights = sorted(round(b.get_height(), 12) for b in ax.patches)
    expected = [counts[n].share(w)[0] for n in counts for w in ("detected", "verified")]
    assert heights == sorted(round(v, 12) for v in expected)
    page = render_report(out)
    for key in ("sector.west.detection.probability", "band.heavy.verified.probability"):
        assert f'data-key="{key}"' in page
    plain = tmp_path / "plain"
    run(scenario({"rate": "5/day"}, duration="1d"), out=plain)
    assert "sectors" not in plots.available(ResultsFolder(plain))
    assert 'id="places"' not in render_report(plain)


def test_by_hour_counts_the_events_per_local_solar_hour(tmp_path):
    """by_hour.png's tallies equal a count over events.csv with the hour computed here."""
    from sim.pipeline import run
    from sim.present.figures import run as plots
    from sim.present.figures.hours import by_hour
    from sim.store.read import ResultsFolder

    s = scenario({"rate": "200/day", "diurnal": DAWN_DUSK}, duration="3d")
    out = tmp_path / "run"
    run(s, out=out)
    folder = ResultsFolder(out)
    assert "by_hour" in plots.available(folder)
    events = folder.events
    utc = [s.start + dt.timedelta(seconds=float(t)) for t in events["t_start_s"]]
    seconds = np.array(
        [3600 * u.hour + 60 * u.minute + u.second + u.microsecond * 1e-6 for u in utc]
    )
    hours = np.floor(np.mod(seconds / 3600.0 + events["lon"] / 15.0, 24.0)).astype(int)
    got = by_hour(folder)
    assert got["n"].sum() == len(events) > 0
    assert list(got["n"]) == list(np.bincount(hours, minlength=24))
    assert got["n"][23] == 0  # the profile's hour of weight 0
    detected = np.asarray(events["detected"], dtype=bool)
    assert list(got["detected"]) == list(np.bincount(hours[detected], minlength=24))
    plots.PLOTS["by_hour"].draw(folder)
    local = tmp_path / "local"
    run(
        scenario_from_data(
            {
                "name": "local",
                "duration": "1d",
                "line": {"crs": "local", "points": [[0, 0], [10_000, 0]]},
                "violations": {"rate": "5/day"},
            }
        ),
        out=local,
    )
    assert "by_hour" not in plots.available(ResultsFolder(local))


def test_the_work_estimate_counts_the_thinning_candidates():
    """A one-hour profile draws 24 candidates per violation kept: the bound sees them."""
    only_noon = [0.0] * 24
    only_noon[12] = 1.0
    base = {"rate": "20000/day"}  # 2e6 / 24 < rate x T = 2e5 < 2e6 over 10 days
    scenario(base, duration="10d")  # accepted without a profile
    with pytest.raises(ScenarioError) as info:
        scenario({**base, "diurnal": only_noon}, duration="10d")
    assert "violations.rate" in str(info.value)


def test_sectors_and_bands_only_add_columns_and_keys(tmp_path):
    """line.sectors and line.bands (no per-type keys) leave the violations, every existing
    events.csv column and every existing metric as they are for the same seed."""
    import csv
    import json

    from sim.pipeline import run

    violations = {"rate": "60/day", "types": {"a": {"weight": 2}, "b": {}}}
    drones = [{"name": "uav", "count": 8, "speed": "150km/h", "sensor": {"range": "8km"}}]
    plain = scenario(violations, duration="2d", drones=drones)
    placed = scenario(
        violations,
        {"bands": BANDS, "sectors": {"w": ["0km", "900km"]}},
        duration="2d",
        drones=drones,
    )
    folders = []
    for name, s in (("plain", plain), ("placed", placed)):
        run(s, out=tmp_path / name)
        folders.append(tmp_path / name)

    def rows(folder):
        with (folder / "events.csv").open(encoding="utf-8") as handle:
            return list(csv.DictReader(handle))

    before, after = rows(folders[0]), rows(folders[1])
    assert len(before) == len(after) > 50
    assert [{k: r[k] for k in before[0]} for r in after] == before
    assert list(after[0])[-2:] == ["sector", "band"]
    m0, m1 = (json.loads((f / "metrics.json").read_text()) for f in folders)
    assert {k: m1[k] for k in m0} == m0
    assert sorted(set(m1) - set(m0)) == sorted(k for k in m1 if k.startswith(("sector.", "band.")))
    features = json.loads((folders[1] / "events.geojson").read_text())["features"]
    assert [f["properties"]["sector"] for f in features] == [r["sector"] for r in after]


def test_a_part_day_run_gets_the_integral_of_the_profile():
    """Over 6 h from local solar midnight the mean count is rate x sum of f_h over hours
    0..5 (not rate x T: the profile is not renormalised to the run), Poisson bounds."""
    s = scenario_from_data(
        {
            "name": "night",
            "duration": "6h",
            "start": "2026-03-01T22:00:00Z",  # lon 30 E: local solar midnight
            "line": {"points": [[30.0, 48.0], [30.0, 48.5]], "buffer": "100m"},
            "violations": {"rate": "20000/day", "diurnal": DAWN_DUSK},
        }
    )
    counts = []
    for seed in range(5):
        v, line = draw(s, seed)
        counts.append(len(v))
    f = hour_factors(DAWN_DUSK)
    mean = 5 * 20000 / 24 * f[:6].sum()  # five runs
    flat = 5 * 20000 / 4
    low, high = stats.poisson.ppf([ALPHA / 2, 1 - ALPHA / 2], mean)
    assert low <= sum(counts) <= high, (sum(counts), mean, flat)
    assert not low <= flat <= high  # the test tells the two apart
