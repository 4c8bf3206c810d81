//! Live dispatch: the transport service's WatchDispatch relayed to a browser as server-sent
//! events, in the signed-in person's own name (a driver sees only what the service shows a
//! driver). Each event's id is the change's sequence number, so a browser that reconnects
//! (`EventSource` does by itself, sending `Last-Event-ID`) resumes after the last change it saw
//! and loses none. An event tells what changed (ids and states, never a person's details); the
//! page then fetches what it shows anew.

use std::convert::Infallible;
use std::time::Duration;

use axum::http::HeaderMap;
use axum::response::sse::{Event, KeepAlive, Sse};
use futures::{Stream, StreamExt};
use onaltu_proto::transport as tr;

use crate::backend::Backend;
use crate::web::PageError;

/// Where a stream resumes: after the `Last-Event-ID` a reconnecting browser sends, else after
/// `after` (a page's own starting point, `?after=`), else from the day's first change.
pub fn resume_after(headers: &HeaderMap, after: Option<i64>) -> i64 {
    headers
        .get("last-event-id")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<i64>().ok())
        .filter(|n| *n >= 0)
        .or(after.filter(|n| *n >= 0))
        .unwrap_or(0)
}

/// The event of one change: `id` its sequence number, `event` its kind, `data` a small JSON
/// object of ids and states.
pub fn event_of(change: &tr::WatchDispatchResponse) -> Event {
    let kind = tr::DispatchChangeKind::try_from(change.kind)
        .map(|k| k.as_str_name())
        .unwrap_or("DISPATCH_CHANGE_KIND_UNSPECIFIED");
    let data = match &change.change {
        Some(tr::watch_dispatch_response::Change::Trip(trip)) => serde_json::json!({
            "seq": change.sequence_number,
            "kind": kind,
            "trip_id": trip.id,
            "vehicle_id": trip.vehicle_id,
            "state": tr::TripState::try_from(trip.state).map(|s| s.as_str_name()).unwrap_or(""),
        }),
        Some(tr::watch_dispatch_response::Change::Route(route)) => serde_json::json!({
            "seq": change.sequence_number,
            "kind": kind,
            "route_id": route.id,
            "vehicle_id": route.vehicle_id,
        }),
        None => serde_json::json!({ "seq": change.sequence_number, "kind": kind }),
    };
    Event::default()
        .id(change.sequence_number.to_string())
        .event("change")
        .data(data.to_string())
}

/// The changes `request` asks WatchDispatch for, as `token`'s holder, as an SSE response. A
/// refusal before the stream opens is a page error; a stream that fails later ends, and the
/// browser reconnects from its last event.
pub async fn relay(
    backend: &Backend,
    token: &str,
    request: tr::WatchDispatchRequest,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>> + use<>>, PageError> {
    // No deadline: the stream lives as long as the page is open.
    let stream = backend
        .transport(Some(token))
        .watch_dispatch(tonic::Request::new(request))
        .await
        .map_err(|s| PageError::from_status(&s))?
        .into_inner();
    let events = stream
        .take_while(|item| {
            if let Err(status) = item {
                tracing::info!(code = ?status.code(), "dispatch stream ended");
            }
            futures::future::ready(item.is_ok())
        })
        .filter_map(|item| futures::future::ready(item.ok().map(|c| Ok(event_of(&c)))));
    Ok(Sse::new(events).keep_alive(KeepAlive::new().interval(Duration::from_secs(15))))
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    #[test]
    fn a_reconnect_resumes_after_the_last_event_seen() {
        let mut headers = HeaderMap::new();
        assert_eq!(resume_after(&headers, None), 0);
        assert_eq!(resume_after(&headers, Some(7)), 7);
        assert_eq!(resume_after(&headers, Some(-3)), 0);
        headers.insert("last-event-id", HeaderValue::from_static("42"));
        assert_eq!(
            resume_after(&headers, Some(7)),
            42,
            "the browser's own position wins"
        );
        headers.insert("last-event-id", HeaderValue::from_static("x"));
        assert_eq!(resume_after(&headers, Some(7)), 7);
    }

    #[test]
    fn an_event_names_the_change_by_ids_and_states() {
        let change = tr::WatchDispatchResponse {
            sequence_number: 12,
            kind: tr::DispatchChangeKind::TripUpdated as i32,
            change: Some(tr::watch_dispatch_response::Change::Trip(tr::Trip {
                id: "t1".into(),
                vehicle_id: "v1".into(),
                person_id: "p-secret".into(),
                state: tr::TripState::Scheduled as i32,
                ..Default::default()
            })),
            ..Default::default()
        };
        let text = format!("{:?}", event_of(&change));
        assert!(
            text.contains("t1") && text.contains("v1") && text.contains("12"),
            "{text}"
        );
        assert!(
            !text.contains("p-secret"),
            "no person id leaves in an event: {text}"
        );
    }
}
