//! Manifests people already run: read YAML or JSON the way kubectl does and find every pod
//! template in it. Pure: bytes in, typed objects out; no file, network or terminal I/O here
//! (the front doors read files and standard input, the cluster layer fetches live objects).
//!
//! Entry point: [`read_manifests`]. Each pod template comes back as a [`Workload`] (a typed
//! k8s-openapi object plus where its template sits); every other object is a [`Skipped`] with the
//! reason.

mod read;
mod workload;

pub use read::{MAX_INPUT_BYTES, Manifests, ReadError, Skipped, read_manifests, value_to_workload};
pub use workload::{Workload, WorkloadKind};
