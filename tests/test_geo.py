"""The line in metres: projection, chainage, offsets, paths."""

import numpy as np
import pytest
from pyproj import Geod

from sim.core.geo import Line

UKRAINE_LIKE = [[32.0, 46.55], [35.0, 47.5], [37.2, 48.3], [38.1, 48.9], [37.0, 50.3]]


def test_local_line_chainage_is_cumulative_length():
    """A local line's chainage at each vertex is the distance travelled."""
    line = Line.from_points([[0, 0], [3_000, 4_000], [3_000, 10_000]], "local", 1_000.0)
    assert line.chainage.tolist() == [0.0, 5_000.0, 11_000.0]
    assert line.length == 11_000.0


def test_point_at_and_locate_are_inverse():
    """point_at(chainage, offset) then locate() returns the same chainage and offset."""
    line = Line.from_points([[0, 0], [10_000, 0], [10_000, 10_000]], "local", 5_000.0)
    chain = np.array([1_000.0, 9_000.0, 15_000.0])
    offset = np.array([300.0, -200.0, 400.0])
    x, y = line.point_at(chain, offset)
    c2, o2 = line.locate(x, y)
    assert np.allclose(c2, chain) and np.allclose(o2, offset)


def test_positive_offset_is_left_of_the_direction():
    """Walking along +x, left is +y."""
    line = Line.from_points([[0, 0], [10_000, 0]], "local", 5_000.0)
    x, y = line.point_at(2_000.0, 500.0)
    assert (float(x), float(y)) == (2_000.0, 500.0)


def test_projected_length_matches_the_geodesic_length():
    """A ~900 km lon/lat line keeps its geodesic length within 0.1 % once projected."""
    line = Line.from_points(UKRAINE_LIKE, "lonlat", 15_000.0)
    lon, lat = np.array(UKRAINE_LIKE).T
    geodesic = Geod(ellps="WGS84").line_length(lon, lat)
    assert abs(line.length / geodesic - 1.0) < 1e-3
    assert line.projected_length_error() == pytest.approx(line.length / geodesic - 1.0)


def test_lonlat_round_trip():
    """from_lonlat(to_lonlat(p)) returns p to the millimetre."""
    line = Line.from_points(UKRAINE_LIKE, "lonlat", 15_000.0)
    x, y = line.point_at([10_000.0, 400_000.0], [1_000.0, -3_000.0])
    lon, lat = line.to_lonlat(x, y)
    x2, y2 = line.from_lonlat(lon, lat)
    assert np.allclose(x2, x, atol=1e-3) and np.allclose(y2, y, atol=1e-3)


def test_path_follows_the_line_and_can_run_backwards():
    """A path between chainages has their length; reversed, it starts at the far end."""
    line = Line.from_points([[0, 0], [10_000, 0], [10_000, 10_000]], "local", 5_000.0)
    path = line.path(5_000.0, 15_000.0)
    assert np.allclose(path, [[5_000, 0], [10_000, 0], [10_000, 5_000]])
    assert np.allclose(line.path(15_000.0, 5_000.0)[0], [10_000, 5_000])


def test_path_with_standoff_is_parallel():
    """With a standoff of 1 km to the left, a straight path shifts by +1 km in y."""
    line = Line.from_points([[0, 0], [10_000, 0]], "local", 5_000.0)
    assert np.allclose(line.path(2_000.0, 6_000.0, 1_000.0), [[2_000, 1_000], [6_000, 1_000]])


def test_repeated_vertices_are_dropped_and_a_point_is_refused():
    """Duplicate vertices do not make zero-length segments; one distinct point is no line."""
    line = Line.from_points([[0, 0], [0, 0], [1_000, 0]], "local", 100.0)
    assert len(line.vertices) == 2
    with pytest.raises(ValueError, match="two distinct points"):
        Line.from_points([[5, 5], [5, 5]], "local", 100.0)


ACROSS_ANTIMERIDIAN = [[179.5, 65.0], [-179.5, 65.2]]


def test_unwrap_longitudes_takes_each_step_the_short_way():
    """[179.5, -179.5] is a 1 deg step east, not 359 deg west; wrap puts it back."""
    from sim.core.geo import unwrap_longitudes, wrap_longitude

    assert unwrap_longitudes([179.5, -179.5, -178.0]).tolist() == [179.5, 180.5, 182.0]
    assert unwrap_longitudes([-179.0, 179.0]).tolist() == [-179.0, -181.0]
    assert wrap_longitude([180.5, -181.0, 540.0]).tolist() == [-179.5, 179.0, -180.0]
    assert wrap_longitude([179.0], centre=180.0).tolist() == [179.0]
    assert wrap_longitude([-179.0], centre=180.0).tolist() == [181.0]


def test_line_across_the_antimeridian_is_projected_about_its_own_centre():
    """Regression: the projection of a line across the antimeridian was centred on
    lon 0, the far side of the Earth. Now the central meridian is the line's middle
    (180), the length is geodesic, and lon/lat come back in [-180, 180]."""
    line = Line.from_points(ACROSS_ANTIMERIDIAN, "lonlat", 5_000.0)
    lon0 = float(line.crs.split("+lon_0=")[1].split()[0])
    assert abs(abs(lon0) - 180.0) < 1e-6
    lon, lat = np.array(ACROSS_ANTIMERIDIAN).T
    geodesic = Geod(ellps="WGS84").line_length(lon, lat)
    assert 45_000 < geodesic < 60_000
    assert line.length == pytest.approx(geodesic, rel=1e-4)
    # the line's own x range is its east-west extent (~47 km), not half the world
    assert np.ptp(line.vertices[:, 0]) < 60_000
    x, y = line.point_at(np.linspace(0, line.length, 50))
    back_lon, back_lat = line.to_lonlat(x, y)
    assert np.all(np.abs(back_lon) <= 180.0)
    assert np.all(np.abs(np.abs(back_lon) - 180.0) < 1.0)  # all near the antimeridian


def test_a_line_at_latitude_89_is_accepted_and_keeps_its_length():
    """A line 110 km from the North Pole projects with geodesic length; no pole problem."""
    from sim.core.geo import zone_pole_problem

    points = [[10.0, 89.0], [60.0, 89.0], [120.0, 89.2]]
    line = Line.from_points(points, "lonlat", 5_000.0)
    assert abs(line.projected_length_error()) < 1e-4
    assert zone_pole_problem(line) is None


@pytest.mark.parametrize(
    "points, buffer_m, pole",
    [
        ([[0.0, 89.9], [180.0, 89.9]], 1_000.0, "North"),  # straight over the pole
        ([[0.0, -89.99], [90.0, -89.99]], 5_000.0, "South"),  # zone holds the pole
    ],
)
def test_a_zone_holding_a_pole_is_refused_naming_line_points(points, buffer_m, pole):
    """A zone around a pole has no lon/lat outline: the check names line.points and the pole."""
    from sim.core.geo import zone_pole_problem

    message = zone_pole_problem(Line.from_points(points, "lonlat", buffer_m))
    assert message is not None
    assert message.startswith("line.points:") and f"{pole} Pole" in message
