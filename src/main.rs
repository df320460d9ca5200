//! The `call-insights` binary.

use std::process::ExitCode;

use clap::Parser;

use call_insights::cli::{Cli, Command, JobsCommand};
use call_insights::commands;

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Serve => {
            call_insights::telemetry::init("info,sqlx=warn");
            commands::serve::run().await
        }
        Command::Analyze { file, json, title } => {
            call_insights::telemetry::init("warn");
            commands::analyze::run(&file, json, title).await
        }
        Command::Jobs {
            command: JobsCommand::Reap,
        } => {
            call_insights::telemetry::init("warn");
            commands::jobs::reap().await
        }
    };

    match result {
        Ok(code) => code,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}
