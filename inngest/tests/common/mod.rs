//! Helpers shared by the integration tests of the `inngest` crate.

#![allow(dead_code, unreachable_pub)]

pub mod fake_api;
pub mod lab;
pub mod peer;
pub mod vectors;
