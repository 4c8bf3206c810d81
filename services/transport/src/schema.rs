// @generated automatically by Diesel CLI.

diesel::table! {
    bus_routes (id) {
        id -> Uuid,
        code -> Text,
        center_id -> Uuid,
        vehicle_id -> Nullable<Uuid>,
        seat_capacity -> Int4,
        wheelchair_capacity -> Int4,
        body -> Bytea,
        create_time -> Timestamptz,
    }
}

diesel::table! {
    bus_subscriptions (id) {
        id -> Uuid,
        bus_route_id -> Uuid,
        person_id -> Uuid,
        boarding_stop_sequence -> Int4,
        start_date -> Date,
        end_date -> Date,
        wheelchair -> Bool,
        escorts -> Int4,
        episode_id -> Nullable<Uuid>,
        status -> Int2,
        create_time -> Timestamptz,
    }
}

diesel::table! {
    dispatch_events (sequence_number) {
        sequence_number -> Int8,
        service_date -> Date,
        vehicle_id -> Nullable<Uuid>,
        body -> Bytea,
        event_time -> Timestamptz,
    }
}

diesel::table! {
    routes (id) {
        id -> Uuid,
        vehicle_id -> Uuid,
        service_date -> Date,
        body -> Bytea,
        version -> Int8,
        update_time -> Timestamptz,
        anonymised_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    shifts (id) {
        id -> Uuid,
        vehicle_id -> Uuid,
        driver_subject -> Text,
        driver_name -> Text,
        start_time -> Timestamptz,
        end_time -> Timestamptz,
        create_time -> Timestamptz,
    }
}

diesel::table! {
    trips (id) {
        id -> Uuid,
        person_id -> Uuid,
        requested_by -> Text,
        pickup -> Bytea,
        dropoff -> Bytea,
        requested_pickup_time -> Nullable<Timestamptz>,
        requested_arrival_time -> Nullable<Timestamptz>,
        wheelchair -> Bool,
        escorts -> Int4,
        purpose -> Int2,
        center_id -> Nullable<Uuid>,
        state -> Int2,
        rejection_reason -> Int2,
        state_note -> Text,
        service_date -> Date,
        window_start -> Timestamptz,
        window_end -> Timestamptz,
        planned_pickup_time -> Nullable<Timestamptz>,
        planned_dropoff_time -> Nullable<Timestamptz>,
        actual_pickup_time -> Nullable<Timestamptz>,
        actual_dropoff_time -> Nullable<Timestamptz>,
        arrived_time -> Nullable<Timestamptz>,
        vehicle_id -> Nullable<Uuid>,
        route_id -> Nullable<Uuid>,
        manually_assigned -> Bool,
        direct_ride_seconds -> Int4,
        create_time -> Timestamptz,
        update_time -> Timestamptz,
        anonymised_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    vehicles (id) {
        id -> Uuid,
        plate_number -> Text,
        kind -> Int2,
        model -> Text,
        wheelchair_places -> Int4,
        seats -> Int4,
        has_ramp -> Bool,
        has_lift -> Bool,
        depot_latitude -> Float8,
        depot_longitude -> Float8,
        depot_address -> Text,
        status -> Int2,
        create_time -> Timestamptz,
    }
}

diesel::joinable!(bus_routes -> vehicles (vehicle_id));
diesel::joinable!(bus_subscriptions -> bus_routes (bus_route_id));
diesel::joinable!(routes -> vehicles (vehicle_id));
diesel::joinable!(shifts -> vehicles (vehicle_id));
diesel::joinable!(trips -> vehicles (vehicle_id));

diesel::allow_tables_to_appear_in_same_query!(
    bus_routes,
    bus_subscriptions,
    dispatch_events,
    routes,
    shifts,
    trips,
    vehicles,
);
