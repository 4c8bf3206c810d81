// @generated automatically by Diesel CLI.

diesel::table! {
    outbox_events (seq) {
        seq -> Int8,
        event_id -> Uuid,
        stream -> Text,
        event_type -> Text,
        payload -> Bytea,
        occurred_at -> Timestamptz,
        published_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    processed_events (consumer, event_id) {
        consumer -> Text,
        event_id -> Uuid,
        processed_at -> Timestamptz,
    }
}

diesel::allow_tables_to_appear_in_same_query!(outbox_events, processed_events,);
