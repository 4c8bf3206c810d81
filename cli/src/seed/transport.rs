//! `onaltu seed-transport`: a demo invataxi day. Six invataxis (two wheelchair places and three
//! seats each) with shifts from 9:00 to 18:00 tomorrow, trips booked by the dispatcher for the
//! registry's wheelchair users in Astana from their homes to rehabilitation centres and back,
//! then the day planned. Deterministic for a seed; a re-run sends the same request ids.

use anyhow::Context;
use chrono::{Datelike, Duration, NaiveTime, Utc};
use onaltu_auth::{Claims, Role};
use onaltu_proto::common::GeoPoint;
use onaltu_proto::registry::{ListPersonsRequest, NeedKind};
use onaltu_proto::transport as pb;
use prost_types::Timestamp;
use rand::Rng;

use super::ids::{request_id, rng_for};
use super::rating::Bearer;
use crate::connection::{ConnectionArgs, channel, connect, sign};
use crate::say;

/// Flags of `onaltu seed-transport`.
#[derive(Debug, Clone, clap::Args)]
pub struct SeedTransportArgs {
    #[command(flatten)]
    connection: ConnectionArgs,
    /// Transport server address.
    #[arg(long, default_value = "http://127.0.0.1:50054")]
    transport: String,
    /// Trips to book.
    #[arg(long, default_value_t = 60)]
    trips: usize,
    /// Seed of every random choice.
    #[arg(long, default_value_t = 42)]
    seed: u64,
}

/// Rehabilitation centres and clinics of Astana (approximate points).
const CENTRES: [(f64, f64, &str); 4] = [
    (51.1605, 71.4704, "«Қамқорлық» оңалту орталығы"),
    (51.1282, 71.4307, "Қалалық оңалту орталығы"),
    (51.0905, 71.4180, "Балалар оңалту орталығы"),
    (51.1801, 71.4460, "Көпбейінді аурухана, оңалту бөлімшесі"),
];

fn point(p: (f64, f64)) -> Option<GeoPoint> {
    Some(GeoPoint {
        latitude: p.0,
        longitude: p.1,
    })
}

/// Runs the seeding; `Ok(false)` when some call failed.
pub async fn run(args: SeedTransportArgs) -> anyhow::Result<bool> {
    let mut registry = connect(&args.connection, "invataxi demo day").await?;
    let token = sign(&Claims::new(
        "onaltu-seed-dispatcher",
        Role::Dispatcher,
        3600,
    ))?;
    let header = format!("Bearer {token}")
        .parse()
        .context("a printable token")?;
    let mut transport = pb::transport_service_client::TransportServiceClient::with_interceptor(
        channel(&args.transport).await?,
        Bearer(header),
    );
    let day = (Utc::now() + Duration::hours(5)).date_naive() + Duration::days(1);
    let local = |h: u32, m: u32| {
        let t = day
            .and_time(NaiveTime::from_hms_opt(h, m, 0).unwrap_or_default())
            .and_utc()
            - Duration::hours(5);
        Timestamp {
            seconds: t.timestamp(),
            nanos: 0,
        }
    };
    let mut vehicles = Vec::new();
    for i in 0..6 {
        let plate = format!("{:03}INV01", 100 + i);
        let v = transport
            .create_vehicle(pb::CreateVehicleRequest {
                request_id: request_id(args.seed, &["vehicle", &plate]),
                vehicle: Some(pb::Vehicle {
                    plate_number: plate.clone(),
                    kind: pb::VehicleKind::Invataxi as i32,
                    model: "Hyundai Staria (инватакси)".into(),
                    wheelchair_places: 2,
                    seats: 3,
                    has_ramp: true,
                    depot: point((51.1400, 71.4400)),
                    depot_address: "Астана, Сарыарқа даңғылы 6".into(),
                    ..Default::default()
                }),
            })
            .await
            .with_context(|| format!("registering {plate}"))?
            .into_inner()
            .vehicle
            .unwrap_or_default();
        transport
            .create_shift(pb::CreateShiftRequest {
                request_id: request_id(args.seed, &["shift", &plate, &day.to_string()]),
                shift: Some(pb::Shift {
                    vehicle_id: v.id.clone(),
                    driver_subject: format!("driver-{plate}"),
                    driver_name: format!("Жүргізуші {}", i + 1),
                    start_time: Some(local(9, 0)),
                    end_time: Some(local(18, 0)),
                    ..Default::default()
                }),
            })
            .await
            .with_context(|| format!("the shift of {plate}"))?;
        vehicles.push(v);
    }
    let persons = registry
        .list_persons(ListPersonsRequest {
            page_size: 500,
            region_code: "KZ-71".into(),
            needs: vec![NeedKind::WheelchairUser as i32],
            ..Default::default()
        })
        .await
        .context("listing wheelchair users")?
        .into_inner()
        .persons;
    let mut booked = 0;
    let mut rejected = 0;
    for p in persons
        .iter()
        .filter(|p| p.location.is_some())
        .take(args.trips)
    {
        let mut rng = rng_for(args.seed, &["trip", &p.id, &day.to_string()]);
        let home = p.location.unwrap_or_default();
        let (lat, lon, name) = CENTRES[rng.random_range(0..CENTRES.len())];
        let minutes = 5 * rng.random_range(0..96u32);
        let outbound = rng.random_bool(0.6);
        let (from, to, from_name, to_name) = if outbound {
            ((home.latitude, home.longitude), (lat, lon), "үй", name)
        } else {
            ((lat, lon), (home.latitude, home.longitude), name, "үй")
        };
        let trip = pb::Trip {
            person_id: p.id.clone(),
            pickup: Some(pb::Place {
                location: point(from),
                address: from_name.into(),
                note: String::new(),
            }),
            dropoff: Some(pb::Place {
                location: point(to),
                address: to_name.into(),
                note: String::new(),
            }),
            requested_time: Some(pb::trip::RequestedTime::RequestedPickupTime(local(
                9 + minutes / 60,
                minutes % 60,
            ))),
            escorts: i32::from(rng.random_bool(0.3)),
            purpose: pb::TripPurpose::Rehabilitation as i32,
            ..Default::default()
        };
        match transport
            .request_trip(pb::RequestTripRequest {
                request_id: request_id(args.seed, &["request", &p.id, &day.to_string()]),
                trip: Some(trip),
            })
            .await
        {
            Ok(r)
                if r.get_ref()
                    .trip
                    .as_ref()
                    .is_some_and(|t| t.state == pb::TripState::Rejected as i32) =>
            {
                rejected += 1
            }
            Ok(_) => booked += 1,
            Err(e) => say!("booking failed: {}", e.message()),
        }
    }
    say!("{day}: {booked} trips booked, {rejected} rejected (eligibility, hours or area)");
    let plan = transport
        .plan_day(pb::PlanDayRequest {
            request_id: request_id(
                args.seed,
                &["plan", &day.to_string(), &format!("{}", day.ordinal())],
            ),
            service_date: Some(onaltu_proto::common::Date {
                year: day.year(),
                month: day.month() as i32,
                day: day.day() as i32,
            }),
            options: None,
        })
        .await
        .context("planning the day")?
        .into_inner();
    let m = plan.metrics.unwrap_or_default();
    say!(
        "planned {} of {} trips on {} vehicles: {:.1} vehicle-hours, {:.0}% shared rides, rides {:.2}x direct",
        m.trips_planned,
        m.trips_total,
        m.vehicles_used,
        m.vehicle_seconds as f64 / 3600.0,
        m.shared_ride_share * 100.0,
        m.mean_ride_time_ratio
    );
    Ok(true)
}
