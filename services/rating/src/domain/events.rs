//! When a new rating is news: a first rating, a change of status, stars or tier, or a move of
//! the composite by at least the configured points (RATING.md, "Publishing").

use super::engine::{Rating, Tier};

/// What subscribers compare: the rating as it was and as it is.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Snapshot {
    /// Composite; none for INSUFFICIENT_DATA.
    pub composite: Option<f64>,
    /// Stars; none for INSUFFICIENT_DATA.
    pub stars: Option<i32>,
    /// Tier.
    pub tier: Tier,
}

/// What changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    /// The centre's first rating.
    FirstRating,
    /// Stars changed.
    Stars,
    /// Tier changed.
    Tier,
    /// Composite moved by at least the threshold.
    Composite,
    /// RATED <-> INSUFFICIENT_DATA.
    Status,
}

/// The changes from `before` (the centre's latest rating so far, if any) to `after`; empty when
/// nothing subscribers care about moved.
pub fn changes(before: Option<&Snapshot>, after: &Snapshot, threshold: f64) -> Vec<Change> {
    let Some(before) = before else {
        return vec![Change::FirstRating];
    };
    let mut out = Vec::new();
    if before.composite.is_some() != after.composite.is_some() {
        out.push(Change::Status);
    }
    if before.stars != after.stars {
        out.push(Change::Stars);
    }
    if before.tier != after.tier {
        out.push(Change::Tier);
    }
    if let (Some(a), Some(b)) = (before.composite, after.composite)
        && ((b - a).abs() - threshold) > -1e-9
    {
        out.push(Change::Composite);
    }
    out
}

impl Snapshot {
    /// What subscribers compare of a new rating.
    pub fn of(r: &Rating) -> Self {
        Self {
            composite: r.composite,
            stars: r.stars,
            tier: r.tier,
        }
    }
}

/// A centre's rating event: what changed between its latest rating so far and the new one.
#[derive(Debug, Clone, PartialEq)]
pub struct RatingChanged {
    /// What changed, in the order subscribers read it.
    pub changes: Vec<Change>,
    /// The latest rating so far; none for a first rating.
    pub before: Option<Snapshot>,
    /// The new rating.
    pub after: Snapshot,
}

/// The event a centre's new rating `after` emits against its latest rating so far `before`, or
/// `None` when nothing subscribers care about moved by `threshold`.
pub fn news(before: Option<&Snapshot>, after: Snapshot, threshold: f64) -> Option<RatingChanged> {
    let changes = changes(before, &after, threshold);
    (!changes.is_empty()).then(|| RatingChanged {
        changes,
        before: before.copied(),
        after,
    })
}

/// Each centre's event compares with its latest rating so far: this period's latest version
/// when there is one, or else the previous period's.
pub fn baseline<'a, T>(this_period: &'a [T], previous_period: &'a [T]) -> &'a [T] {
    if this_period.is_empty() {
        previous_period
    } else {
        this_period
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn snap(composite: Option<f64>, stars: Option<i32>, tier: Tier) -> Snapshot {
        Snapshot {
            composite,
            stars,
            tier,
        }
    }

    #[test]
    fn a_period_s_first_version_compares_with_the_previous_period() {
        assert_eq!(baseline::<i32>(&[], &[1, 2]), &[1, 2]);
        assert_eq!(baseline(&[3], &[1, 2]), &[3]);
    }

    #[test]
    fn news_carries_what_changed_from_what_to_what() {
        let before = snap(Some(69.5), Some(3), Tier::Standard);
        let after = snap(Some(70.0), Some(4), Tier::Incentive);
        let news = news(Some(&before), after, 1.0).unwrap();
        assert_eq!(news.changes, vec![Change::Stars, Change::Tier]);
        assert_eq!(news.before, Some(before));
        assert_eq!(news.after, after);
        assert_eq!(
            super::news(None, after, 1.0).map(|n| n.changes),
            Some(vec![Change::FirstRating])
        );
        let still = snap(Some(69.9), Some(3), Tier::Standard);
        assert_eq!(super::news(Some(&before), still, 1.0), None);
    }

    #[test]
    fn a_first_rating_is_news() {
        let s = snap(Some(60.0), Some(3), Tier::Standard);
        assert_eq!(changes(None, &s, 1.0), vec![Change::FirstRating]);
    }

    #[test]
    fn the_composite_must_move_by_the_threshold() {
        let before = snap(Some(60.0), Some(3), Tier::Standard);
        assert!(
            changes(
                Some(&before),
                &snap(Some(60.99), Some(3), Tier::Standard),
                1.0
            )
            .is_empty()
        );
        assert_eq!(
            changes(
                Some(&before),
                &snap(Some(59.0), Some(3), Tier::Standard),
                1.0
            ),
            vec![Change::Composite]
        );
    }

    #[test]
    fn stars_tier_and_status_changes_are_named() {
        let before = snap(Some(69.5), Some(3), Tier::Standard);
        assert_eq!(
            changes(
                Some(&before),
                &snap(Some(70.0), Some(4), Tier::Incentive),
                1.0
            ),
            vec![Change::Stars, Change::Tier]
        );
        assert_eq!(
            changes(
                Some(&before),
                &snap(None, None, Tier::InsufficientData),
                1.0
            ),
            vec![Change::Status, Change::Stars, Change::Tier]
        );
    }
}
