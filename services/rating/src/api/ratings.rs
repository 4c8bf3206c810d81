//! GetCenterRating, ListRatings and GetRatingHistory: public reads, cached in Redis under a
//! generation every new version moves (a version is immutable, so nothing else invalidates).

use std::future::Future;

use onaltu_api::{Period, next_offset_token};
use onaltu_cache::CacheValue;
use onaltu_errors::ApiError;
use onaltu_proto::rating as pb;
use prost::Message as _;

use super::Rating;
use super::compute::RATINGS_GENERATION;
use super::decode::{CenterRatingInput, HistoryInput, ListRatingsInput};
use crate::store::{Conn, ratings};

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
        let input = CenterRatingInput::try_from(req)?;
        let center = input.center;
        let label = input.period.map(Period::label);
        let key = format!(
            "center:{center}:{}:{}",
            label.as_deref().unwrap_or("-"),
            input.version.unwrap_or_default()
        );
        self.cached(key, || async {
            let mut conn = self.conn().await?;
            let row = ratings::of_center(&mut conn, center, label.as_deref(), input.version)
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
        let input = ListRatingsInput::try_from(req)?;
        self.cached(input.key(), || self.leaderboard(&input)).await
    }

    /// A page of the leaderboard `input` asks for: the latest version of its period (or of the
    /// period most recently rated).
    async fn leaderboard(
        &self,
        input: &ListRatingsInput,
    ) -> Result<pb::ListRatingsResponse, ApiError> {
        let mut conn = self.conn().await?;
        let label = match input.period {
            Some(p) => Some(p.label()),
            None => ratings::latest_period(&mut conn).await?,
        };
        let Some(label) = label else {
            return Ok(pb::ListRatingsResponse::default());
        };
        let Some(version) = ratings::latest_version(&mut conn, &label).await? else {
            return Ok(pb::ListRatingsResponse {
                period: input.period.map(Period::encode),
                ..Default::default()
            });
        };
        let (offset, size) = (input.offset, input.size);
        let rows =
            ratings::leaderboard(&mut conn, &label, version, &input.filter(), offset, size).await?;
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
    }

    pub(crate) async fn get_rating_history(
        &self,
        req: pb::GetRatingHistoryRequest,
    ) -> Result<pb::GetRatingHistoryResponse, ApiError> {
        let input = HistoryInput::try_from(req)?;
        let HistoryInput {
            center,
            size,
            offset,
            include_superseded,
        } = input;
        let key = format!("history:{center}:{include_superseded}:{offset}:{size}");
        self.cached(key, || async {
            let mut conn = self.conn().await?;
            let rows =
                ratings::history(&mut conn, center, include_superseded, offset, size).await?;
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
