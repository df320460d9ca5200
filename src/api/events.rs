//! The destination of the API's events (the embedded executor in local
//! mode, the Inngest event API in dev and cloud mode) and the builders of
//! the two events, which routes and the schema tests share.

use functions::domain::{CallId, JobId};
use functions::generate_insights;
use functions::transcribe_call;
use inngest::Event;
use inngest::client::{EventClient, SendError};
use inngest::executor::{Executor, ExecutorError};

use crate::service::Service;

/// The destination of the events the API sends.
#[derive(Clone)]
pub enum EventSink {
    /// The embedded executor of this process (local mode).
    Local(Executor),
    /// Inngest's event API through the serve handler's client (dev and cloud mode).
    Inngest(EventClient),
}

/// A failure to send an event.
#[derive(Debug, thiserror::Error)]
pub enum SinkError {
    #[error("the local executor rejected the event")]
    Executor(#[source] ExecutorError),
    #[error("the Inngest event API did not accept the event")]
    Inngest(#[source] SendError),
}

impl EventSink {
    /// Picks the sink of a service: its executor when it has one, its serve
    /// handler's event client otherwise.
    pub fn for_service(service: &Service) -> Self {
        match &service.executor {
            Some(executor) => Self::Local(executor.clone()),
            None => Self::Inngest(service.handler.event_client().clone()),
        }
    }

    /// Sends one event. An event whose id was sent within the last 24 hours
    /// is accepted again but starts no second run, both here and in Inngest.
    ///
    /// # Errors
    /// [`SinkError`] when the executor or the event API rejects the event.
    pub async fn send(&self, event: Event) -> Result<(), SinkError> {
        match self {
            Self::Local(executor) => executor
                .send(vec![event])
                .await
                .map(drop)
                .map_err(SinkError::Executor),
            Self::Inngest(client) => client
                .send(event)
                .await
                .map(drop)
                .map_err(SinkError::Inngest),
        }
    }
}

/// Builds the `calls/uploaded` event of a call's job.
pub fn call_uploaded(call_id: &CallId, job_id: &JobId) -> Event {
    transcribe_call::uploaded_event(call_id, job_id)
}

/// Builds the `insights/start` event of a job.
pub fn insights_start(job_id: &JobId, call_id: &CallId) -> Event {
    generate_insights::start_event(job_id, call_id)
}
