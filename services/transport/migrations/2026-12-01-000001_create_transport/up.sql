-- The fleet (көлік паркі / автопарк).
CREATE TABLE vehicles (
    id uuid PRIMARY KEY,
    plate_number text NOT NULL UNIQUE,
    kind smallint NOT NULL,
    model text NOT NULL DEFAULT '',
    wheelchair_places integer NOT NULL,
    seats integer NOT NULL,
    has_ramp boolean NOT NULL,
    has_lift boolean NOT NULL,
    depot_latitude double precision NOT NULL,
    depot_longitude double precision NOT NULL,
    depot_address text NOT NULL DEFAULT '',
    status smallint NOT NULL,
    create_time timestamptz NOT NULL
);

-- Drivers' shifts on vehicles (ауысым / смена).
CREATE TABLE shifts (
    id uuid PRIMARY KEY,
    vehicle_id uuid NOT NULL REFERENCES vehicles (id),
    driver_subject text NOT NULL,
    driver_name text NOT NULL DEFAULT '',
    start_time timestamptz NOT NULL,
    end_time timestamptz NOT NULL,
    create_time timestamptz NOT NULL
);
CREATE INDEX shifts_by_vehicle ON shifts (vehicle_id, start_time);
CREATE INDEX shifts_by_driver ON shifts (driver_subject, start_time);

-- Invataxi trips (инватакси сапары / поездки на инватакси).
CREATE TABLE trips (
    id uuid PRIMARY KEY,
    person_id uuid NOT NULL,
    requested_by text NOT NULL,
    -- The places (point, address, note for the driver) as protobuf `Place`s.
    pickup bytea NOT NULL,
    dropoff bytea NOT NULL,
    requested_pickup_time timestamptz,
    requested_arrival_time timestamptz,
    wheelchair boolean NOT NULL,
    escorts integer NOT NULL,
    purpose smallint NOT NULL,
    center_id uuid,
    state smallint NOT NULL,
    rejection_reason smallint NOT NULL DEFAULT 0,
    state_note text NOT NULL DEFAULT '',
    service_date date NOT NULL,
    window_start timestamptz NOT NULL,
    window_end timestamptz NOT NULL,
    planned_pickup_time timestamptz,
    planned_dropoff_time timestamptz,
    actual_pickup_time timestamptz,
    actual_dropoff_time timestamptz,
    arrived_time timestamptz,
    vehicle_id uuid REFERENCES vehicles (id),
    route_id uuid,
    manually_assigned boolean NOT NULL DEFAULT false,
    direct_ride_seconds integer NOT NULL,
    create_time timestamptz NOT NULL,
    update_time timestamptz NOT NULL
);
CREATE INDEX trips_by_date ON trips (service_date, state);
CREATE INDEX trips_by_person ON trips (person_id, service_date);

-- A vehicle's route of a day, as planned (the protobuf body with its stops).
CREATE TABLE routes (
    id uuid PRIMARY KEY,
    vehicle_id uuid NOT NULL REFERENCES vehicles (id),
    service_date date NOT NULL,
    body bytea NOT NULL,
    version bigint NOT NULL,
    update_time timestamptz NOT NULL,
    UNIQUE (vehicle_id, service_date)
);

-- Changes of trips and routes, in the order WatchDispatch streams them.
CREATE TABLE dispatch_events (
    sequence_number bigserial PRIMARY KEY,
    service_date date NOT NULL,
    vehicle_id uuid,
    body bytea NOT NULL,
    event_time timestamptz NOT NULL
);
CREATE INDEX dispatch_events_by_date ON dispatch_events (service_date, sequence_number);

-- Scheduled bus routes to centres.
CREATE TABLE bus_routes (
    id uuid PRIMARY KEY,
    code text NOT NULL UNIQUE,
    center_id uuid NOT NULL,
    vehicle_id uuid REFERENCES vehicles (id),
    seat_capacity integer NOT NULL,
    wheelchair_capacity integer NOT NULL,
    body bytea NOT NULL,
    create_time timestamptz NOT NULL
);

-- Riders of a bus route for the length of a rehabilitation course.
CREATE TABLE bus_subscriptions (
    id uuid PRIMARY KEY,
    bus_route_id uuid NOT NULL REFERENCES bus_routes (id),
    person_id uuid NOT NULL,
    boarding_stop_sequence integer NOT NULL,
    start_date date NOT NULL,
    end_date date NOT NULL,
    wheelchair boolean NOT NULL,
    escorts integer NOT NULL,
    episode_id uuid,
    status smallint NOT NULL,
    create_time timestamptz NOT NULL
);
CREATE INDEX bus_subscriptions_by_route ON bus_subscriptions (bus_route_id, start_date);

-- The first answer of each creating call, by request id and caller.
CREATE TABLE idempotent_requests (
    request_id uuid PRIMARY KEY,
    method text NOT NULL,
    caller text NOT NULL,
    response bytea NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
