//! CreateVehicle, ListVehicles, CreateShift, ListShifts.

use diesel_async::AsyncConnection as _;
use onaltu_api::{decode_token, encode_token, now, page_size, parse_id, parse_opt_id};
use onaltu_auth::Role;
use onaltu_errors::{ApiError, Violations};
use onaltu_proto::transport as pb;
use prost::Message as _;
use uuid::Uuid;

use super::convert::{self, instant, local_midnight};
use super::{DISPATCH, Transport};
use crate::domain::fleet;
use crate::store::shifts::ShiftRow;
use crate::store::vehicles::VehicleRow;
use crate::store::{requests, shifts, vehicles};
use onaltu_api::{Ctx, decode_offset_token, next_offset_token};

const CREATE_VEHICLE: &str = "CreateVehicle";
const CREATE_SHIFT: &str = "CreateShift";

impl Transport {
    pub(crate) async fn create_vehicle(
        &self,
        ctx: &Ctx,
        req: pb::CreateVehicleRequest,
    ) -> Result<pb::CreateVehicleResponse, ApiError> {
        ctx.caller.require(DISPATCH)?;
        let mut v = Violations::new();
        let request_id = parse_id("request_id", &req.request_id).map_err(|e| v.absorb(e));
        let vehicle = req.vehicle.unwrap_or_default();
        fleet::check_vehicle(&vehicle, &mut v);
        v.into_result()?;
        let Ok(request_id) = request_id else {
            return Err(ApiError::Internal("validated request incomplete".into()));
        };
        let by = ctx.subject();
        let depot = vehicle.depot.unwrap_or_default();
        let row = VehicleRow {
            id: Uuid::now_v7(),
            plate_number: vehicle.plate_number.trim().to_uppercase(),
            kind: vehicle.kind as i16,
            model: vehicle.model.trim().to_string(),
            wheelchair_places: vehicle.wheelchair_places,
            seats: vehicle.seats,
            has_ramp: vehicle.has_ramp,
            has_lift: vehicle.has_lift,
            depot_latitude: depot.latitude,
            depot_longitude: depot.longitude,
            depot_address: vehicle.depot_address.trim().to_string(),
            status: if vehicle.status == 0 {
                pb::VehicleStatus::Active as i16
            } else {
                vehicle.status as i16
            },
            create_time: now(),
        };
        let mut conn = self.conn().await?;
        conn.transaction(async |conn| {
            if let Some(answer) = requests::answered(conn, request_id, CREATE_VEHICLE, &by).await? {
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
            requests::remember(
                conn,
                request_id,
                CREATE_VEHICLE,
                &by,
                answer.encode_to_vec(),
            )
            .await?;
            Ok(answer)
        })
        .await
    }

    pub(crate) async fn list_vehicles(
        &self,
        ctx: &Ctx,
        req: pb::ListVehiclesRequest,
    ) -> Result<pb::ListVehiclesResponse, ApiError> {
        ctx.caller.require(&[
            Role::Dispatcher,
            Role::CityOperator,
            Role::Auditor,
            Role::Admin,
        ])?;
        let size = page_size(req.page_size)?;
        let after = decode_token(&req.page_token)?;
        let mut conn = self.conn().await?;
        let rows = vehicles::list(
            &mut conn,
            (req.kind != 0).then_some(req.kind as i16),
            (req.status != 0).then_some(req.status as i16),
            after,
            size,
        )
        .await?;
        Ok(pb::ListVehiclesResponse {
            next_page_token: if rows.len() as i64 == size {
                rows.last()
                    .map(|r| encode_token(&r.plate_number))
                    .unwrap_or_default()
            } else {
                String::new()
            },
            vehicles: rows.iter().map(convert::vehicle).collect(),
        })
    }

    pub(crate) async fn create_shift(
        &self,
        ctx: &Ctx,
        req: pb::CreateShiftRequest,
    ) -> Result<pb::CreateShiftResponse, ApiError> {
        ctx.caller.require(DISPATCH)?;
        let mut v = Violations::new();
        let request_id = parse_id("request_id", &req.request_id).map_err(|e| v.absorb(e));
        let shift = req.shift.unwrap_or_default();
        let vehicle = parse_id("shift.vehicle_id", &shift.vehicle_id).map_err(|e| v.absorb(e));
        v.check(
            !shift.driver_subject.trim().is_empty(),
            "shift.driver_subject",
            "is required: the driver's account",
        );
        let start = shift.start_time.as_ref().and_then(instant);
        let end = shift.end_time.as_ref().and_then(instant);
        fleet::check_shift_times(start, end, &mut v);
        v.into_result()?;
        let (Ok(request_id), Ok(vehicle), Some(start), Some(end)) =
            (request_id, vehicle, start, end)
        else {
            return Err(ApiError::Internal("validated request incomplete".into()));
        };
        let by = ctx.subject();
        let driver = shift.driver_subject.trim().to_string();
        let mut conn = self.conn().await?;
        conn.transaction(async |conn| {
            if let Some(answer) = requests::answered(conn, request_id, CREATE_SHIFT, &by).await? {
                return pb::CreateShiftResponse::decode(answer.as_slice())
                    .map_err(|e| ApiError::Internal(format!("stored answer: {e}")));
            }
            shifts::lock(conn).await?;
            vehicles::get(conn, vehicle)
                .await?
                .ok_or_else(|| ApiError::NotFound {
                    resource: "vehicle",
                    id: vehicle.to_string(),
                })?;
            let clash = shifts::clash(conn, vehicle, &driver, start, end).await?;
            fleet::check_no_overlap(
                (start, end),
                clash.map(|(id, same_vehicle)| {
                    (
                        id.to_string(),
                        if same_vehicle { "vehicle" } else { "driver" },
                    )
                }),
            )?;
            let row = ShiftRow {
                id: Uuid::now_v7(),
                vehicle_id: vehicle,
                driver_subject: driver.clone(),
                driver_name: shift.driver_name.trim().to_string(),
                start_time: start,
                end_time: end,
                create_time: now(),
            };
            shifts::insert(conn, &row).await?;
            let answer = pb::CreateShiftResponse {
                shift: Some(convert::shift(&row)),
            };
            requests::remember(conn, request_id, CREATE_SHIFT, &by, answer.encode_to_vec()).await?;
            Ok(answer)
        })
        .await
    }

    pub(crate) async fn list_shifts(
        &self,
        ctx: &Ctx,
        req: pb::ListShiftsRequest,
    ) -> Result<pb::ListShiftsResponse, ApiError> {
        let claims = ctx
            .caller
            .require(&[Role::Dispatcher, Role::Driver, Role::Auditor, Role::Admin])?
            .clone();
        let size = page_size(req.page_size)?;
        let offset = decode_offset_token(&req.page_token)?;
        let mut v = Violations::new();
        let mut vehicle = parse_opt_id("vehicle_id", &req.vehicle_id, &mut v);
        let range = req.dates.unwrap_or_default();
        let from =
            onaltu_api::parse_opt_date("dates.start_date", range.start_date.as_ref(), &mut v);
        let until = onaltu_api::parse_opt_date("dates.end_date", range.end_date.as_ref(), &mut v);
        v.into_result()?;
        if claims.role == Role::Driver {
            if vehicle.is_some_and(|x| Some(x) != claims.vehicle_id) {
                return Err(ApiError::PermissionDenied(
                    "a driver sees the shifts of their own vehicle".into(),
                ));
            }
            vehicle = claims.vehicle_id;
            if vehicle.is_none() {
                return Err(ApiError::PermissionDenied(
                    "the token names no vehicle".into(),
                ));
            }
        }
        let from = from.map_or(chrono::DateTime::<chrono::Utc>::MIN_UTC, local_midnight);
        let until = until.map_or(chrono::DateTime::<chrono::Utc>::MAX_UTC, |d| {
            local_midnight(d)
                .checked_add_signed(chrono::Duration::days(1))
                .unwrap_or(chrono::DateTime::<chrono::Utc>::MAX_UTC)
        });
        let driver = (!req.driver_subject.is_empty()).then(|| req.driver_subject.clone());
        let mut conn = self.conn().await?;
        let rows = shifts::between(&mut conn, from, until, vehicle, driver, offset, size).await?;
        Ok(pb::ListShiftsResponse {
            next_page_token: next_offset_token(offset, size, rows.len()),
            shifts: rows.iter().map(convert::shift).collect(),
        })
    }
}
