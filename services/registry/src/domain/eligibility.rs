//! Invataxi eligibility (инватакси): who may book accessible transport. The rule of DOMAIN.md:
//! groups 1-2 with mobility limits, wheelchair users, and children with disabilities, with a
//! current assessment on the travel date.

use chrono::NaiveDate;
use onaltu_proto::registry::{DisabilityGroup, Needs};

/// What the rule needs to know about a person.
#[derive(Debug, Clone)]
pub struct Facts {
    /// Current group, if any assessment.
    pub group: DisabilityGroup,
    /// Mobility and communication needs.
    pub needs: Needs,
    /// Re-examination date of the current assessment; `None` when indefinite.
    pub valid_until: Option<NaiveDate>,
    /// Whether there is a current assessment at all.
    pub assessed: bool,
}

/// One reason for the answer: a stable code and what it means.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reason {
    /// E.g. `WHEELCHAIR_USER`.
    pub code: &'static str,
    /// For a person to read.
    pub description: String,
}

fn reason(code: &'static str, description: &str) -> Reason {
    Reason {
        code,
        description: description.into(),
    }
}

/// Decides eligibility on `travel_date`, with every reason for the answer.
pub fn decide(f: &Facts, travel_date: NaiveDate) -> (bool, Vec<Reason>) {
    if !f.assessed {
        return (
            false,
            vec![reason("NO_ASSESSMENT", "no current disability assessment")],
        );
    }
    if let Some(until) = f.valid_until.filter(|u| *u < travel_date) {
        return (
            false,
            vec![reason(
                "ASSESSMENT_EXPIRED",
                &format!("the assessment needed re-examination by {until}"),
            )],
        );
    }
    let mut reasons = Vec::new();
    if f.needs.wheelchair_user {
        reasons.push(reason("WHEELCHAIR_USER", "uses a wheelchair"));
    }
    let mobility = f.needs.wheelchair_user || f.needs.needs_escort || f.needs.visual_impairment;
    if matches!(f.group, DisabilityGroup::Group1 | DisabilityGroup::Group2) && mobility {
        reasons.push(reason(
            "GROUP_1_2_MOBILITY",
            "group 1 or 2 with limited mobility",
        ));
    }
    if matches!(
        f.group,
        DisabilityGroup::ChildUnder7
            | DisabilityGroup::Child7To18
            | DisabilityGroup::ChildUnder16
            | DisabilityGroup::Child16To18
    ) {
        reasons.push(reason("CHILD_WITH_DISABILITY", "a child with a disability"));
    }
    if reasons.is_empty() {
        (
            false,
            vec![reason(
                "NOT_COVERED",
                "neither a wheelchair user, nor group 1-2 with limited mobility, nor a child",
            )],
        )
    } else {
        (true, reasons)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts(group: DisabilityGroup, needs: Needs) -> Facts {
        Facts {
            group,
            needs,
            valid_until: None,
            assessed: true,
        }
    }

    #[test]
    fn the_rule_covers_wheelchairs_mobility_and_children() {
        let today = NaiveDate::from_ymd_opt(2026, 11, 22).unwrap();
        let wheelchair = Needs {
            wheelchair_user: true,
            ..Needs::default()
        };
        assert!(decide(&facts(DisabilityGroup::Group3, wheelchair), today).0);
        let escort = Needs {
            needs_escort: true,
            ..Needs::default()
        };
        assert!(decide(&facts(DisabilityGroup::Group2, escort), today).0);
        assert!(!decide(&facts(DisabilityGroup::Group3, escort), today).0);
        assert!(
            decide(
                &facts(DisabilityGroup::ChildUnder7, Needs::default()),
                today
            )
            .0
        );
        let mut expired = facts(DisabilityGroup::ChildUnder7, Needs::default());
        expired.valid_until = NaiveDate::from_ymd_opt(2026, 1, 1);
        let (ok, reasons) = decide(&expired, today);
        assert!(!ok);
        assert_eq!(reasons[0].code, "ASSESSMENT_EXPIRED");
    }
}
