//! The typed inputs of CreateCenter, UpdateCenter and ListCenters, decoded in one step with
//! every violation.

use std::collections::HashSet;

use chrono::{DateTime, Utc};
use onaltu_api::{decode_id_token, page_size, parse_id};
use onaltu_errors::{ApiError, Violations};
use onaltu_proto::common::{CenterKind, CenterSector};
use onaltu_proto::registry as pb;
use uuid::Uuid;

use crate::api::convert;
use crate::domain::center::{CenterField, center_mask_field, check_center};
use crate::store::centers::{CenterFilter, CenterRow};

/// Records the violations of centre `c` under `center`.
fn check(c: &pb::Center, regions: &HashSet<String>, v: &mut Violations) {
    let mut inner = Violations::new();
    check_center(c, regions, &mut inner);
    v.extend_prefixed("center", inner);
}

/// CreateCenter, decoded.
#[derive(Debug)]
pub(crate) struct NewCenter {
    /// The caller's key for retries.
    pub request_id: Option<Uuid>,
    /// The centre's row, with its new id.
    pub row: CenterRow,
}

impl NewCenter {
    /// Decodes a CreateCenter request against the region codes.
    pub(crate) fn decode(
        req: pb::CreateCenterRequest,
        regions: &HashSet<String>,
        now: DateTime<Utc>,
    ) -> Result<Self, ApiError> {
        let c = req.center.unwrap_or_default();
        let mut v = Violations::new();
        let request_id = crate::api::idempotent::request_id(&req.request_id, &mut v);
        check(&c, regions, &mut v);
        v.finish(NewCenter {
            request_id,
            row: convert::center_row(&c, Uuid::now_v7(), now),
        })
    }
}

/// UpdateCenter, decoded: which fields change, to what.
#[derive(Debug)]
pub(crate) struct CenterUpdate {
    /// The centre updated.
    pub id: Uuid,
    /// The version the caller read, if given.
    pub etag: String,
    /// The fields named by the mask.
    pub fields: Vec<CenterField>,
    /// The values of the fields.
    pub values: pb::Center,
}

impl CenterUpdate {
    /// Decodes an UpdateCenter request by the centre's own staff (`staff`) or the city office.
    pub(crate) fn decode(req: pb::UpdateCenterRequest, staff: bool) -> Result<Self, ApiError> {
        let values = req.center.unwrap_or_default();
        let mut v = Violations::new();
        let id = v.take(parse_id("center.id", &values.id));
        let paths = req.update_mask.map(|m| m.paths).unwrap_or_default();
        v.check(
            !paths.is_empty(),
            "update_mask",
            "name the fields to update",
        );
        let mut fields = Vec::with_capacity(paths.len());
        for path in &paths {
            match center_mask_field(path, staff) {
                Ok(field) => fields.push(field),
                Err((field, why)) => v.add(field, why),
            }
        }
        v.finish(CenterUpdate {
            id,
            etag: values.etag.clone(),
            fields,
            values,
        })
    }

    /// `current` with the named fields changed, checked against every rule a new centre must
    /// satisfy.
    pub(crate) fn apply(
        &self,
        current: &CenterRow,
        regions: &HashSet<String>,
        now: DateTime<Utc>,
    ) -> Result<CenterRow, ApiError> {
        let mut merged = convert::center(current);
        for field in &self.fields {
            set_field(&mut merged, *field, &self.values);
        }
        let mut v = Violations::new();
        check(&merged, regions, &mut v);
        let mut next = convert::center_row(&merged, current.id, now);
        next.create_time = current.create_time;
        next.version = current.version + 1;
        v.finish(next)
    }
}

/// Sets one updatable field of `merged` from `c`.
fn set_field(merged: &mut pb::Center, field: CenterField, c: &pb::Center) {
    use CenterField as F;
    match field {
        F::Name => merged.name = c.name.clone(),
        F::NameKk => merged.name.get_or_insert_default().kk = c.name.clone().unwrap_or_default().kk,
        F::NameRu => merged.name.get_or_insert_default().ru = c.name.clone().unwrap_or_default().ru,
        F::Bin => merged.bin = c.bin.clone(),
        F::Sector => merged.sector = c.sector,
        F::Kind => merged.kind = c.kind,
        F::Level => merged.level = c.level,
        F::Ownership => merged.ownership = c.ownership,
        F::RegionCode => merged.region_code = c.region_code.clone(),
        F::District => merged.district = c.district.clone(),
        F::Address => merged.address = c.address.clone(),
        F::Location => merged.location = c.location,
        F::Emails => merged.emails = c.emails.clone(),
        F::Phones => merged.phones = c.phones.clone(),
        F::Website => merged.website = c.website.clone(),
        F::ServiceForms => merged.service_forms = c.service_forms.clone(),
        F::Capacity => merged.capacity = c.capacity,
        F::AgesServed => merged.ages_served = c.ages_served,
        F::GroupsServed => merged.groups_served = c.groups_served.clone(),
        F::BedProfiles => merged.bed_profiles = c.bed_profiles.clone(),
        F::Accessibility => merged.accessibility = c.accessibility,
        F::InformationOpenness => merged.information_openness = c.information_openness,
        F::ServesChildren => merged.serves_children = c.serves_children,
        F::ServesAdults => merged.serves_adults = c.serves_adults,
    }
}

/// ListCenters, decoded: the filter and the page.
#[derive(Debug)]
pub(crate) struct CenterQuery {
    /// Which centres.
    pub filter: CenterFilter,
    /// The last id of the previous page.
    pub after: Option<Uuid>,
    /// Page size.
    pub limit: i64,
}

impl CenterQuery {
    /// Decodes a ListCenters request against the region codes.
    pub(crate) fn decode(
        req: pb::ListCentersRequest,
        regions: &HashSet<String>,
    ) -> Result<Self, ApiError> {
        let mut v = Violations::new();
        let limit = v.take(page_size(req.page_size));
        let after = v.take(decode_id_token(&req.page_token));
        v.check(
            req.region_code.is_empty() || regions.contains(&req.region_code),
            "region_code",
            "unknown region",
        );
        v.check(
            CenterSector::try_from(req.sector).is_ok(),
            "sector",
            "unknown value",
        );
        v.check(
            CenterKind::try_from(req.kind).is_ok(),
            "kind",
            "unknown value",
        );
        v.check(
            pb::ServiceForm::try_from(req.service_form).is_ok(),
            "service_form",
            "unknown value",
        );
        v.check(
            req.name_query.chars().count() <= 200,
            "name_query",
            "must be at most 200 characters",
        );
        let filter = CenterFilter {
            region_code: (!req.region_code.is_empty()).then(|| req.region_code.clone()),
            sector: (req.sector != 0).then_some(req.sector as i16),
            kind: (req.kind != 0).then_some(req.kind as i16),
            service_form: (req.service_form != 0).then_some(req.service_form as i16),
            serves_children: req.serves_children,
            serves_adults: req.serves_adults,
            name_query: (!req.name_query.trim().is_empty())
                .then(|| req.name_query.trim().to_string()),
        };
        v.finish(CenterQuery {
            filter,
            after,
            limit,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(err: ApiError) -> Vec<String> {
        let paths = err.field_paths().expect("INVALID_ARGUMENT");
        paths.into_iter().map(String::from).collect()
    }

    fn update(paths: &[&str], staff: bool) -> Result<CenterUpdate, ApiError> {
        CenterUpdate::decode(
            pb::UpdateCenterRequest {
                center: Some(pb::Center {
                    id: Uuid::from_u128(7).to_string(),
                    ..pb::Center::default()
                }),
                update_mask: Some(prost_types::FieldMask {
                    paths: paths.iter().map(|p| p.to_string()).collect(),
                }),
            },
            staff,
        )
    }

    #[test]
    fn staff_may_name_only_their_fields_and_nobody_unknown_ones() {
        assert_eq!(
            update(&["phones", "website"], true).unwrap().fields,
            [CenterField::Phones, CenterField::Website]
        );
        assert_eq!(
            fields(update(&["accessibility"], true).unwrap_err()),
            ["update_mask.accessibility"]
        );
        assert_eq!(
            fields(update(&["capacity", "phones", "nonsense"], true).unwrap_err()),
            ["update_mask.capacity", "update_mask.nonsense"]
        );
        assert_eq!(
            fields(update(&["nonsense"], false).unwrap_err()),
            ["update_mask.nonsense"]
        );
        assert_eq!(
            fields(CenterUpdate::decode(pb::UpdateCenterRequest::default(), false).unwrap_err()),
            ["center.id", "update_mask"]
        );
    }

    #[test]
    fn a_list_query_reports_every_bad_filter_at_once() {
        let regions: HashSet<String> = ["KZ-71".to_string()].into();
        let err = CenterQuery::decode(
            pb::ListCentersRequest {
                page_size: -1,
                region_code: "KZ-00".into(),
                sector: 99,
                ..pb::ListCentersRequest::default()
            },
            &regions,
        )
        .unwrap_err();
        assert_eq!(fields(err), ["page_size", "region_code", "sector"]);
        let q = CenterQuery::decode(
            pb::ListCentersRequest {
                region_code: "KZ-71".into(),
                name_query: "  Үміт ".into(),
                ..pb::ListCentersRequest::default()
            },
            &regions,
        )
        .unwrap();
        assert_eq!(q.limit, 50);
        assert_eq!(q.filter.name_query.as_deref(), Some("Үміт"));
    }
}
