//! call-insights: durable call transcription and AI insights jobs served over
//! the Inngest serve protocol.

pub mod analyzer;
pub mod providers;
pub mod store;
pub mod transcriber;
pub mod transcript;
pub mod vendor;
