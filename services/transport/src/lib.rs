//! The transport service: invataxi (инватакси) booking and dial-a-ride dispatch, scheduled buses
//! to rehabilitation centres, and the service measures.

pub mod domain;
