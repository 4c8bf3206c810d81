//! GetCenterRating, ListRatings and GetRatingHistory: public reads, cached in Redis under a
//! generation every new version moves (a version is immutable, so nothing else invalidates).

use std::future::Future;

use onaltu_api::{Period, page_size, parse_id};
use onaltu_cache::CacheValue;
use onaltu_errors::{ApiError, Violations};
use onaltu_proto::rating as pb;
use prost::Message as _;

use super::Rating;
use super::compute::RATINGS_GENERATION;
use crate::store::{Conn, ratings};
use onaltu_api::{decode_offset_token, next_offset_token};

fn decode_period(
    field: &str,
    p: Option<&onaltu_proto::common::Period>,
    v: &mut Violations,
) -> Option<Period> {
    let p = p?;
    Period::decode(field, p).map_err(|e| v.absorb(e)).ok()
}

/// The stored rating `row` as served, marked latest when it is its period's latest version.
async fn served(conn: &mut Conn, row: &ratings::RatingRow) -> Result<pb::CenterRating, ApiError> {
    let mut body = pb::CenterRating::decode(row.body.as_slice())
        .map_err(|e| ApiError::Internal(format!("stored rating: {e}")))?;
    body.latest = ratings::latest_version(conn, &row.period).await? == Some(row.version);
    Ok(body)
}

impl Rating {
    /// `load`'s answer, through the cache under the current ratings generation.
    async fn cached<T, F, Fut>(&self, key: String, load: F) -> Result<T, ApiError>
    where
        T: CacheValue,
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<T, ApiError>>,
    {
        match self.cache.generation(RATINGS_GENERATION).await {
            Some(generation) => {
                self.cache
                    .get_or_load(&format!("{generation}:{key}"), load)
                    .await
            }
            None => load().await,
        }
    }

    pub(crate) async fn get_center_rating(
        &self,
        req: pb::GetCenterRatingRequest,
    ) -> Result<pb::GetCenterRatingResponse, ApiError> {
        let mut v = Violations::new();
        let center = parse_id("center_id", &req.center_id).map_err(|e| v.absorb(e));
        let period = decode_period("period", req.period.as_ref(), &mut v);
        if req.rating_version.is_some_and(|n| n < 1) {
            v.add("rating_version", "must be >= 1");
        }
        if req.rating_version.is_some() && req.period.is_none() {
            v.add(
                "period",
                "is required with rating_version: versions are numbered per period",
            );
        }
        v.into_result()?;
        let Ok(center) = center else {
            return Err(ApiError::Internal("validated request incomplete".into()));
        };
        let label = period.map(Period::label);
        let key = format!(
            "center:{center}:{}:{}",
            label.as_deref().unwrap_or("-"),
            req.rating_version.unwrap_or_default()
        );
        self.cached(key, || async {
            let mut conn = self.conn().await?;
            let row = ratings::of_center(&mut conn, center, label.as_deref(), req.rating_version)
                .await?
                .ok_or_else(|| ApiError::NotFound {
                    resource: "rating",
                    id: center.to_string(),
                })?;
            Ok(pb::GetCenterRatingResponse {
                rating: Some(served(&mut conn, &row).await?),
            })
        })
        .await
    }

    pub(crate) async fn list_ratings(
        &self,
        req: pb::ListRatingsRequest,
    ) -> Result<pb::ListRatingsResponse, ApiError> {
        let mut v = Violations::new();
        let size = page_size(req.page_size).map_err(|e| v.absorb(e));
        let offset = decode_offset_token(&req.page_token).map_err(|e| v.absorb(e));
        let period = decode_period("period", req.period.as_ref(), &mut v);
        for (field, value, ok) in [
            (
                "sector",
                req.sector,
                onaltu_proto::common::CenterSector::try_from(req.sector).is_ok(),
            ),
            (
                "kind",
                req.kind,
                onaltu_proto::common::CenterKind::try_from(req.kind).is_ok(),
            ),
            ("tier", req.tier, pb::Tier::try_from(req.tier).is_ok()),
        ] {
            v.check(ok, field, format!("{value} is not a known value"));
        }
        v.into_result()?;
        let (Ok(size), Ok(offset)) = (size, offset) else {
            return Err(ApiError::Internal("validated request incomplete".into()));
        };
        let filter = ratings::Filter {
            region: (!req.region_code.is_empty()).then(|| req.region_code.clone()),
            sector: (req.sector != 0).then_some(req.sector),
            kind: (req.kind != 0).then_some(req.kind),
            tier: (req.tier != 0).then_some(req.tier as i16),
        };
        let key = format!(
            "list:{}:{}:{}:{}:{}:{offset}:{size}",
            period.map_or_else(|| "-".to_string(), Period::label),
            req.region_code,
            req.sector,
            req.kind,
            req.tier
        );
        self.cached(key, || async {
            let mut conn = self.conn().await?;
            let label = match period {
                Some(p) => Some(p.label()),
                None => ratings::latest_period(&mut conn).await?,
            };
            let Some(label) = label else {
                return Ok(pb::ListRatingsResponse::default());
            };
            let Some(version) = ratings::latest_version(&mut conn, &label).await? else {
                return Ok(pb::ListRatingsResponse {
                    period: period.map(Period::encode),
                    ..Default::default()
                });
            };
            let rows =
                ratings::leaderboard(&mut conn, &label, version, &filter, offset, size).await?;
            let mut out = Vec::with_capacity(rows.len());
            for row in &rows {
                let mut body = pb::CenterRating::decode(row.body.as_slice())
                    .map_err(|e| ApiError::Internal(format!("stored rating: {e}")))?;
                body.latest = true;
                out.push(body);
            }
            Ok(pb::ListRatingsResponse {
                next_page_token: next_offset_token(offset, size, out.len()),
                ratings: out,
                period: Period::parse_label(&label).map(Period::encode),
                rating_version: version,
            })
        })
        .await
    }

    pub(crate) async fn get_rating_history(
        &self,
        req: pb::GetRatingHistoryRequest,
    ) -> Result<pb::GetRatingHistoryResponse, ApiError> {
        let mut v = Violations::new();
        let center = parse_id("center_id", &req.center_id).map_err(|e| v.absorb(e));
        let size = page_size(req.page_size).map_err(|e| v.absorb(e));
        let offset = decode_offset_token(&req.page_token).map_err(|e| v.absorb(e));
        v.into_result()?;
        let (Ok(center), Ok(size), Ok(offset)) = (center, size, offset) else {
            return Err(ApiError::Internal("validated request incomplete".into()));
        };
        let key = format!(
            "history:{center}:{}:{offset}:{size}",
            req.include_superseded
        );
        self.cached(key, || async {
            let mut conn = self.conn().await?;
            let rows =
                ratings::history(&mut conn, center, req.include_superseded, offset, size).await?;
            let mut out = Vec::with_capacity(rows.len());
            for row in &rows {
                out.push(served(&mut conn, row).await?);
            }
            Ok(pb::GetRatingHistoryResponse {
                next_page_token: next_offset_token(offset, size, out.len()),
                ratings: out,
            })
        })
        .await
    }
}
