//! A centre's staff's forms, without I/O: the centre's one public reply to an evaluation, and
//! the indicator values the centre reports itself (SELF_REPORTED) for the current quarter.

use chrono::{Datelike, NaiveDate};
use onaltu_proto::common::{Period, PeriodKind};
use onaltu_proto::rating::{self as rt, IndicatorSource};
use serde::Deserialize;

use crate::domain::form::{self, FormErrors};

/// The longest reply the feedback service keeps.
pub const MAX_REPLY_CHARS: usize = 2000;
/// The largest sample size the form takes (more recipients than any centre has).
pub const MAX_SAMPLE_SIZE: i64 = 1_000_000;

/// A reply form as sent.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct ReplyFields {
    /// The session's form token.
    pub csrf: String,
    /// The reply.
    pub text: String,
}

/// The reply typed, trimmed with line breaks as `\n`, or the error of its one field.
pub fn reply(fields: &ReplyFields) -> Result<String, FormErrors> {
    let mut errors = FormErrors::new();
    let text = form::normalised_text(&fields.text);
    if text.is_empty() {
        errors.add("text", "staff-reply-error-empty");
    } else if text.chars().count() > MAX_REPLY_CHARS {
        errors.add_n("text", "staff-reply-error-long", MAX_REPLY_CHARS as i64);
    } else if form::has_control_characters(&text) {
        errors.add("text", "staff-reply-error-characters");
    }
    if errors.is_empty() {
        Ok(text)
    } else {
        Err(errors)
    }
}

/// The form field a path of the feedback service's refusal of a reply belongs to.
pub fn reply_field(path: &str) -> Option<(&'static str, &'static str)> {
    (path == "text").then_some(("text", "staff-reply-error-refused"))
}

/// Whether a centre's staff may record values of `definition`: those it allows as
/// SELF_REPORTED (the rating service takes nothing else from a centre).
pub fn staff_may_record(definition: &rt::IndicatorDefinition) -> bool {
    definition
        .sources
        .contains(&(IndicatorSource::SelfReported as i32))
}

/// The message key of the hint telling how a value in `unit` is written.
pub fn unit_hint_key(unit: &str) -> &'static str {
    match unit {
        "share" => "staff-ind-hint-share",
        "per 100 recipients" => "staff-ind-hint-per-100",
        _ => "staff-ind-hint-number",
    }
}

/// The calendar quarter of `today` (a day in Kazakhstan), as the rating counts periods.
pub fn quarter_of(today: NaiveDate) -> Period {
    Period {
        year: today.year(),
        kind: PeriodKind::Quarter as i32,
        number: i32::try_from(today.month0() / 3 + 1).unwrap_or(1),
    }
}

/// Today in Kazakhstan (UTC+5).
pub fn today_in_kazakhstan(now: chrono::DateTime<chrono::Utc>) -> NaiveDate {
    (now + chrono::Duration::hours(5)).date_naive()
}

/// The name of the value field of indicator `code`.
pub fn value_field(code: &str) -> String {
    format!("value-{code}")
}

/// The name of the sample size field of indicator `code`.
pub fn sample_field(code: &str) -> String {
    format!("sample-{code}")
}

/// One error of the indicator form: the field (by [`value_field`] or [`sample_field`]; empty
/// for the form as a whole), the message key and the number it cites.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValueError {
    /// The field's name.
    pub field: String,
    /// The message key.
    pub key: &'static str,
    /// The number the message cites, if any.
    pub n: i64,
}

/// An indicator form as sent: `csrf`, `request_id`, and a value and sample size per indicator.
pub type IndicatorFields = Vec<(String, String)>;

/// The value of field `name` in `fields`, or empty.
pub fn field<'a>(fields: &'a IndicatorFields, name: &str) -> &'a str {
    fields
        .iter()
        .find(|(k, _)| k == name)
        .map_or("", |(_, v)| v.as_str())
}

/// A number as typed in Kazakh, Russian or English: `0,85` and `0.85` alike, blanks ignored.
fn number(typed: &str) -> Option<f64> {
    let cleaned: String = typed
        .chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| if c == ',' { '.' } else { c })
        .collect();
    cleaned.parse::<f64>().ok()
}

/// The values typed for `definitions` (the ones staff may record), each SELF_REPORTED; blank
/// indicators are left out, but at least one is needed. Every error is named at once.
pub fn values(
    definitions: &[rt::IndicatorDefinition],
    fields: &IndicatorFields,
) -> Result<Vec<rt::IndicatorValue>, Vec<ValueError>> {
    let mut errors = Vec::new();
    let mut out = Vec::new();
    let error = |errors: &mut Vec<ValueError>, field: String, key: &'static str, n: i64| {
        errors.push(ValueError { field, key, n });
    };
    for d in definitions.iter().filter(|d| staff_may_record(d)) {
        let typed = field(fields, &value_field(&d.code)).trim();
        let sample_typed = field(fields, &sample_field(&d.code)).trim();
        if typed.is_empty() {
            if !sample_typed.is_empty() {
                error(
                    &mut errors,
                    value_field(&d.code),
                    "staff-ind-error-value-missing",
                    0,
                );
            }
            continue;
        }
        let value = match number(typed) {
            Some(v) if !v.is_finite() || v < 0.0 => {
                error(
                    &mut errors,
                    value_field(&d.code),
                    "staff-ind-error-value-negative",
                    0,
                );
                None
            }
            Some(v) if d.unit == "share" && v > 1.0 => {
                error(
                    &mut errors,
                    value_field(&d.code),
                    "staff-ind-error-share",
                    0,
                );
                None
            }
            Some(v) => Some(v),
            None => {
                error(
                    &mut errors,
                    value_field(&d.code),
                    "staff-ind-error-value-number",
                    0,
                );
                None
            }
        };
        let sample_size = if sample_typed.is_empty() {
            None
        } else {
            match sample_typed.parse::<i64>() {
                Ok(n) if (0..=MAX_SAMPLE_SIZE).contains(&n) => Some(n),
                _ => {
                    error(
                        &mut errors,
                        sample_field(&d.code),
                        "staff-ind-error-sample",
                        MAX_SAMPLE_SIZE,
                    );
                    None
                }
            }
        };
        if let Some(value) = value {
            out.push(rt::IndicatorValue {
                indicator_code: d.code.clone(),
                value,
                source: IndicatorSource::SelfReported as i32,
                sample_size,
                ..Default::default()
            });
        }
    }
    if errors.is_empty() && out.is_empty() {
        error(&mut errors, String::new(), "staff-ind-error-none", 0);
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

/// The errors a refusal of RecordIndicators makes on the form: `values[i].<field>` on the
/// field of the `i`-th value `sent`, anything else on the form as a whole.
pub fn service_errors(paths: &[String], sent: &[rt::IndicatorValue]) -> Vec<ValueError> {
    let mut errors: Vec<ValueError> = paths
        .iter()
        .map(|path| {
            let at = path
                .strip_prefix("values[")
                .and_then(|rest| rest.split_once("]."))
                .and_then(|(i, f)| Some((sent.get(i.parse::<usize>().ok()?)?, f)));
            match at {
                Some((v, "sample_size")) => ValueError {
                    field: sample_field(&v.indicator_code),
                    key: "staff-ind-error-sample",
                    n: MAX_SAMPLE_SIZE,
                },
                Some((v, _)) => ValueError {
                    field: value_field(&v.indicator_code),
                    key: "staff-ind-error-refused",
                    n: 0,
                },
                None => ValueError {
                    field: String::new(),
                    key: "staff-ind-error-general",
                    n: 0,
                },
            }
        })
        .collect();
    errors.dedup();
    if errors.is_empty() {
        errors.push(ValueError {
            field: String::new(),
            key: "staff-ind-error-general",
            n: 0,
        });
    }
    errors
}

/// Every message key the rules above may name (chosen at run time).
pub const MESSAGE_KEYS: [&str; 15] = [
    "staff-ind-hint-share",
    "staff-ind-hint-per-100",
    "staff-ind-hint-number",
    "staff-reply-error-empty",
    "staff-reply-error-long",
    "staff-reply-error-characters",
    "staff-reply-error-refused",
    "staff-ind-error-value-missing",
    "staff-ind-error-value-negative",
    "staff-ind-error-value-number",
    "staff-ind-error-share",
    "staff-ind-error-sample",
    "staff-ind-error-none",
    "staff-ind-error-refused",
    "staff-ind-error-general",
];

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::i18n::{Lang, Tr};

    fn typed(text: &str) -> ReplyFields {
        ReplyFields {
            text: text.into(),
            ..Default::default()
        }
    }

    #[test]
    fn a_reply_is_trimmed_text_up_to_the_limit() {
        assert_eq!(
            reply(&typed("  Рахмет!\r\nКеліңіз.  ")).unwrap(),
            "Рахмет!\nКеліңіз."
        );
        let key = |t: &str| reply(&typed(t)).unwrap_err().of("text").unwrap().key;
        assert_eq!(key(" \r\n "), "staff-reply-error-empty");
        assert_eq!(
            key(&"ә".repeat(MAX_REPLY_CHARS + 1)),
            "staff-reply-error-long"
        );
        assert_eq!(key("bell\u{7}"), "staff-reply-error-characters");
        assert!(reply(&typed(&"ә".repeat(MAX_REPLY_CHARS))).is_ok());
        assert_eq!(reply_field("text").unwrap().0, "text");
        assert_eq!(reply_field("id"), None);
    }

    fn definition(code: &str, unit: &str, sources: &[IndicatorSource]) -> rt::IndicatorDefinition {
        rt::IndicatorDefinition {
            code: code.into(),
            unit: unit.into(),
            sources: sources.iter().map(|s| *s as i32).collect(),
            ..Default::default()
        }
    }

    fn definitions() -> Vec<rt::IndicatorDefinition> {
        use IndicatorSource::*;
        vec![
            definition(
                "events_per_100_recipients",
                "per 100 recipients",
                &[SelfReported, Inspection],
            ),
            definition("a_share", "share", &[SelfReported]),
            definition("checklist", "share", &[Inspection]),
            definition("median_wait_days", "days", &[Registry]),
        ]
    }

    fn form(pairs: &[(&str, &str)]) -> IndicatorFields {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_string(), (*v).to_string()))
            .collect()
    }

    #[test]
    fn staff_record_only_what_a_centre_reports_itself() {
        let recordable: Vec<_> = definitions()
            .into_iter()
            .filter(staff_may_record)
            .map(|d| d.code)
            .collect();
        assert_eq!(recordable, ["events_per_100_recipients", "a_share"]);
    }

    #[test]
    fn values_are_read_with_either_decimal_mark() {
        let v = values(
            &definitions(),
            &form(&[
                ("value-events_per_100_recipients", " 12,5 "),
                ("sample-events_per_100_recipients", "80"),
                ("value-a_share", "0.75"),
                ("value-checklist", "0.9"),
            ]),
        )
        .unwrap();
        assert_eq!(
            v.len(),
            2,
            "an inspection-only indicator is not taken from staff"
        );
        assert_eq!(v[0].value, 12.5);
        assert_eq!(v[0].sample_size, Some(80));
        assert_eq!(v[0].source, IndicatorSource::SelfReported as i32);
        assert_eq!(v[1].value, 0.75);
        assert_eq!(v[1].sample_size, None);
    }

    #[test]
    fn every_bad_value_is_named_beside_its_field() {
        let e = values(
            &definitions(),
            &form(&[
                ("value-events_per_100_recipients", "-1"),
                ("sample-events_per_100_recipients", "many"),
                ("value-a_share", "1.5"),
            ]),
        )
        .unwrap_err();
        let found: Vec<_> = e.iter().map(|e| (e.field.as_str(), e.key)).collect();
        assert_eq!(
            found,
            [
                (
                    "value-events_per_100_recipients",
                    "staff-ind-error-value-negative"
                ),
                ("sample-events_per_100_recipients", "staff-ind-error-sample"),
                ("value-a_share", "staff-ind-error-share"),
            ]
        );
        let e = values(&definitions(), &form(&[("value-a_share", "lots")])).unwrap_err();
        assert_eq!(e[0].key, "staff-ind-error-value-number");
        let e = values(&definitions(), &form(&[("value-a_share", "NaN")])).unwrap_err();
        assert_eq!(e[0].key, "staff-ind-error-value-negative");
        let e = values(&definitions(), &form(&[("sample-a_share", "5")])).unwrap_err();
        assert_eq!(e[0].key, "staff-ind-error-value-missing");
    }

    #[test]
    fn the_hint_follows_the_unit() {
        assert_eq!(unit_hint_key("share"), "staff-ind-hint-share");
        assert_eq!(
            unit_hint_key("per 100 recipients"),
            "staff-ind-hint-per-100"
        );
        assert_eq!(unit_hint_key("days"), "staff-ind-hint-number");
    }

    #[test]
    fn at_least_one_value_is_recorded() {
        let e = values(&definitions(), &form(&[])).unwrap_err();
        assert_eq!(e[0].field, "");
        assert_eq!(e[0].key, "staff-ind-error-none");
    }

    #[test]
    fn a_refusal_lands_on_the_value_it_names() {
        let sent = values(
            &definitions(),
            &form(&[
                ("value-events_per_100_recipients", "3"),
                ("value-a_share", "0.5"),
            ]),
        )
        .unwrap();
        let e = service_errors(
            &[
                "values[1].value".into(),
                "values[0].sample_size".into(),
                "period".into(),
            ],
            &sent,
        );
        let fields: Vec<_> = e.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            ["value-a_share", "sample-events_per_100_recipients", ""]
        );
        assert_eq!(service_errors(&[], &sent)[0].key, "staff-ind-error-general");
    }

    #[test]
    fn the_period_is_the_current_quarter_in_kazakhstan() {
        let d = |y, m, day| NaiveDate::from_ymd_opt(y, m, day).unwrap();
        assert_eq!(quarter_of(d(2026, 1, 1)).number, 1);
        assert_eq!(quarter_of(d(2026, 3, 31)).number, 1);
        assert_eq!(quarter_of(d(2026, 4, 1)).number, 2);
        assert_eq!(quarter_of(d(2026, 12, 31)).number, 4);
        assert_eq!(quarter_of(d(2026, 12, 31)).kind, PeriodKind::Quarter as i32);
        // 20:00 UTC on 31 March is already 1 April in Astana.
        let now = chrono::DateTime::parse_from_rfc3339("2026-03-31T20:00:00Z")
            .unwrap()
            .to_utc();
        assert_eq!(today_in_kazakhstan(now), d(2026, 4, 1));
    }

    #[test]
    fn every_message_is_translated() {
        for lang in Lang::ALL {
            let tr = Tr::new(lang);
            for key in MESSAGE_KEYS {
                assert!(tr.has(key), "{} lacks {key}", lang.code());
            }
        }
    }
}
