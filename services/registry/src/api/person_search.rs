//! Finding persons: by IIN, and lists by region, group, age band, cause and needs.

use onaltu_errors::{ApiError, Violations};
use onaltu_proto::registry as pb;

use super::{Ctx, READ_ALL, Registry, convert, decode_id_token, encode_token, page_size, today};
use crate::domain::statistics::birth_bounds;
use crate::store::persons::{self, PersonFilter};

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
        let limit = page_size(req.page_size)?;
        let after = decode_id_token(&req.page_token)?;
        let mut v = Violations::new();
        if !req.region_code.is_empty() {
            v.check(
                self.regions.contains(&req.region_code),
                "region_code",
                "unknown region",
            );
        }
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
        let mut f = PersonFilter {
            region_code: (!req.region_code.is_empty()).then(|| req.region_code.clone()),
            district: (!req.district.is_empty()).then(|| req.district.clone()),
            group: (req.group != 0).then_some(req.group as i16),
            cause: (req.cause != 0).then_some(req.cause as i16),
            ..PersonFilter::default()
        };
        if let Ok(band) = band {
            let (after, until) = birth_bounds(band, today());
            f.born_after = after;
            f.born_on_or_before = until;
        }
        for (i, n) in req.needs.iter().enumerate() {
            match pb::NeedKind::try_from(*n) {
                Ok(pb::NeedKind::WheelchairUser) => f.wheelchair_user = true,
                Ok(pb::NeedKind::NeedsEscort) => f.needs_escort = true,
                Ok(pb::NeedKind::Visual) => f.visual = true,
                Ok(pb::NeedKind::Hearing) => f.hearing = true,
                Ok(pb::NeedKind::SignLanguage) => f.sign_language = true,
                Ok(pb::NeedKind::Intellectual) => f.intellectual = true,
                _ => v.add(format!("needs[{i}]"), "unknown need"),
            }
        }
        v.into_result()?;
        let mut conn = self.conn().await?;
        let rows = persons::list(&mut conn, &f, after, limit + 1).await?;
        let more = rows.len() as i64 > limit;
        let rows: Vec<_> = rows.into_iter().take(limit as usize).collect();
        let next = if more {
            rows.last().map(|r| encode_token(&r.id.to_string()))
        } else {
            None
        };
        let total = if after.is_none() {
            persons::count(&mut conn, &f).await?
        } else {
            0
        };
        let records = persons::records(&mut conn, rows).await?;
        self.audit_persons(
            ctx,
            "ListPersons",
            records.iter().map(|r| r.person.id),
            None,
        )
        .await?;
        Ok(pb::ListPersonsResponse {
            persons: records.iter().map(convert::person).collect(),
            next_page_token: next.unwrap_or_default(),
            total_size: total,
        })
    }
}
