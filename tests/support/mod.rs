//! Helpers shared by the integration tests. Each test file that needs them
//! declares `mod support;` and uses only some items, hence the `dead_code`
//! allowance.
#![allow(dead_code)]

pub(crate) mod pipeline;
pub(crate) mod postgres;
