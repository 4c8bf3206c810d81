//! Small-sample statistics the feedback summaries and the rating share, so both show the same
//! number for the same answers (RATING.md, "Small samples").

/// z for a two-sided 95% interval.
pub const Z_95: f64 = 1.959_963_984_540_054;

/// The Bayesian mean of `n` answers averaging `mean`, toward `prior` with weight `m`:
/// `(n * mean + m * prior) / (n + m)`.
pub fn bayesian_mean(n: i64, mean: f64, m: f64, prior: f64) -> f64 {
    (n as f64 * mean + m * prior) / (n as f64 + m)
}

/// The lower bound of the Wilson score interval for `successes` of `n` at `z`; 0 without answers.
pub fn wilson_lower_bound(successes: i64, n: i64, z: f64) -> f64 {
    if n <= 0 {
        return 0.0;
    }
    let n = n as f64;
    let p = successes as f64 / n;
    let z2 = z * z;
    let centre = p + z2 / (2.0 * n);
    let margin = z * ((p * (1.0 - p) + z2 / (4.0 * n)) / n).sqrt();
    ((centre - margin) / (1.0 + z2 / n)).max(0.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-9
    }

    #[test]
    fn the_bayesian_mean_pulls_a_small_sample_toward_the_prior() {
        // 5 answers averaging 5.0, city 4.0, m = 10: (5*5 + 10*4) / 15 = 65/15 = 4.333…
        assert!(close(bayesian_mean(5, 5.0, 10.0, 4.0), 65.0 / 15.0));
        // 90 answers averaging 3.0: (270 + 40) / 100 = 3.1
        assert!(close(bayesian_mean(90, 3.0, 10.0, 4.0), 3.1));
    }

    #[test]
    fn the_wilson_bound_of_nine_of_ten() {
        // p = 0.9, n = 10, z² = 3.841459: centre = 0.9 + 0.192073 = 1.092073;
        // margin = 1.959964 * sqrt((0.09 + 0.096036) / 10) = 1.959964 * 0.136395 = 0.267328;
        // (1.092073 - 0.267328) / 1.384146 = 0.595852.
        let w = wilson_lower_bound(9, 10, Z_95);
        assert!((w - 0.595_852).abs() < 1e-5, "{w}");
        assert_eq!(wilson_lower_bound(0, 0, Z_95), 0.0);
        assert!(close(wilson_lower_bound(0, 20, Z_95), 0.0));
    }
}
