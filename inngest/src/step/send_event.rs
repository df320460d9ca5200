//! `step.send_event`: sends events durably, once per run.

use serde::{Deserialize, Serialize};

use super::Step;
use super::run::RunOptions;
use crate::error::Error;
use crate::wire::Event;

/// Output of a send-event step.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SentEvents {
    /// Event ids in input order.
    pub ids: Vec<String>,
}

impl Step {
    /// Sends events as a step: on replay the memoized ids are returned and
    /// nothing is sent again. Give each event a deterministic `id` to have
    /// Inngest drop duplicates even if the step itself is retried.
    ///
    /// # Errors
    /// The send error once the step's retries are exhausted, or an error when
    /// no event client is configured.
    pub async fn send_event(&self, id: &str, events: Vec<Event>) -> Result<Vec<String>, Error> {
        let client = self.shared().lock().client.clone();
        let options = RunOptions {
            id: id.to_owned(),
            display_name: None,
            kind: Some("step.sendEvent"),
        };

        let sent: SentEvents = self
            .run_kind(options, || async move {
                let Some(client) = client else {
                    return Err(Error::non_retriable(
                        "no event client is configured for this handler; send_event needs the event API",
                    ));
                };
                let ids = client.send_many(events).await?;
                Ok(SentEvents { ids })
            })
            .await?;
        Ok(sent.ids)
    }
}
