//! Shared helpers for integration tests: `mod support;` in tests/*.rs.

pub mod control_plane;
