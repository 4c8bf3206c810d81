//! The fleet calls' requests as typed inputs, every field violation reported at once.

use chrono::{DateTime, Utc};
use onaltu_api::{
    decode_offset_token, decode_token, page_size, parse_id, parse_opt_date, parse_opt_id,
};
use onaltu_errors::{ApiError, Violations};
use onaltu_proto::transport as pb;
use uuid::Uuid;

use crate::api::convert::{instant, local_midnight};
use crate::domain::fleet;

/// A CreateVehicle, decoded.
#[derive(Debug, Clone)]
pub struct NewVehicle {
    /// The caller's key for retries.
    pub request_id: Uuid,
    /// The vehicle as checked.
    pub vehicle: pb::Vehicle,
}

/// Decodes a CreateVehicle.
pub fn new_vehicle(r: pb::CreateVehicleRequest) -> Result<NewVehicle, ApiError> {
    let mut v = Violations::new();
    let request_id = v.take(parse_id("request_id", &r.request_id));
    let vehicle = r.vehicle.unwrap_or_default();
    fleet::check_vehicle(&vehicle, &mut v);
    v.finish(NewVehicle {
        request_id,
        vehicle,
    })
}

/// A ListVehicles, decoded.
#[derive(Debug, Clone)]
pub struct VehicleQuery {
    /// Page size.
    pub size: i64,
    /// The plate the page starts after.
    pub after: Option<String>,
    /// Only of this kind.
    pub kind: Option<i16>,
    /// Only in this status.
    pub status: Option<i16>,
}

/// Decodes a ListVehicles.
pub fn vehicle_query(r: &pb::ListVehiclesRequest) -> Result<VehicleQuery, ApiError> {
    let mut v = Violations::new();
    let size = v.take(page_size(r.page_size));
    let after = v.take(decode_token(&r.page_token));
    v.finish(VehicleQuery {
        size,
        after,
        kind: (r.kind != 0).then_some(r.kind as i16),
        status: (r.status != 0).then_some(r.status as i16),
    })
}

/// A CreateShift, decoded.
#[derive(Debug, Clone)]
pub struct NewShift {
    /// The caller's key for retries.
    pub request_id: Uuid,
    /// The vehicle.
    pub vehicle: Uuid,
    /// The driver's account, trimmed.
    pub driver: String,
    /// The driver's name, trimmed.
    pub driver_name: String,
    /// Start.
    pub start: DateTime<Utc>,
    /// End.
    pub end: DateTime<Utc>,
}

/// Decodes a CreateShift.
pub fn new_shift(r: pb::CreateShiftRequest) -> Result<NewShift, ApiError> {
    let mut v = Violations::new();
    let request_id = v.take(parse_id("request_id", &r.request_id));
    let shift = r.shift.unwrap_or_default();
    let vehicle = v.take(parse_id("shift.vehicle_id", &shift.vehicle_id));
    v.check(
        !shift.driver_subject.trim().is_empty(),
        "shift.driver_subject",
        "is required: the driver's account",
    );
    let start = shift.start_time.as_ref().and_then(instant);
    let end = shift.end_time.as_ref().and_then(instant);
    fleet::check_shift_times(start, end, &mut v);
    v.finish(NewShift {
        request_id,
        vehicle,
        driver: shift.driver_subject.trim().to_string(),
        driver_name: shift.driver_name.trim().to_string(),
        start: start.unwrap_or_default(),
        end: end.unwrap_or_default(),
    })
}

/// A ListShifts, decoded.
#[derive(Debug, Clone)]
pub struct ShiftQuery {
    /// Page size.
    pub size: i64,
    /// Offset of the page.
    pub offset: i64,
    /// Only this vehicle's.
    pub vehicle: Option<Uuid>,
    /// Only this driver's.
    pub driver: Option<String>,
    /// From the local midnight of the first date named; open when none is.
    pub from: Option<DateTime<Utc>>,
    /// Until the local midnight after the last date named; open when none is.
    pub until: Option<DateTime<Utc>>,
}

/// Decodes a ListShifts.
pub fn shift_query(r: &pb::ListShiftsRequest) -> Result<ShiftQuery, ApiError> {
    let mut v = Violations::new();
    let size = v.take(page_size(r.page_size));
    let offset = v.take(decode_offset_token(&r.page_token));
    let vehicle = parse_opt_id("vehicle_id", &r.vehicle_id, &mut v);
    let range = r.dates.unwrap_or_default();
    let from = parse_opt_date("dates.start_date", range.start_date.as_ref(), &mut v);
    let until = parse_opt_date("dates.end_date", range.end_date.as_ref(), &mut v);
    v.finish(ShiftQuery {
        size,
        offset,
        vehicle,
        driver: (!r.driver_subject.is_empty()).then(|| r.driver_subject.clone()),
        from: from.map(local_midnight),
        until: until.map(|d| local_midnight(d) + chrono::Duration::days(1)),
    })
}
