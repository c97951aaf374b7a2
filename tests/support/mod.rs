//! Shared helpers for integration tests: `mod support;` in tests/*.rs.

pub mod cluster_fixtures;
pub mod control_plane;
pub mod delay_proxy;
pub mod node;
