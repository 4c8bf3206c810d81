//! GetServiceMetrics' request as a typed span of dates, every field violation reported at once.

use chrono::{Duration, NaiveDate};
use onaltu_api::{Period, parse_opt_date};
use onaltu_errors::{ApiError, Violations};
use onaltu_proto::transport as pb;

/// Longest range measured at once.
const MAX_DAYS: i64 = 400;

/// The dates measured, first and last included.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Span {
    /// First day.
    pub from: NaiveDate,
    /// Last day.
    pub until: NaiveDate,
}

/// The first and last day of the period or range asked for, if they decode.
fn bounds(
    span: Option<&pb::get_service_metrics_request::Span>,
    v: &mut Violations,
) -> (Option<NaiveDate>, Option<NaiveDate>) {
    use pb::get_service_metrics_request::Span as S;
    match span {
        Some(S::Period(p)) => match Period::decode("period", p) {
            Ok(p) => (Some(p.start()), Some(p.end_exclusive() - Duration::days(1))),
            Err(e) => {
                v.absorb(e);
                (None, None)
            }
        },
        Some(S::DateRange(r)) => {
            let a = parse_opt_date("date_range.start_date", r.start_date.as_ref(), v);
            let b = parse_opt_date("date_range.end_date", r.end_date.as_ref(), v);
            v.check(
                a.is_some() && b.is_some(),
                "date_range",
                "both dates are required",
            );
            (a, b)
        }
        None => {
            v.add("period", "a period or a date range is required");
            (None, None)
        }
    }
}

/// Decodes a GetServiceMetrics.
pub fn span(r: &pb::GetServiceMetricsRequest) -> Result<Span, ApiError> {
    let mut v = Violations::new();
    let (from, until) = bounds(r.span.as_ref(), &mut v);
    if let (Some(a), Some(b)) = (from, until) {
        v.check(
            b >= a,
            "date_range.end_date",
            "must not be before the start",
        );
        v.check(
            (b - a).num_days() < MAX_DAYS,
            "date_range",
            format!("at most {MAX_DAYS} days"),
        );
    }
    v.finish(Span {
        from: from.unwrap_or_default(),
        until: until.unwrap_or_default(),
    })
}
