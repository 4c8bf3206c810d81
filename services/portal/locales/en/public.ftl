## Centres
centres-title = Rehabilitation centres and their rating
centres-lead = Find a rehabilitation centre and see how it is rated by the city's methodology and by the people it served.
centres-filters = Filter the centres
centres-search = Search by name
centres-filter = Show centres
centres-found = { $n ->
    [one] { $n } centre found
   *[other] { $n } centres found
}
centres-page = Page { $n }
centres-none = No centre matches these filters. Choose another region or clear the search.
evaluations-count = { $n ->
    [one] { $n } evaluation
   *[other] { $n } evaluations
}
filter-region = Region
filter-sector = Sector
filter-kind = Kind of organisation
filter-form = Form of service
filter-any-region = All regions
filter-any-sector = All sectors
filter-any-kind = All kinds
filter-any-form = All forms

## Paging
public-pagination = Pages of the list
public-pagination-evaluations = Pages of the evaluations
public-page-previous = Previous page
public-page-next = Next page
public-page-number = Page { $n }

## Regions (ISO 3166-2:KZ)
region-kz-10 = Abai Region
region-kz-11 = Akmola Region
region-kz-15 = Aktobe Region
region-kz-19 = Almaty Region
region-kz-23 = Atyrau Region
region-kz-27 = West Kazakhstan Region
region-kz-31 = Jambyl Region
region-kz-33 = Jetisu Region
region-kz-35 = Karaganda Region
region-kz-39 = Kostanay Region
region-kz-43 = Kyzylorda Region
region-kz-47 = Mangystau Region
region-kz-55 = Pavlodar Region
region-kz-59 = North Kazakhstan Region
region-kz-61 = Turkistan Region
region-kz-62 = Ulytau Region
region-kz-63 = East Kazakhstan Region
region-kz-71 = Astana
region-kz-75 = Almaty
region-kz-79 = Shymkent

## Sectors, kinds, forms of service
sector-health = Health care
sector-social = Social protection
sector-education = Education
sector-ngo = Non-governmental organisation
kind-rehab-centre = Rehabilitation centre
kind-early-intervention = Early intervention centre
kind-rehab-unit = Rehabilitation unit of a hospital
kind-social-service-centre = Special social services centre
kind-psychoneurological = Psychoneurological medical and social institution
kind-day-care = Day care unit
kind-other = Other organisation
form-stationary = Residential
form-semi-stationary = Semi-residential (day stay)
form-home-based = At home
form-temporary-stay = Temporary stay
form-outpatient = Outpatient
form-day-hospital = Day hospital
ages-unknown = Not stated
ages-between = From { $min } to { $max } years
ages-from = From { $n } years, no upper limit

## A centre
centre-back = Back to the list of centres
centre-contacts = Contacts and services
centre-address = Address
centre-phones = Phones
centre-emails = E-mail
centre-website = Website
centre-forms = Forms of service
centre-ages = Ages served
centre-rating = Current rating

## The rating
rating-stars-of-five = { $n } of 5 stars
rating-no-stars = No stars: not enough data to rate
rating-tier = Tier
rating-peer-rank = Place among similar centres: { $rank }
rating-rank = { $rank } of { $total }
rating-not-yet = Not rated yet.
rating-period = Period
rating-composite = Score (0–100)
rating-composite-value = { $score } of 100
rating-peer-rank-label = Place among centres of the same sector and kind
rating-region-rank-label = Place in the region
rating-methodology = Methodology
rating-methodology-version = Version { $version }
rating-explanation = Why this rating
rating-criteria = Criteria and indicators
tier-incentive = Incentive
tier-standard = Standard
tier-warning = Warning
tier-penalty = Penalty
tier-insufficient-data = Not enough data
tier-none = No tier
criterion-effectiveness = Effectiveness
criterion-activities = Organisation and activities
criterion-access = Accessibility
criterion-satisfaction = Recipients' satisfaction
criterion-unknown = Other criterion
criterion-missing = not enough data
criterion-score = { $score } of 100
criterion-weight = weight { $weight }
criterion-self-reported-only = Rests only on the centre's own reports.
indicator-name = Indicator
indicator-value = Value
indicator-score = Score (0–100)
indicator-source = Source
indicator-suppressed = Hidden: fewer than 5 evaluations.
indicator-self-report-overridden = The city's inspection value is used instead of the centre's own report.
indicator-missing = No value for this period.
indicator-sample = { $n ->
    [one] based on { $n } case
   *[other] based on { $n } cases
}
source-registry = Registry records
source-feedback = Recipients' evaluations
source-inspection = City inspection
source-self-reported = Centre's own report
source-unknown = Unknown source
flag-self-reported-only = A criterion rests only on the centre's own reports.
flag-feedback-suppressed = Fewer than 5 published evaluations: recipients' scores are not used yet.
flag-stars-capped = The stars are capped because of an open critical violation.
flag-consecutive-low = Second period in a row at two stars or fewer.
flag-inspection-triggered = The city has scheduled an inspection of the centre.
flag-unknown = Another condition applies.
unit-days = { $n ->
    [one] { $n } day
   *[other] { $n } days
}
period-quarter = { $year }, quarter { $number }
period-month = { $year }, month { $number }

## Indicators
indicator-improved-discharge-share = Share discharged with improvement
indicator-plan-fulfilment = Plan fulfilment
indicator-capacity-use = Use of beds and places
indicator-results-score = Recipients' score of the results
indicator-events-per-100-recipients = Cultural and social events per 100 recipients
indicator-activities-score = Recipients' score of the activities
indicator-median-wait-days = Median wait from referral to admission
indicator-accessibility-checklist-share = Accessibility checklist met
indicator-information-openness-share = Information openness checklist met
indicator-access-score = Recipients' score of accessibility, information, comfort and waiting
indicator-overall-score = Recipients' overall score
indicator-would-recommend-share = Would recommend the centre

## History
history-title = Rating by quarter
history-none = No earlier ratings yet.
history-table = Rating by quarter, as a table
history-period = Period
history-stars = Stars
history-chart = Line chart of the score (0–100) of { $name } by quarter; the same values are in the table below.

## Feedback
feedback-title = What recipients say
feedback-none = No evaluations this quarter yet.
feedback-suppressed = Fewer than { $n } evaluations were published this quarter, so the scores are not shown: with so few answers they could identify the people who wrote them and would not be reliable.
feedback-overall = Overall score
feedback-of-five = { $score } of 5
feedback-recommend = Would recommend the centre (9 or 10 of 10)
feedback-recommend-share = { $share } of those who answered
feedback-median-wait = Median wait reported
feedback-bayesian-hint = The adjusted score pulls small samples toward the city's average, so a few answers cannot move it far.
feedback-table = Scores by criterion
feedback-column-criterion = Criterion
feedback-bayesian = Adjusted score
feedback-mean = Average
feedback-answers = Answers
feedback-score-column = Score { $n }
feedback-criterion-results = Results of rehabilitation
feedback-criterion-activities = Cultural and social activities
feedback-criterion-accessibility = Accessibility
feedback-criterion-information = Openness of information
feedback-criterion-comfort = Comfort
feedback-criterion-waiting = Waiting time
feedback-criterion-staff-courtesy = Courtesy of staff
feedback-criterion-unknown = Other

## Published evaluations
published-title = Published evaluations
published-none = No published evaluations yet.
published-heading = Evaluation of { $day }
published-score = { $n } of 5
published-recommend = Would recommend: { $n } of 10
published-reply = The centre's reply of { $day }

## Methodology
method-title = How the rating works
method-lead = Every centre is rated each quarter by the same published rules. The rating can be explained line by line, and every number below is part of a versioned methodology.
method-version = Methodology version { $version }
method-effective = in force from { $day }
method-criteria = Criteria and their weights
method-criteria-intro = Four criteria make the rating. Each indicator's value is turned into a score from 0 to 100 between a worst and a best value; a criterion's score is the average of its indicators.
method-criterion-heading = { $name }
method-indicators-of = Indicators of { $name }
method-direction = Better when
method-worst = Scores 0 at
method-best = Scores 100 at
method-higher-better = higher
method-lower-better = lower
method-composite = The overall score
method-composite-text = The overall score, from 0 to 100, is the weighted average of the criteria that have data. The limits are fixed, not relative: every centre of a region can get five stars.
method-stars = Stars
method-stars-line = { $stars ->
    [one] { $stars } star
   *[other] { $stars } stars
}: overall score of { $cut } or more
method-stars-lowest = 1 star: overall score below { $cut }
method-cap = { $n ->
    [one] While a critical violation found by the city is open, a centre gets at most { $n } star.
   *[other] While a critical violation found by the city is open, a centre gets at most { $n } stars.
}
method-tiers = Incentives and penalties
method-tier-incentive = Five stars, or four stars and among the best { $share } of similar centres this period.
method-tier-standard = Three or four stars otherwise.
method-tier-warning = Two stars or fewer for one period.
method-tier-penalty = { $n ->
    [one] Two stars or fewer, or an open critical violation. The city inspects the centre.
   *[other] Two stars or fewer for { $n } periods in a row, or an open critical violation. The city inspects the centre.
}
method-tier-insufficient = { $n ->
    [one] Fewer than { $n } criterion has data: no stars are given.
   *[other] Fewer than { $n } criteria have data: no stars are given.
}
method-samples = Small samples
method-min-evaluations = { $n ->
    [one] Recipients' scores count only when a centre has at least { $n } published evaluation in the period.
   *[other] Recipients' scores count only when a centre has at least { $n } published evaluations in the period.
}
method-prior = Each average of recipients' scores is pulled toward the city's average as if { $m } more answers with that average were added, so a few answers cannot move it far.
method-min-criteria = { $n ->
    [one] A rating needs at least { $n } criterion with data.
   *[other] A rating needs at least { $n } criteria with data.
}
