//! CreateVehicle, ListVehicles, CreateShift, ListShifts. A creating call's first answer (the
//! encoded response) is kept under the caller's request key (`onaltu_db::requests`).

mod decode;

use diesel_async::AsyncConnection as _;
use onaltu_api::{Ctx, encode_token, next_offset_token, now};
use onaltu_errors::ApiError;
use onaltu_proto::transport as pb;
use prost::Message as _;
use uuid::Uuid;

use self::decode::{NewShift, NewVehicle};
use super::Transport;
use super::convert;
use super::roles::{FLEET, READ_FLEET, READ_ROUTES};
use crate::domain::{access, fleet};
use crate::store::requests::Request;
use crate::store::shifts::ShiftRow;
use crate::store::vehicles::VehicleRow;
use crate::store::{Conn, requests, shifts, vehicles};

const CREATE_VEHICLE: &str = "CreateVehicle";
const CREATE_SHIFT: &str = "CreateShift";

fn vehicle_row(input: &NewVehicle) -> VehicleRow {
    let v = &input.vehicle;
    let depot = v.depot.unwrap_or_default();
    VehicleRow {
        id: Uuid::now_v7(),
        plate_number: v.plate_number.trim().to_uppercase(),
        kind: v.kind as i16,
        model: v.model.trim().to_string(),
        wheelchair_places: v.wheelchair_places,
        seats: v.seats,
        has_ramp: v.has_ramp,
        has_lift: v.has_lift,
        depot_latitude: depot.latitude,
        depot_longitude: depot.longitude,
        depot_address: v.depot_address.trim().to_string(),
        // A vehicle is active unless said otherwise.
        status: if v.status == 0 {
            pb::VehicleStatus::Active as i16
        } else {
            v.status as i16
        },
        create_time: now(),
    }
}

/// Creates the shift of `s` once its vehicle is found and neither it nor its driver is busy.
async fn add_shift(conn: &mut Conn, s: &NewShift) -> Result<ShiftRow, ApiError> {
    shifts::lock(conn).await?;
    vehicles::get(conn, s.vehicle)
        .await?
        .ok_or_else(|| ApiError::NotFound {
            resource: "vehicle",
            id: s.vehicle.to_string(),
        })?;
    let clash = shifts::clash(conn, s.vehicle, &s.driver, s.start, s.end).await?;
    fleet::check_no_overlap(
        (s.start, s.end),
        clash.map(|(id, same_vehicle)| {
            let whose = if same_vehicle { "vehicle" } else { "driver" };
            (id.to_string(), whose)
        }),
    )?;
    let row = ShiftRow {
        id: Uuid::now_v7(),
        vehicle_id: s.vehicle,
        driver_subject: s.driver.clone(),
        driver_name: s.driver_name.clone(),
        start_time: s.start,
        end_time: s.end,
        create_time: now(),
    };
    shifts::insert(conn, &row).await?;
    Ok(row)
}

impl Transport {
    pub(crate) async fn create_vehicle(
        &self,
        ctx: &Ctx,
        req: pb::CreateVehicleRequest,
    ) -> Result<pb::CreateVehicleResponse, ApiError> {
        ctx.caller.require(FLEET)?;
        let input = decode::new_vehicle(req.clone())?;
        let key = Request::new(&ctx.subject(), CREATE_VEHICLE, input.request_id, &req);
        let row = vehicle_row(&input);
        let mut conn = self.conn().await?;
        conn.transaction(async |conn| {
            if let Some(answer) = requests::answered(conn, &key).await? {
                return pb::CreateVehicleResponse::decode(answer.as_slice())
                    .map_err(|e| ApiError::Internal(format!("stored answer: {e}")));
            }
            vehicles::insert(conn, &row)
                .await
                .map_err(|e| match ApiError::from(e) {
                    ApiError::AlreadyExists { .. } => ApiError::AlreadyExists {
                        resource: "vehicle",
                        message: format!("a vehicle with plate {} is registered", row.plate_number),
                    },
                    other => other,
                })?;
            let answer = pb::CreateVehicleResponse {
                vehicle: Some(convert::vehicle(&row)),
            };
            requests::remember(conn, &key, answer.encode_to_vec()).await?;
            Ok(answer)
        })
        .await
    }

    pub(crate) async fn list_vehicles(
        &self,
        ctx: &Ctx,
        req: pb::ListVehiclesRequest,
    ) -> Result<pb::ListVehiclesResponse, ApiError> {
        ctx.caller.require(READ_FLEET)?;
        let q = decode::vehicle_query(&req)?;
        let mut conn = self.conn().await?;
        let rows = vehicles::list(&mut conn, q.kind, q.status, q.after, q.size).await?;
        let full = rows.len() as i64 == q.size;
        Ok(pb::ListVehiclesResponse {
            next_page_token: match rows.last() {
                Some(r) if full => encode_token(&r.plate_number),
                _ => String::new(),
            },
            vehicles: rows.iter().map(convert::vehicle).collect(),
        })
    }

    pub(crate) async fn create_shift(
        &self,
        ctx: &Ctx,
        req: pb::CreateShiftRequest,
    ) -> Result<pb::CreateShiftResponse, ApiError> {
        ctx.caller.require(FLEET)?;
        let input = decode::new_shift(req.clone())?;
        let key = Request::new(&ctx.subject(), CREATE_SHIFT, input.request_id, &req);
        let mut conn = self.conn().await?;
        conn.transaction(async |conn| {
            if let Some(answer) = requests::answered(conn, &key).await? {
                return pb::CreateShiftResponse::decode(answer.as_slice())
                    .map_err(|e| ApiError::Internal(format!("stored answer: {e}")));
            }
            let row = add_shift(conn, &input).await?;
            let answer = pb::CreateShiftResponse {
                shift: Some(convert::shift(&row)),
            };
            requests::remember(conn, &key, answer.encode_to_vec()).await?;
            Ok(answer)
        })
        .await
    }

    pub(crate) async fn list_shifts(
        &self,
        ctx: &Ctx,
        req: pb::ListShiftsRequest,
    ) -> Result<pb::ListShiftsResponse, ApiError> {
        let claims = ctx.caller.require(READ_ROUTES)?;
        let q = decode::shift_query(&req)?;
        let (vehicle, driver) = access::shift_list_scope(claims, q.vehicle, q.driver)?;
        let mut conn = self.conn().await?;
        let rows = shifts::between(
            &mut conn, q.from, q.until, vehicle, driver, q.offset, q.size,
        )
        .await?;
        Ok(pb::ListShiftsResponse {
            next_page_token: next_offset_token(q.offset, q.size, rows.len()),
            shifts: rows.iter().map(convert::shift).collect(),
        })
    }
}
