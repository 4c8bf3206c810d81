## The dispatcher's board and the driver's day

## Driver's day
driver-title = My day
driver-date = Day: { $date }
driver-refresh = Refresh
driver-route-changed = Your route changed
driver-no-shift = You have no shift on this day, so there are no stops to show.
driver-next = Next stop
driver-needs = What the passenger needs
driver-wheelchair = Travels in a wheelchair: needs the wheelchair place
driver-escorts = Escorts: { $n }
driver-state = Trip
driver-nothing-ahead = No stops ahead: the day's trips are done or none is planned yet.
driver-later = Later stops
driver-served = Stops served ({ $n })
driver-pickup = Pickup
driver-dropoff = Drop-off
driver-window = Pickup window { $from }–{ $until }
driver-no-show-from = If the passenger does not come out, a no-show can be recorded from { $time }.
driver-step-en-route = I am on my way
driver-step-arrived = I have arrived
driver-step-on-board = Passenger on board
driver-step-completed = Passenger dropped off
driver-step-no-show = Passenger did not come out
driver-refused-title = The step was not recorded
driver-refused-no-show-wait = Too early for a no-show: wait at the pickup { $n } minutes from your arrival or from the start of the pickup window, whichever is later.
driver-refused-trip-state = This step does not follow from where the trip stands now (the dispatcher may have changed it). The page shows the trip as it stands.
driver-refused-precondition = The transport service did not accept this step now. The page shows the trip as it stands.
driver-refused-not-yours = This trip is not on the route of your vehicle on your shift, so you cannot report on it.
driver-refused-not-found = There is no such trip.

## Dispatcher's board
board-title = Dispatcher's board
board-date-label = Day
board-date-show = Show the day
board-error-date = Enter the day as a date, for example 2026-07-02.
board-refresh = Refresh the board
board-updated = Board updated
board-plan = Plan the day
board-plan-hint = The planner puts the day's trips on the vehicles' routes. Trips no vehicle can take are turned away. It may take up to half a minute.
board-plan-progress = Planning the day… The board will show what changed.
board-changes-title = What the plan changed
board-changes-scheduled = Trips newly on a route
board-changes-turned-away = Trips turned away
board-changes-moved = Trips moved to another vehicle
board-changes-vehicles = Vehicles used
board-trips-count = { $n ->
    [one] 1 trip
   *[other] { $n } trips
}
board-vehicles-count = { $n ->
    [one] 1 vehicle
   *[other] { $n } vehicles
}
board-measures-title = The day's measures
board-measure-none = not yet measured
board-measure-requested = Trips requested
board-measure-planned = Trips planned on routes now
board-measure-waiting = Trips waiting to be planned
board-measure-served = Trips served
board-measure-denied = Trips turned away
board-measure-cancelled = Cancelled in time
board-measure-late-cancelled = Cancelled late
board-measure-no-show = Passengers who did not come out
board-measure-on-time = Pickups on time
board-measure-on-time-share = Share of pickups on time
board-measure-ride-ratio = Ride time over direct ride time
board-measure-vehicle-hours = Vehicle-hours in service
board-measure-per-hour = Trips served per vehicle-hour
board-measure-shared = Share of shared rides
board-map-title = Map of the routes
board-map-hint = Each vehicle's route is drawn with its own line pattern and named at its start; stops are numbered as in the vehicle's table below.
board-map-label = { $n ->
    [one] Map of 1 vehicle's route with numbered stops
   *[other] Map of { $n } vehicles' routes with numbered stops
}
board-map-none = No route is planned for this day yet.
board-pattern-0 = solid line
board-pattern-1 = dashed line
board-pattern-2 = dotted line
board-pattern-3 = dash-dot line
board-pattern-4 = sparse dotted line
board-pattern-5 = long-dashed line
board-routes-title = Routes
board-routes-none = No vehicle has a shift on this day.
board-route-none = No route on this day: no trip is planned on this vehicle.
board-route-caption = Route of { $vehicle }
board-capacity = { $wheelchairs ->
    [one] 1 wheelchair place
   *[other] { $wheelchairs } wheelchair places
}, { $seats ->
    [one] 1 seat
   *[other] { $seats } seats
}
board-shift = { $start }–{ $end }, { $driver }
board-shift-no-driver = { $start }–{ $end }
board-shift-line = Shift { $shift }.
board-distance = Planned distance { $km } km.
board-col-number = No.
board-col-time = Time
board-col-stop = Stop
board-col-trip = Trip
board-col-address = Address
board-col-load = Aboard after the stop
board-col-wait = Time since the stop before
board-col-needs = Needs
board-col-actions = Actions
board-col-asked = Asked for
board-col-reason = Why not served
board-col-way = From → to
board-window = window { $window }
board-stop-unspecified = Stop
board-stop-depot-start = Leaves the depot
board-stop-pickup = Pickup
board-stop-dropoff = Drop-off
board-stop-depot-end = Back at the depot
board-load = { $wheelchairs ->
    [one] 1 wheelchair
   *[other] { $wheelchairs } wheelchairs
}, { $seats ->
    [one] 1 seat
   *[other] { $seats } seats
}
board-minutes = { $n } min
board-needs-wheelchair = wheelchair
board-needs-escorts = { $n ->
    [one] 1 escort
   *[other] { $n } escorts
}
board-asked-pickup = pickup at { $time }
board-asked-arrival = arrival by { $time }
board-cancel = Cancel the trip
board-cancel-reason = Cancelled by the dispatcher
board-no-show = Passenger did not come out
board-unserved-title = Trips not served
board-unserved-none = Every trip of the day is on a route.
board-unserved-caption = { $n ->
    [one] 1 trip is not on any route
   *[other] { $n } trips are not on any route
}
board-assign-link = Assign to a vehicle
board-reason-not-planned = Not planned yet: plan the day or assign it to a vehicle.
board-reason-unspecified = No reason was given.
board-reason-not-eligible = The register gives the passenger no right to the invataxi.
board-reason-no-capacity = No vehicle was free at that time
board-reason-outside-service-hours = Outside the invataxi's hours.
board-reason-outside-service-area = Outside the area the invataxi serves.
board-reason-other = Another reason (see the note).
board-choose = Choose…
board-shift-title = Add a shift
board-shift-lead = A vehicle needs a driver's shift covering a trip's hours before a trip can be put on it.
board-shift-vehicle = Vehicle
board-shift-driver = Driver's account
board-shift-driver-hint = The sign-in name of the driver: it gives them this vehicle for these hours.
board-shift-driver-name = Driver's name (optional)
board-shift-start = Shift starts
board-shift-end = Shift ends
board-time-hint = Kazakhstan time, for example 09:00.
board-shift-add = Add the shift
board-assign-title = Assign a trip to a vehicle
board-assign-lead = The vehicle's route is planned again with the trip on it; if the route would break, the trip stays where it was.
board-assign-trip = Trip
board-assign-vehicle = Vehicle
board-assign-vehicle-hint = Only vehicles with a shift on this day.
board-assign = Assign
board-error-vehicle = Choose a vehicle.
board-error-trip = Choose a trip.
board-error-driver = Enter the driver's account.
board-error-driver-long = Enter at most { $n } characters, without control characters.
board-error-time = Enter the time as hours and minutes, for example 09:00.
board-error-end-after-start = The shift must end after it starts.
board-notice-shift-added = The shift was added.
board-notice-assigned = The trip was put on the vehicle's route.
board-notice-cancelled = The trip was cancelled.
board-notice-late-cancelled = The trip was cancelled; it counts as a late cancellation.
board-notice-no-show = The passenger's no-show was recorded.
board-refusal-forbidden = Your role may see the board but not change it.
board-refusal-assignment = This vehicle cannot take the trip: its route would break (pickup window, ride time, seats or shift hours). The trip stays where it was.
board-refusal-assignment-no-shift = This vehicle has no shift on this day, or is not an active invataxi. Add a shift first.
board-refusal-trip-state = The trip is no longer in a state that allows this.
board-refusal-no-show-wait = A no-show can be recorded only after the driver has waited 10 minutes from the start of the pickup window.
board-refusal-shift-overlap = The shift overlaps another shift of this vehicle or this driver.
board-refusal-day-under-way = Trips of this day are already under way: assign trips one by one instead of planning the whole day.
board-refusal-request-reused = This form was already sent. Reload the board and try again.
