//! A driver's report while a PlanDay of the same day is being solved: taken at once (the solver
//! holds no lock), and the plan, finding a trip under way when it comes to write, is refused
//! rather than written over the report.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::*;
use onaltu_proto::transport::{self as pb, TripState as S};
use tonic::Code;

/// What the service logs, for the test to read.
#[derive(Clone, Default)]
struct Logged(Arc<Mutex<Vec<u8>>>);

impl Write for Logged {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Logged {
    fn count(&self, what: &str) -> usize {
        String::from_utf8_lossy(&self.0.lock().unwrap())
            .matches(what)
            .count()
    }
}

#[tokio::test]
async fn a_report_while_the_day_is_solved_is_taken_at_once_and_the_plan_yields_to_it() {
    let logged = Logged::default();
    let writer = logged.clone();
    tracing_subscriber::fmt()
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .init();
    let d = BookedDay::start().await;
    // A fuller day, so the search runs to its time limit.
    let mut op = d.h.registry_operator();
    for i in 0..8u32 {
        let person = wheelchair_user(&mut op, 300 + 10 * i).await.id;
        let from = (51.10 + 0.004 * f64::from(i), 71.40);
        let at = local(d.day, 11 + i / 2, 30 * (i % 2));
        book(
            &mut d.h.dispatcher(),
            trip(&person, Some(at), None, from, CENTRE),
        )
        .await
        .unwrap();
    }
    d.plan().await;
    let p1 = get_trip(&d.h, &d.t1.id).await;
    assert_eq!(p1.state, S::Scheduled as i32);

    let mut again = plan_request(d.day);
    again.options = Some(pb::PlanOptions {
        // Longer than a statement may wait for a lock (5 s).
        time_limit_seconds: 8,
        ..Default::default()
    });
    let mut dispatcher = d.h.dispatcher();
    let planning = dispatcher.plan_day(again);
    let reporting = async {
        let deadline = Instant::now() + DEADLINE;
        while logged.count("planning the day") < 2 {
            assert!(Instant::now() < deadline, "the second plan never began");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        d.h.driver(&p1.vehicle_id)
            .update_trip_status(step(&d.t1.id, S::DriverEnRoute))
            .await
    };
    let (planned, reported) = tokio::join!(planning, reporting);
    let reported = reported.expect("the report is taken").into_inner();
    assert_eq!(reported.trip.unwrap().state, S::DriverEnRoute as i32);
    match planned {
        // The search ended before the report came: the report came after the plan.
        Ok(_) => {}
        Err(e) => assert!(
            e.code() == Code::FailedPrecondition && e.message().contains("under way"),
            "{e:?}"
        ),
    }
    assert_eq!(
        get_trip(&d.h, &d.t1.id).await.state,
        S::DriverEnRoute as i32,
        "the report stands"
    );
}
