//! Finding persons: by IIN, and lists by region, group, age band, cause and needs.

use std::collections::HashSet;

use chrono::NaiveDate;
use onaltu_api::{decode_id_token, encode_token, page_size, today};
use onaltu_errors::{ApiError, Violations};
use onaltu_proto::registry as pb;
use uuid::Uuid;

use super::{READ_ALL, Registry, convert};
use crate::domain::statistics::birth_bounds;
use crate::store::persons::{self, PersonFilter};
use onaltu_api::Ctx;

/// ListPersons, decoded: the filter and the page.
#[derive(Debug)]
struct PersonQuery {
    filter: PersonFilter,
    after: Option<Uuid>,
    limit: i64,
}

impl PersonQuery {
    /// Decodes a ListPersons request against the region codes, age bands counted on `today`.
    fn decode(
        req: pb::ListPersonsRequest,
        regions: &HashSet<String>,
        today: NaiveDate,
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
            pb::DisabilityGroup::try_from(req.group).is_ok(),
            "group",
            "unknown value",
        );
        v.check(
            pb::DisabilityCause::try_from(req.cause).is_ok(),
            "cause",
            "unknown value",
        );
        let band = pb::AgeBand::try_from(req.age_band);
        v.check(band.is_ok(), "age_band", "unknown value");
        let (born_after, born_on_or_before) = band
            .map(|band| birth_bounds(band, today))
            .unwrap_or_default();
        let mut filter = PersonFilter {
            region_code: (!req.region_code.is_empty()).then(|| req.region_code.clone()),
            district: (!req.district.is_empty()).then(|| req.district.clone()),
            group: (req.group != 0).then_some(req.group as i16),
            cause: (req.cause != 0).then_some(req.cause as i16),
            born_after,
            born_on_or_before,
            ..PersonFilter::default()
        };
        set_needs(&mut filter, &req.needs, &mut v);
        v.finish(PersonQuery {
            filter,
            after,
            limit,
        })
    }
}

/// Narrows `filter` to persons with every need in `needs`; an unknown need is recorded in `v`.
fn set_needs(filter: &mut PersonFilter, needs: &[i32], v: &mut Violations) {
    for (i, n) in needs.iter().enumerate() {
        let flag = match pb::NeedKind::try_from(*n) {
            Ok(pb::NeedKind::WheelchairUser) => &mut filter.wheelchair_user,
            Ok(pb::NeedKind::NeedsEscort) => &mut filter.needs_escort,
            Ok(pb::NeedKind::Visual) => &mut filter.visual,
            Ok(pb::NeedKind::Hearing) => &mut filter.hearing,
            Ok(pb::NeedKind::SignLanguage) => &mut filter.sign_language,
            Ok(pb::NeedKind::Intellectual) => &mut filter.intellectual,
            _ => {
                v.add(format!("needs[{i}]"), "unknown need");
                continue;
            }
        };
        *flag = true;
    }
}

impl Registry {
    pub(crate) async fn find_person_by_iin(
        &self,
        ctx: &Ctx,
        req: pb::FindPersonByIinRequest,
    ) -> Result<pb::FindPersonByIinResponse, ApiError> {
        ctx.caller.authenticated()?;
        if let Err(err) = onaltu_kzid::Iin::parse(&req.iin, today()) {
            return Err(ApiError::invalid("iin", err.to_string()));
        }
        let mut conn = self.conn().await?;
        let id = persons::id_by_iin(&mut conn, &req.iin).await?;
        let Some(id) = id else {
            // Only those who may read everyone learn that an IIN is not registered.
            ctx.caller.require(READ_ALL).map_err(|_| {
                ApiError::PermissionDenied("this person's record is not yours to see".into())
            })?;
            return Err(ApiError::NotFound {
                resource: "person",
                id: String::new(),
            });
        };
        self.authorize_person(&mut conn, ctx, "FindPersonByIin", id)
            .await?;
        let record = self.load_record(&mut conn, id).await?;
        self.audit_persons(ctx, "FindPersonByIin", [id], None)
            .await?;
        Ok(pb::FindPersonByIinResponse {
            person: Some(convert::person(&record)),
        })
    }

    pub(crate) async fn list_persons(
        &self,
        ctx: &Ctx,
        req: pb::ListPersonsRequest,
    ) -> Result<pb::ListPersonsResponse, ApiError> {
        ctx.caller.require(READ_ALL)?;
        let q = PersonQuery::decode(req, &self.regions, today())?;
        let mut conn = self.conn().await?;
        let rows = persons::list(&mut conn, &q.filter, q.after, q.limit + 1).await?;
        let more = rows.len() as i64 > q.limit;
        let rows: Vec<_> = rows.into_iter().take(q.limit as usize).collect();
        let next = rows
            .last()
            .filter(|_| more)
            .map(|r| encode_token(&r.id.to_string()));
        let total = match q.after {
            None => persons::count(&mut conn, &q.filter).await?,
            Some(_) => 0,
        };
        let records = persons::records(&mut conn, rows).await?;
        let ids = records.iter().map(|r| r.person.id);
        self.audit_persons(ctx, "ListPersons", ids, None).await?;
        Ok(pb::ListPersonsResponse {
            persons: records.iter().map(convert::person).collect(),
            next_page_token: next.unwrap_or_default(),
            total_size: total,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_person_query_reports_every_bad_filter_and_narrows_by_needs() {
        let regions: HashSet<String> = ["KZ-71".to_string()].into();
        let today = NaiveDate::from_ymd_opt(2026, 11, 22).unwrap();
        let err = PersonQuery::decode(
            pb::ListPersonsRequest {
                region_code: "KZ-00".into(),
                group: 99,
                needs: vec![pb::NeedKind::Hearing as i32, 99],
                ..pb::ListPersonsRequest::default()
            },
            &regions,
            today,
        )
        .unwrap_err();
        let ApiError::InvalidArgument(v) = err else {
            panic!("not INVALID_ARGUMENT");
        };
        let fields: Vec<_> = v.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(fields, ["region_code", "group", "needs[1]"]);
        let q = PersonQuery::decode(
            pb::ListPersonsRequest {
                needs: vec![pb::NeedKind::Hearing as i32],
                ..pb::ListPersonsRequest::default()
            },
            &regions,
            today,
        )
        .unwrap();
        assert!(q.filter.hearing && !q.filter.visual);
        assert_eq!((q.after, q.limit), (None, 50));
    }
}
