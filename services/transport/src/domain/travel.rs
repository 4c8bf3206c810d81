//! Travel between points when no road network is plugged in: the straight line (haversine)
//! times a road factor, at an average speed. Any other source of times fills the same matrix.

use super::darp::model::Matrix;

/// How straight-line distances become road distances and times (`[travel]`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TravelModel {
    /// Road distance over straight-line distance, e.g. 1.3 in a city grid.
    pub road_factor: f64,
    /// Average speed in km/h, e.g. 25 in Astana's traffic.
    pub speed_kmh: f64,
}

impl Default for TravelModel {
    fn default() -> Self {
        Self {
            road_factor: 1.3,
            speed_kmh: 25.0,
        }
    }
}

/// Great-circle distance in metres between two (latitude, longitude) points.
pub fn haversine_m(a: (f64, f64), b: (f64, f64)) -> f64 {
    const R: f64 = 6_371_000.0;
    let (la1, lo1, la2, lo2) = (
        a.0.to_radians(),
        a.1.to_radians(),
        b.0.to_radians(),
        b.1.to_radians(),
    );
    let h = ((la2 - la1) / 2.0).sin().powi(2)
        + la1.cos() * la2.cos() * ((lo2 - lo1) / 2.0).sin().powi(2);
    2.0 * R * h.sqrt().asin()
}

impl TravelModel {
    /// Road metres between two points.
    pub fn road_m(&self, a: (f64, f64), b: (f64, f64)) -> f64 {
        haversine_m(a, b) * self.road_factor
    }

    /// Seconds between two points.
    pub fn seconds(&self, a: (f64, f64), b: (f64, f64)) -> f64 {
        self.road_m(a, b) / (self.speed_kmh / 3.6)
    }

    /// The matrix of travel seconds between `points`; a leg's cost is its time.
    pub fn matrix(&self, points: &[(f64, f64)]) -> Matrix {
        let n = points.len();
        let mut time = vec![0.0; n * n];
        for (i, a) in points.iter().enumerate() {
            for (j, b) in points.iter().enumerate() {
                time[i * n + j] = self.seconds(*a, *b);
            }
        }
        Matrix::from_times(n, time)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_degree_of_latitude_is_about_111_km_and_takes_its_time() {
        let d = haversine_m((51.0, 71.4), (52.0, 71.4));
        assert!((d - 111_195.0).abs() < 100.0, "{d}");
        let m = TravelModel::default();
        // 1 km straight, 1.3 km by road at 25 km/h (6.944 m/s): 187.2 s.
        let one_km = (51.0 + 1.0 / 111.195, 71.4);
        assert!((m.seconds((51.0, 71.4), one_km) - 187.2).abs() < 0.5);
        let matrix = m.matrix(&[(51.0, 71.4), one_km]);
        assert_eq!(matrix.time(0, 0), 0.0);
        assert!((matrix.time(0, 1) - matrix.time(1, 0)).abs() < 1e-9);
    }
}
