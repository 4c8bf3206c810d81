//! In whose name transport asks the registry about a person, as the registry's audit trail
//! shows it: the dispatch, which may read no one's record itself, through the transport
//! service's own name for a purpose naming the trip or subscription and the dispatcher; never
//! with the dispatcher's token, and a dispatcher asking the registry directly is refused.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;
use onaltu_auth::Role;
use onaltu_proto::registry::CheckTransportEligibilityRequest;
use onaltu_proto::transport::{self as pb, TripState as S};
use tonic::Code;
use uuid::Uuid;

/// The subject of the dispatcher the tests call as.
fn dispatcher() -> String {
    onaltu_testkit::claims(Role::Dispatcher).sub
}

/// `trail`'s events of `action`.
fn of<'a>(trail: &'a [RegistryAuditEvent], action: &str) -> Vec<&'a RegistryAuditEvent> {
    trail.iter().filter(|e| e.action == action).collect()
}

#[tokio::test]
async fn a_dispatchers_booking_asks_eligibility_in_the_services_name_for_the_trip() {
    let h = Harness::start().await;
    let b = wheelchair_user(&mut h.registry_operator(), 12).await.id;
    let t = book(
        &mut h.dispatcher(),
        trip(&b, Some(local(tomorrow(), 10, 5)), None, HOME, CENTRE),
    )
    .await
    .unwrap();
    assert_eq!(t.state, S::Requested as i32);
    assert!(t.wheelchair, "the registry answered B's needs");

    let trail = h.audit_trail(&b).await;
    let checks = of(&trail, "CheckTransportEligibility");
    assert_eq!(checks.len(), 1, "{trail:?}");
    assert!(checks[0].allowed);
    assert_eq!(checks[0].actor_subject, "service:transport");
    assert_eq!(
        checks[0].actor_role,
        onaltu_proto::common::Role::Integration as i32
    );
    assert_eq!(
        checks[0].purpose,
        format!("trip {} for dispatcher {}", t.id, dispatcher())
    );
    // The dispatcher's own token never reached the registry.
    assert!(trail.iter().all(|e| e.actor_subject != dispatcher()));
}

#[tokio::test]
async fn a_dispatcher_asking_the_registry_for_eligibility_directly_is_refused() {
    let h = Harness::start().await;
    let b = wheelchair_user(&mut h.registry_operator(), 12).await.id;
    let mut direct = h.registry_as(Some(&onaltu_testkit::claims(Role::Dispatcher)));
    // As the transport service would ask, purpose and all, and bare.
    let ask = |purpose: Option<String>| {
        let mut r = tonic::Request::new(CheckTransportEligibilityRequest {
            person_id: b.clone(),
            travel_date: Some(onaltu_api::date(tomorrow())),
        });
        if let Some(p) = purpose {
            r.metadata_mut()
                .insert("x-onaltu-purpose", p.parse().unwrap());
        }
        r
    };
    let forged = format!("trip {} for dispatcher {}", Uuid::now_v7(), dispatcher());
    for request in [ask(Some(forged)), ask(None)] {
        let refused = direct
            .check_transport_eligibility(request)
            .await
            .unwrap_err();
        assert_eq!(refused.code(), Code::PermissionDenied);
    }
    // Both refusals are in the trail, under the dispatcher; nothing was read.
    let trail = h.audit_trail(&b).await;
    let checks = of(&trail, "CheckTransportEligibility");
    assert_eq!(checks.len(), 2, "{trail:?}");
    assert!(
        checks
            .iter()
            .all(|e| !e.allowed && e.actor_subject == dispatcher())
    );
}

/// A centre, a person admitted there (their episode), and a bus route to the centre.
struct Course {
    h: Harness,
    person: String,
    episode: String,
    route: String,
}

impl Course {
    async fn start() -> Self {
        let h = Harness::start().await;
        let mut op = h.registry_operator();
        let centre = centre(&mut op, "Оңалту орталығы", 20).await.id;
        let person = adult(&mut op, 22).await.id;
        let episode = onaltu_testkit::registry::admitted(&mut op, &person, &centre)
            .await
            .id;
        let route = weekday_bus_route(&h, &centre, "R1").await.id;
        Self {
            h,
            person,
            episode,
            route,
        }
    }

    /// The dispatcher subscribes the person to the route for two weeks, following the episode
    /// when `following`.
    async fn subscribe(&self, following: bool) -> Result<pb::BusSubscription, tonic::Status> {
        let start = tomorrow() + chrono::Duration::days(7);
        self.h
            .dispatcher()
            .subscribe_rider(pb::SubscribeRiderRequest {
                request_id: Uuid::now_v7().to_string(),
                subscription: Some(pb::BusSubscription {
                    bus_route_id: self.route.clone(),
                    person_id: self.person.clone(),
                    episode_id: if following {
                        self.episode.clone()
                    } else {
                        String::new()
                    },
                    start_date: Some(onaltu_api::date(start)),
                    end_date: Some(onaltu_api::date(start + chrono::Duration::days(13))),
                    ..Default::default()
                }),
            })
            .await
            .map(|r| r.into_inner().subscription.unwrap())
    }
}

#[tokio::test]
async fn a_dispatcher_subscribes_with_the_course_s_dates_and_never_reads_the_episode() {
    let c = Course::start().await;
    let refused = c.subscribe(true).await.unwrap_err();
    assert_eq!(refused.code(), Code::PermissionDenied);
    assert!(
        refused.message().contains("episode_id"),
        "{}",
        refused.message()
    );
    let sub = c.subscribe(false).await.unwrap();
    assert!(sub.episode_id.is_empty());
    // The registry was asked nothing about the person's episodes, in anyone's name.
    let trail = c.h.audit_trail(&c.person).await;
    assert!(of(&trail, "GetEpisode").is_empty(), "{trail:?}");
    assert!(
        trail.iter().all(|e| e.actor_subject != dispatcher()),
        "{trail:?}"
    );
}
