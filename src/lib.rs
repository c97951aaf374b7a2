//! podwiz: run Podman inside Kubernetes and OpenShift pods, with the security price spelled out.
pub mod scenario;
pub mod security;
