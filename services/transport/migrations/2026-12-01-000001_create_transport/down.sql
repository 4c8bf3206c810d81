DROP TABLE idempotent_requests, bus_subscriptions, bus_routes, dispatch_events, routes, trips,
    shifts, vehicles;
