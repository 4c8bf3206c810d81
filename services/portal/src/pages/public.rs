//! The public pages, no sign-in: centres by region with their current rating, a centre's page
//! (contacts, the rating explained line by line, its history, the feedback summary and the
//! published evaluations with the centre's replies), and the methodology.

use axum::Router;
use axum::extract::{Query, State};
use axum::response::Response;
use axum::routing::get;
use onaltu_proto::registry as reg;
use serde::Deserialize;

use crate::web::{AppState, Ctx, Layout, PageError, render, see_other};

/// Public routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(|| async { see_other("/centres") }))
        .route("/centres", get(centres))
}

/// The centres list's filters, as the query string carries them.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct CentresQuery {
    /// Region code (ISO 3166-2:KZ).
    pub region: String,
    /// Name search.
    pub q: String,
}

/// A centre as the list shows it.
#[derive(Debug, Clone)]
pub struct CentreRow {
    /// Its id.
    pub id: String,
    /// Its name in the page's language (Kazakh or Russian, whichever exists).
    pub name: String,
}

#[derive(askama::Template)]
#[template(path = "centres.html")]
struct CentresPage {
    page: Layout,
    query: CentresQuery,
    centres: Vec<CentreRow>,
    total: i64,
}

async fn centres(
    ctx: Ctx,
    State(state): State<AppState>,
    Query(query): Query<CentresQuery>,
) -> Response {
    let result = async {
        let response = state
            .backend
            .registry(ctx.token())
            .list_centers(state.backend.to_registry(reg::ListCentersRequest {
                page_size: 50,
                region_code: query.region.clone(),
                name_query: query.q.clone(),
                ..Default::default()
            }))
            .await
            .map_err(|s| PageError::from_status(&s))?
            .into_inner();
        let centres = response
            .centers
            .into_iter()
            .map(|c| CentreRow {
                id: c.id.clone(),
                name: crate::domain::text::localized(c.name.as_ref(), ctx.lang),
            })
            .collect();
        Ok(render(&CentresPage {
            page: ctx.page(ctx.tr().t("centres-title")),
            query,
            centres,
            total: response.total_size,
        }))
    }
    .await;
    ctx.answer(result)
}
