//! The pure domain: six ways to run Podman in a pod, their options, and the bundle each produces.
//! No terminal, no network, no file I/O here.

mod build;
mod bundle;
mod mode;
pub mod options;
pub mod rewrite;
pub mod validate;
pub mod workload;

pub use build::{
    CRIO_DEVICES_ANNOTATION, CRIO_USERNS_ANNOTATION, FUSE_DEVICE_PLUGIN_IMAGE,
    GENERIC_DEVICE_PLUGIN_IMAGE, ROOTFUL_CAPS, ROOTFUL_STORAGE, ROOTLESS_STORAGE, ROOTLESS_UID,
    apparmor_profile, build, fuse_device_plugin, generic_device_plugin, shell_quote,
};
pub use bundle::{Bundle, HostFile, HostStep, NodeScope, Object, UsageHint};
pub use mode::{Mode, UnknownMode};
pub use options::{
    Apparmor, Fuse, Kind, OptionError, Options, Platform, Resolved, Selinux, Storage, Userns,
    UsernsShape,
};
