//! The queue's answers in the contract's form.

use chrono::NaiveDate;
use onaltu_api::date;
use onaltu_proto::registry as pb;

use crate::store::episodes::EpisodeRow;

/// Where episode `e` stands in its queue of `length`, with the median wait there.
pub(super) fn queue_position(
    e: &EpisodeRow,
    position: i64,
    length: i64,
    median_wait_days: Option<f64>,
) -> pb::QueuePosition {
    pb::QueuePosition {
        episode_id: e.id.to_string(),
        center_id: e.center_id.to_string(),
        service_form: e.service_form as i32,
        state: e.state as i32,
        position: position as i32,
        queue_length: length as i32,
        referral_date: Some(date(e.referral_date)),
        median_wait_days,
        arrival_due_date: e.arrival_due_date.map(date),
    }
}

/// Episode `e` as an entry of its centre's queue on `today`.
pub(super) fn queue_entry(e: &EpisodeRow, position: i64, today: NaiveDate) -> pb::QueueEntry {
    pb::QueueEntry {
        episode_id: e.id.to_string(),
        person_id: e.person_id.to_string(),
        center_id: e.center_id.to_string(),
        service_form: e.service_form as i32,
        position: position as i32,
        referral_date: Some(date(e.referral_date)),
        state: e.state as i32,
        out_of_turn: e.out_of_turn,
        out_of_turn_reason: e.out_of_turn_reason as i32,
        arrival_due_date: e.arrival_due_date.map(date),
        days_waiting: (today - e.referral_date).num_days() as i32,
    }
}
