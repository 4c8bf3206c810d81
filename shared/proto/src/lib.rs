//! The Onaltu gRPC contract, compiled once from `proto/` for every service and client.
//!
//! Modules follow the proto packages: `onaltu::registry::v1`, `onaltu::feedback::v1`,
//! `onaltu::rating::v1`, `onaltu::transport::v1`, and the shared `onaltu::common::v1`.

#![allow(clippy::all, missing_docs)]

/// Generated code, one module per proto package.
pub mod onaltu {
    /// Messages shared by every service.
    pub mod common {
        /// Version 1.
        pub mod v1 {
            tonic::include_proto!("onaltu.common.v1");
        }
    }
    /// The registry of persons with disabilities and rehabilitation centres.
    pub mod registry {
        /// Version 1.
        pub mod v1 {
            tonic::include_proto!("onaltu.registry.v1");
        }
    }
    /// Recipients' evaluations of centres.
    pub mod feedback {
        /// Version 1.
        pub mod v1 {
            tonic::include_proto!("onaltu.feedback.v1");
        }
    }
    /// The electronic rating of centres.
    pub mod rating {
        /// Version 1.
        pub mod v1 {
            tonic::include_proto!("onaltu.rating.v1");
        }
    }
    /// Invataxi and bus transport.
    pub mod transport {
        /// Version 1.
        pub mod v1 {
            tonic::include_proto!("onaltu.transport.v1");
        }
    }
}

pub use onaltu::{common::v1 as common, feedback::v1 as feedback, rating::v1 as rating};
pub use onaltu::{registry::v1 as registry, transport::v1 as transport};

/// The encoded `FileDescriptorSet` of every Onaltu proto file, for server reflection.
pub const FILE_DESCRIPTOR_SET: &[u8] = tonic::include_file_descriptor_set!("onaltu_descriptor");

impl feedback::CriterionScores {
    /// The seven criteria's scores in the contract's order (results, activities, accessibility,
    /// information, comfort, waiting, staff courtesy), as producer and consumer both read them.
    pub fn in_order(&self) -> [Option<i32>; 7] {
        [
            self.results,
            self.activities,
            self.accessibility,
            self.information,
            self.comfort,
            self.waiting,
            self.staff_courtesy,
        ]
    }
}

/// The event streams between services, named once for producer and consumer. An event's type is
/// the full name of the message it carries ([`event_type`]).
pub mod streams {
    /// The registry's episode events (`EpisodeAdmitted`, `EpisodeDischarged`).
    pub const REGISTRY_EPISODES: &str = "registry.episodes";
    /// The registry's person events (`PersonRegistered`).
    pub const REGISTRY_PERSONS: &str = "registry.persons";
    /// The registry's centre events (`CenterUpdated`).
    pub const REGISTRY_CENTERS: &str = "registry.centers";
    /// The registry's representation events (`LegalRepresentativesChanged`).
    pub const REGISTRY_REPRESENTATIVES: &str = "registry.representatives";
    /// The feedback service's evaluation events (`EvaluationPublished`, `EvaluationWithdrawn`).
    pub const FEEDBACK_EVALUATIONS: &str = "feedback.evaluations";

    /// `registry.v1.PersonRegistered`.
    pub const PERSON_REGISTERED: &str = "onaltu.registry.v1.PersonRegistered";
    /// `registry.v1.CenterUpdated`.
    pub const CENTER_UPDATED: &str = "onaltu.registry.v1.CenterUpdated";
    /// `registry.v1.EpisodeAdmitted`.
    pub const EPISODE_ADMITTED: &str = "onaltu.registry.v1.EpisodeAdmitted";
    /// `registry.v1.EpisodeDischarged`.
    pub const EPISODE_DISCHARGED: &str = "onaltu.registry.v1.EpisodeDischarged";
    /// `registry.v1.LegalRepresentativesChanged`.
    pub const LEGAL_REPRESENTATIVES_CHANGED: &str =
        "onaltu.registry.v1.LegalRepresentativesChanged";
    /// `feedback.v1.EvaluationPublished`.
    pub const EVALUATION_PUBLISHED: &str = "onaltu.feedback.v1.EvaluationPublished";
    /// `feedback.v1.EvaluationWithdrawn`.
    pub const EVALUATION_WITHDRAWN: &str = "onaltu.feedback.v1.EvaluationWithdrawn";

    /// The type name of events carrying `M`, e.g. `onaltu.feedback.v1.EvaluationPublished`.
    pub fn event_type<M: prost::Name>() -> String {
        M::full_name()
    }
}

#[cfg(test)]
mod tests {
    use super::streams::*;

    #[test]
    fn every_event_type_is_the_full_name_of_the_message_it_carries() {
        assert_eq!(
            PERSON_REGISTERED,
            event_type::<crate::registry::PersonRegistered>()
        );
        assert_eq!(
            CENTER_UPDATED,
            event_type::<crate::registry::CenterUpdated>()
        );
        assert_eq!(
            EPISODE_ADMITTED,
            event_type::<crate::registry::EpisodeAdmitted>()
        );
        assert_eq!(
            EPISODE_DISCHARGED,
            event_type::<crate::registry::EpisodeDischarged>()
        );
        assert_eq!(
            LEGAL_REPRESENTATIVES_CHANGED,
            event_type::<crate::registry::LegalRepresentativesChanged>()
        );
        assert_eq!(
            EVALUATION_PUBLISHED,
            event_type::<crate::feedback::EvaluationPublished>()
        );
        assert_eq!(
            EVALUATION_WITHDRAWN,
            event_type::<crate::feedback::EvaluationWithdrawn>()
        );
    }
}
