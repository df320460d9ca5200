//! Command-line interface.

use std::path::PathBuf;

use clap::{Parser, Subcommand};

/// Durable call transcription and AI insights jobs over the Inngest serve protocol.
#[derive(Debug, Parser)]
#[command(name = "call-insights", version, about)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

/// What to do.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the HTTP service: the Inngest serve endpoint at /api/inngest and,
    /// with no Inngest configured, the embedded executor.
    Serve,
    /// Import a transcript, run an insights job on it end to end, and print the insights.
    Analyze {
        /// Transcript file: QMSum meeting JSON, `Speaker: text` lines, WebVTT, SRT or JSON segments.
        file: PathBuf,
        /// Print exactly the saved insights object as JSON on stdout.
        #[arg(long)]
        json: bool,
        /// Title of the call; the file name when absent.
        #[arg(long)]
        title: Option<String>,
    },
    /// Manage insights jobs.
    Jobs {
        #[command(subcommand)]
        command: JobsCommand,
    },
}

/// Subcommands for insights jobs.
#[derive(Debug, Subcommand)]
pub enum JobsCommand {
    /// Fail every job in `processing` for longer than STALE_JOB_AFTER_SECS
    /// whose run is gone, once, and print the jobs it failed.
    Reap,
}
