//! The explanation of a rating, one line per rule applied, in English, Kazakh and Russian, so a
//! centre, a family and the city office read the same reasons.

use super::engine::{Flag, InspectionReason, Rating, Tier};
use super::methodology::{Criterion, Methodology};

/// One line of the explanation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    /// The rule: `status`, `stars`, `star_cap`, `tier`, `feedback_suppressed`,
    /// `self_reported_only`.
    pub code: &'static str,
    /// English.
    pub en: String,
    /// Kazakh.
    pub kk: String,
    /// Russian.
    pub ru: String,
}

fn line(code: &'static str, en: String, kk: String, ru: String) -> Line {
    Line { code, en, kk, ru }
}

fn criterion_names(c: Criterion) -> (&'static str, &'static str, &'static str) {
    match c {
        Criterion::Effectiveness => ("effectiveness", "тиімділік", "эффективность"),
        Criterion::Activities => (
            "organisation and activities",
            "оңалтуды ұйымдастыру",
            "организация реабилитации",
        ),
        Criterion::Access => ("access", "қолжетімділік", "доступность"),
        Criterion::Satisfaction => ("satisfaction", "қанағаттану", "удовлетворённость"),
    }
}

/// Every line that explains `r` under `m`.
pub fn explain(m: &Methodology, r: &Rating) -> Vec<Line> {
    let mut out = Vec::new();
    let present = r.criteria_present;
    match (r.composite, r.uncapped_stars) {
        (Some(c), Some(s)) => {
            let rule_en = match m.star_cut_points.get((5 - s) as usize) {
                Some(cut) => format!("at or above {cut}"),
                None => format!("below {}", m.star_cut_points[3]),
            };
            out.push(line(
                "stars",
                format!("Composite {c:.2} of 100 from {present} of 4 criteria is {rule_en}: {s} star(s)."),
                format!("{present}/4 өлшем бойынша жиынтық балл {c:.2}: {s} жұлдыз."),
                format!("Итоговый балл {c:.2} по {present} из 4 критериев: {s} зв."),
            ));
        }
        _ => out.push(line(
            "status",
            format!(
                "Only {present} of 4 criteria could be scored and a rating needs {}: no stars.",
                m.min_criteria
            ),
            format!(
                "Тек {present}/4 өлшем бағаланды, рейтингке {} қажет: жұлдыз берілмейді.",
                m.min_criteria
            ),
            format!(
                "Оценено только {present} из 4 критериев, для рейтинга нужно {}: без звёзд.",
                m.min_criteria
            ),
        )),
    }
    if r.flags.contains(&Flag::FeedbackSuppressed) {
        let (n, min) = (r.evaluations, m.min_evaluations);
        out.push(line(
            "feedback_suppressed",
            format!("{n} published evaluation(s), fewer than {min}: feedback values are not shown and satisfaction is missing."),
            format!("{n} жарияланған баға, {min}-тен аз: алушылардың бағасы көрсетілмейді, қанағаттану өлшемі жоқ."),
            format!("Опубликовано оценок: {n}, меньше {min}: оценки получателей не показываются, критерий удовлетворённости отсутствует."),
        ));
    }
    for c in r.criteria.iter().filter(|c| c.self_reported_only) {
        let (en, kk, ru) = criterion_names(c.criterion);
        out.push(line(
            "self_reported_only",
            format!("The {en} score rests only on values the centre reported itself, unchecked by an inspection."),
            format!("«{kk}» өлшемі тек орталықтың өзі ұсынған мәндерге сүйенеді."),
            format!("Критерий «{ru}» основан только на данных самоотчёта центра."),
        ));
    }
    if r.flags.contains(&Flag::StarsCapped) {
        let (Some(from), Some(to)) = (r.uncapped_stars, r.stars) else {
            return out;
        };
        let k = r.capping_violations.len();
        out.push(line(
            "star_cap",
            format!("Stars capped at {to} (from {from}) while {k} critical violation(s) found by the city remain open."),
            format!("Қала анықтаған {k} елеулі бұзушылық жойылғанша жұлдыздар {from}-ден {to}-ге шектелді."),
            format!("Пока не устранены критические нарушения ({k}), звёзды ограничены: {to} вместо {from}."),
        ));
    }
    let peers = r.rank_in_peer_group;
    let (en, kk, ru) = match r.tier {
        Tier::InsufficientData => (
            "Tier INSUFFICIENT_DATA: too few criteria to rate.".to_string(),
            "Деңгей: деректер жеткіліксіз.".to_string(),
            "Уровень: недостаточно данных.".to_string(),
        ),
        Tier::Penalty if !r.capping_violations.is_empty() => (
            InspectionReason::CriticalViolation.describe(),
            "Деңгей: санкция — жойылмаған елеулі бұзушылық бар, тексеру тағайындалады.".to_string(),
            "Уровень: санкция — не устранено критическое нарушение, назначается проверка."
                .to_string(),
        ),
        Tier::Penalty => (
            InspectionReason::ConsecutiveLow {
                periods: r.low_streak,
            }
            .describe(),
            format!(
                "Деңгей: санкция — қатарынан {} кезең екі жұлдыз не одан төмен, тексеру тағайындалады.",
                r.low_streak
            ),
            format!(
                "Уровень: санкция — {} периода подряд две звезды или меньше, назначается проверка.",
                r.low_streak
            ),
        ),
        Tier::Warning => (
            "Tier WARNING: two stars or less this period.".to_string(),
            "Деңгей: ескерту — осы кезеңде екі жұлдыз не одан төмен.".to_string(),
            "Уровень: предупреждение — в этом периоде две звезды или меньше.".to_string(),
        ),
        Tier::Incentive if r.stars == Some(5) => (
            "Tier INCENTIVE: five stars.".to_string(),
            "Деңгей: ынталандыру — бес жұлдыз.".to_string(),
            "Уровень: поощрение — пять звёзд.".to_string(),
        ),
        Tier::Incentive => (
            format!(
                "Tier INCENTIVE: four stars and rank {} of {} in its peer group, within the top {:.0}%.",
                peers.rank,
                peers.out_of,
                m.incentive_top_share * 100.0
            ),
            format!(
                "Деңгей: ынталандыру — төрт жұлдыз, топта {}/{} орын (үздік {:.0}%).",
                peers.rank,
                peers.out_of,
                m.incentive_top_share * 100.0
            ),
            format!(
                "Уровень: поощрение — четыре звезды, {} место из {} в группе (лучшие {:.0}%).",
                peers.rank,
                peers.out_of,
                m.incentive_top_share * 100.0
            ),
        ),
        Tier::Standard => (
            "Tier STANDARD: three or four stars.".to_string(),
            "Деңгей: стандартты — үш немесе төрт жұлдыз.".to_string(),
            "Уровень: стандартный — три или четыре звезды.".to_string(),
        ),
    };
    out.push(line("tier", en, kk, ru));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::engine::{CenterInputs, rate_all};
    use crate::domain::feedback::Totals;
    use crate::domain::indicators::{Recorded, RegistryFacts};
    use crate::domain::methodology::Source;
    use uuid::Uuid;

    fn rated(critical: bool) -> Rating {
        let m = Methodology::standard();
        let inputs = CenterInputs {
            center: Uuid::from_u128(1),
            region: "KZ-71".into(),
            peer_group: (1, 1),
            registry: Some(RegistryFacts {
                admissions: 5,
                discharges: 10,
                improved: 10,
                median_wait_days: Some(7.0),
                ..RegistryFacts::default()
            }),
            feedback: Totals::default(),
            recorded: vec![Recorded {
                code: "events_per_100_recipients".into(),
                source: Source::SelfReported,
                value: 20.0,
                sample_size: None,
            }],
            critical_violations: if critical {
                vec![Uuid::from_u128(7)]
            } else {
                vec![]
            },
            previous: None,
        };
        rate_all(&m, &[inputs], &Totals::default()).remove(0)
    }

    #[test]
    fn every_rule_applied_has_a_line_in_three_languages() {
        let r = rated(true);
        let codes: Vec<&str> = r.explanations.iter().map(|l| l.code).collect();
        assert_eq!(
            codes,
            [
                "stars",
                "feedback_suppressed",
                "self_reported_only",
                "star_cap",
                "tier"
            ]
        );
        for l in &r.explanations {
            assert!(
                !l.en.is_empty() && !l.kk.is_empty() && !l.ru.is_empty(),
                "{l:?}"
            );
        }
        let cap = &r.explanations[3];
        assert!(cap.en.contains("capped at 2 (from 5)"), "{}", cap.en);
        assert!(r.explanations[4].en.contains("PENALTY"));
        let reason = r.inspection.map(InspectionReason::describe);
        assert_eq!(reason.as_deref(), Some(r.explanations[4].en.as_str()));
    }

    #[test]
    fn without_a_violation_there_is_no_cap_line() {
        let r = rated(false);
        assert!(r.explanations.iter().all(|l| l.code != "star_cap"));
        assert!(
            r.explanations[0].en.contains("5 star(s)"),
            "{}",
            r.explanations[0].en
        );
        assert!(r.explanations.last().unwrap().en.contains("INCENTIVE"));
    }
}
