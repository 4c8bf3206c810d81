//! Conversions between stored rows and the messages of the contract.

use chrono::{DateTime, NaiveDate, Utc};
use onaltu_api::{timestamp, to_date};
use onaltu_proto::common::{Date, GeoPoint, LocalizedText, Money};
use onaltu_proto::registry as pb;
use prost_types::Timestamp;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::store::centers::CenterRow;
use crate::store::episodes::{EpisodeRow, EventRow};
use crate::store::households::HouseholdRecord;
use crate::store::persons::{AssessmentRow, EducationRow, PersonRecord};

/// A timestamp in the contract's form.
pub fn ts(t: DateTime<Utc>) -> Option<Timestamp> {
    Some(timestamp(t))
}

/// An optional calendar date in the contract's form.
pub fn date(d: Option<NaiveDate>) -> Option<Date> {
    d.map(from_date)
}

fn from_date(d: NaiveDate) -> Date {
    onaltu_api::date(d)
}

/// The record of a person, as the contract shows it.
pub fn person(r: &PersonRecord) -> pb::Person {
    let p = &r.person;
    pb::Person {
        id: p.id.to_string(),
        iin: p.iin.clone(),
        surname: p.surname.clone(),
        given_name: p.given_name.clone(),
        patronymic: p.patronymic.clone(),
        birth_date: Some(from_date(p.birth_date)),
        sex: p.sex as i32,
        region_code: p.region_code.clone(),
        district: p.district.clone(),
        address: p.address.clone(),
        location: p
            .latitude
            .zip(p.longitude)
            .map(|(latitude, longitude)| GeoPoint {
                latitude,
                longitude,
            }),
        phone: p.phone.clone(),
        preferred_language: p.preferred_language as i32,
        needs: Some(pb::Needs {
            wheelchair_user: p.wheelchair_user,
            needs_escort: p.needs_escort,
            visual_impairment: p.visual_impairment,
            hearing_impairment: p.hearing_impairment,
            sign_language: p.sign_language,
            intellectual_disability: p.intellectual_disability,
        }),
        legal_representative_ids: r.representatives.iter().map(Uuid::to_string).collect(),
        legally_incapacitated: p.legally_incapacitated,
        current_assessment: r.current.as_ref().map(assessment),
        education: r.education.as_ref().map(education),
        household_id: p.household_id.map(|h| h.to_string()).unwrap_or_default(),
        represented_person_ids: r.represented.iter().map(Uuid::to_string).collect(),
        create_time: ts(p.create_time),
        update_time: ts(p.update_time),
        etag: p.version.to_string(),
    }
}

/// An assessment as the contract shows it.
pub fn assessment(a: &AssessmentRow) -> pb::Assessment {
    let has_ipr = !a.ipr_number.is_empty()
        || a.ipr_valid_from.is_some()
        || a.ipr_valid_until.is_some()
        || !a.ipr_service_forms.is_empty();
    pb::Assessment {
        id: a.id.to_string(),
        person_id: a.person_id.to_string(),
        decision_number: a.decision_number.clone(),
        group: a.disability_group as i32,
        cause: a.cause as i32,
        nosology_class: a.nosology_class as i32,
        established_on: Some(from_date(a.established_on)),
        re_examination_due: date(a.re_examination_due),
        indefinite: a.indefinite,
        work_capacity_loss_percent: a.work_capacity_loss_percent.map(i32::from),
        rehabilitation_programme: has_ipr.then(|| pb::RehabilitationProgramme {
            number: a.ipr_number.clone(),
            valid_from: date(a.ipr_valid_from),
            valid_until: date(a.ipr_valid_until),
            service_forms: a.ipr_service_forms.iter().map(|f| *f as i32).collect(),
        }),
        current: a.is_current,
        create_time: ts(a.create_time),
    }
}

/// An assessment row from a validated message.
pub fn assessment_row(a: &pb::Assessment, person_id: Uuid, now: DateTime<Utc>) -> AssessmentRow {
    let ipr = a.rehabilitation_programme.clone().unwrap_or_default();
    AssessmentRow {
        id: Uuid::now_v7(),
        person_id,
        decision_number: a.decision_number.trim().to_string(),
        disability_group: a.group as i16,
        cause: a.cause as i16,
        nosology_class: a.nosology_class as i16,
        established_on: a
            .established_on
            .as_ref()
            .and_then(to_date)
            .unwrap_or_default(),
        re_examination_due: a.re_examination_due.as_ref().and_then(to_date),
        indefinite: a.indefinite,
        work_capacity_loss_percent: a.work_capacity_loss_percent.map(|p| p as i16),
        ipr_number: ipr.number.trim().to_string(),
        ipr_valid_from: ipr.valid_from.as_ref().and_then(to_date),
        ipr_valid_until: ipr.valid_until.as_ref().and_then(to_date),
        ipr_service_forms: ipr.service_forms.iter().map(|f| *f as i16).collect(),
        is_current: true,
        create_time: now,
    }
}

/// A child's education as the contract shows it.
pub fn education(e: &EducationRow) -> pb::ChildEducation {
    pb::ChildEducation {
        status: e.status as i32,
        has_tutor: e.has_tutor,
        home_schooling_quality_note: e.home_schooling_quality_note.clone(),
        as_of: Some(from_date(e.as_of)),
        update_time: ts(e.update_time),
    }
}

/// A household as the contract shows it.
pub fn household(r: &HouseholdRecord) -> pb::Household {
    pb::Household {
        id: r.household.id.to_string(),
        members: r
            .members
            .iter()
            .map(|m| pb::HouseholdMember {
                person_id: m.person_id.map(|p| p.to_string()).unwrap_or_default(),
                full_name: m.full_name.clone(),
                birth_date: date(m.birth_date),
                relation: m.relation as i32,
                has_disability: m.has_disability,
            })
            .collect(),
        special_needs_children_count: r.household.special_needs_children_count,
        housing_status: r.household.housing_status as i32,
        social_support: Some(pb::SocialSupport {
            benefits: r.household.benefits.iter().map(|b| *b as i32).collect(),
            one_time_aid: r
                .aid
                .iter()
                .map(|a| pb::OneTimeAid {
                    paid_on: Some(from_date(a.paid_on)),
                    amount: Some(Money {
                        minor_units: a.amount_minor,
                    }),
                    purpose: a.purpose.clone(),
                })
                .collect(),
        }),
        update_time: ts(r.household.update_time),
        etag: r.household.version.to_string(),
    }
}

/// The parts of a centre kept whole in `details`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CenterDetails {
    #[serde(default)]
    pub accessibility: [bool; 7],
    #[serde(default)]
    pub information_openness: [bool; 6],
    #[serde(default)]
    pub bed_profiles: Vec<(i32, i32)>,
}

/// A centre as the contract shows it.
pub fn center(c: &CenterRow) -> pb::Center {
    let d: CenterDetails = serde_json::from_value(c.details.clone()).unwrap_or_default();
    let [
        step_free_entrance,
        lift,
        accessible_toilet,
        tactile_braille_signs,
        sign_language_staff,
        accessible_parking,
        accessible_website,
    ] = d.accessibility;
    let [
        services,
        schedule,
        price_list,
        licence,
        contacts,
        published_rating,
    ] = d.information_openness;
    pb::Center {
        id: c.id.to_string(),
        name: Some(LocalizedText {
            kk: c.name_kk.clone(),
            ru: c.name_ru.clone(),
        }),
        bin: c.bin.clone().unwrap_or_default(),
        sector: c.sector as i32,
        kind: c.kind as i32,
        level: c.level as i32,
        ownership: c.ownership as i32,
        region_code: c.region_code.clone(),
        district: c.district.clone(),
        address: c.address.clone(),
        location: c
            .latitude
            .zip(c.longitude)
            .map(|(latitude, longitude)| GeoPoint {
                latitude,
                longitude,
            }),
        emails: c.emails.clone(),
        phones: c.phones.clone(),
        website: c.website.clone(),
        service_forms: c.service_forms.iter().map(|f| *f as i32).collect(),
        capacity: Some(pb::Capacity {
            beds: c.beds,
            places: c.places,
            admissions_per_month: c.admissions_per_month,
        }),
        ages_served: Some(pb::AgeRange {
            min_age_years: c.min_age_years,
            max_age_years: c.max_age_years,
        }),
        groups_served: c.groups_served.iter().map(|g| *g as i32).collect(),
        bed_profiles: d
            .bed_profiles
            .iter()
            .map(|(profile, beds)| pb::BedProfileCapacity {
                profile: *profile,
                beds: *beds,
            })
            .collect(),
        accessibility: Some(pb::AccessibilityChecklist {
            step_free_entrance,
            lift,
            accessible_toilet,
            tactile_braille_signs,
            sign_language_staff,
            accessible_parking,
            accessible_website,
        }),
        information_openness: Some(pb::InformationOpennessChecklist {
            services,
            schedule,
            price_list,
            licence,
            contacts,
            published_rating,
        }),
        serves_children: c.serves_children,
        serves_adults: c.serves_adults,
        create_time: ts(c.create_time),
        update_time: ts(c.update_time),
        etag: c.version.to_string(),
    }
}

/// A centre row from a validated message (id, times and version set by the caller).
pub fn center_row(c: &pb::Center, id: Uuid, now: DateTime<Utc>) -> CenterRow {
    let name = c.name.clone().unwrap_or_default();
    let a = c.accessibility.unwrap_or_default();
    let o = c.information_openness.unwrap_or_default();
    let details = CenterDetails {
        accessibility: [
            a.step_free_entrance,
            a.lift,
            a.accessible_toilet,
            a.tactile_braille_signs,
            a.sign_language_staff,
            a.accessible_parking,
            a.accessible_website,
        ],
        information_openness: [
            o.services,
            o.schedule,
            o.price_list,
            o.licence,
            o.contacts,
            o.published_rating,
        ],
        bed_profiles: c.bed_profiles.iter().map(|b| (b.profile, b.beds)).collect(),
    };
    let cap = c.capacity.unwrap_or_default();
    let ages = c.ages_served.unwrap_or_default();
    let mut emails: Vec<String> = c.emails.iter().map(|e| e.trim().to_lowercase()).collect();
    emails.dedup();
    CenterRow {
        id,
        bin: (!c.bin.is_empty()).then(|| c.bin.clone()),
        name_kk: name.kk.trim().to_string(),
        name_ru: name.ru.trim().to_string(),
        sector: c.sector as i16,
        kind: c.kind as i16,
        level: c.level as i16,
        ownership: c.ownership as i16,
        region_code: c.region_code.clone(),
        district: c.district.trim().to_string(),
        address: c.address.trim().to_string(),
        latitude: c.location.as_ref().map(|l| l.latitude),
        longitude: c.location.as_ref().map(|l| l.longitude),
        emails,
        phones: c.phones.clone(),
        website: c.website.clone(),
        service_forms: c.service_forms.iter().map(|f| *f as i16).collect(),
        beds: cap.beds,
        places: cap.places,
        admissions_per_month: cap.admissions_per_month,
        min_age_years: ages.min_age_years,
        max_age_years: ages.max_age_years,
        groups_served: c.groups_served.iter().map(|g| *g as i16).collect(),
        details: serde_json::to_value(details).unwrap_or_default(),
        serves_children: c.serves_children,
        serves_adults: c.serves_adults,
        create_time: now,
        update_time: now,
        version: 1,
    }
}

/// An episode with its events, as the contract shows it.
pub fn episode(e: &EpisodeRow, events: &[EventRow]) -> pb::Episode {
    pb::Episode {
        id: e.id.to_string(),
        referral: Some(pb::Referral {
            person_id: e.person_id.to_string(),
            center_id: e.center_id.to_string(),
            service_form: e.service_form as i32,
            referral_date: Some(from_date(e.referral_date)),
            referral_number: e.referral_number.clone(),
            assessment_id: e.assessment_id.map(|a| a.to_string()).unwrap_or_default(),
            renews_episode_id: e
                .renews_episode_id
                .map(|a| a.to_string())
                .unwrap_or_default(),
            out_of_turn: e.out_of_turn,
            out_of_turn_reason: e.out_of_turn_reason as i32,
            out_of_turn_note: e.out_of_turn_note.clone(),
        }),
        state: e.state as i32,
        queue_position: 0,
        arrival_due_date: date(e.arrival_due_date),
        postponed: e.postponed,
        admitted_on: date(e.admitted_on),
        ended_on: date(e.ended_on),
        discharge_outcome: e.discharge_outcome as i32,
        wait_days: e
            .admitted_on
            .map(|a| crate::domain::episode::wait_days(e.referral_date, a)),
        events: events
            .iter()
            .filter(|ev| ev.episode_id == e.id)
            .map(|ev| pb::EpisodeEvent {
                id: ev.id.to_string(),
                kind: ev.kind as i32,
                event_date: Some(from_date(ev.event_date)),
                order_number: ev.order_number.clone(),
                reason: ev.reason.clone(),
                discharge_outcome: ev.discharge_outcome as i32,
                transfer_center_id: ev
                    .transfer_center_id
                    .map(|c| c.to_string())
                    .unwrap_or_default(),
                arrival_due_date: date(ev.arrival_due_date),
                recorded_by: ev.recorded_by.clone(),
                create_time: ts(ev.create_time),
            })
            .collect(),
        create_time: ts(e.create_time),
        update_time: ts(e.update_time),
        etag: e.version.to_string(),
    }
}
