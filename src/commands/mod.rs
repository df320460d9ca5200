//! The subcommands of the binary.

pub mod analyze;
pub mod jobs;
pub mod serve;
