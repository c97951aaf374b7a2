//! podwiz: run Podman inside Kubernetes and OpenShift pods, with the security price spelled out.
//!
//! Layers, imports pointing one way: `scenario` (pure domain) → `security` (pure assessment) →
//! `render` (pure text), `save` (writes a saved bundle) and `cluster` (kube client, async) →
//! the front doors: `cli`, `commands` and `tui` (wizard). No front door calls another.
pub mod cli;
pub mod cluster;
pub mod commands;
pub mod exit;
pub mod manifest;
pub mod render;
pub mod save;
pub mod scenario;
pub mod security;
pub mod tui;
