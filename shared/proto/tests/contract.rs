//! The compiled contract holds every service and RPC that other city systems code against.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use prost::Message;
use prost_types::FileDescriptorSet;

fn methods(service: &str) -> Vec<String> {
    let set = FileDescriptorSet::decode(onaltu_proto::FILE_DESCRIPTOR_SET).expect("descriptor set");
    let (package, name) = service.rsplit_once('.').expect("qualified name");
    set.file
        .iter()
        .filter(|f| f.package() == package)
        .flat_map(|f| f.service.iter())
        .filter(|s| s.name() == name)
        .flat_map(|s| s.method.iter().map(|m| m.name().to_string()))
        .collect()
}

fn assert_has(service: &str, expected: &[&str]) {
    let got = methods(service);
    let missing: Vec<_> = expected
        .iter()
        .filter(|m| !got.iter().any(|g| g == *m))
        .collect();
    assert!(missing.is_empty(), "{service} lacks {missing:?}");
}

#[test]
fn registry_contract_is_complete() {
    assert_has(
        "onaltu.registry.v1.RegistryService",
        &[
            "CreatePerson",
            "GetPerson",
            "FindPersonByIin",
            "UpdatePerson",
            "ListPersons",
            "ImportPersons",
            "RecordAssessment",
            "ListAssessments",
            "UpsertHousehold",
            "GetHousehold",
            "SetEducationStatus",
            "CreateCenter",
            "GetCenter",
            "UpdateCenter",
            "ListCenters",
            "ImportCenters",
            "EnqueueReferral",
            "GetQueuePosition",
            "ListQueue",
            "OfferPlace",
            "PostponeArrival",
            "AdmitPerson",
            "RecordEpisodeEvent",
            "GetEpisode",
            "ListEpisodes",
            "CheckTransportEligibility",
            "GetCenterIndicators",
            "GetStatistics",
            "ListAuditEvents",
            "StreamEligibilityFacts",
        ],
    );
}

#[test]
fn feedback_contract_is_complete() {
    assert_has(
        "onaltu.feedback.v1.FeedbackService",
        &[
            "SubmitEvaluation",
            "UpdateEvaluation",
            "GetEvaluation",
            "ListEvaluations",
            "ModerateEvaluation",
            "ReplyToEvaluation",
            "ReportEvaluation",
            "ListComplaints",
            "UpdateComplaint",
            "GetCenterFeedbackSummary",
        ],
    );
}

#[test]
fn rating_contract_is_complete() {
    assert_has(
        "onaltu.rating.v1.RatingService",
        &[
            "ListIndicatorDefinitions",
            "RecordIndicators",
            "RecordViolation",
            "ResolveViolation",
            "ComputeRatings",
            "GetCenterRating",
            "ListRatings",
            "GetRatingHistory",
            "GetMethodology",
            "WatchRatings",
        ],
    );
}

#[test]
fn transport_contract_is_complete() {
    assert_has(
        "onaltu.transport.v1.TransportService",
        &[
            "CreateVehicle",
            "ListVehicles",
            "CreateShift",
            "ListShifts",
            "RequestTrip",
            "CancelTrip",
            "GetTrip",
            "ListTrips",
            "PlanDay",
            "GetRoute",
            "AssignTrip",
            "UpdateTripStatus",
            "WatchDispatch",
            "CreateBusRoute",
            "ListBusRoutes",
            "SubscribeRider",
            "GetBusManifest",
            "GetServiceMetrics",
        ],
    );
}

#[test]
fn import_rpcs_are_client_streams_and_watches_server_streams() {
    let set = FileDescriptorSet::decode(onaltu_proto::FILE_DESCRIPTOR_SET).expect("descriptor set");
    let all: Vec<_> = set
        .file
        .iter()
        .flat_map(|f| f.service.iter())
        .flat_map(|s| s.method.iter())
        .collect();
    let find = |name: &str| all.iter().find(|m| m.name() == name).expect(name);
    for name in ["ImportPersons", "ImportCenters"] {
        assert!(find(name).client_streaming(), "{name} streams rows in");
        assert!(!find(name).server_streaming(), "{name} answers one summary");
    }
    for name in ["WatchRatings", "WatchDispatch"] {
        assert!(find(name).server_streaming(), "{name} streams events out");
    }
    let facts = find("StreamEligibilityFacts");
    assert!(
        facts.server_streaming() && !facts.client_streaming(),
        "StreamEligibilityFacts answers one request with batches"
    );
}
