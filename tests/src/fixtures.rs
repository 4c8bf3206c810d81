//! The registry flows (from `onaltu_testkit::registry`) and the feedback flows the suite's tests
//! start from.

pub use onaltu_testkit::bad_fields;
pub use onaltu_testkit::feedback::{Feedback, evaluation, publish, submit};
pub use onaltu_testkit::registry::{
    Registry, admitted, adult, centre, child, date, discharged, queued, wheelchair_user,
};
