//! The gRPC handlers of `onaltu.feedback.v1.FeedbackService`: decode, authorise, call the
//! domain and the store, map errors to `Status` in one place (`onaltu_errors`).

pub mod complaints;
pub mod convert;
pub mod decode;
pub mod evaluations;
pub mod moderation;
pub mod roles;
pub mod summary;

use std::sync::Arc;

use onaltu_api::{Ctx, reply};
use onaltu_cache::Cache;
use onaltu_db::{Connection, Pool};
use onaltu_errors::ApiError;
use onaltu_proto::feedback as pb;
use onaltu_proto::feedback::feedback_service_server::FeedbackService;
use tonic::{Request, Response, Status};

use crate::clients::registry::RegistryClient;
use crate::domain::calendar::WorkCalendar;
use crate::settings::ReportSettings;

/// The feedback service's handlers and what they share.
#[derive(Clone)]
pub struct Feedback {
    pub(crate) pool: Pool,
    pub(crate) cache: Cache,
    pub(crate) registry: RegistryClient,
    pub(crate) calendar: Arc<WorkCalendar>,
    pub(crate) deadline_working_days: u32,
    pub(crate) reports: ReportSettings,
}

impl Feedback {
    /// Handlers over `pool` and `cache`, asking `registry` about episodes, counting complaint
    /// deadlines in working days of `calendar`, weighing reports by `reports`.
    pub fn new(
        pool: Pool,
        cache: Cache,
        registry: RegistryClient,
        calendar: WorkCalendar,
        deadline_working_days: u32,
        reports: ReportSettings,
    ) -> Self {
        Self {
            pool,
            cache,
            registry,
            calendar: Arc::new(calendar),
            deadline_working_days,
            reports,
        }
    }

    pub(crate) async fn conn(&self) -> Result<Connection, ApiError> {
        onaltu_db::connection(&self.pool).await
    }
}

#[tonic::async_trait]
impl FeedbackService for Feedback {
    async fn submit_evaluation(
        &self,
        r: Request<pb::SubmitEvaluationRequest>,
    ) -> Result<Response<pb::SubmitEvaluationResponse>, Status> {
        let ctx = Ctx::of(&r);
        reply(self.submit_evaluation(&ctx, r.into_inner()).await)
    }
    async fn update_evaluation(
        &self,
        r: Request<pb::UpdateEvaluationRequest>,
    ) -> Result<Response<pb::UpdateEvaluationResponse>, Status> {
        let ctx = Ctx::of(&r);
        reply(self.update_evaluation(&ctx, r.into_inner()).await)
    }
    async fn get_evaluation(
        &self,
        r: Request<pb::GetEvaluationRequest>,
    ) -> Result<Response<pb::GetEvaluationResponse>, Status> {
        let ctx = Ctx::of(&r);
        reply(self.get_evaluation(&ctx, r.into_inner()).await)
    }
    async fn list_evaluations(
        &self,
        r: Request<pb::ListEvaluationsRequest>,
    ) -> Result<Response<pb::ListEvaluationsResponse>, Status> {
        let ctx = Ctx::of(&r);
        reply(self.list_evaluations(&ctx, r.into_inner()).await)
    }
    async fn moderate_evaluation(
        &self,
        r: Request<pb::ModerateEvaluationRequest>,
    ) -> Result<Response<pb::ModerateEvaluationResponse>, Status> {
        let ctx = Ctx::of(&r);
        reply(self.moderate_evaluation(&ctx, r.into_inner()).await)
    }
    async fn reply_to_evaluation(
        &self,
        r: Request<pb::ReplyToEvaluationRequest>,
    ) -> Result<Response<pb::ReplyToEvaluationResponse>, Status> {
        let ctx = Ctx::of(&r);
        reply(self.reply_to_evaluation(&ctx, r.into_inner()).await)
    }
    async fn report_evaluation(
        &self,
        r: Request<pb::ReportEvaluationRequest>,
    ) -> Result<Response<pb::ReportEvaluationResponse>, Status> {
        let ctx = Ctx::of(&r);
        reply(self.report_evaluation(&ctx, r.into_inner()).await)
    }
    async fn list_complaints(
        &self,
        r: Request<pb::ListComplaintsRequest>,
    ) -> Result<Response<pb::ListComplaintsResponse>, Status> {
        let ctx = Ctx::of(&r);
        reply(self.list_complaints(&ctx, r.into_inner()).await)
    }
    async fn update_complaint(
        &self,
        r: Request<pb::UpdateComplaintRequest>,
    ) -> Result<Response<pb::UpdateComplaintResponse>, Status> {
        let ctx = Ctx::of(&r);
        reply(self.update_complaint(&ctx, r.into_inner()).await)
    }
    async fn get_center_feedback_summary(
        &self,
        r: Request<pb::GetCenterFeedbackSummaryRequest>,
    ) -> Result<Response<pb::GetCenterFeedbackSummaryResponse>, Status> {
        reply(self.get_center_feedback_summary(r.into_inner()).await)
    }
}
