//! [`InsightsStore`] for [`Store`], so the functions can use it.

use async_trait::async_trait;
use functions::domain::{CallId, JobId, JobStage, Transcript};
use functions::insights::Insights;
use functions::ports::{BoxError, InsightsStore, StoreError, Transition};

use super::{Error, Store};

/// Boxes a store error, turning a missing call into the
/// [`StoreError::CallNotFound`] that the functions look for.
fn into_port_error(error: Error) -> BoxError {
    match error {
        Error::CallNotFound(call_id) => Box::new(StoreError::CallNotFound(call_id)),
        other => Box::new(other),
    }
}

#[async_trait]
impl InsightsStore for Store {
    async fn start_job(
        &self,
        job_id: &JobId,
        call_id: &CallId,
        run_id: &str,
        stage: JobStage,
    ) -> Result<Transition, BoxError> {
        Store::start_job(self, job_id, call_id, run_id, stage)
            .await
            .map_err(into_port_error)
    }

    async fn set_stage(&self, job_id: &JobId, stage: JobStage) -> Result<Transition, BoxError> {
        Store::set_stage(self, job_id, stage)
            .await
            .map_err(into_port_error)
    }

    async fn load_transcript(&self, call_id: &CallId) -> Result<Option<Transcript>, BoxError> {
        self.load_call_transcript(call_id)
            .await
            .map_err(into_port_error)
    }

    async fn save_insights(
        &self,
        job_id: &JobId,
        call_id: &CallId,
        insights: &Insights,
    ) -> Result<Transition, BoxError> {
        Store::save_insights(self, job_id, call_id, insights)
            .await
            .map_err(into_port_error)
    }

    async fn fail_job(&self, job_id: &JobId, message: &str) -> Result<Transition, BoxError> {
        Store::fail_job(self, job_id, message)
            .await
            .map_err(into_port_error)
    }
}

#[async_trait]
impl functions::ports::TranscriptionStore for Store {
    async fn media_source(
        &self,
        call_id: &CallId,
    ) -> Result<functions::ports::MediaSource, BoxError> {
        let call = self
            .get_call(call_id)
            .await
            .map_err(into_port_error)?
            .ok_or_else(|| into_port_error(Error::CallNotFound(call_id.clone())))?;
        Ok(functions::ports::MediaSource {
            recording_url: call.recording_url,
            transcript_source: call.transcript_source,
            transcript_format: call.transcript_format,
        })
    }

    async fn save_draft_transcript(
        &self,
        call_id: &CallId,
        transcript: &Transcript,
        provider: &str,
    ) -> Result<(), BoxError> {
        self.save_transcript(call_id, transcript, provider, false)
            .await
            .map(|_| ())
            .map_err(into_port_error)
    }

    async fn fail_transcription(
        &self,
        call_id: &CallId,
        message: &str,
    ) -> Result<Transition, BoxError> {
        let active = self
            .create_or_get_active_job(call_id)
            .await
            .map_err(into_port_error)?;
        Store::fail_job(self, &active.job.id, message)
            .await
            .map_err(into_port_error)
    }

    async fn finalize_transcript(&self, call_id: &CallId) -> Result<JobId, BoxError> {
        self.mark_transcript_final(call_id)
            .await
            .map_err(into_port_error)?;
        let active = self
            .create_or_get_active_job(call_id)
            .await
            .map_err(into_port_error)?;
        Ok(active.job.id)
    }
}
