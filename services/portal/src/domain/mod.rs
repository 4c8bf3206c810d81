//! The portal's rules, without I/O: what a form's fields must be, how a rating is told, how a
//! chart is drawn, when a page has changed.

pub mod etag;
pub mod text;
