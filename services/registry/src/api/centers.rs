//! Rehabilitation centres: public reads, writes by the city office (and a centre's own staff).

mod decode;

use std::hash::{Hash, Hasher};

use diesel_async::AsyncConnection as _;
use onaltu_api::{check_etag, encode_token, now, parse_id};
use onaltu_errors::ApiError;
use onaltu_proto::registry as pb;
use prost::Message as _;
use uuid::Uuid;

use self::decode::{CenterQuery, CenterUpdate, NewCenter};
use super::idempotent::Key;
use super::{Registry, WRITERS, convert, idempotent};
use crate::domain::center::edits_as_staff;
use crate::store::Conn;
use crate::store::centers::{self, CenterRow};
use crate::workers::audit;
use onaltu_api::Ctx;

/// Cache key of a centre.
pub fn center_key(id: Uuid) -> String {
    format!("center:{id}")
}

/// The generation every cached centre list is built from.
pub const CENTERS_GENERATION: &str = "centers";

fn center_not_found(id: Uuid) -> ApiError {
    ApiError::NotFound {
        resource: "center",
        id: id.to_string(),
    }
}

impl Registry {
    pub(crate) async fn centers_changed(&self, ids: &[Uuid]) {
        let keys: Vec<String> = ids.iter().map(|id| center_key(*id)).collect();
        self.cache.invalidate(&keys).await;
        self.cache.bump(CENTERS_GENERATION).await;
        self.cache.bump(super::persons::STATS_GENERATION).await;
    }

    /// After a committed write of a centre: caches retired and the write audited.
    async fn center_written(&self, ctx: &Ctx, action: &str, id: Uuid) -> Result<(), ApiError> {
        self.centers_changed(&[id]).await;
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

    /// Registers a new centre unless one with its BIN, or its name in its region, exists; a
    /// retry of the same request by the same caller answers the centre it registered.
    async fn register_center(
        conn: &mut Conn,
        new: &NewCenter,
        key: Option<&Key>,
    ) -> Result<CenterRow, ApiError> {
        let row = &new.row;
        conn.transaction(async |conn| {
            if let Some(first) = idempotent::replayed(conn, key).await? {
                return centers::get(conn, first)
                    .await?
                    .ok_or_else(|| center_not_found(first));
            }
            if centers::find_match(conn, row.bin.as_deref(), &row.region_code, &row.name_kk)
                .await?
                .is_some()
            {
                return Err(ApiError::AlreadyExists {
                    resource: "center",
                    message: "a centre with this BIN, or this name in this region, is already \
                              registered"
                        .into(),
                });
            }
            centers::insert(conn, row).await?;
            crate::events::center_updated(conn, row, true).await?;
            idempotent::remember(conn, key, row.id).await?;
            Ok(row.clone())
        })
        .await
    }

    pub(crate) async fn create_center(
        &self,
        ctx: &Ctx,
        req: pb::CreateCenterRequest,
    ) -> Result<pb::CreateCenterResponse, ApiError> {
        ctx.caller.require(WRITERS)?;
        let body = req.encode_to_vec();
        let new = NewCenter::decode(req, &self.regions, now())?;
        let key = idempotent::key(ctx, "CreateCenter", new.request_id, &body);
        let mut conn = self.conn().await?;
        let created = Self::register_center(&mut conn, &new, key.as_ref()).await?;
        self.center_written(ctx, "CreateCenter", created.id).await?;
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
                    .ok_or_else(|| center_not_found(id))?;
                Ok::<_, ApiError>(convert::center(&row))
            })
            .await?;
        Ok(pb::GetCenterResponse {
            center: Some(center),
        })
    }

    /// Refuses a change of identity (BIN, name, region) that another centre already has.
    async fn check_identity_free(
        conn: &mut Conn,
        current: &CenterRow,
        next: &CenterRow,
    ) -> Result<(), ApiError> {
        if next.bin == current.bin
            && next.name_kk == current.name_kk
            && next.region_code == current.region_code
        {
            return Ok(());
        }
        match centers::find_match(conn, next.bin.as_deref(), &next.region_code, &next.name_kk)
            .await?
        {
            Some(other) if other.id != current.id => Err(ApiError::AlreadyExists {
                resource: "center",
                message: "another centre has this BIN, or this name in this region".into(),
            }),
            _ => Ok(()),
        }
    }

    pub(crate) async fn update_center(
        &self,
        ctx: &Ctx,
        req: pb::UpdateCenterRequest,
    ) -> Result<pb::UpdateCenterResponse, ApiError> {
        let update = CenterUpdate::decode(req, edits_as_staff(ctx.caller.role()))?;
        let id = update.id;
        ctx.caller.require_center(id, WRITERS)?;
        let mut conn = self.conn().await?;
        let updated = conn
            .transaction(async |conn| {
                let current = centers::get_for_update(conn, id)
                    .await?
                    .ok_or_else(|| center_not_found(id))?;
                check_etag(&update.etag, current.version, "centre")?;
                let next = update.apply(&current, &self.regions, now())?;
                Self::check_identity_free(conn, &current, &next).await?;
                centers::update(conn, &next).await?;
                crate::events::center_updated(conn, &next, false).await?;
                Ok::<_, ApiError>(next)
            })
            .await?;
        self.center_written(ctx, "UpdateCenter", id).await?;
        Ok(pb::UpdateCenterResponse {
            center: Some(convert::center(&updated)),
        })
    }

    pub(crate) async fn list_centers(
        &self,
        req: pb::ListCentersRequest,
    ) -> Result<pb::ListCentersResponse, ApiError> {
        let query = CenterQuery::decode(req, &self.regions)?;
        let load = || self.centers_page(&query);
        match self.cache.generation(CENTERS_GENERATION).await {
            Some(generation) => {
                let mut h = std::collections::hash_map::DefaultHasher::new();
                (&query.filter, query.after, query.limit).hash(&mut h);
                let key = format!("centers:list:{generation}:{:016x}", h.finish());
                self.cache.get_or_load(&key, load).await
            }
            None => load().await,
        }
    }

    /// One page of centres from the database, with the total on the first page.
    async fn centers_page(&self, q: &CenterQuery) -> Result<pb::ListCentersResponse, ApiError> {
        let mut conn = self.conn().await?;
        let rows = centers::list(&mut conn, &q.filter, q.after, q.limit + 1).await?;
        let more = rows.len() as i64 > q.limit;
        let rows: Vec<CenterRow> = rows.into_iter().take(q.limit as usize).collect();
        let next = rows
            .last()
            .filter(|_| more)
            .map(|r| encode_token(&r.id.to_string()));
        let total = match q.after {
            None => centers::count(&mut conn, &q.filter).await?,
            Some(_) => 0,
        };
        Ok(pb::ListCentersResponse {
            centers: rows.iter().map(convert::center).collect(),
            next_page_token: next.unwrap_or_default(),
            total_size: total,
        })
    }
}
