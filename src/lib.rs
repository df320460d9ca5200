//! call-insights: durable call transcription and AI insights jobs served over
//! the Inngest serve protocol.

pub mod analyzer;
pub mod api;
pub mod cli;
pub mod commands;
pub mod config;
pub mod executor_store;
pub mod local;
pub mod providers;
pub mod reaper;
pub mod render;
pub mod service;
pub mod store;
pub mod telemetry;
pub mod transcriber;
pub mod transcript;
pub mod vendor;
