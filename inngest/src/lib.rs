//! The Inngest serve protocol for Rust.

pub mod ids;
