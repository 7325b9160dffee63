"""The SimPy model: builds the line, violations and assets, runs, returns a RunResult.

Time is never stepped. Asset processes (sorties, relief, losses, failures,
repairs, satellite passes) run on SimPy's event queue and publish their plans as
closed-form pieces; the detection solver turns pieces into detection times.
The engine returns tables and plan pieces only: coverage and metrics are measured
from them (``sim.measure``), and ``sim.pipeline`` composes the two.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import partial
from typing import Any

import numpy as np
import shapely
import simpy

from sim.core.geo import Line
from sim.core.tables import Table
from sim.engine.solver import Candidates, DetectionSolver
from sim.spec.adversary import AdversarySpec
from sim.spec.geometry import scenario_line
from sim.spec.scenario import Scenario
from sim.world import adversary
from sim.world.assets.base import Asset, Piece
from sim.world.assets.context import BuildContext, stream
from sim.world.assets.cueing import CueDispatcher, make_dispatcher
from sim.world.assets.drone import DroneFleet, Station
from sim.world.assets.ground import GroundGroup
from sim.world.assets.orbiter import OrbitingSatellites, make_targets
from sim.world.assets.satellite import Satellite
from sim.world.false_alarms import false_alarms
from sim.world.image_sky import image_losses
from sim.world.jamming import Jamming
from sim.world.places import label_places
from sim.world.sky import CLOUDS_STREAM, Sky, light_labels, light_threshold, make_sky, optical_flags
from sim.world.violations import Violations, make_violations


@dataclass
class RunResult:
    """Everything one run produced: tidy tables, plan pieces and per-group asset figures.

    ``events``: one row per violation; ``detections``: one row per (violation,
    asset) first detection; ``assets``: one row per asset (a view of ``asset_list``,
    the registered assets by index, which the pieces refer to). Times in seconds from
    the scenario start, distances in metres.
    """

    scenario: Scenario
    seed: int
    line: Line
    violations: Violations
    events: Table
    detections: Table
    assets: Table
    asset_list: list[Asset] = field(repr=False)
    asset_stats: dict[str, dict[str, float]]
    pieces: list[Piece] = field(repr=False)
    stations: list[Station] = field(repr=False)
    sky: Sky | None = field(default=None, repr=False)  # with ``environment``
    ground_tracks: Table | None = field(default=None, repr=False)  # with orbiting satellites
    cueing: dict[str, float] | None = None  # with ``cueing``: what became of the cues


def _factor_matrix(scenario: Scenario, type_names: list[str]) -> np.ndarray:
    """(types, modalities) factor on pd: the type's signature, 1 where unnamed."""
    modalities = scenario.modalities
    factor = np.ones((len(type_names), max(len(modalities), 1)))
    for i, name in enumerate(type_names):
        spec = scenario.violations.types.get(name)
        if spec is None:
            continue
        for j, modality in enumerate(modalities):
            factor[i, j] = spec.signature.get(modality, 1.0)
    return factor


@dataclass
class Model:
    """A built, not yet run, model: the SimPy environment and what lives in it."""

    scenario: Scenario
    seed: int
    line: Line
    violations: Violations
    in_zone: np.ndarray
    solver: DetectionSolver
    env: simpy.Environment
    groups: list[AssetGroup]
    cueing: CueDispatcher | None = None  # with ``cueing``


AssetGroup = DroneFleet | GroundGroup | Satellite | OrbitingSatellites


def build(
    scenario: Scenario,
    seed: int | None = None,
    violations: Violations | None = None,
    exposure: bool = False,
) -> Model:
    """Build line, violations, solver and asset processes.

    Every check is done when the scenario is validated (``sim.spec.checks``): a validated
    scenario always builds. ``violations`` replaces the scenario's own (sorted by start);
    with ``exposure`` the solver draws nothing and sums each violation's log chance of
    escaping every look (the adversary's planning run, ``_adapt``).
    """
    seed = scenario.seed if seed is None else int(seed)
    horizon = scenario.duration
    line = scenario_line(scenario)  # its coordinates were checked at validation
    if violations is None:
        violations = make_violations(scenario, line, stream(seed, "violations"))
        side = scenario.violations.adversary
        if side is not None and side.awareness > 0:
            violations = _adapt(scenario, seed, line, violations, side)
    in_zone = shapely.contains_xy(line.zone, violations.x, violations.y)
    environment = scenario.environment
    sky = None
    if environment is not None:
        rng = stream(seed, CLOUDS_STREAM)
        sky = make_sky(environment, line, violations, scenario.start, horizon, rng)
    jamming = None
    if environment is not None and environment.jamming:
        jamming = Jamming(environment.jamming, line, horizon)
    solver = DetectionSolver(
        violations,
        in_zone,
        _factor_matrix(scenario, violations.type_names),
        scenario.modalities,
        horizon,
        sky,
        jamming,
        exposure,
    )
    env = simpy.Environment()

    def register(rng: np.random.Generator, **fields: Any) -> Asset:
        needs, factor = optical_flags(environment, fields["asset_class"], fields["modality"])
        asset = Asset(index=len(solver.assets), needs_daylight=needs, cloud_factor=factor, **fields)
        solver.register(asset, rng)
        return asset

    ctx = BuildContext(env, solver, line, horizon, seed, register, jamming)
    groups: list[AssetGroup] = []
    groups += [DroneFleet(spec, i, ctx) for i, spec in enumerate(scenario.drones)]
    groups += [GroundGroup(spec, i, ctx) for i, spec in enumerate(scenario.ground_sensors)]
    targets = None
    if any(spec.orbit is not None for spec in scenario.satellites):
        # a planning run measures no coverage: the zone's cells need no instants
        targets = make_targets(line, scenario.line.cell, violations, in_zone, not exposure)
    for i, spec in enumerate(scenario.satellites):
        if spec.orbit is None:
            groups.append(Satellite(spec, i, ctx))
        else:
            assert targets is not None
            groups.append(OrbitingSatellites(spec, i, ctx, scenario.start, targets))
    cueing = None
    if scenario.cueing:
        listen = partial(solver.listen, env)
        cueing = make_dispatcher(scenario.cueing, groups, solver.assets, violations, ctx, listen)
    return Model(scenario, seed, line, violations, in_zone, solver, env, groups, cueing)


def _adapt(
    scenario: Scenario, seed: int, line: Line, violations: Violations, side: AdversarySpec
) -> Violations:
    """Move the aware violations where the known monitoring lets them escape best.

    The chance of escape of each candidate is exact for the published plan: a run of
    ``adversary.planning_scenario`` with the candidates as its violations, in exposure
    mode (every look's pd, no draw). Its own streams are those of the run's seed, so
    the plan is the run's plan without its losses and failures.
    """
    n = len(violations)
    is_aware = adversary.aware(n, side.awareness, stream(seed, adversary.AWARE_STREAM))
    cand = adversary.candidates(
        scenario, line, violations, stream(seed, adversary.CANDIDATES_STREAM), side.candidates
    )
    v = stream(seed, adversary.CHOICE_STREAM).random(n)
    rows = np.flatnonzero(is_aware)
    if len(rows) == 0:
        return violations
    shadow, order = adversary.as_violations(cand, violations, rows)
    plan = build(adversary.planning_scenario(scenario, side.knows), seed, shadow, exposure=True)
    plan.env.run(until=scenario.duration)
    plan.solver.finish()
    assert plan.solver.log_escape is not None
    log_escape = np.empty(len(order))
    log_escape[order] = plan.solver.log_escape
    escape = np.exp(log_escape).reshape(len(rows), side.candidates)
    return adversary.relocate(violations, rows, cand, adversary.choose(escape, v[rows]))


def run(scenario: Scenario, seed: int | None = None) -> RunResult:
    """Run one replication of ``scenario``; ``seed`` overrides the scenario's seed."""
    return run_model(build(scenario, seed))


def run_model(model: Model) -> RunResult:
    """Run a built model to the scenario's end and collect its tables."""
    scenario = model.scenario
    horizon = scenario.duration
    model.env.run(until=horizon)
    if model.cueing is not None:
        model.cueing.finish()
    solver = model.solver
    solver.finish()
    firsts = _first_looks(solver)
    detections = _detections(model, firsts)
    events = _events(
        scenario, model.line, model.violations, model.in_zone, detections, solver.assets
    )
    _label_light(model, events, detections)
    label_places(scenario, events)
    return RunResult(
        scenario=scenario,
        seed=model.seed,
        line=model.line,
        violations=model.violations,
        events=events,
        detections=detections,
        assets=_asset_table(solver.assets, model.groups),
        asset_list=solver.assets,
        asset_stats=_asset_stats(model),
        pieces=solver.pieces,
        # the drone fleets' patrol stations, in fleet then station order
        stations=[s for g in model.groups if isinstance(g, DroneFleet) for s in g.stations],
        sky=solver.sky,
        ground_tracks=_ground_tracks(model.groups),
        cueing=None if model.cueing is None else _cue_stats(model, events, detections, firsts),
    )


def _first_looks(solver: DetectionSolver) -> tuple[Candidates, np.ndarray]:
    """The surviving candidates, and the rows of each asset's first detection of a violation.

    The rows are in (violation, time) order: detections.csv's real rows.
    """
    found = solver.candidates()
    piece_asset = np.array([p.asset for p in solver.pieces], dtype=np.int64)
    asset = piece_asset[found.piece] if len(found.piece) else np.zeros(0, dtype=np.int64)
    _, first = np.unique(found.violation * max(len(solver.assets), 1) + asset, return_index=True)
    return found, np.sort(first)  # back to (violation, time) order


def _cue_stats(
    model: Model, events: Table, detections: Table, firsts: tuple[Candidates, np.ndarray]
) -> dict[str, float]:
    """What became of the cues, and how many verifications needed a responder's report.

    A violation is verified by cue when, without the reports made from cue pieces
    (``Piece.cue``), it would be verified later or never. ``firsts``: ``_first_looks``.
    """
    assert model.cueing is not None
    solver = model.solver
    stats = model.cueing.stats(solver.pieces, model.scenario.duration)
    found, first = firsts
    cue_piece = np.array([p.cue for p in solver.pieces], dtype=bool)
    by_cue = cue_piece[found.piece[first]] if len(first) else np.zeros(0, dtype=bool)
    n_real = len(first)
    viol = detections["violation"][:n_real][~by_cue]
    t_report = detections["t_report_s"][:n_real][~by_cue]
    modality = detections["modality"][:n_real][~by_cue]
    rule = model.scenario.reporting.verification
    without = verification_times(
        viol, t_report, modality, len(events), rule.modalities, rule.window
    )
    verified = events["verified"]
    with np.errstate(invalid="ignore"):
        needed = verified & ~(without <= events["t_verified_s"])
    stats["verified_by_cue"] = float(np.count_nonzero(needed))
    stats["verified"] = float(np.count_nonzero(verified))
    return stats


def _asset_stats(model: Model) -> dict[str, dict[str, float]]:
    """Each group's figures; a group the sky limits adds what it lost to it.

    ``looks_night`` (a sensor that needs daylight) counts the chances to see an
    active violation lost wholly to night: an image of it by night, or a footprint's
    pass over it (a drone's, a ground sensor's up-time) with no daylit part.
    ``looks_overcast`` (a modality clouds block, seen from above) counts the looks
    taken through overcast, each with its pd times the cloud factor (0 for a
    satellite). Satellites add ``images_night`` and ``images_overcast``: images taken
    wholly by night, and by day wholly through overcast (``sim.world.image_sky``).
    With jamming, drone fleets add ``detections_lost_jammed``
    (``DetectionSolver.detections_lost_jammed``).
    """
    horizon = model.scenario.duration
    stats = {g.spec.name: g.stats(horizon) for g in model.groups}
    solver, sky = model.solver, model.solver.sky
    if solver.jamming is not None:  # the expected successful looks jamming cost each fleet
        lost = solver.detections_lost_jammed()
        for g in model.groups:
            if isinstance(g, DroneFleet):
                jammed = sum(lost.get(a, 0.0) for a in _members(g))
                stats[g.spec.name]["detections_lost_jammed"] = float(jammed)
    if sky is None:
        return stats
    threshold = light_threshold(model.scenario.environment)
    images = image_losses(
        solver.pieces, solver.assets, sky, model.line, model.scenario.start, threshold, horizon
    )
    for g in model.groups:
        members = _members(g)
        first = solver.assets[members[0]] if members else None
        if first is None:
            continue
        own = stats[g.spec.name]
        satellite = first.asset_class == "satellite"
        if first.needs_daylight:
            if satellite:
                own["images_night"] = float(sum(images.get(a, (0, 0))[0] for a in members))
            own["looks_night"] = float(sum(solver.looks_night.get(a, 0) for a in members))
        if first.cloud_factor != 1.0:
            if satellite:
                own["images_overcast"] = float(sum(images.get(a, (0, 0))[1] for a in members))
            own["looks_overcast"] = float(sum(solver.looks_overcast.get(a, 0) for a in members))
    return stats


def _members(group: AssetGroup) -> list[int]:
    """The asset indices of a group (a drone fleet's airframes, spares included)."""
    if isinstance(group, DroneFleet):
        return list(group.airframes)
    if isinstance(group, GroundGroup):
        return list(group.sensors)
    if isinstance(group, Satellite):
        return [group.asset]
    return list(group.assets)


def _ground_tracks(groups: list[AssetGroup]) -> Table | None:
    """The orbiting satellites' first-day ground tracks, one table (None: no orbits)."""
    tracks = [g.track for g in groups if isinstance(g, OrbitingSatellites)]
    if not tracks:
        return None
    return Table({k: np.concatenate([t[k] for t in tracks]) for k in tracks[0].columns})


def _report_times(
    t: np.ndarray, asset: np.ndarray, assets: list[Asset], seed: int, stream_prefix: str
) -> np.ndarray:
    """Detection times plus each asset group's report latency (one stream per group)."""
    t_report = t.copy()
    group_of = np.array([a.group for a in assets], dtype=object)[asset]
    for group in dict.fromkeys(a.group for a in assets):
        mask = group_of == group
        if np.any(mask):
            latency = next(a.report_latency for a in assets if a.group == group)
            t_report[mask] += latency.sample(
                stream(seed, f"{stream_prefix}/{group}"), int(mask.sum())
            )
    return t_report


def jam_delays(
    jamming: Jamming,
    assets: list[Asset],
    asset: np.ndarray,
    xy: np.ndarray,
    t: np.ndarray,
    n_real: int,
    seed: int,
    timed: np.ndarray | None = None,
) -> np.ndarray:
    """Extra report delays of drone detections (the first ``n_real``) and false alarms.

    Each area draws from its own streams, ``jamming/<area>/reports`` and
    ``jamming/<area>/false_alarm_reports``, so jamming changes no other draw. Rows
    ``timed`` (of the first ``n_real``: the cueing groups', drawn during the run by
    ``CueDispatcher.report_delay``) draw nothing here.
    """
    extra = np.zeros(len(t))
    drone = np.array([a.asset_class == "drone" for a in assets], dtype=bool)
    is_drone = drone[asset] if len(asset) else np.zeros(0, dtype=bool)
    if timed is not None:
        is_drone[:n_real] &= ~timed
    for lo, hi, name in ((0, n_real, "reports"), (n_real, len(t), "false_alarm_reports")):
        rows = np.arange(lo, hi)[is_drone[lo:hi]]
        if len(rows) == 0:
            continue
        streams = [stream(seed, f"jamming/{a.name}/{name}") for a in jamming.areas]
        extra[rows] = jamming.report_delays(xy[rows, 0], xy[rows, 1], t[rows], streams)
    return extra


def _detections(model: Model, firsts: tuple[Candidates, np.ndarray]) -> Table:
    """Each asset's first detection of each violation, then the false alarms.

    Detections come in (violation, time) order, false alarms after them in time
    order (``false_alarm`` true, ``violation`` -1). ``firsts``: ``_first_looks``.
    """
    solver, v, seed = model.solver, model.violations, model.seed
    found, first = firsts
    assets = solver.assets
    piece_asset = np.array([p.asset for p in solver.pieces], dtype=np.int64)
    viol, t, asset = found.violation[first], found.time[first], piece_asset[found.piece[first]]
    fa_asset, fa_t, fa_pos = false_alarms(
        solver.pieces, assets, model.line, model.scenario.duration, seed
    )
    n_fa = len(fa_t)
    all_asset = np.concatenate([asset, fa_asset])
    t_real = _report_times(t, asset, assets, seed, "reports")
    timed = None
    if model.cueing is not None:  # the cueing groups' reports as timed in the run
        t_real, timed = model.cueing.report_times(viol, asset, t, t_real)
    t_report = np.concatenate(
        [
            t_real,
            _report_times(fa_t, fa_asset, assets, seed, "false_alarm_reports"),
        ]
    )
    jamming = solver.jamming
    if jamming is not None:  # drones' reports from inside active areas come late
        xy = np.concatenate([np.column_stack([v.x[viol], v.y[viol]]), fa_pos.reshape(-1, 2)])
        t_all = np.concatenate([t, fa_t])
        t_report += jam_delays(jamming, assets, all_asset, xy, t_all, len(t), seed, timed)

    def attribute(name: str) -> np.ndarray:
        values = np.array([getattr(a, name) for a in assets], dtype=object)
        return values[all_asset] if len(all_asset) else np.zeros(0, dtype=object)

    return Table(
        {
            "violation": np.concatenate([viol, np.full(n_fa, -1, dtype=np.int64)]),
            "violation_id": np.concatenate([v.ids[viol], np.full(n_fa, "", dtype=object)]),
            "false_alarm": np.concatenate([np.zeros(len(viol), bool), np.ones(n_fa, bool)]),
            "asset": attribute("id"),
            "asset_class": attribute("asset_class"),
            "group": attribute("group"),
            "modality": attribute("modality"),
            "t_detect_s": np.concatenate([t, fa_t]),
            "t_report_s": t_report,
            "x": np.concatenate([v.x[viol], fa_pos[:, 0]]),
            "y": np.concatenate([v.y[viol], fa_pos[:, 1]]),
        }
    )


def verification_times(
    viol: np.ndarray, t_report: np.ndarray, modality: np.ndarray, n: int, k: int, window: float
) -> np.ndarray:
    """Per violation, when reports from ``k`` distinct modalities first fall within ``window``.

    A violation is verified at the earliest report time t such that reports from
    at least ``k`` distinct modalities arrived in [t - window, t]; NaN if never.
    """
    verified = np.full(n, np.nan)
    if len(viol) == 0:
        return verified
    order = np.lexsort((t_report, viol))
    viol, t_report, modality = viol[order], t_report[order], modality[order]
    bounds = np.flatnonzero(np.diff(viol)) + 1
    for lo, hi in zip(np.r_[0, bounds], np.r_[bounds, len(viol)], strict=True):
        if len(set(modality[lo:hi])) < k:
            continue
        times, mods = t_report[lo:hi], modality[lo:hi]
        for j in range(hi - lo):
            recent = {mods[i] for i in range(j + 1) if times[i] >= times[j] - window}
            if len(recent) >= k:
                verified[viol[lo]] = times[j]
                break
    return verified


def _events(
    scenario: Scenario,
    line: Line,
    v: Violations,
    in_zone: np.ndarray,
    det: Table,
    assets: list[Asset],
) -> Table:
    """One row per violation: where, when, and what became of it."""
    real = ~det["false_alarm"]
    det = Table({name: det[name][real] for name in det.columns})
    n = len(v)
    t_detect = np.full(n, np.nan)
    first_asset = np.full(n, "", dtype=object)
    first_class = np.full(n, "", dtype=object)
    t_report = np.full(n, np.nan)
    viol = det["violation"]
    if len(viol):
        # detections are in (violation, time) order: the first row of each is the first
        first = np.concatenate([[True], viol[1:] != viol[:-1]])
        t_detect[viol[first]] = det["t_detect_s"][first]
        first_asset[viol[first]] = det["asset"][first]
        first_class[viol[first]] = det["asset_class"][first]
        np.fmin.at(t_report, viol, det["t_report_s"])
    rule = scenario.reporting.verification
    t_verified = verification_times(
        viol, det["t_report_s"], det["modality"], n, rule.modalities, rule.window
    )
    lon, lat = line.to_lonlat(v.x, v.y)
    detected = ~np.isnan(t_detect)
    return Table(
        {
            "id": v.ids,
            "t_start_s": v.t_start,
            "duration_s": v.duration,
            "x": v.x,
            "y": v.y,
            "lon": np.asarray(lon, dtype=float),
            "lat": np.asarray(lat, dtype=float),
            "chainage_m": v.chainage,
            "offset_m": v.offset,
            "in_zone": in_zone,
            "type": np.array(v.type_names, dtype=object)[v.type_index]
            if n
            else np.zeros(0, dtype=object),
            "detected": detected,
            "t_detect_s": t_detect,
            "latency_s": t_detect - v.t_start,
            "first_asset": first_asset,
            "first_class": first_class,
            "t_report_s": t_report,
            "verified": ~np.isnan(t_verified),
            "t_verified_s": t_verified,
        }
    )


def _label_light(model: Model, events: Table, detections: Table) -> None:
    """Add the ``light`` column ("day", "night"; "" on a local line) to both tables.

    Events: at each violation's start; detections: at each detection. The violations'
    lon/lat are those of ``events``; only false alarms' positions are projected here.
    """
    v, line, start = model.violations, model.line, model.scenario.start
    threshold = light_threshold(model.scenario.environment)
    sky, geographic = model.solver.sky, line.is_geographic
    lon, lat = events["lon"], events["lat"]
    events.data["light"] = light_labels(
        sky, geographic, start, threshold, lon, lat, v.t_start, np.arange(len(v))
    )
    viol = detections["violation"]
    own = viol >= 0
    det_lon, det_lat = np.empty(len(viol)), np.empty(len(viol))
    det_lon[own], det_lat[own] = lon[viol[own]], lat[viol[own]]
    det_lon[~own], det_lat[~own] = line.to_lonlat(detections["x"][~own], detections["y"][~own])
    detections.data["light"] = light_labels(
        sky, geographic, start, threshold, det_lon, det_lat, detections["t_detect_s"], viol
    )


def _asset_table(assets: list[Asset], groups: list) -> Table:
    """One row per asset: identity and, for fixed sensors, position."""
    x = np.full(len(assets), np.nan)
    y = np.full(len(assets), np.nan)
    for group in groups:
        if isinstance(group, GroundGroup):
            x[group.sensors] = group.positions[:, 0]
            y[group.sensors] = group.positions[:, 1]
    return Table(
        {
            "id": np.array([a.id for a in assets], dtype=object),
            "asset_class": np.array([a.asset_class for a in assets], dtype=object),
            "group": np.array([a.group for a in assets], dtype=object),
            "modality": np.array([a.modality for a in assets], dtype=object),
            "pd": np.array([a.pd for a in assets]),
            "range_m": np.array([a.range for a in assets]),
            "x": x,
            "y": y,
        }
    )
