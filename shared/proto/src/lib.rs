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
