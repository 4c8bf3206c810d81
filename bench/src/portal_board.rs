//! The dispatcher's day board: its page under load beside a static file of the same portal, and
//! the way of a dispatch change to boards held open over server-sent events.
//!
//! The day is made through the services' own APIs: wheelchair users registered in the registry,
//! invataxis with shifts from 9:00 to 18:00 tomorrow (the first day a trip can be booked for),
//! one trip booked by each rider as a citizen (the transport service asks the registry whether
//! they may ride), and the day planned by a dispatcher. The portal is then used as a dispatcher
//! who signed in through its development sign-in (the form and its double-submit cookie):
//!
//! - `/dispatch?date=` by `concurrency` clients for `duration`, beside `/static/portal.css`;
//! - `boards` connections to the board's event stream (the URL the page names), then `changes`
//!   dispatch changes through the transport API, one every `spacing`, each on a trip of its own:
//!   a trip taken off its route (AssignTrip), a driver on the way (UpdateTripStatus), a trip
//!   cancelled (CancelTrip). Each change is timed from the start of its call to the arrival, on
//!   every board, of the event naming its trip in the state the call answered.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use anyhow::{Context, bail, ensure};
use chrono::{NaiveDate, NaiveTime};
use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper::header::{CONTENT_TYPE, COOKIE, SET_COOKIE};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use onaltu_auth::{Claims, Role};
use onaltu_proto::common::{GeoPoint, Sex};
use onaltu_proto::registry as reg;
use onaltu_proto::registry::registry_service_client::RegistryServiceClient;
use onaltu_proto::transport as tr;
use onaltu_proto::transport::transport_service_client::TransportServiceClient;
use rand::{Rng, SeedableRng};
use tonic::service::interceptor::InterceptedService;
use tonic::transport::Channel;

use crate::{Bearer, Phase, date, load, print};

type Http = Client<HttpConnector, Full<Bytes>>;
type Transport = TransportServiceClient<InterceptedService<Channel, Bearer>>;

/// The portal's session cookie and the development sign-in's double-submit cookie.
const SESSION_COOKIE: &str = "onaltu_session";
const CSRF_COOKIE: &str = "onaltu_signin_csrf";

/// What is measured, and on what.
pub struct BoardBench<'a> {
    /// The portal (`http://host:port`).
    pub portal: &'a str,
    /// The transport service the portal reads.
    pub transport: Channel,
    /// The registry the transport service asks.
    pub registry: Channel,
    /// The secret the services verify tokens with.
    pub secret: &'a str,
    /// Invataxis on shift.
    pub vehicles: usize,
    /// Trips booked, one per rider.
    pub trips: usize,
    /// Clients loading the board.
    pub concurrency: usize,
    /// How long each page is loaded.
    pub duration: Duration,
    /// Boards held open on the event stream.
    pub boards: usize,
    /// Dispatch changes made while they are open.
    pub changes: usize,
    /// Time between the starts of two changes.
    pub spacing: Duration,
}

/// Runs the whole measurement.
pub async fn run(b: BoardBench<'_>) -> anyhow::Result<()> {
    let day = super::today() + chrono::Duration::days(1);
    let dispatcher = transport_as(b.transport.clone(), b.secret, dispatcher_claims())?;
    let scheduled = prepare_day(&b, dispatcher.clone(), day).await?;

    let http = http_client(b.concurrency + b.boards);
    let session = sign_in(&http, b.portal, "bench-dispatcher").await?;
    let board_url = format!("{}/dispatch?date={day}", b.portal);
    let (status, page) = get(&http, &board_url, Some(&session)).await?;
    ensure!(status == 200, "{board_url} answered {status}");
    let events_path = attribute(&page, "data-events").context("the board names no event stream")?;
    println!(
        "a dispatcher signed in through the development sign-in; the board of {day} is {:.0} KB",
        page.len() as f64 / 1024.0
    );

    let css = format!("{}/static/portal.css", b.portal);
    let baseline = page_phase(&http, "static file", css, None, b.concurrency, b.duration).await;
    print(&baseline, None);
    let board = page_phase(
        &http,
        "day board",
        board_url,
        Some(session.clone()),
        b.concurrency,
        b.duration,
    )
    .await;
    print(&board, Some(&baseline));
    println!(
        "  day board ({} vehicles, {} trips): p99 {:.1} ms (goal < 200 ms), {:.2}x the static file's throughput",
        b.vehicles,
        b.trips,
        board.percentile(0.99),
        board.throughput() / baseline.throughput()
    );

    let events_url = format!("{}{}", b.portal, events_path.replace("&amp;", "&"));
    live(&b, &http, &events_url, dispatcher, scheduled).await
}

fn dispatcher_claims() -> Claims {
    Claims::new("bench-dispatcher", Role::Dispatcher, 3600)
}

fn transport_as(channel: Channel, secret: &str, claims: Claims) -> anyhow::Result<Transport> {
    let token = onaltu_auth::issue_hs256(secret, &claims)?;
    Ok(TransportServiceClient::with_interceptor(
        channel,
        Bearer(token),
    ))
}

// ---------------------------------------------------------------------------------------------
// The day.

/// The day's fleet, riders and trips, planned; the trips the plan scheduled.
async fn prepare_day(
    b: &BoardBench<'_>,
    mut dispatcher: Transport,
    day: NaiveDate,
) -> anyhow::Result<Vec<tr::Trip>> {
    let start = Instant::now();
    let before = day_trips(&mut dispatcher, day).await?;
    ensure!(
        before.is_empty(),
        "{day} already has {} trips: the measurement needs a fresh transport database",
        before.len()
    );
    let local = |h: u32, m: u32| local_time(day, h, m);
    for i in 0..b.vehicles {
        let plate = format!("{:03}BNC01", 100 + i);
        let vehicle = dispatcher
            .create_vehicle(tr::CreateVehicleRequest {
                request_id: uuid::Uuid::now_v7().to_string(),
                vehicle: Some(tr::Vehicle {
                    plate_number: plate.clone(),
                    kind: tr::VehicleKind::Invataxi as i32,
                    model: "Hyundai Staria".into(),
                    wheelchair_places: 2,
                    seats: 3,
                    has_ramp: true,
                    depot: point((51.1400, 71.4400)),
                    depot_address: "Астана, Сарыарқа даңғылы 6".into(),
                    ..Default::default()
                }),
            })
            .await
            .with_context(|| format!("CreateVehicle {plate}"))?
            .into_inner()
            .vehicle
            .unwrap_or_default();
        dispatcher
            .create_shift(tr::CreateShiftRequest {
                request_id: uuid::Uuid::now_v7().to_string(),
                shift: Some(tr::Shift {
                    vehicle_id: vehicle.id,
                    driver_subject: format!("bench-driver-{i}"),
                    driver_name: format!("Жүргізуші {}", i + 1),
                    start_time: Some(local(9, 0).into()),
                    end_time: Some(local(18, 0).into()),
                    ..Default::default()
                }),
            })
            .await
            .with_context(|| format!("CreateShift of {plate}"))?;
    }

    let riders = riders(b.registry.clone(), b.secret, b.trips).await?;
    let mut tasks = tokio::task::JoinSet::new();
    let (mut requested, mut rejected) = (0, 0);
    for (i, person) in riders.into_iter().enumerate() {
        if tasks.len() >= 8
            && let Some(done) = tasks.join_next().await
        {
            count_booking(done??, &mut requested, &mut rejected);
        }
        let mut claims = Claims::new(format!("bench-rider-{i}"), Role::Citizen, 3600);
        claims.person_id = Some(person.parse()?);
        let mut citizen = transport_as(b.transport.clone(), b.secret, claims)?;
        let trip = rider_trip(i as u64, day);
        tasks.spawn(async move {
            citizen
                .request_trip(tr::RequestTripRequest {
                    request_id: uuid::Uuid::now_v7().to_string(),
                    trip: Some(trip),
                })
                .await
                .map(|r| r.into_inner().trip.unwrap_or_default().state)
                .context("RequestTrip as the rider")
        });
    }
    while let Some(done) = tasks.join_next().await {
        count_booking(done??, &mut requested, &mut rejected);
    }
    let plan = dispatcher
        .plan_day(tr::PlanDayRequest {
            request_id: uuid::Uuid::now_v7().to_string(),
            service_date: Some(date(day)),
            options: None,
        })
        .await
        .context("PlanDay")?
        .into_inner();
    let m = plan.metrics.unwrap_or_default();
    println!(
        "  (setup) {day}: {} invataxis on shift, {requested} trips booked by their riders ({rejected} turned away), \
         planned {} of {} on {} vehicles; {:.1} s",
        b.vehicles,
        m.trips_planned,
        m.trips_total,
        m.vehicles_used,
        start.elapsed().as_secs_f64()
    );
    let scheduled: Vec<tr::Trip> = day_trips(&mut dispatcher, day)
        .await?
        .into_iter()
        .filter(|t| t.state == tr::TripState::Scheduled as i32)
        .collect();
    Ok(scheduled)
}

fn count_booking(state: i32, requested: &mut usize, rejected: &mut usize) {
    if state == tr::TripState::Rejected as i32 {
        *rejected += 1;
    } else {
        *requested += 1;
    }
}

/// Every trip of `day`, as a dispatcher lists them.
async fn day_trips(dispatcher: &mut Transport, day: NaiveDate) -> anyhow::Result<Vec<tr::Trip>> {
    let mut trips = Vec::new();
    let mut page_token = String::new();
    loop {
        let page = dispatcher
            .list_trips(tr::ListTripsRequest {
                page_size: 500,
                page_token,
                service_date: Some(date(day)),
                ..Default::default()
            })
            .await
            .context("ListTrips")?
            .into_inner();
        trips.extend(page.trips);
        if page.next_page_token.is_empty() {
            return Ok(trips);
        }
        page_token = page.next_page_token;
    }
}

/// `count` adult wheelchair users of group 1 in Astana, registered (or found, when an earlier
/// run registered them) in the registry; their ids. Born in the 1930s, far from the ages of the
/// generated population, so their IINs are their own.
async fn riders(channel: Channel, secret: &str, count: usize) -> anyhow::Result<Vec<String>> {
    let token = onaltu_auth::issue_hs256(secret, &Claims::new("bench", Role::Admin, 3600))?;
    let registry = RegistryServiceClient::with_interceptor(channel, Bearer(token));
    let first = NaiveDate::from_ymd_opt(1931, 1, 1).context("a date")?;
    let mut tasks = tokio::task::JoinSet::new();
    let mut ids = Vec::with_capacity(count);
    for i in 0..count {
        if tasks.len() >= 8
            && let Some(done) = tasks.join_next().await
        {
            ids.push(done??);
        }
        let birth = first + chrono::Duration::days(i as i64 * 7);
        let iin = onaltu_kzid::Iin::generate(birth, onaltu_kzid::Sex::Female, 7)
            .context("an IIN for a rider")?;
        let mut registry = registry.clone();
        tasks.spawn(async move {
            let person = reg::Person {
                iin: iin.clone(),
                surname: "Омарова".into(),
                given_name: "Дана".into(),
                sex: Sex::Female as i32,
                region_code: "KZ-71".into(),
                needs: Some(reg::Needs {
                    wheelchair_user: true,
                    ..Default::default()
                }),
                current_assessment: Some(reg::Assessment {
                    group: reg::DisabilityGroup::Group1 as i32,
                    cause: reg::DisabilityCause::GeneralIllness as i32,
                    nosology_class: reg::NosologyClass::NervousSystem as i32,
                    established_on: Some(date(super::today() - chrono::Duration::days(100))),
                    re_examination_due: Some(date(super::today() + chrono::Duration::days(265))),
                    ..Default::default()
                }),
                ..Default::default()
            };
            let created = registry
                .create_person(reg::CreatePersonRequest {
                    request_id: uuid::Uuid::now_v7().to_string(),
                    person: Some(person),
                })
                .await;
            let person = match created {
                Ok(r) => r.into_inner().person,
                Err(s) if s.code() == tonic::Code::AlreadyExists => {
                    registry
                        .find_person_by_iin(reg::FindPersonByIinRequest { iin })
                        .await
                        .context("FindPersonByIin of a rider")?
                        .into_inner()
                        .person
                }
                Err(s) => bail!("CreatePerson of a rider: {s}"),
            };
            Ok(person.context("no person")?.id)
        });
    }
    while let Some(done) = tasks.join_next().await {
        ids.push(done??);
    }
    Ok(ids)
}

/// Rider `i`'s trip: from home, within 8 km of the city centre, to one of four rehabilitation
/// centres (or back home), picked up between 9:00 and 16:55.
fn rider_trip(i: u64, day: NaiveDate) -> tr::Trip {
    const CENTRES: [(f64, f64); 4] = [
        (51.1605, 71.4704),
        (51.1282, 71.4307),
        (51.0905, 71.4180),
        (51.1801, 71.4460),
    ];
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(i);
    let home = (
        51.1280 + rng.random_range(-0.06..0.06),
        71.4300 + rng.random_range(-0.09..0.09),
    );
    let centre = CENTRES[rng.random_range(0..CENTRES.len())];
    let (from, to, from_name, to_name) = if rng.random_bool(0.6) {
        (home, centre, "үй", "оңалту орталығы")
    } else {
        (centre, home, "оңалту орталығы", "үй")
    };
    let minutes = 5 * rng.random_range(0..96u32);
    let place = |p: (f64, f64), address: &str| tr::Place {
        location: point(p),
        address: address.into(),
        note: String::new(),
    };
    tr::Trip {
        pickup: Some(place(from, from_name)),
        dropoff: Some(place(to, to_name)),
        requested_time: Some(tr::trip::RequestedTime::RequestedPickupTime(
            local_time(day, 9 + minutes / 60, minutes % 60).into(),
        )),
        escorts: i32::from(rng.random_bool(0.3)),
        purpose: tr::TripPurpose::Rehabilitation as i32,
        ..Default::default()
    }
}

fn point(p: (f64, f64)) -> Option<GeoPoint> {
    Some(GeoPoint {
        latitude: p.0,
        longitude: p.1,
    })
}

/// `h:m` in Astana (UTC+5) on `day`.
fn local_time(day: NaiveDate, h: u32, m: u32) -> SystemTime {
    let t = day
        .and_time(NaiveTime::from_hms_opt(h, m, 0).unwrap_or_default())
        .and_utc()
        - chrono::Duration::hours(5);
    SystemTime::UNIX_EPOCH + Duration::from_secs(t.timestamp().max(0) as u64)
}

// ---------------------------------------------------------------------------------------------
// The portal over HTTP.

fn http_client(connections: usize) -> Http {
    let mut connector = HttpConnector::new();
    connector.set_nodelay(true);
    Client::builder(TokioExecutor::new())
        .pool_max_idle_per_host(connections)
        .build(connector)
}

/// GET `url` with `cookie`; the status and the body.
async fn get(client: &Http, url: &str, cookie: Option<&str>) -> anyhow::Result<(u16, String)> {
    let mut request = hyper::Request::get(url);
    if let Some(c) = cookie {
        request = request.header(COOKIE, c);
    }
    let response = client.request(request.body(Full::default())?).await?;
    let status = response.status().as_u16();
    let body = response.into_body().collect().await?.to_bytes();
    Ok((status, String::from_utf8_lossy(&body).into_owned()))
}

/// Signs in as dispatcher `subject` through the development sign-in, as a browser does: the
/// page sets the double-submit cookie, the form posts it back; the `Cookie` header of the
/// session.
async fn sign_in(client: &Http, base: &str, subject: &str) -> anyhow::Result<String> {
    let page = client
        .request(hyper::Request::get(format!("{base}/sign-in")).body(Full::default())?)
        .await
        .with_context(|| format!("cannot reach the portal at {base}"))?;
    ensure!(
        page.status() == 200,
        "GET /sign-in answered {} (is the portal in development, without an identity provider?)",
        page.status()
    );
    let csrf = set_cookie(page.headers(), CSRF_COOKIE).context("no sign-in cookie")?;
    page.into_body().collect().await?;
    let form = format!("csrf={csrf}&next=%2Fdispatch&role=DISPATCHER&sub={subject}");
    let answer = client
        .request(
            hyper::Request::post(format!("{base}/sign-in/dev"))
                .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
                .header(COOKIE, format!("{CSRF_COOKIE}={csrf}"))
                .body(Full::new(Bytes::from(form)))?,
        )
        .await?;
    let status = answer.status();
    let session = set_cookie(answer.headers(), SESSION_COOKIE);
    answer.into_body().collect().await?;
    match session {
        Some(id) if status.is_redirection() => Ok(format!("{SESSION_COOKIE}={id}")),
        _ => bail!("the development sign-in answered {status} without a session"),
    }
}

/// The value the response sets for cookie `name`.
fn set_cookie(headers: &hyper::HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .filter_map(|v| v.split(';').next()?.trim().split_once('='))
        .find(|(n, v)| *n == name && !v.is_empty())
        .map(|(_, v)| v.to_string())
}

/// The value of the first `name="…"` attribute in `html`.
fn attribute<'a>(html: &'a str, name: &str) -> Option<&'a str> {
    let start = html.find(&format!("{name}=\""))? + name.len() + 2;
    let len = html[start..].find('"')?;
    Some(&html[start..start + len])
}

async fn page_phase(
    client: &Http,
    name: &'static str,
    url: String,
    cookie: Option<String>,
    concurrency: usize,
    duration: Duration,
) -> Phase {
    let client = client.clone();
    load(name, concurrency, duration, move || {
        let (client, url, cookie) = (client.clone(), url.clone(), cookie.clone());
        // The whole body is read: a page is measured as delivered, not as its first byte.
        async move {
            get(&client, &url, cookie.as_deref())
                .await
                .is_ok_and(|(status, _)| status == 200)
        }
    })
    .await
}

// ---------------------------------------------------------------------------------------------
// Live boards.

/// One event as it reached a board.
struct Arrival {
    at: Instant,
    event: SseEvent,
}

type Board = Arc<Mutex<Vec<Arrival>>>;

/// A change made through the transport API: its trip, the state the call answered, when the
/// call started and how long it took.
struct Change {
    call: &'static str,
    trip: String,
    state: &'static str,
    started: Instant,
    took: Duration,
}

async fn live(
    b: &BoardBench<'_>,
    http: &Http,
    events_url: &str,
    mut dispatcher: Transport,
    scheduled: Vec<tr::Trip>,
) -> anyhow::Result<()> {
    ensure!(
        !scheduled.is_empty(),
        "the plan scheduled no trip to change"
    );
    // Each board is a dispatcher of their own: the transport service keeps a caller to a few
    // streams at once.
    let mut sessions = Vec::with_capacity(b.boards);
    for i in 0..b.boards {
        sessions.push(sign_in(http, b.portal, &format!("bench-dispatcher-{i}")).await?);
    }
    let opened = Instant::now();
    let mut readers = Vec::new();
    let mut boards: Vec<Board> = Vec::new();
    for session in sessions {
        let request = hyper::Request::get(events_url)
            .header(COOKIE, session)
            .header("accept", "text/event-stream")
            .body(Full::default())?;
        let response = http
            .request(request)
            .await
            .context("opening a board's stream")?;
        ensure!(
            response.status() == 200,
            "{events_url} answered {}",
            response.status()
        );
        let board = Board::default();
        boards.push(board.clone());
        let mut body = response.into_body();
        readers.push(tokio::spawn(async move {
            let mut parser = SseParser::default();
            while let Some(Ok(frame)) = body.frame().await {
                let Some(bytes) = frame.data_ref() else {
                    continue;
                };
                let at = Instant::now();
                let events = parser.push(bytes);
                if let Ok(mut seen) = board.lock() {
                    seen.extend(events.into_iter().map(|event| Arrival { at, event }));
                }
            }
        }));
    }
    // Each board first receives the day's earlier changes (a board opened in a browser does
    // too); the changes are made once every board has them all and has been quiet for a second.
    let backlog = settle(&boards, Duration::from_secs(60)).await;
    println!(
        "{} boards open on {}; each received the day's {backlog} earlier changes ({:.1} s)",
        b.boards,
        events_url.trim_start_matches(b.portal),
        opened.elapsed().as_secs_f64()
    );
    let marks: Vec<usize> = boards.iter().map(lock_len).collect();

    let n = b.changes.min(scheduled.len());
    if n < b.changes {
        println!(
            "  only {} trips were scheduled: {n} changes instead of {}",
            scheduled.len(),
            b.changes
        );
    }
    let mut changes = Vec::with_capacity(n);
    let mut failed = 0;
    let mut tick = tokio::time::interval(b.spacing);
    // A call slower than the spacing delays the next one; missed ticks never make a burst.
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let first = Instant::now();
    for (i, trip) in scheduled.iter().take(n).enumerate() {
        tick.tick().await;
        let started = Instant::now();
        let answered = change(&mut dispatcher, i, &trip.id).await;
        let took = started.elapsed();
        match answered {
            Ok(state) => changes.push(Change {
                call: CALLS[i % CALLS.len()],
                trip: trip.id.clone(),
                state: tr::TripState::try_from(state)
                    .map(|s| s.as_str_name())
                    .unwrap_or(""),
                started,
                took,
            }),
            Err(e) => {
                failed += 1;
                eprintln!("  change {i} refused: {e:#}");
            }
        }
    }
    let span = first.elapsed();
    // The arrivals are awaited for ten seconds after the last change at most.
    let deadline = Instant::now() + Duration::from_secs(10);
    let (arrived, missed) = loop {
        let (arrived, missed) = deliveries(&boards, &marks, &changes);
        if missed == 0 || Instant::now() >= deadline {
            break (arrived, missed);
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    for r in &readers {
        r.abort();
    }
    let took = delays("calls", span, changes.iter().map(|c| c.took));
    println!(
        "{} changes ({failed} refused) in {:.1} s, one every {} ms or as soon as the last call answered: \
         AssignTrip off its route, UpdateTripStatus DRIVER_EN_ROUTE, CancelTrip in turn; \
         the calls took p50 {:.1} ms, p99 {:.1} ms",
        changes.len(),
        span.as_secs_f64(),
        b.spacing.as_millis(),
        took.percentile(0.50),
        took.percentile(0.99)
    );
    let answered = |c: usize| changes[c].started + changes[c].took;
    let from_start = delays(
        "from the call's start",
        span,
        arrived
            .iter()
            .map(|&(c, at)| at.saturating_duration_since(changes[c].started)),
    );
    let from_return = delays(
        "from the call's return",
        span,
        arrived
            .iter()
            .map(|&(c, at)| at.saturating_duration_since(answered(c))),
    );
    let early = arrived.iter().filter(|&&(c, at)| at < answered(c)).count();
    println!(
        "change to board, from the call's start: p50 {:.1} ms  p99 {:.1} ms  max {:.1} ms over {} deliveries; \
         missed {missed} (goal: p99 < 500 ms, none missed)",
        from_start.percentile(0.50),
        from_start.percentile(0.99),
        from_start.percentile(1.0),
        from_start.calls
    );
    println!(
        "  from the call's return: p50 {:.1} ms  p99 {:.1} ms  max {:.1} ms ({early} events were there before their call answered)",
        from_return.percentile(0.50),
        from_return.percentile(0.99),
        from_return.percentile(1.0),
    );
    let by_call: Vec<String> = CALLS
        .iter()
        .map(|&call| {
            let of_call = delays(
                call,
                span,
                arrived
                    .iter()
                    .filter(|&&(c, _)| changes[c].call == call)
                    .map(|&(c, at)| at.saturating_duration_since(changes[c].started)),
            );
            format!(
                "{call} p50 {:.1} ms, p99 {:.1} ms",
                of_call.percentile(0.50),
                of_call.percentile(0.99)
            )
        })
        .collect();
    println!("  by call, from its start: {}", by_call.join("; "));
    Ok(())
}

fn lock_len(board: &Board) -> usize {
    board.lock().map(|s| s.len()).unwrap_or_default()
}

/// Waits until every board has the same last event and none has received anything for a
/// second (at most `limit`); the number of events each board received.
async fn settle(boards: &[Board], limit: Duration) -> usize {
    let start = Instant::now();
    loop {
        tokio::time::sleep(Duration::from_millis(100)).await;
        let (mut last_ids, mut latest, mut count) = (Vec::new(), None::<Instant>, 0);
        for board in boards {
            if let Ok(seen) = board.lock() {
                last_ids.push(seen.last().and_then(|a| a.event.id.clone()));
                latest = latest.max(seen.last().map(|a| a.at));
                count = count.max(seen.len());
            }
        }
        let same = last_ids.windows(2).all(|w| w[0] == w[1]);
        let quiet = latest.is_none_or(|at| at.elapsed() >= Duration::from_secs(1));
        let waited = start.elapsed() >= Duration::from_secs(1);
        if (same && quiet && waited) || start.elapsed() >= limit {
            return count;
        }
    }
}

/// The calls that make the changes, in turn.
const CALLS: [&str; 3] = ["AssignTrip", "UpdateTripStatus", "CancelTrip"];

/// The `i`th change, on `trip`: the state the service answered.
async fn change(dispatcher: &mut Transport, i: usize, trip: &str) -> anyhow::Result<i32> {
    let answered = match i % CALLS.len() {
        0 => {
            dispatcher
                .assign_trip(tr::AssignTripRequest {
                    trip_id: trip.into(),
                    vehicle_id: String::new(),
                    force: false,
                    reason: "the passenger asked to travel later".into(),
                })
                .await?
                .into_inner()
                .trip
        }
        1 => {
            dispatcher
                .update_trip_status(tr::UpdateTripStatusRequest {
                    trip_id: trip.into(),
                    state: tr::TripState::DriverEnRoute as i32,
                    ..Default::default()
                })
                .await?
                .into_inner()
                .trip
        }
        _ => {
            dispatcher
                .cancel_trip(tr::CancelTripRequest {
                    id: trip.into(),
                    reason: "the passenger is unwell".into(),
                })
                .await?
                .into_inner()
                .trip
        }
    };
    Ok(answered.context("no trip")?.state)
}

/// For each change and board, when the first event after `marks` naming the change's trip in
/// the state the call answered arrived (with the change's index); and how many are yet to.
fn deliveries(
    boards: &[Board],
    marks: &[usize],
    changes: &[Change],
) -> (Vec<(usize, Instant)>, usize) {
    let mut arrived = Vec::new();
    let mut missed = 0;
    for (board, &mark) in boards.iter().zip(marks) {
        let Ok(seen) = board.lock() else {
            missed += changes.len();
            continue;
        };
        let mut first: HashMap<(&str, &str), Instant> = HashMap::new();
        for a in seen.iter().skip(mark).filter(|a| a.event.event == "change") {
            if let (Some(trip), Some(state)) = (
                json_str(&a.event.data, "trip_id"),
                json_str(&a.event.data, "state"),
            ) {
                first.entry((trip, state)).or_insert(a.at);
            }
        }
        for (i, c) in changes.iter().enumerate() {
            match first.get(&(c.trip.as_str(), c.state)) {
                Some(&at) => arrived.push((i, at)),
                None => missed += 1,
            }
        }
    }
    (arrived, missed)
}

/// Delays gathered over `span`, as a phase of their own (its percentiles in milliseconds).
fn delays(name: &'static str, span: Duration, each: impl Iterator<Item = Duration>) -> Phase {
    let mut micros: Vec<u32> = each
        .map(|d| d.as_micros().min(u128::from(u32::MAX)) as u32)
        .collect();
    micros.sort_unstable();
    Phase {
        name,
        calls: micros.len(),
        errors: 0,
        elapsed: span,
        micros,
    }
}

// ---------------------------------------------------------------------------------------------
// Server-sent events, as a browser's EventSource reads them.

/// One event of a `text/event-stream`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SseEvent {
    /// `id:`, when the event had one.
    pub id: Option<String>,
    /// `event:`; empty for the default `message`.
    pub event: String,
    /// The `data:` lines, joined by newlines.
    pub data: String,
}

/// Reads a `text/event-stream` as it arrives, in pieces that may cut a line anywhere: lines end
/// with LF or CRLF, a blank line ends an event, `:` starts a comment (the keep-alive), a
/// field's value follows its colon and one optional space; an event without data is dropped.
#[derive(Debug, Default)]
pub struct SseParser {
    line: Vec<u8>,
    event: SseEvent,
    has_data: bool,
}

impl SseParser {
    /// Takes the next piece of the stream; the events it completes.
    pub fn push(&mut self, bytes: &[u8]) -> Vec<SseEvent> {
        let mut done = Vec::new();
        for &byte in bytes {
            if byte != b'\n' {
                self.line.push(byte);
                continue;
            }
            let mut line = std::mem::take(&mut self.line);
            if line.last() == Some(&b'\r') {
                line.pop();
            }
            if let Some(event) = self.end_line(&String::from_utf8_lossy(&line)) {
                done.push(event);
            }
        }
        done
    }

    fn end_line(&mut self, line: &str) -> Option<SseEvent> {
        if line.is_empty() {
            let event = std::mem::take(&mut self.event);
            return std::mem::take(&mut self.has_data).then_some(event);
        }
        if line.starts_with(':') {
            return None;
        }
        let (field, value) = match line.split_once(':') {
            Some((field, value)) => (field, value.strip_prefix(' ').unwrap_or(value)),
            None => (line, ""),
        };
        match field {
            "id" => self.event.id = Some(value.to_string()),
            "event" => self.event.event = value.to_string(),
            "data" => {
                if self.has_data {
                    self.event.data.push('\n');
                }
                self.event.data.push_str(value);
                self.has_data = true;
            }
            _ => {}
        }
        None
    }
}

/// The string value of `key` in a flat JSON object of ids and states (no escapes in them).
fn json_str<'a>(json: &'a str, key: &str) -> Option<&'a str> {
    let start = json.find(&format!("\"{key}\":\""))? + key.len() + 4;
    let len = json[start..].find('"')?;
    Some(&json[start..start + len])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(id: &str, data: &str) -> SseEvent {
        SseEvent {
            id: Some(id.into()),
            event: "change".into(),
            data: data.into(),
        }
    }

    #[test]
    fn events_are_read_across_pieces_cut_anywhere() {
        let stream = "id: 7\nevent: change\ndata: {\"seq\":7}\n\nid: 8\nevent: change\ndata: {\"seq\":8}\n\n";
        let whole = SseParser::default().push(stream.as_bytes());
        assert_eq!(
            whole,
            vec![event("7", "{\"seq\":7}"), event("8", "{\"seq\":8}")]
        );
        for cut in 0..stream.len() {
            let mut parser = SseParser::default();
            let mut events = parser.push(&stream.as_bytes()[..cut]);
            events.extend(parser.push(&stream.as_bytes()[cut..]));
            assert_eq!(events, whole, "cut at {cut}");
        }
    }

    #[test]
    fn comments_crlf_and_lines_without_a_space_are_understood() {
        let mut parser = SseParser::default();
        let events =
            parser.push(b":\n\n: keep-alive\r\nid:9\r\nevent:change\r\ndata:a\r\ndata: b\r\n\r\n");
        assert_eq!(events, vec![event("9", "a\nb")]);
    }

    #[test]
    fn an_event_without_data_is_dropped_and_an_unfinished_one_waits() {
        let mut parser = SseParser::default();
        assert!(parser.push(b"id: 3\nevent: change\n\n").is_empty());
        assert!(parser.push(b"data: x\n").is_empty(), "no blank line yet");
        assert_eq!(
            parser.push(b"\n"),
            vec![SseEvent {
                id: None,
                event: String::new(),
                data: "x".into()
            }],
            "the fields of a dropped event do not carry over"
        );
    }

    #[test]
    fn an_event_names_its_trip_and_state() {
        let data = r#"{"kind":"DISPATCH_CHANGE_KIND_TRIP_UPDATED","seq":12,"state":"TRIP_STATE_CANCELLED","trip_id":"t1","vehicle_id":""}"#;
        assert_eq!(json_str(data, "trip_id"), Some("t1"));
        assert_eq!(json_str(data, "state"), Some("TRIP_STATE_CANCELLED"));
        assert_eq!(json_str(data, "vehicle_id"), Some(""));
        assert_eq!(json_str(data, "seq"), None, "a number is not a string");
        assert_eq!(json_str(data, "route_id"), None);
    }

    #[test]
    fn the_cookies_and_the_event_stream_are_found_where_the_portal_puts_them() {
        let mut headers = hyper::HeaderMap::new();
        headers.append(
            SET_COOKIE,
            hyper::header::HeaderValue::from_static(
                "onaltu_signin_csrf=; Path=/sign-in; Max-Age=0",
            ),
        );
        headers.append(
            SET_COOKIE,
            hyper::header::HeaderValue::from_static("onaltu_session=abc; Path=/; HttpOnly"),
        );
        assert_eq!(set_cookie(&headers, SESSION_COOKIE).as_deref(), Some("abc"));
        assert_eq!(set_cookie(&headers, CSRF_COOKIE), None, "a deleted cookie");
        let html =
            r#"<div id="board" data-events="/dispatch/events?date=2026-03-02" data-fragment="/x">"#;
        assert_eq!(
            attribute(html, "data-events"),
            Some("/dispatch/events?date=2026-03-02")
        );
    }
}
