//! call-insights: durable call transcription and AI insights jobs served over
//! the Inngest serve protocol.

pub mod analyzer;
pub mod executor_store;
pub mod store;
pub mod transcript;
