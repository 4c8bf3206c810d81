## citizen
## A citizen's own pages: services, evaluations, complaints and invataxi trips.

## Forms
my-centre-unknown = Rehabilitation centre

## My services
my-services-title = My services
my-services-lead = Your referrals, places in the queue and stays at rehabilitation centres, and those of the persons you represent.
my-services-own = Your services
my-services-represented = Services of { $name }
my-services-none = No referrals or stays are recorded.
my-services-state = Status
my-services-queue = Queue
my-services-referred = Referral date
my-services-admitted = Admitted
my-services-ended = Ended
my-services-position = Place { $position } of { $length } in the queue.
my-services-median-wait = { $n ->
    [one] People are usually admitted after about { $n } day of waiting.
   *[other] People are usually admitted after about { $n } days of waiting.
}
my-services-arrival-due = A place is offered: arrive by { $date }.
my-services-evaluate = Evaluate this service
my-services-evaluated = You have evaluated this service.
my-services-see-evaluations = See your evaluations
my-episode-state-unspecified = Unknown
my-episode-state-queued = Waiting in the queue
my-episode-state-offered = Place offered
my-episode-state-postponed = Arrival postponed
my-episode-state-admitted = Admitted
my-episode-state-temporary-leave = Temporarily away
my-episode-state-returned = Back from leave
my-episode-state-suspended = Suspended
my-episode-state-discharged = Discharged
my-episode-state-transferred = Transferred to another centre
my-episode-state-expelled = Expelled
my-episode-state-terminated = Service ended
my-episode-state-no-show = Did not arrive

## Evaluating a service
my-evaluate-title = Evaluate the service
my-edit-title = Change your evaluation
my-evaluate-submit = Send the evaluation
my-edit-submit = Send the changes
my-evaluate-about = Stay: admitted { $admitted }, ended { $ended }.
my-edit-about = Sent on { $sent }. You can change it until { $until }.
my-evaluate-intro = Your answers help other families choose a centre and count in the centre's rating. The centre does not learn who you are.
my-evaluate-scores-heading = How was the service?
my-evaluate-scores-hint = Score each part from 1 (very poor) to 5 (very good). Choose "Does not apply" where the question was not part of your service; score at least one.
my-evaluate-more-heading = More about your stay
my-evaluate-moderation-hint = A moderator reads every evaluation before it is published. Do not write names, phone numbers or an IIN.
my-criterion-results = Results of rehabilitation
my-criterion-results-hint = Did the rehabilitation help?
my-criterion-activities = Cultural and social activities
my-criterion-activities-hint = Events, clubs and outings during the programme.
my-criterion-accessibility = Accessibility
my-criterion-accessibility-hint = Entrances, ramps, lifts, toilets and rooms for persons with limited mobility.
my-criterion-information = Openness of information
my-criterion-information-hint = Was it easy to learn about the centre, its services and rules?
my-criterion-comfort = Comfort
my-criterion-comfort-hint = Rooms, food, cleanliness and quiet during the stay.
my-criterion-waiting = Waiting time in the queue
my-criterion-waiting-hint = Was the wait for a place reasonable?
my-criterion-staff-courtesy = Courtesy of staff
my-criterion-staff-courtesy-hint = Were the staff polite and attentive?
my-score-1 = 1, very poor
my-score-2 = 2, poor
my-score-3 = 3, fair
my-score-4 = 4, good
my-score-5 = 5, very good
my-score-na = Does not apply
my-recommend-legend = How likely are you to recommend this centre to others in your situation?
my-recommend-hint = 0 means not at all likely, 10 means extremely likely.
my-recommend-no-answer = I prefer not to answer
my-days-waited-label = How many days did you wait for a place? (optional)
my-days-waited-hint = From the referral to admission, in days. We filled in what the register says; change it if you remember otherwise.
my-comment-label = Your comment (optional)
my-comment-hint = { $n ->
    [one] At most { $n } character.
   *[other] At most { $n } characters.
}
my-complaint-label = A complaint (optional)
my-complaint-hint = { $n ->
    [one] Write here only if you want the city to look into a problem; the centre must answer within 15 working days. At most { $n } character.
   *[other] Write here only if you want the city to look into a problem; the centre must answer within 15 working days. At most { $n } characters.
}
my-eval-error-score-missing = Choose a score from 1 to 5, or "Does not apply"
my-eval-error-score-range = The score must be a number from 1 to 5
my-eval-error-scores-none = Score at least one part of the service from 1 to 5
my-eval-error-days-number = Enter the days waited as a whole number, for example 30
my-eval-error-days-range = The days waited must be between 0 and 3650
my-eval-error-recommend-range = Choose a number from 0 to 10
my-eval-error-comment-long = The comment must be 2000 characters or fewer
my-eval-error-comment-characters = The comment contains characters that cannot be saved; remove any special symbols
my-eval-error-comment-refused = The comment could not be accepted: keep it under 2000 characters, without special symbols
my-eval-error-complaint-long = The complaint must be 4000 characters or fewer
my-eval-error-general = The evaluation could not be accepted. Check your answers and send it again.
my-eval-error-not-received = This service cannot be evaluated yet: a service can be evaluated once you have been admitted.
my-eval-error-edit-window = This evaluation can no longer be changed: changes are possible for 14 days after it was sent.

## My evaluations
my-evaluations-title = My evaluations
my-evaluations-lead = The evaluations you sent, and where each one stands.
my-evaluations-none = You have not evaluated any service yet. Services you can evaluate are shown on
my-evaluations-sent = Sent
my-evaluations-status = Status
my-evaluations-moderator-note = Moderator's note
my-evaluations-reply = The centre's reply
my-evaluations-complaint = Complaint
my-evaluations-complaint-link = A complaint was opened with this evaluation
my-evaluations-edit = Change this evaluation
my-evaluations-edit-until = (possible until { $until })
my-eval-status-unspecified = Unknown
my-eval-status-pending-moderation = Waiting for moderation
my-eval-status-published = Published
my-eval-status-rejected = Not published
my-eval-status-hidden-reported = Hidden while reports are checked
my-notice-eval-sent = Thank you: your evaluation was sent and is waiting for moderation.
my-notice-eval-updated = Your changes were sent; the evaluation is waiting for moderation again.
my-notice-eval-exists = This service has already been evaluated; your evaluation is listed below.

## My complaints
my-complaints-title = My complaints
my-complaints-lead = Complaints you made about a service, and when an answer is due.
my-complaints-none = You have made no complaints.
my-complaints-received = Received
my-complaints-status = Status
my-complaints-deadline = Answer due by
my-complaints-overdue-tag = Overdue
my-complaints-overdue = The answer was due by { $date } and has not been given yet.
my-complaints-closed = Closed
my-complaints-text = Your complaint
my-complaints-response = The centre's response
my-complaints-resolution = Decision
my-complaint-status-unspecified = Unknown
my-complaint-status-open = Received
my-complaint-status-in-review = Under review
my-complaint-status-resolved = Resolved
my-complaint-status-rejected = Rejected as unfounded

## Invataxi trips
my-trips-title = My invataxi trips
my-trips-lead = Your invataxi trips, booked from tomorrow up to two weeks ahead.
my-trips-book = Book a trip
my-trips-none = You have no trips.
my-trips-state = Status
my-trips-planned = Pickup
my-trips-from = From
my-trips-to = To
my-trips-day = Trip
my-trips-cancel = Cancel this trip
my-trip-asked-pickup = pick up at { $time }
my-trip-asked-arrival = arrive by { $time }
my-trip-planned = at about { $time } (between { $from } and { $until })
my-trip-not-planned = not planned yet: the time is set the day before
my-trip-state-unspecified = Unknown
my-trip-state-requested = Requested
my-trip-state-scheduled = Planned
my-trip-state-driver-en-route = Driver on the way
my-trip-state-arrived = Driver has arrived
my-trip-state-on-board = On board
my-trip-state-completed = Completed
my-trip-state-cancelled = Cancelled
my-trip-state-late-cancelled = Cancelled late
my-trip-state-no-show = Passenger did not come out
my-trip-state-rejected = Refused
my-trip-reason-unspecified = No reason was given.
my-trip-reason-not-eligible = The register does not give you the right to the invataxi.
my-trip-reason-no-capacity = No vehicle was free at that time.
my-trip-reason-outside-service-hours = The time is outside the invataxi's hours.
my-trip-reason-outside-service-area = The address is outside the area the invataxi serves.
my-trip-reason-other = Refused for another reason.
my-trip-purpose-unspecified = Not given
my-trip-purpose-rehabilitation = Rehabilitation at a centre
my-trip-purpose-medical = Medical appointment
my-trip-purpose-social-service = Social service or state office
my-trip-purpose-education = Education
my-trip-purpose-culture-and-sport = Cultural or sport event
my-trip-purpose-other = Another purpose
my-notice-trip-requested = Your trip was requested. The pickup time is planned the day before the trip.
my-notice-trip-rejected = Your trip request was recorded but refused; the reason is shown below.
my-notice-trip-cancelled = The trip was cancelled.
my-notice-trip-late-cancelled = The trip was cancelled, late: it is recorded as a late cancellation.

## Booking a trip
my-trip-new-title = Book an invataxi trip
my-trip-new-lead = The invataxi takes you between your home and a rehabilitation centre.
my-trip-window = You can book for any day from { $first } to { $last }, between 09:00 and 18:00.
my-trip-home = Your home address: { $address }
my-trip-home-unknown = Your home address is not recorded in the register.
my-trip-direction-legend = Which way?
my-trip-to-centre = From home to the centre
my-trip-from-centre = From the centre to home
my-trip-centre-label = Centre
my-trip-centre-choose = Choose a centre
my-trip-time-kind-legend = The time you give is
my-trip-time-pickup = when to pick me up
my-trip-time-arrival = when I must arrive
my-trip-date-label = Day of the trip
my-trip-date-hint = For example 2026-07-15.
my-trip-time-label = Time
my-trip-time-hint = Between 09:00 and 18:00, for example 09:30.
my-trip-needs-legend = Your needs
my-trip-wheelchair = I travel in a wheelchair
my-trip-escorts-label = Escorts travelling with you
my-trip-escorts-hint = Each escort needs a seat; at most 3.
my-trip-purpose-label = Purpose of the trip
my-trip-note-label = Note for the driver (optional)
my-trip-note-hint = { $n ->
    [one] Entrance, floor, landmark. At most { $n } character.
   *[other] Entrance, floor, landmark. At most { $n } characters.
}
my-trip-new-submit = Request the trip
my-trip-error-direction = Choose which way you travel
my-trip-error-no-home = Your home address is not on the map of the register; ask your district social office to record it
my-trip-error-centre = Choose a centre from the list
my-trip-error-centre-unlocated = This centre's address is not on the map yet; choose another centre or call the dispatcher
my-trip-error-time-kind = Choose whether the time is a pickup time or an arrival time
my-trip-error-date-format = Enter the day as year-month-day, for example 2026-07-15
my-trip-error-date-window = Choose a day from tomorrow up to 14 days ahead
my-trip-error-time-format = Enter the time as hours and minutes, for example 09:30
my-trip-error-time-hours = Choose a time between 09:00 and 18:00
my-trip-error-escorts = Choose from 0 to 3 escorts
my-trip-error-purpose = Choose the purpose of the trip
my-trip-error-note-long = The note must be 500 characters or fewer
my-trip-error-note-characters = The note contains characters that cannot be saved; remove any special symbols
my-trip-error-places = The addresses of the trip could not be used; check your home address and the centre
my-trip-error-general = The trip could not be requested. Check the form and send it again.
my-trip-error-resent = This form was already sent. Check your trips; to book another trip, send the form again.

## Cancelling a trip
my-trip-cancel-title = Cancel the trip
my-trip-cancel-question = Do you want to cancel this trip?
my-trip-cancel-late-title = This is a late cancellation.
my-trip-cancel-late = The pickup is less than 2 hours away. The trip will be recorded as cancelled late.
my-trip-cancel-yes = Yes, cancel the trip
my-trip-cancel-no = No, keep the trip
my-trip-cancel-impossible = This trip can no longer be cancelled: the driver has set out, or the trip is over. Call the dispatcher if you need help.
