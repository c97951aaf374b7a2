//! podwiz: run Podman inside Kubernetes and OpenShift pods, with the security price spelled out.
//!
//! Layers: `scenario` (pure domain) → `security` (pure assessment) → `render` (pure text) →
//! `cluster` (kube client, async) and `tui` (wizard); `cli` and `commands` are the front door.
pub mod cli;
pub mod cluster;
pub mod commands;
pub mod exit;
pub mod manifest;
pub mod render;
pub mod scenario;
pub mod security;
pub mod tui;
