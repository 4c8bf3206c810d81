//! The map of a day's routes drawn as inline SVG from the stops' coordinates: each vehicle's
//! route one polyline, its stops numbered points. The projection is equirectangular, scaled by
//! the cosine of the middle latitude so that a kilometre east is as long as a kilometre north
//! (true enough across a city), fitted into the drawing with north up. Vehicles differ by line
//! pattern and by a label at the route's start, never by colour alone; the page names each
//! pattern in a text legend and gives the same stops in the routes' tables.

/// Width of the drawing, in SVG units (the map scales to its container).
pub const WIDTH: f64 = 640.0;
/// Height of the drawing.
pub const HEIGHT: f64 = 420.0;
/// Blank margin around the points, so that labels and markers stay inside.
const MARGIN: f64 = 28.0;

/// Line patterns (`stroke-dasharray`), one per vehicle in turn; the first is a solid line.
pub const PATTERNS: [&str; 6] = ["none", "10 6", "3 5", "14 5 3 5", "1 8", "20 8"];

/// A point on the Earth, in degrees.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LatLon {
    /// Latitude, -90..90.
    pub lat: f64,
    /// Longitude, -180..180.
    pub lon: f64,
}

/// Where a projection puts the points: the area they cover and how it maps onto the drawing.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Projection {
    min_lon: f64,
    max_lat: f64,
    /// Shrinking of a degree of longitude at these latitudes.
    x_factor: f64,
    /// SVG units per (corrected) degree.
    scale: f64,
    /// Offsets that centre the drawn area.
    dx: f64,
    dy: f64,
}

impl Projection {
    /// The projection that fits every one of `points` into the drawing; `None` without points.
    pub fn fitting(points: &[LatLon]) -> Option<Self> {
        let first = points.first()?;
        let (mut min_lat, mut max_lat, mut min_lon, mut max_lon) =
            (first.lat, first.lat, first.lon, first.lon);
        for p in points {
            min_lat = min_lat.min(p.lat);
            max_lat = max_lat.max(p.lat);
            min_lon = min_lon.min(p.lon);
            max_lon = max_lon.max(p.lon);
        }
        let x_factor = ((min_lat + max_lat) / 2.0).to_radians().cos().max(0.01);
        let span_x = (max_lon - min_lon) * x_factor;
        let span_y = max_lat - min_lat;
        let (inner_w, inner_h) = (WIDTH - 2.0 * MARGIN, HEIGHT - 2.0 * MARGIN);
        // One point (or all at one place) is drawn in the middle at any scale.
        let scale = match (span_x > 1e-9, span_y > 1e-9) {
            (false, false) => 1.0,
            (true, false) => inner_w / span_x,
            (false, true) => inner_h / span_y,
            (true, true) => (inner_w / span_x).min(inner_h / span_y),
        };
        Some(Self {
            min_lon,
            max_lat,
            x_factor,
            scale,
            dx: MARGIN + (inner_w - span_x * scale) / 2.0,
            dy: MARGIN + (inner_h - span_y * scale) / 2.0,
        })
    }

    /// Where `p` lies on the drawing: x to the east, y to the south.
    pub fn project(&self, p: LatLon) -> (f64, f64) {
        (
            self.dx + (p.lon - self.min_lon) * self.x_factor * self.scale,
            self.dy + (self.max_lat - p.lat) * self.scale,
        )
    }
}

/// A vehicle's route as the map draws it.
#[derive(Debug, Clone, PartialEq)]
pub struct RouteLine {
    /// The vehicle's label (its plate), drawn at the route's start and named in the legend.
    pub label: String,
    /// The `points` of its `<polyline>`.
    pub points: String,
    /// Its line pattern (`stroke-dasharray`).
    pub pattern: &'static str,
    /// Its colour class, `route-0` to `route-5` (a second cue beside the pattern).
    pub class: String,
    /// Where the label is drawn.
    pub label_x: String,
    /// Baseline of the label.
    pub label_y: String,
    /// Its stops, numbered as the route's table numbers them.
    pub stops: Vec<MapStop>,
}

/// A numbered stop on the map.
#[derive(Debug, Clone, PartialEq)]
pub struct MapStop {
    /// Horizontal position.
    pub x: String,
    /// Vertical position.
    pub y: String,
    /// Its number on the route (1 for the first stop).
    pub number: usize,
}

/// What the template draws.
#[derive(Debug, Clone, PartialEq)]
pub struct RouteMap {
    /// The `viewBox`.
    pub view_box: String,
    /// One line per vehicle, in the order given.
    pub lines: Vec<RouteLine>,
}

fn n(x: f64) -> String {
    format!("{x:.1}")
}

/// The map of `routes`, each a vehicle's label and its stops in order; `None` when no route
/// has a stop to draw.
pub fn draw(routes: &[(String, Vec<LatLon>)]) -> Option<RouteMap> {
    let all: Vec<LatLon> = routes.iter().flat_map(|(_, s)| s.iter().copied()).collect();
    let projection = Projection::fitting(&all)?;
    let lines = routes
        .iter()
        .filter(|(_, stops)| !stops.is_empty())
        .enumerate()
        .map(|(i, (label, stops))| {
            let xy: Vec<(f64, f64)> = stops.iter().map(|p| projection.project(*p)).collect();
            let (x0, y0) = xy[0];
            RouteLine {
                label: label.clone(),
                points: xy
                    .iter()
                    .map(|(x, y)| format!("{},{}", n(*x), n(*y)))
                    .collect::<Vec<_>>()
                    .join(" "),
                pattern: PATTERNS[i % PATTERNS.len()],
                class: format!("route-{}", i % PATTERNS.len()),
                label_x: n(x0 + 8.0),
                label_y: n(y0 - 8.0),
                stops: xy
                    .iter()
                    .enumerate()
                    .map(|(k, (x, y))| MapStop {
                        x: n(*x),
                        y: n(*y),
                        number: k + 1,
                    })
                    .collect(),
            }
        })
        .collect();
    Some(RouteMap {
        view_box: format!("0 0 {WIDTH} {HEIGHT}"),
        lines,
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn p(lat: f64, lon: f64) -> LatLon {
        LatLon { lat, lon }
    }

    fn inside(x: f64, y: f64) -> bool {
        (MARGIN - 1e-6..=WIDTH - MARGIN + 1e-6).contains(&x)
            && (MARGIN - 1e-6..=HEIGHT - MARGIN + 1e-6).contains(&y)
    }

    #[test]
    fn north_is_up_and_east_is_right() {
        let pr = Projection::fitting(&[p(51.10, 71.40), p(51.15, 71.47)]).unwrap();
        let (x_sw, y_sw) = pr.project(p(51.10, 71.40));
        let (x_ne, y_ne) = pr.project(p(51.15, 71.47));
        assert!(x_ne > x_sw, "east is to the right");
        assert!(y_ne < y_sw, "north is up");
        assert!(inside(x_sw, y_sw) && inside(x_ne, y_ne));
    }

    #[test]
    fn a_kilometre_east_is_as_long_as_a_kilometre_north() {
        // At 60° north a degree of longitude is half a degree of latitude long.
        let pr = Projection::fitting(&[p(59.9, 30.0), p(60.1, 30.4)]).unwrap();
        let (x0, y0) = pr.project(p(60.0, 30.0));
        let (x1, _) = pr.project(p(60.0, 30.2));
        let (_, y1) = pr.project(p(59.9, 30.0));
        let east = x1 - x0;
        let south = y1 - y0;
        assert!(
            (east - south).abs() / south < 0.01,
            "0.2° of longitude at 60° ({east}) ≈ 0.1° of latitude ({south})"
        );
    }

    #[test]
    fn the_points_fill_the_drawing_along_their_longer_side() {
        let pr = Projection::fitting(&[p(51.0, 71.0), p(51.0, 72.0)]).unwrap();
        let (x0, y0) = pr.project(p(51.0, 71.0));
        let (x1, y1) = pr.project(p(51.0, 72.0));
        assert!((x0 - MARGIN).abs() < 1e-6 && (x1 - (WIDTH - MARGIN)).abs() < 1e-6);
        assert!((y0 - HEIGHT / 2.0).abs() < 1e-6 && (y1 - y0).abs() < 1e-9);
    }

    #[test]
    fn a_single_place_is_drawn_in_the_middle() {
        let pr = Projection::fitting(&[p(51.1, 71.4), p(51.1, 71.4)]).unwrap();
        assert_eq!(pr.project(p(51.1, 71.4)), (WIDTH / 2.0, HEIGHT / 2.0));
        assert!(Projection::fitting(&[]).is_none());
    }

    #[test]
    fn each_vehicle_has_its_own_pattern_and_numbered_stops() {
        let map = draw(&[
            (
                "101AAA01".into(),
                vec![p(51.12, 71.43), p(51.11, 71.40), p(51.15, 71.47)],
            ),
            ("202BBB01".into(), vec![p(51.12, 71.43), p(51.13, 71.41)]),
            ("empty".into(), vec![]),
        ])
        .unwrap();
        assert_eq!(map.lines.len(), 2, "a route without stops is not drawn");
        assert_ne!(map.lines[0].pattern, map.lines[1].pattern);
        assert_eq!(map.lines[0].points.split(' ').count(), 3);
        let numbers: Vec<usize> = map.lines[0].stops.iter().map(|s| s.number).collect();
        assert_eq!(numbers, [1, 2, 3]);
        assert_eq!(map.lines[1].class, "route-1");
        assert_eq!(map.view_box, "0 0 640 420");
        assert!(draw(&[("x".into(), vec![])]).is_none());
    }

    #[test]
    fn patterns_repeat_beyond_six_vehicles() {
        let routes: Vec<(String, Vec<LatLon>)> = (0..8)
            .map(|i| (format!("v{i}"), vec![p(51.0 + f64::from(i) / 100.0, 71.0)]))
            .collect();
        let map = draw(&routes).unwrap();
        assert_eq!(map.lines[6].pattern, PATTERNS[0]);
        assert_eq!(map.lines[7].class, "route-1");
    }
}
