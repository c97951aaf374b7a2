//! The cluster layer: kube context loading, a client that keeps API warnings, errors a user can
//! act on, and `doctor` (what works on this cluster). Async; nothing here blocks a UI thread
//! except [`context::load`], which only reads local files.

pub mod admission;
pub mod advice;
pub mod apply;
pub mod client;
pub mod context;
pub mod credentials;
pub mod doctor;
pub mod error;
pub mod fetch;
pub mod transport;
pub mod verify;
pub mod warnings;

pub use client::{Connection, connect};
pub use context::{ContextInfo, load};
pub use error::ClusterError;
pub use warnings::WarningLog;
