//! The portal's rules, without I/O: what a form's fields must be, how a rating is told, how a
//! chart is drawn, when a page has changed.

pub mod bar_chart;
pub mod board;
pub mod centre_view;
pub mod chart;
pub mod citizen_view;
pub mod dashboard;
pub mod driver_day;
pub mod etag;
pub mod evaluation_form;
pub mod form;
pub mod moderation_view;
pub mod paging;
pub mod rating_view;
pub mod route_map;
pub mod signin;
pub mod staff_forms;
pub mod text;
pub mod trip_form;
