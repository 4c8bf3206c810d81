//! The four services as the portal reaches them: each call carries the signed-in person's own
//! token (or none, for the public pages), the trace context and the configured deadline, so
//! every service decides for itself what the person may see or do.

use onaltu_client::ClientSettings;
use onaltu_proto::feedback::feedback_service_client::FeedbackServiceClient;
use onaltu_proto::rating::rating_service_client::RatingServiceClient;
use onaltu_proto::registry::registry_service_client::RegistryServiceClient;
use onaltu_proto::transport::transport_service_client::TransportServiceClient;
use tonic::metadata::{Ascii, MetadataValue};
use tonic::service::interceptor::InterceptedService;
use tonic::transport::Channel;

use crate::settings::Settings;

/// Stamps a call with the person's token (when signed in) and the trace context.
#[derive(Clone)]
pub struct Bearer(Option<MetadataValue<Ascii>>);

impl tonic::service::Interceptor for Bearer {
    fn call(&mut self, request: tonic::Request<()>) -> Result<tonic::Request<()>, tonic::Status> {
        let mut request = onaltu_client::traced(request)?;
        if let Some(value) = &self.0 {
            request
                .metadata_mut()
                .insert("authorization", value.clone());
        }
        Ok(request)
    }
}

type Stamped = InterceptedService<Channel, Bearer>;

/// One service: its channel and how patiently it is called.
#[derive(Clone)]
struct Upstream {
    channel: Channel,
    settings: ClientSettings,
}

impl Upstream {
    fn new(name: &str, settings: &ClientSettings) -> Result<Self, String> {
        Ok(Self {
            channel: settings.channel(name)?,
            settings: settings.clone(),
        })
    }
}

/// The four services.
#[derive(Clone)]
pub struct Backend {
    registry: Upstream,
    feedback: Upstream,
    rating: Upstream,
    transport: Upstream,
}

impl Backend {
    /// Channels to every service, connected on first use.
    pub fn new(settings: &Settings) -> Result<Self, String> {
        Ok(Self {
            registry: Upstream::new("registry", &settings.registry)?,
            feedback: Upstream::new("feedback", &settings.feedback)?,
            rating: Upstream::new("rating", &settings.rating)?,
            transport: Upstream::new("transport", &settings.transport)?,
        })
    }

    fn bearer(token: Option<&str>) -> Bearer {
        Bearer(token.and_then(|t| format!("Bearer {t}").parse().ok()))
    }

    /// The registry, as `token`'s holder (None: anonymous).
    pub fn registry(&self, token: Option<&str>) -> RegistryServiceClient<Stamped> {
        RegistryServiceClient::with_interceptor(self.registry.channel.clone(), Self::bearer(token))
    }

    /// The feedback service, as `token`'s holder.
    pub fn feedback(&self, token: Option<&str>) -> FeedbackServiceClient<Stamped> {
        FeedbackServiceClient::with_interceptor(self.feedback.channel.clone(), Self::bearer(token))
    }

    /// The rating service, as `token`'s holder.
    pub fn rating(&self, token: Option<&str>) -> RatingServiceClient<Stamped> {
        RatingServiceClient::with_interceptor(self.rating.channel.clone(), Self::bearer(token))
    }

    /// The transport service, as `token`'s holder.
    pub fn transport(&self, token: Option<&str>) -> TransportServiceClient<Stamped> {
        TransportServiceClient::with_interceptor(
            self.transport.channel.clone(),
            Self::bearer(token),
        )
    }

    /// A request for `message` with the registry's deadline.
    pub fn to_registry<T>(&self, message: T) -> tonic::Request<T> {
        self.registry.settings.request(message)
    }

    /// A request for `message` with the feedback service's deadline.
    pub fn to_feedback<T>(&self, message: T) -> tonic::Request<T> {
        self.feedback.settings.request(message)
    }

    /// A request for `message` with the rating service's deadline.
    pub fn to_rating<T>(&self, message: T) -> tonic::Request<T> {
        self.rating.settings.request(message)
    }

    /// A request for `message` with the transport service's deadline.
    pub fn to_transport<T>(&self, message: T) -> tonic::Request<T> {
        self.transport.settings.request(message)
    }
}
