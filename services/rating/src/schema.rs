// @generated automatically by Diesel CLI.

diesel::table! {
    feedback_evaluations (evaluation_id) {
        evaluation_id -> Uuid,
        center_id -> Uuid,
        month -> Date,
        scores -> Array<Nullable<Int2>>,
        would_recommend -> Nullable<Int2>,
        counted -> Bool,
        as_of -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    feedback_totals (month, center_id, slot) {
        center_id -> Uuid,
        month -> Date,
        slot -> Int2,
        n -> Int8,
        total -> Float8,
    }
}

diesel::table! {
    indicator_values (center_id, period, indicator_code, source) {
        center_id -> Uuid,
        period -> Text,
        indicator_code -> Text,
        source -> Int2,
        value -> Float8,
        sample_size -> Nullable<Int8>,
        evidence_reference -> Text,
        recorded_by -> Text,
        record_time -> Timestamptz,
    }
}

diesel::table! {
    inspection_tasks (center_id, period) {
        center_id -> Uuid,
        period -> Text,
        rating_version -> Int8,
        reason -> Text,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    methodologies (version) {
        version -> Text,
        effective_from -> Date,
        body -> Bytea,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    rating_events (sequence_number) {
        sequence_number -> Int8,
        center_id -> Uuid,
        region_code -> Text,
        sector -> Int4,
        kind -> Int4,
        body -> Bytea,
        event_time -> Timestamptz,
    }
}

diesel::table! {
    rating_runs (period, version) {
        period -> Text,
        version -> Int8,
        period_start -> Date,
        methodology_version -> Text,
        centers_rated -> Int4,
        events_emitted -> Int4,
        computed_by -> Text,
        compute_time -> Timestamptz,
    }
}

diesel::table! {
    ratings (period, version, center_id) {
        period -> Text,
        version -> Int8,
        center_id -> Uuid,
        period_start -> Date,
        region_code -> Text,
        sector -> Int4,
        kind -> Int4,
        tier -> Int2,
        composite -> Nullable<Float8>,
        stars -> Nullable<Int4>,
        low_streak -> Int4,
        body -> Bytea,
    }
}

diesel::table! {
    violations (id) {
        id -> Uuid,
        center_id -> Uuid,
        critical -> Bool,
        description -> Text,
        inspection_reference -> Text,
        found_on -> Date,
        resolved_on -> Nullable<Date>,
        resolution_note -> Text,
        recorded_by -> Text,
        create_time -> Timestamptz,
    }
}

diesel::joinable!(rating_runs -> methodologies (methodology_version));

diesel::allow_tables_to_appear_in_same_query!(
    feedback_evaluations,
    feedback_totals,
    indicator_values,
    inspection_tasks,
    methodologies,
    rating_events,
    rating_runs,
    ratings,
    violations,
);
