//! Queues and episodes through a real gRPC client: FIFO order, offers, the one postponement,
//! admissions, no-shows, renewals, illegal transitions, and concurrent admissions to the last
//! free places.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;
use onaltu_proto::common::{Period, PeriodKind};
use onaltu_proto::registry::{
    self as pb, EpisodeEventKind as Kind, EpisodeState as State, ServiceForm,
};
use tonic::Code;

async fn persons(h: &Harness, n: u32) -> Vec<pb::Person> {
    let mut op = h.operator();
    let mut out = Vec::new();
    for i in 0..n {
        out.push(create_person(&mut op, child(100 + i)).await);
    }
    out
}

async fn offer(
    c: &mut Client,
    center: &str,
    form: ServiceForm,
    expected: &str,
    due: pb::Episode,
) -> Result<pb::Episode, tonic::Status> {
    let _ = due;
    c.offer_place(pb::OfferPlaceRequest {
        request_id: uuid::Uuid::now_v7().to_string(),
        center_id: center.into(),
        service_form: form as i32,
        episode_id: expected.into(),
        arrival_due_date: Some(date(2025, 6, 1)),
        order_number: "№12".into(),
    })
    .await
    .map(|r| r.into_inner().episode.unwrap())
}

async fn offer_head(
    c: &mut Client,
    center: &str,
    form: ServiceForm,
) -> Result<pb::Episode, tonic::Status> {
    c.offer_place(pb::OfferPlaceRequest {
        request_id: uuid::Uuid::now_v7().to_string(),
        center_id: center.into(),
        service_form: form as i32,
        episode_id: String::new(),
        arrival_due_date: Some(date(2025, 6, 1)),
        order_number: "№12".into(),
    })
    .await
    .map(|r| r.into_inner().episode.unwrap())
}

async fn admit(c: &mut Client, episode: &str) -> Result<pb::Episode, tonic::Status> {
    c.admit_person(pb::AdmitPersonRequest {
        request_id: uuid::Uuid::now_v7().to_string(),
        episode_id: episode.into(),
        admitted_on: Some(date(2025, 6, 2)),
        order_number: "№13".into(),
    })
    .await
    .map(|r| r.into_inner().episode.unwrap())
}

async fn event(
    c: &mut Client,
    episode: &str,
    kind: Kind,
    outcome: pb::DischargeOutcome,
    reason: &str,
) -> Result<pb::Episode, tonic::Status> {
    c.record_episode_event(pb::RecordEpisodeEventRequest {
        request_id: uuid::Uuid::now_v7().to_string(),
        episode_id: episode.into(),
        event: Some(pb::EpisodeEvent {
            kind: kind as i32,
            event_date: Some(date(2025, 6, 20)),
            order_number: "№14".into(),
            reason: reason.into(),
            discharge_outcome: outcome as i32,
            ..Default::default()
        }),
    })
    .await
    .map(|r| r.into_inner().episode.unwrap())
}

async fn position(c: &mut Client, episode: &str) -> pb::QueuePosition {
    c.get_queue_position(pb::GetQueuePositionRequest {
        episode_id: episode.into(),
    })
    .await
    .unwrap()
    .into_inner()
    .queue_position
    .unwrap()
}

#[tokio::test]
async fn every_listed_entry_carries_its_place_in_its_own_queue_on_every_page() {
    let h = Harness::start().await;
    let ps = persons(&h, 5).await;
    let mut op = h.operator();
    let c = create_center(&mut op, center("Екі кезек", 20)).await.id;
    for (i, p) in ps.iter().enumerate() {
        let form = if i % 2 == 0 {
            ServiceForm::Stationary
        } else {
            ServiceForm::SemiStationary
        };
        enqueue(&mut op, &p.id, &c, form, date(2025, 1, 1 + i as i32)).await;
    }
    let mut token = String::new();
    let mut listed = 0;
    loop {
        let page = op
            .list_queue(pb::ListQueueRequest {
                center_id: c.clone(),
                page_size: 2,
                page_token: token.clone(),
                ..Default::default()
            })
            .await
            .unwrap()
            .into_inner();
        for e in &page.entries {
            let own = position(&mut op, &e.episode_id).await;
            assert_eq!(e.position, own.position, "entry {listed} of the list");
            listed += 1;
        }
        if page.next_page_token.is_empty() {
            break;
        }
        token = page.next_page_token;
    }
    assert_eq!(listed, 5);
}

#[tokio::test]
async fn the_queue_is_first_come_first_served_with_out_of_turn_first() {
    let h = Harness::start().await;
    let ps = persons(&h, 4).await;
    let mut op = h.operator();
    let c = create_center(&mut op, center("Кезек", 20)).await.id;
    let mut eps = Vec::new();
    for (i, p) in ps.iter().take(3).enumerate() {
        eps.push(
            enqueue(
                &mut op,
                &p.id,
                &c,
                ServiceForm::Stationary,
                date(2025, 1, 1 + i as i32),
            )
            .await,
        );
    }
    for (i, e) in eps.iter().enumerate() {
        let pos = position(&mut op, &e.id).await;
        assert_eq!((pos.position, pos.queue_length), (i as i32 + 1, 3));
    }
    let orphan = op
        .enqueue_referral(pb::EnqueueReferralRequest {
            request_id: "0190a000-0000-7000-8000-000000000005".into(),
            referral: Some(pb::Referral {
                person_id: ps[3].id.clone(),
                center_id: c.clone(),
                service_form: ServiceForm::Stationary as i32,
                referral_date: Some(date(2025, 2, 1)),
                out_of_turn: true,
                out_of_turn_reason: pb::OutOfTurnReason::OrphanTurning18 as i32,
                ..Default::default()
            }),
        })
        .await
        .unwrap()
        .into_inner()
        .episode
        .unwrap();
    assert_eq!(orphan.queue_position, 1, "out of turn goes first");
    assert_eq!(position(&mut op, &eps[0].id).await.position, 2);

    let queue = op
        .list_queue(pb::ListQueueRequest {
            center_id: c.clone(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    let order: Vec<_> = queue.entries.iter().map(|e| e.episode_id.clone()).collect();
    assert_eq!(
        order,
        [
            orphan.id.clone(),
            eps[0].id.clone(),
            eps[1].id.clone(),
            eps[2].id.clone()
        ]
    );

    let dup = op
        .enqueue_referral(pb::EnqueueReferralRequest {
            request_id: String::new(),
            referral: Some(pb::Referral {
                person_id: ps[0].id.clone(),
                center_id: c.clone(),
                service_form: ServiceForm::Stationary as i32,
                referral_date: Some(date(2025, 3, 1)),
                ..Default::default()
            }),
        })
        .await
        .unwrap_err();
    assert_eq!(
        dup.code(),
        Code::AlreadyExists,
        "one place in a queue per person"
    );
}

#[tokio::test]
async fn offers_go_to_the_head_and_arrival_is_postponed_at_most_once_within_the_limit() {
    let h = Harness::start().await;
    let ps = persons(&h, 2).await;
    let mut op = h.operator();
    let c = create_center(&mut op, center("Ұсыныс", 20)).await.id;
    let first = enqueue(
        &mut op,
        &ps[0].id,
        &c,
        ServiceForm::SemiStationary,
        date(2025, 1, 1),
    )
    .await;
    let second = enqueue(
        &mut op,
        &ps[1].id,
        &c,
        ServiceForm::SemiStationary,
        date(2025, 1, 2),
    )
    .await;

    let wrong = offer(
        &mut op,
        &c,
        ServiceForm::SemiStationary,
        &second.id,
        first.clone(),
    )
    .await
    .unwrap_err();
    assert_eq!(wrong.code(), Code::FailedPrecondition);
    assert!(
        wrong.message().contains(&first.id),
        "names the head: {}",
        wrong.message()
    );

    let offered = offer_head(&mut op, &c, ServiceForm::SemiStationary)
        .await
        .unwrap();
    assert_eq!(
        (offered.id.clone(), offered.state),
        (first.id.clone(), State::Offered as i32)
    );

    let postpone = |days: i32| pb::PostponeArrivalRequest {
        request_id: uuid::Uuid::now_v7().to_string(),
        episode_id: first.id.clone(),
        arrival_due_date: Some(date(2025, 6, 1 + days)),
        reason: "болезнь ребёнка".into(),
        order_number: "№15".into(),
    };
    let too_long = op.postpone_arrival(postpone(11)).await.unwrap_err();
    assert_eq!(too_long.code(), Code::FailedPrecondition);
    assert!(
        too_long.message().contains("10 days"),
        "{}",
        too_long.message()
    );
    let ok = op
        .postpone_arrival(postpone(10))
        .await
        .unwrap()
        .into_inner()
        .episode
        .unwrap();
    assert_eq!(ok.state, State::Postponed as i32);
    assert_eq!(ok.arrival_due_date, Some(date(2025, 6, 11)));
    let again = op.postpone_arrival(postpone(5)).await.unwrap_err();
    assert_eq!(again.code(), Code::FailedPrecondition);
    assert!(again.message().contains("only once"));

    let no_reason = op
        .postpone_arrival(pb::PostponeArrivalRequest {
            reason: String::new(),
            ..postpone(3)
        })
        .await
        .unwrap_err();
    assert_eq!(bad_fields(&no_reason), ["reason"]);
}

#[tokio::test]
async fn illegal_transitions_name_the_current_state_and_change_nothing() {
    let h = Harness::start().await;
    let ps = persons(&h, 1).await;
    let mut op = h.operator();
    let c = create_center(&mut op, center("Ереже", 20)).await.id;
    let e = enqueue(
        &mut op,
        &ps[0].id,
        &c,
        ServiceForm::Stationary,
        date(2025, 1, 1),
    )
    .await;
    let events_before = h.count("episode_events").await;

    let s = admit(&mut op, &e.id).await.unwrap_err();
    assert_eq!(s.code(), Code::FailedPrecondition);
    assert!(s.message().contains("QUEUED"), "{}", s.message());
    let s = event(
        &mut op,
        &e.id,
        Kind::Discharged,
        pb::DischargeOutcome::Improved,
        "",
    )
    .await
    .unwrap_err();
    assert_eq!(s.code(), Code::FailedPrecondition);
    assert!(s.message().contains("QUEUED"));
    let s = event(
        &mut op,
        &e.id,
        Kind::Returned,
        pb::DischargeOutcome::Unspecified,
        "",
    )
    .await
    .unwrap_err();
    assert_eq!(s.code(), Code::FailedPrecondition);
    let s = event(
        &mut op,
        &e.id,
        Kind::Admitted,
        pb::DischargeOutcome::Unspecified,
        "",
    )
    .await
    .unwrap_err();
    assert_eq!(s.code(), Code::InvalidArgument);
    assert!(bad_descriptions(&s)[0].contains("AdmitPerson"));
    assert_eq!(
        h.count("episode_events").await,
        events_before,
        "nothing written"
    );

    offer_head(&mut op, &c, ServiceForm::Stationary)
        .await
        .unwrap();
    let admitted = admit(&mut op, &e.id).await.unwrap();
    assert_eq!(admitted.wait_days, Some(152), "2025-01-01 to 2025-06-02");
    let s = event(
        &mut op,
        &e.id,
        Kind::Discharged,
        pb::DischargeOutcome::Unspecified,
        "",
    )
    .await
    .unwrap_err();
    assert_eq!(bad_fields(&s), ["event.discharge_outcome"]);
    event(
        &mut op,
        &e.id,
        Kind::TemporaryLeave,
        pb::DischargeOutcome::Unspecified,
        "",
    )
    .await
    .unwrap();
    event(
        &mut op,
        &e.id,
        Kind::Returned,
        pb::DischargeOutcome::Unspecified,
        "",
    )
    .await
    .unwrap();
    let done = event(
        &mut op,
        &e.id,
        Kind::Discharged,
        pb::DischargeOutcome::Improved,
        "",
    )
    .await
    .unwrap();
    assert_eq!(done.state, State::Discharged as i32);
    assert_eq!(done.ended_on, Some(date(2025, 6, 20)));
    let kinds: Vec<i32> = done.events.iter().map(|e| e.kind).collect();
    assert_eq!(
        kinds,
        [
            Kind::Queued,
            Kind::Offered,
            Kind::Admitted,
            Kind::TemporaryLeave,
            Kind::Returned,
            Kind::Discharged
        ]
        .map(|k| k as i32)
    );
    let s = event(
        &mut op,
        &e.id,
        Kind::Returned,
        pb::DischargeOutcome::Unspecified,
        "",
    )
    .await
    .unwrap_err();
    assert!(s.message().contains("DISCHARGED"), "{}", s.message());
}

#[tokio::test]
async fn a_no_show_offers_the_place_to_the_next_in_line() {
    let h = Harness::start().await;
    let ps = persons(&h, 2).await;
    let mut op = h.operator();
    let c = create_center(&mut op, center("Келмеді", 20)).await.id;
    let first = enqueue(
        &mut op,
        &ps[0].id,
        &c,
        ServiceForm::Stationary,
        date(2025, 1, 1),
    )
    .await;
    let second = enqueue(
        &mut op,
        &ps[1].id,
        &c,
        ServiceForm::Stationary,
        date(2025, 1, 2),
    )
    .await;
    offer_head(&mut op, &c, ServiceForm::Stationary)
        .await
        .unwrap();
    let gone = event(
        &mut op,
        &first.id,
        Kind::NoShow,
        pb::DischargeOutcome::Unspecified,
        "did not come",
    )
    .await
    .unwrap();
    assert_eq!(gone.state, State::NoShow as i32);
    let next = op
        .get_episode(pb::GetEpisodeRequest {
            id: second.id.clone(),
        })
        .await
        .unwrap()
        .into_inner()
        .episode
        .unwrap();
    assert_eq!(next.state, State::Offered as i32);
    assert!(next.arrival_due_date.is_some());
}

#[tokio::test]
async fn renewing_an_expired_programme_keeps_the_queue_position() {
    let h = Harness::start().await;
    let ps = persons(&h, 3).await;
    let mut op = h.operator();
    let c = create_center(&mut op, center("Жаңарту", 20)).await.id;
    let first = enqueue(
        &mut op,
        &ps[0].id,
        &c,
        ServiceForm::Stationary,
        date(2025, 1, 1),
    )
    .await;
    enqueue(
        &mut op,
        &ps[1].id,
        &c,
        ServiceForm::Stationary,
        date(2025, 1, 2),
    )
    .await;
    enqueue(
        &mut op,
        &ps[2].id,
        &c,
        ServiceForm::Stationary,
        date(2025, 1, 3),
    )
    .await;
    let renewed = op
        .enqueue_referral(pb::EnqueueReferralRequest {
            request_id: "0190a000-0000-7000-8000-000000000006".into(),
            referral: Some(pb::Referral {
                person_id: ps[0].id.clone(),
                center_id: c.clone(),
                service_form: ServiceForm::Stationary as i32,
                referral_date: Some(date(2025, 5, 1)),
                referral_number: "ЖОБ-2".into(),
                renews_episode_id: first.id.clone(),
                ..Default::default()
            }),
        })
        .await
        .unwrap()
        .into_inner()
        .episode
        .unwrap();
    assert_eq!(renewed.queue_position, 1, "the original place is kept");
    let old = op
        .get_episode(pb::GetEpisodeRequest {
            id: first.id.clone(),
        })
        .await
        .unwrap()
        .into_inner()
        .episode
        .unwrap();
    assert_eq!(old.state, State::Terminated as i32);
}

#[tokio::test]
async fn concurrent_admissions_never_overfill_a_centre() {
    let h = Harness::start().await;
    let ps = persons(&h, 10).await;
    let mut op = h.operator();
    let c = create_center(&mut op, center("Үш орын", 3)).await.id;
    let mut offered = Vec::new();
    for (i, p) in ps.iter().enumerate() {
        enqueue(
            &mut op,
            &p.id,
            &c,
            ServiceForm::Stationary,
            date(2025, 1, 1 + i as i32),
        )
        .await;
        offered.push(
            offer_head(&mut op, &c, ServiceForm::Stationary)
                .await
                .unwrap()
                .id,
        );
    }
    let mut calls = Vec::new();
    for id in offered {
        let mut client = h.operator();
        calls.push(tokio::spawn(async move { admit(&mut client, &id).await }));
    }
    let mut admitted = 0;
    let mut refused = 0;
    for call in calls {
        match call.await.unwrap() {
            Ok(_) => admitted += 1,
            Err(s) => {
                assert_eq!(s.code(), Code::FailedPrecondition, "{s:?}");
                assert!(s.message().contains("occupied"), "{}", s.message());
                refused += 1;
            }
        }
    }
    assert_eq!((admitted, refused), (3, 7));
    let occupying = op
        .list_episodes(pb::ListEpisodesRequest {
            center_id: c.clone(),
            states: vec![State::Admitted as i32],
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
        .episodes;
    assert_eq!(occupying.len(), 3);
}

#[tokio::test]
async fn offers_and_admissions_are_idempotent_by_request_id() {
    let h = Harness::start().await;
    let ps = persons(&h, 2).await;
    let mut op = h.operator();
    let c = create_center(&mut op, center("Қайталау", 20)).await.id;
    let first = enqueue(
        &mut op,
        &ps[0].id,
        &c,
        ServiceForm::Stationary,
        date(2025, 1, 1),
    )
    .await;
    enqueue(
        &mut op,
        &ps[1].id,
        &c,
        ServiceForm::Stationary,
        date(2025, 1, 2),
    )
    .await;
    let request = pb::OfferPlaceRequest {
        request_id: "0190a000-0000-7000-8000-000000000007".into(),
        center_id: c.clone(),
        service_form: ServiceForm::Stationary as i32,
        episode_id: String::new(),
        arrival_due_date: Some(date(2025, 6, 1)),
        order_number: String::new(),
    };
    let a = op
        .offer_place(request.clone())
        .await
        .unwrap()
        .into_inner()
        .episode
        .unwrap();
    let b = op
        .offer_place(request)
        .await
        .unwrap()
        .into_inner()
        .episode
        .unwrap();
    assert_eq!(a.id, first.id);
    assert_eq!(b.id, first.id, "the retry did not offer the next person");
}

#[tokio::test]
async fn centre_indicators_count_admissions_discharges_waits_and_bed_days() {
    let h = Harness::start().await;
    let ps = persons(&h, 3).await;
    let mut op = h.operator();
    let c = create_center(&mut op, center("Көрсеткіш", 20)).await.id;
    for (i, p) in ps.iter().enumerate() {
        let e = enqueue(
            &mut op,
            &p.id,
            &c,
            ServiceForm::Stationary,
            date(2025, 5, 1 + i as i32 * 10),
        )
        .await;
        offer_head(&mut op, &c, ServiceForm::Stationary)
            .await
            .unwrap();
        admit(&mut op, &e.id).await.unwrap();
        if i < 2 {
            let outcome = if i == 0 {
                pb::DischargeOutcome::Improved
            } else {
                pb::DischargeOutcome::NoChange
            };
            event(&mut op, &e.id, Kind::Discharged, outcome, "")
                .await
                .unwrap();
        }
    }
    let ind = op
        .get_center_indicators(pb::GetCenterIndicatorsRequest {
            center_id: c.clone(),
            period: Some(Period {
                year: 2025,
                kind: PeriodKind::Quarter as i32,
                number: 2,
            }),
        })
        .await
        .unwrap()
        .into_inner()
        .indicators
        .unwrap();
    assert_eq!(ind.admissions, 3);
    let d = ind.discharges.unwrap();
    assert_eq!((d.improved, d.no_change, d.total), (1, 1, 2));
    // Waits 32, 22, 12 days: median 22, p90 32.
    assert_eq!(
        (ind.median_wait_days, ind.p90_wait_days),
        (Some(22.0), Some(32.0))
    );
    // Two stays of 18 days (6-02 to 6-20) and one still there to 6-30 inclusive: 29 days.
    assert_eq!(ind.occupied_bed_days, 18 + 18 + 29);
    assert_eq!(ind.available_bed_days, Some(20 * 91));
    assert_eq!(ind.planned_admissions, Some(30));

    let bad = op
        .get_center_indicators(pb::GetCenterIndicatorsRequest {
            center_id: c.clone(),
            period: Some(Period {
                year: 2025,
                kind: PeriodKind::Quarter as i32,
                number: 5,
            }),
        })
        .await
        .unwrap_err();
    assert_eq!(bad_fields(&bad), ["period.number"]);
}
