//! The transport service's configuration: `[server]`, `[database]`, `[auth]`,
//! `[telemetry]`, `[retention]`, `[registry]` (eligibility and episodes, asked with the caller's
//! token or in the service's own name), `[booking]`, `[travel]`, `[planning]` and `[records]`.

use chrono::NaiveTime;
use onaltu_client::ClientSettings;
use onaltu_config::{Checker, Validate};
use onaltu_db::DatabaseSettings;
use serde::Deserialize;

use crate::domain::travel::TravelModel;
use crate::domain::trip::BookingRules;

/// Booking and service rules (`[booking]`).
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct BookingSettings {
    /// Days ahead a trip may be booked at the earliest (1: the day before).
    pub min_days_ahead: i64,
    /// Days ahead a trip may be booked at the latest.
    pub max_days_ahead: i64,
    /// First pickup of the day, local, `HH:MM`.
    pub service_start: String,
    /// Last drop-off of the day, local, `HH:MM`.
    pub service_end: String,
    /// Pickup window, minutes.
    pub pickup_window_minutes: i64,
    /// Cancellations later than this before the pickup window are late.
    pub cancel_notice_minutes: i64,
    /// Minutes the driver waits before a no-show.
    pub no_show_wait_minutes: i64,
    /// Longest ride as a multiple of the direct ride.
    pub max_ride_factor: f64,
    /// Longest ride, minutes.
    pub max_ride_minutes: i64,
    /// Boarding or alighting time at a stop, seconds.
    pub stop_service_seconds: i64,
    /// Latitude of the centre of the service area.
    pub area_latitude: f64,
    /// Longitude of the centre of the service area.
    pub area_longitude: f64,
    /// Radius of the service area, km.
    pub area_radius_km: f64,
}

impl Default for BookingSettings {
    fn default() -> Self {
        let r = BookingRules::default();
        Self {
            min_days_ahead: r.min_days_ahead,
            max_days_ahead: r.max_days_ahead,
            service_start: "09:00".into(),
            service_end: "18:00".into(),
            pickup_window_minutes: r.pickup_window_minutes,
            cancel_notice_minutes: r.cancel_notice_minutes,
            no_show_wait_minutes: r.no_show_wait_minutes,
            max_ride_factor: r.max_ride_factor,
            max_ride_minutes: r.max_ride_minutes,
            stop_service_seconds: r.stop_service_seconds,
            area_latitude: r.area_centre.0,
            area_longitude: r.area_centre.1,
            area_radius_km: r.area_radius_km,
        }
    }
}

impl BookingSettings {
    /// The rules these settings give; `Err` names the setting that is wrong.
    pub fn rules(&self) -> Result<BookingRules, String> {
        let time = |name: &str, s: &str| {
            NaiveTime::parse_from_str(s, "%H:%M").map_err(|_| format!("{name}: expected HH:MM"))
        };
        Ok(BookingRules {
            min_days_ahead: self.min_days_ahead,
            max_days_ahead: self.max_days_ahead,
            service_start: time("service_start", &self.service_start)?,
            service_end: time("service_end", &self.service_end)?,
            pickup_window_minutes: self.pickup_window_minutes,
            cancel_notice_minutes: self.cancel_notice_minutes,
            no_show_wait_minutes: self.no_show_wait_minutes,
            max_ride_factor: self.max_ride_factor,
            max_ride_minutes: self.max_ride_minutes,
            stop_service_seconds: self.stop_service_seconds,
            area_centre: (self.area_latitude, self.area_longitude),
            area_radius_km: self.area_radius_km,
        })
    }
}

impl Validate for BookingSettings {
    fn validate(&self, c: &mut Checker) {
        if let Err(e) = self.rules() {
            c.check(false, "service_start", e);
        }
        c.check(
            (0..=30).contains(&self.min_days_ahead) && self.min_days_ahead <= self.max_days_ahead,
            "min_days_ahead",
            "must be 0-30 and at most max_days_ahead",
        );
        c.check(
            (1..=90).contains(&self.max_days_ahead),
            "max_days_ahead",
            "must be 1-90",
        );
        c.check(
            (5..=180).contains(&self.pickup_window_minutes),
            "pickup_window_minutes",
            "must be 5-180",
        );
        c.check(
            self.cancel_notice_minutes >= 0,
            "cancel_notice_minutes",
            "must be >= 0",
        );
        c.check(
            (0..=60).contains(&self.no_show_wait_minutes),
            "no_show_wait_minutes",
            "must be 0-60",
        );
        c.check(
            self.max_ride_factor >= 1.0,
            "max_ride_factor",
            "must be >= 1",
        );
        c.check(
            (10..=300).contains(&self.max_ride_minutes),
            "max_ride_minutes",
            "must be 10-300",
        );
        c.check(
            (0..=1800).contains(&self.stop_service_seconds),
            "stop_service_seconds",
            "must be 0-1800",
        );
        c.check(
            (-90.0..=90.0).contains(&self.area_latitude),
            "area_latitude",
            "must be -90 to 90",
        );
        c.check(
            (-180.0..=180.0).contains(&self.area_longitude),
            "area_longitude",
            "must be -180 to 180",
        );
        c.check(
            self.area_radius_km > 0.0 && self.area_radius_km <= 1000.0,
            "area_radius_km",
            "must be more than 0 and at most 1000",
        );
    }
}

/// Travel times (`[travel]`).
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TravelSettings {
    /// Road distance over straight-line distance.
    pub road_factor: f64,
    /// Average speed, km/h.
    pub speed_kmh: f64,
}

impl Default for TravelSettings {
    fn default() -> Self {
        let m = TravelModel::default();
        Self {
            road_factor: m.road_factor,
            speed_kmh: m.speed_kmh,
        }
    }
}

impl Validate for TravelSettings {
    fn validate(&self, c: &mut Checker) {
        c.check(
            (1.0..=3.0).contains(&self.road_factor),
            "road_factor",
            "must be 1-3",
        );
        c.check(
            (5.0..=120.0).contains(&self.speed_kmh),
            "speed_kmh",
            "must be 5-120",
        );
    }
}

/// The day's planning (`[planning]`).
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PlanningSettings {
    /// Solver time limit when the request gives none, seconds.
    pub time_limit_seconds: u64,
    /// Solver threads.
    pub threads: usize,
    /// Seed of the solver's random choices.
    pub seed: u64,
}

impl Default for PlanningSettings {
    fn default() -> Self {
        Self {
            time_limit_seconds: 2,
            threads: 2,
            seed: 1,
        }
    }
}

impl Validate for PlanningSettings {
    fn validate(&self, c: &mut Checker) {
        c.check(
            (1..=120).contains(&self.time_limit_seconds),
            "time_limit_seconds",
            "must be 1-120",
        );
        c.check((1..=16).contains(&self.threads), "threads", "must be 1-16");
    }
}

/// How long the transport service keeps its own records (`[records]`).
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RecordSettings {
    /// Days a dispatch change (with the trip or route it carries) is kept before it is deleted.
    pub dispatch_events_days: u32,
    /// Days after a trip before its places, notes and passenger are cleared (the row stays for
    /// the measures), and its route's stops lose their places.
    pub trip_addresses_days: u32,
}

impl Default for RecordSettings {
    fn default() -> Self {
        Self {
            dispatch_events_days: 365,
            trip_addresses_days: 365,
        }
    }
}

impl Validate for RecordSettings {
    fn validate(&self, c: &mut Checker) {
        c.check(
            (30..=3650).contains(&self.dispatch_events_days),
            "dispatch_events_days",
            "must be between 30 and 3650",
        );
        c.check(
            (30..=3650).contains(&self.trip_addresses_days),
            "trip_addresses_days",
            "must be between 30 and 3650",
        );
    }
}

onaltu_service::settings! {
    /// Everything the transport service reads at start-up.
    pub struct Settings {
        /// The registry: eligibility and episodes, asked with the caller's own token or (the
        /// dispatch's bookings) in the service's own name, with `token` (required in production)
        /// or, in development, a token it signs with `[auth] hs256_secret`.
        pub registry: ClientSettings,
        /// Booking and service rules.
        pub booking: BookingSettings,
        /// Travel times.
        pub travel: TravelSettings,
        /// Planning.
        pub planning: PlanningSettings,
        /// How long the service's own records are kept.
        pub records: RecordSettings,
    }
    validate_with = registry_token_rule;
}

/// The transport service calls the registry in its own name, `service:transport` (the dispatch's
/// bookings): with its own configured token (required in production), or in development one it
/// signs with the HS256 secret.
fn registry_token_rule(s: &Settings, c: &mut Checker) {
    onaltu_client::check_own_token(
        c,
        "registry",
        &s.registry,
        &s.auth,
        crate::clients::registry::SERVICE_SUBJECT,
    );
}

impl Settings {
    /// A local instance (tests, tools): `database`, tokens signed with `hs256_secret`, the
    /// registry at `registry_url`, health checked every 100 ms.
    pub fn local(
        database: DatabaseSettings,
        hs256_secret: onaltu_config::SecretString,
        registry_url: &str,
    ) -> Self {
        let mut settings = Self::local_core(database, hs256_secret);
        settings.registry.url = registry_url.to_string();
        settings.registry.backoff_ms = 20;
        settings.planning.time_limit_seconds = 1;
        settings
    }
}
