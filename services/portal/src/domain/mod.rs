//! The portal's rules, without I/O: what a form's fields must be, how a rating is told, how a
//! chart is drawn, when a page has changed.

pub mod centre_view;
pub mod chart;
pub mod citizen_view;
pub mod etag;
pub mod evaluation_form;
pub mod form;
pub mod paging;
pub mod rating_view;
pub mod signin;
pub mod text;
pub mod trip_form;
