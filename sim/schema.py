"""The results-folder contract in one place: file names, table columns, GeoJSON kinds, keys.

Writers (sim.store, sim.sweep) and readers (sim.present, sim.sweep) name every file,
column, grid and GeoJSON ``kind`` through these constants, never by a string of their own,
so the contract documented in docs/results.md and docs/sweeps.md lives in one module.
It imports nothing: every layer may use it.
"""

from __future__ import annotations

# --- a run's results folder ----------------------------------------------------------
RESOLVED = "scenario.resolved.yaml"  # the scenario with every default filled in
MANIFEST = "manifest.json"  # version, seed, times, platform (also a sweep's)
METRICS = "metrics.json"  # flat dotted keys
EVENTS = "events.csv"  # one row per violation
DETECTIONS = "detections.csv"  # one row per first detection and per false alarm
COVERAGE = "coverage.csv"  # one row per grid cell
COVERAGE_TIME = "coverage_time.csv"  # the line's covered fraction per time bin
COVERAGE_SPACETIME = "coverage_spacetime.npz"  # covered fraction per (chainage, time) bin
CLOUDS = "clouds.csv"  # the sky's clear and overcast spells per region (with clouds)
GROUND_TRACKS = "ground_tracks.csv"  # orbiting satellites' ground tracks, first day
VIOLATIONS_INPUT = "violations.input.csv"  # a replayed violations file, copied as read
LINE_GEOJSON = "line.geojson"
EVENTS_GEOJSON = "events.geojson"
ASSETS_GEOJSON = "assets.geojson"
COVERAGE_GEOJSON = "coverage.geojson"
PLOTS = "plots"  # the figures folder: plots/<name>.png
REPORT = "report.html"
ERRORS_LOG = "errors.log"  # figures that failed, with their tracebacks

# --- a sweep folder (beside MANIFEST and REPORT) ---------------------------------------
RUNS = "runs.csv"  # one row per (point, replication)
SUMMARY = "summary.csv"  # one row per point
SWEEP_RESOLVED = "sweep.resolved.yaml"
BASE_RESOLVED = RESOLVED  # the sweep's base scenario, resolved

# --- table columns --------------------------------------------------------------------
EVENT_COLUMNS = (
    "id",
    "t_start_s",
    "duration_s",
    "x",
    "y",
    "lon",
    "lat",
    "chainage_m",
    "offset_m",
    "type",
    "detected",
    "t_detect_s",
    "latency_s",
    "first_asset",
    "first_class",
    "t_report_s",
    "verified",
    "t_verified_s",
    "light",
)
# events.csv's columns of a line with line.sectors / line.bands (after EVENT_COLUMNS)
EVENT_PLACE_COLUMNS = ("sector", "band")
DETECTION_COLUMNS = (
    "violation_id",
    "false_alarm",
    "asset",
    "asset_class",
    "group",
    "modality",
    "t_detect_s",
    "t_report_s",
    "x",
    "y",
    "light",
)
COVERAGE_COLUMNS = (
    "grid",
    "cell",
    "ix",
    "iy",
    "chainage_m",
    "offset_m",
    "x",
    "y",
    "lon",
    "lat",
    "covered_fraction",
    "covered_fraction_drone",
    "covered_fraction_ground",
    "two_asset_fraction",
    "looks",
    "gaps",
    "gap_mean_s",
    "gap_p95_s",
    "gap_max_s",
    "time_average_gap_s",
    "mean_response_s",
)
COVERAGE_TIME_COLUMNS = (
    "t_start_s",
    "t_end_s",
    "line_covered_fraction",
    "line_covered_fraction_drone",
    "line_covered_fraction_ground",
)
CLOUD_COLUMNS = ("region", "from_m", "to_m", "t_start_s", "t_end_s", "state")
# one row per minute of the first day per orbiting satellite; lon in [-180, 180)
GROUND_TRACK_COLUMNS = ("asset", "group", "t_s", "lon", "lat")
# coverage.csv columns of the satellite images at each cell (all satellites)
SATELLITE_IMAGES = "satellite_images"  # images of the cell over the run
SATELLITE_REVISIT = "satellite_revisit_mean_s"  # mean time between them (empty: < 2)
GRID_LINE = "line"  # coverage.csv "grid": a cell along the line
GRID_ZONE = "zone"  # coverage.csv "grid": a cell of the zone around it

# --- GeoJSON feature kinds (the "kind" property) ---------------------------------------
KIND_LINE = "line"
KIND_ZONE = "zone"
KIND_GROUND_SENSOR = "ground_sensor"
KIND_PATROL = "patrol"
KIND_BASE = "base"
KIND_JAMMING = "jamming"  # line.geojson: an environment.jamming area
KIND_CUE = "cue"  # a cued responder's transit (LineString) or loiter (Point)

# --- metric keys: sim.measure.metrics makes them (metric_keys lists a scenario's) --------
LOW95 = ".low95"  # suffix of a proportion's Wilson interval bounds
HIGH95 = ".high95"

# --- a compare folder (ceasefire-sim compare) ---------------------------------------------
COMPARE_LISTING = "compare.json"  # the compared runs or sweeps; marks a compare folder
COMPARE_METRICS_CSV = "metrics.csv"  # one row per metric, one column per run
COMPARE_METRICS_MD = "metrics.md"  # the same table for people
