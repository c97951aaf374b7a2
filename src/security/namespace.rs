//! The bundle as the front doors write and apply it: scenario's objects, with the Namespace (when
//! the bundle creates one) labelled for the Pod Security level its pod needs. This lives here, not
//! in `scenario`, because the level is the security layer's knowledge (layers point one way).

use std::collections::BTreeMap;

use super::pss::{self, PolicyVersion};
use crate::scenario::{self, Bundle, Mode, OptionError, Options};

/// The Pod Security labels podwiz puts on a namespace it creates.
pub const ENFORCE: &str = "pod-security.kubernetes.io/enforce";
pub const ENFORCE_VERSION: &str = "pod-security.kubernetes.io/enforce-version";
pub const WARN: &str = "pod-security.kubernetes.io/warn";
pub const WARN_VERSION: &str = "pod-security.kubernetes.io/warn-version";

/// Build the bundle for `mode` with `options` and label its Namespace at the newest policy.
///
/// Errors: the first option that breaks a rule ([`OptionError`]).
pub fn build(mode: Mode, options: &Options) -> Result<Bundle, OptionError> {
    build_at(mode, options, PolicyVersion::Latest)
}

/// [`build`], labelling the Namespace for Pod Security policy `version` (`--policy-version`).
pub fn build_at(
    mode: Mode,
    options: &Options,
    version: PolicyVersion,
) -> Result<Bundle, OptionError> {
    let mut bundle = scenario::build(mode, options)?;
    label_namespace(&mut bundle, version);
    Ok(bundle)
}

/// Label the bundle's Namespace so Pod Security enforces exactly the level its pod needs at
/// `version`, and warns about anything beyond restricted. No-op without a Namespace.
pub fn label_namespace(bundle: &mut Bundle, version: PolicyVersion) {
    let level = pss::evaluate_pod(&bundle.pod, version).level;
    let Some(namespace) = bundle.namespace.as_mut() else {
        return;
    };
    let labels = namespace.metadata.labels.get_or_insert_with(BTreeMap::new);
    let version = version.to_string();
    for (key, value) in [
        (ENFORCE, level.as_str()),
        (ENFORCE_VERSION, version.as_str()),
        (WARN, "restricted"),
        (WARN_VERSION, version.as_str()),
    ] {
        labels.insert(key.to_string(), value.to_string());
    }
}
