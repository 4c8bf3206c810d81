//! Small sampling helpers over a seeded random stream.

use rand::Rng;

/// True with probability `p`.
pub fn chance(rng: &mut impl Rng, p: f64) -> bool {
    rng.random_bool(p.clamp(0.0, 1.0))
}

/// One of `choices`, each as likely as its weight.
pub fn weighted<T: Copy>(rng: &mut impl Rng, choices: &[(T, f64)]) -> T {
    let total: f64 = choices.iter().map(|(_, w)| w.max(0.0)).sum();
    let mut x = rng.random::<f64>() * total;
    for (choice, weight) in choices {
        let weight = weight.max(0.0);
        if x < weight {
            return *choice;
        }
        x -= weight;
    }
    // Rounding can leave x just above the last bound.
    choices[choices.len() - 1].0
}

/// One of `items`, uniformly.
pub fn pick<'a, T>(rng: &mut impl Rng, items: &'a [T]) -> &'a T {
    &items[rng.random_range(0..items.len())]
}

/// A log-normal draw with the given median and shape: most values near the median, a long
/// right tail.
pub fn log_normal(rng: &mut impl Rng, median: f64, sigma: f64) -> f64 {
    // Box-Muller: one standard normal from two uniforms.
    let u1: f64 = rng.random::<f64>().max(f64::MIN_POSITIVE);
    let u2: f64 = rng.random();
    let z = (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos();
    median * (sigma * z).exp()
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    #[test]
    fn weights_are_followed() {
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let n = 20_000;
        let hits = (0..n)
            .filter(|_| weighted(&mut rng, &[(true, 1.0), (false, 3.0)]))
            .count();
        let share = hits as f64 / n as f64;
        assert!((share - 0.25).abs() < 0.015, "{share}");
    }

    #[test]
    fn log_normal_has_its_median() {
        let mut rng = ChaCha8Rng::seed_from_u64(2);
        let mut xs: Vec<f64> = (0..10_001)
            .map(|_| log_normal(&mut rng, 30.0, 0.75))
            .collect();
        xs.sort_by(f64::total_cmp);
        assert!((xs[5_000] - 30.0).abs() < 2.0, "{}", xs[5_000]);
    }
}
