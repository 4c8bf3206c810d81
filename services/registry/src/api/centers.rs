//! Rehabilitation centres: public reads, writes by the city office (and a centre's own staff).

use std::hash::{Hash, Hasher};

use diesel_async::AsyncConnection as _;
use onaltu_auth::Role;
use onaltu_errors::{ApiError, Violations};
use onaltu_proto::registry as pb;
use uuid::Uuid;

use super::convert::{self, parse_id};
use super::{Ctx, Registry, WRITERS, audit, decode_id_token, encode_token, page_size};
use crate::domain::center::{CITY_OFFICE_FIELD, check_center, staff_may_update};
use crate::store::centers::{self, CenterFilter, CenterRow};
use crate::store::idempotency;

/// Cache key of a centre.
pub fn center_key(id: Uuid) -> String {
    format!("center:{id}")
}

/// The generation every cached centre list is built from.
pub const CENTERS_GENERATION: &str = "centers";

impl Registry {
    pub(crate) async fn centers_changed(&self, ids: &[Uuid]) {
        let keys: Vec<String> = ids.iter().map(|id| center_key(*id)).collect();
        self.cache.invalidate(&keys).await;
        self.cache.bump(CENTERS_GENERATION).await;
        self.cache.bump(super::persons::STATS_GENERATION).await;
    }

    async fn audit_center_write(&self, ctx: &Ctx, action: &str, id: Uuid) -> Result<(), ApiError> {
        self.audit
            .record(vec![audit::event(
                &ctx.caller,
                &ctx.purpose,
                &ctx.trace_id,
                action,
                None,
                Some(id),
                tonic::Code::Ok,
            )])
            .await
    }

    pub(crate) fn validated_center(&self, c: &pb::Center, prefix: &str) -> Result<(), ApiError> {
        let mut v = Violations::new();
        check_center(c, &self.regions, &mut v);
        let mut scoped = Violations::new();
        scoped.extend_prefixed(prefix, v);
        scoped.into_result()
    }

    pub(crate) async fn create_center(
        &self,
        ctx: &Ctx,
        req: pb::CreateCenterRequest,
    ) -> Result<pb::CreateCenterResponse, ApiError> {
        ctx.caller.require(WRITERS)?;
        let c = req.center.unwrap_or_default();
        self.validated_center(&c, "center")?;
        let id = Uuid::now_v7();
        let row = convert::center_row(&c, id, crate::api::now());
        let mut conn = self.conn().await?;
        let created = conn
            .transaction(async |conn| {
                if let Some(first) = idempotency::claim(conn, "CreateCenter", &req.request_id, id).await? {
                    return centers::get(conn, first)
                        .await?
                        .ok_or_else(|| ApiError::Internal("idempotent centre missing".into()));
                }
                if centers::find_match(conn, row.bin.as_deref(), &row.region_code, &row.name_kk).await?.is_some() {
                    return Err(ApiError::AlreadyExists {
                        resource: "center",
                        message: "a centre with this BIN, or this name in this region, is already registered".into(),
                    });
                }
                centers::insert(conn, &row).await?;
                super::events::center_updated(conn, &row, true).await?;
                Ok(row.clone())
            })
            .await?;
        self.centers_changed(&[created.id]).await;
        self.audit_center_write(ctx, "CreateCenter", created.id)
            .await?;
        Ok(pb::CreateCenterResponse {
            center: Some(convert::center(&created)),
        })
    }

    pub(crate) async fn get_center(
        &self,
        req: pb::GetCenterRequest,
    ) -> Result<pb::GetCenterResponse, ApiError> {
        let id = parse_id("id", &req.id)?;
        let center = self
            .cache
            .get_or_load(&center_key(id), || async {
                let mut conn = self.conn().await?;
                let row = centers::get(&mut conn, id)
                    .await?
                    .ok_or_else(|| ApiError::NotFound {
                        resource: "center",
                        id: id.to_string(),
                    })?;
                Ok::<_, ApiError>(convert::center(&row))
            })
            .await?;
        Ok(pb::GetCenterResponse {
            center: Some(center),
        })
    }

    pub(crate) async fn update_center(
        &self,
        ctx: &Ctx,
        req: pb::UpdateCenterRequest,
    ) -> Result<pb::UpdateCenterResponse, ApiError> {
        let c = req.center.unwrap_or_default();
        let id = parse_id("center.id", &c.id)?;
        ctx.caller.require_center(id, WRITERS)?;
        let staff = ctx.caller.role() == Some(Role::CenterStaff);
        let paths = req.update_mask.map(|m| m.paths).unwrap_or_default();
        if paths.is_empty() {
            return Err(ApiError::invalid(
                "update_mask",
                "name the fields to update",
            ));
        }
        let mut conn = self.conn().await?;
        let updated = conn
            .transaction(async |conn| {
                let current =
                    centers::get_for_update(conn, id)
                        .await?
                        .ok_or_else(|| ApiError::NotFound {
                            resource: "center",
                            id: id.to_string(),
                        })?;
                super::check_etag(&c.etag, current.version, "centre")?;
                let mut merged = convert::center(&current);
                let mut v = Violations::new();
                for path in &paths {
                    if staff && !staff_may_update(path) {
                        v.add(format!("update_mask.{path}"), CITY_OFFICE_FIELD);
                        continue;
                    }
                    match path.as_str() {
                        "name" => merged.name = c.name.clone(),
                        "name.kk" => {
                            merged.name.get_or_insert_default().kk =
                                c.name.clone().unwrap_or_default().kk
                        }
                        "name.ru" => {
                            merged.name.get_or_insert_default().ru =
                                c.name.clone().unwrap_or_default().ru
                        }
                        "bin" => merged.bin = c.bin.clone(),
                        "sector" => merged.sector = c.sector,
                        "kind" => merged.kind = c.kind,
                        "level" => merged.level = c.level,
                        "ownership" => merged.ownership = c.ownership,
                        "region_code" => merged.region_code = c.region_code.clone(),
                        "district" => merged.district = c.district.clone(),
                        "address" => merged.address = c.address.clone(),
                        "location" => merged.location = c.location,
                        "emails" => merged.emails = c.emails.clone(),
                        "phones" => merged.phones = c.phones.clone(),
                        "website" => merged.website = c.website.clone(),
                        "service_forms" => merged.service_forms = c.service_forms.clone(),
                        "capacity" => merged.capacity = c.capacity,
                        "ages_served" => merged.ages_served = c.ages_served,
                        "groups_served" => merged.groups_served = c.groups_served.clone(),
                        "bed_profiles" => merged.bed_profiles = c.bed_profiles.clone(),
                        "accessibility" => merged.accessibility = c.accessibility,
                        "information_openness" => {
                            merged.information_openness = c.information_openness
                        }
                        "serves_children" => merged.serves_children = c.serves_children,
                        "serves_adults" => merged.serves_adults = c.serves_adults,
                        other => v.add(
                            format!("update_mask.{other}"),
                            "is not a field that can be updated",
                        ),
                    }
                }
                v.into_result()?;
                self.validated_center(&merged, "center")?;
                let mut next = convert::center_row(&merged, id, crate::api::now());
                next.create_time = current.create_time;
                next.version = current.version + 1;
                if (next.bin != current.bin
                    || next.name_kk != current.name_kk
                    || next.region_code != current.region_code)
                    && let Some(other) = centers::find_match(
                        conn,
                        next.bin.as_deref(),
                        &next.region_code,
                        &next.name_kk,
                    )
                    .await?
                    && other.id != id
                {
                    return Err(ApiError::AlreadyExists {
                        resource: "center",
                        message: "another centre has this BIN, or this name in this region".into(),
                    });
                }
                centers::update(conn, &next).await?;
                super::events::center_updated(conn, &next, false).await?;
                Ok::<_, ApiError>(next)
            })
            .await?;
        self.centers_changed(&[id]).await;
        self.audit_center_write(ctx, "UpdateCenter", id).await?;
        Ok(pb::UpdateCenterResponse {
            center: Some(convert::center(&updated)),
        })
    }

    pub(crate) async fn list_centers(
        &self,
        req: pb::ListCentersRequest,
    ) -> Result<pb::ListCentersResponse, ApiError> {
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
            onaltu_proto::common::CenterSector::try_from(req.sector).is_ok(),
            "sector",
            "unknown value",
        );
        v.check(
            onaltu_proto::common::CenterKind::try_from(req.kind).is_ok(),
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
        v.into_result()?;
        let f = CenterFilter {
            region_code: (!req.region_code.is_empty()).then(|| req.region_code.clone()),
            sector: (req.sector != 0).then_some(req.sector as i16),
            kind: (req.kind != 0).then_some(req.kind as i16),
            service_form: (req.service_form != 0).then_some(req.service_form as i16),
            serves_children: req.serves_children,
            serves_adults: req.serves_adults,
            name_query: (!req.name_query.trim().is_empty())
                .then(|| req.name_query.trim().to_string()),
        };
        let load = || async {
            let mut conn = self.conn().await?;
            let rows = centers::list(&mut conn, &f, after, limit + 1).await?;
            let more = rows.len() as i64 > limit;
            let rows: Vec<CenterRow> = rows.into_iter().take(limit as usize).collect();
            let next = if more {
                rows.last().map(|r| encode_token(&r.id.to_string()))
            } else {
                None
            };
            let total = if after.is_none() {
                centers::count(&mut conn, &f).await?
            } else {
                0
            };
            Ok::<_, ApiError>(pb::ListCentersResponse {
                centers: rows.iter().map(convert::center).collect(),
                next_page_token: next.unwrap_or_default(),
                total_size: total,
            })
        };
        match self.cache.generation(CENTERS_GENERATION).await {
            Some(generation) => {
                let mut h = std::collections::hash_map::DefaultHasher::new();
                (&f, after, limit).hash(&mut h);
                let key = format!("centers:list:{generation}:{:016x}", h.finish());
                self.cache.get_or_load(&key, load).await
            }
            None => load().await,
        }
    }
}
