//! The naming rules Kubernetes and container registries apply, worded like the API server words them.

const SUBDOMAIN_RULE: &str = "must be a lowercase RFC 1123 subdomain: lower case alphanumeric characters, '-' or '.', starting and ending with an alphanumeric character, at most 253 characters";
const LABEL_RULE: &str = "must be a lowercase RFC 1123 label: lower case alphanumeric characters or '-', starting and ending with an alphanumeric character, at most 63 characters";

fn is_label(s: &str, max: usize) -> bool {
    let bytes = s.as_bytes();
    !bytes.is_empty()
        && bytes.len() <= max
        && bytes
            .iter()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || *b == b'-')
        && bytes[0].is_ascii_alphanumeric()
        && bytes[bytes.len() - 1].is_ascii_alphanumeric()
}

/// Object names such as Pods, ServiceAccounts and PVCs.
pub fn dns1123_subdomain(s: &str) -> Result<(), String> {
    if s.len() <= 253 && s.split('.').all(|part| is_label(part, 63)) {
        Ok(())
    } else {
        Err(SUBDOMAIN_RULE.to_string())
    }
}

/// Namespace names.
pub fn dns1123_label(s: &str) -> Result<(), String> {
    if is_label(s, 63) {
        Ok(())
    } else {
        Err(LABEL_RULE.to_string())
    }
}

/// A capability as Kubernetes compares them: `SYS_ADMIN`, `CAP_SYS_ADMIN`, `cap_sys_admin` →
/// `SYS_ADMIN`.
pub fn normalize_capability(cap: &str) -> String {
    let upper = cap.trim().to_ascii_uppercase();
    match upper.strip_prefix("CAP_") {
        Some(rest) => rest.to_string(),
        None => upper,
    }
}

/// An AppArmor profile name for `appArmorProfile.localhostProfile`, also used as the file name
/// under /etc/apparmor.d on the nodes: letters, digits, '.', '_' and '-', 1 to 253 characters,
/// not starting with '.' or '-' (no path, nothing a shell or the profile syntax reads specially).
pub fn apparmor_profile(name: &str) -> Result<(), String> {
    let ok = !name.is_empty()
        && name.len() <= 253
        && !name.starts_with(['.', '-'])
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b));
    if ok {
        Ok(())
    } else {
        Err("must be 1-253 letters, digits, '.', '_' or '-', not starting with '.' or '-'".into())
    }
}

/// A node path for a hostPath volume: absolute, normal components only.
pub fn host_path(path: &str) -> Result<(), String> {
    if !path.starts_with('/') {
        return Err("the path must be absolute".into());
    }
    if path.split('/').any(|part| part == "..") {
        return Err("the path must not contain '..'".into());
    }
    if path.chars().any(|c| c.is_control()) {
        return Err("the path must not contain control characters".into());
    }
    Ok(())
}

/// An image reference as the distribution grammar (`distribution/reference`) accepts it:
/// `[host[:port]/]path[:tag][@digest]`, lowercase path components.
pub fn image_reference(reference: &str) -> Result<(), String> {
    let fail = |why: &str| {
        Err(format!(
            "not an image reference ({why}); e.g. quay.io/podman/stable:v5.6"
        ))
    };
    if reference.is_empty() {
        return fail("empty");
    }
    if reference.len() > 255 + 128 + 72 {
        return fail("too long");
    }
    let (name_and_tag, digest) = match reference.split_once('@') {
        Some((name, digest)) => (name, Some(digest)),
        None => (reference, None),
    };
    if let Some(digest) = digest {
        let valid = digest.split_once(':').is_some_and(|(algorithm, hex)| {
            !algorithm.is_empty()
                && algorithm
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "+.-_".contains(c))
                && hex.len() >= 32
                && hex.chars().all(|c| c.is_ascii_hexdigit())
        });
        if !valid {
            return fail("bad digest, expected algorithm:hex");
        }
    }
    // A tag follows the last ':' only if no '/' comes after it (else it is a registry port).
    let (name, tag) = match name_and_tag.rsplit_once(':') {
        Some((name, tag)) if !tag.contains('/') => (name, Some(tag)),
        _ => (name_and_tag, None),
    };
    if let Some(tag) = tag {
        let valid = !tag.is_empty()
            && tag.len() <= 128
            && tag
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "_.-".contains(c))
            && tag
                .chars()
                .next()
                .is_some_and(|c| c.is_ascii_alphanumeric() || c == '_');
        if !valid {
            return fail(
                "bad tag: letters, digits, '_', '.', '-', at most 128, not starting with '.' or '-'",
            );
        }
    }
    let mut components: Vec<&str> = name.split('/').collect();
    if components.len() > 1 {
        let first = components[0];
        let looks_like_host = first.contains('.') || first.contains(':') || first == "localhost";
        if looks_like_host {
            let (host, port) = match first.rsplit_once(':') {
                Some((host, port)) => (host, Some(port)),
                None => (first, None),
            };
            let host_ok = !host.is_empty()
                && host.split('.').all(|part| {
                    !part.is_empty()
                        && part.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
                        && !part.starts_with('-')
                        && !part.ends_with('-')
                });
            if !host_ok
                || port.is_some_and(|p| p.is_empty() || !p.chars().all(|c| c.is_ascii_digit()))
            {
                return fail("bad registry host");
            }
            components.remove(0);
        }
    }
    for component in components {
        if !path_component(component) {
            return fail(
                "path components are lowercase letters and digits, separated by '.', '_', '__' or '-'",
            );
        }
    }
    Ok(())
}

fn path_component(component: &str) -> bool {
    let bytes = component.as_bytes();
    if bytes.is_empty()
        || !bytes[0].is_ascii_alphanumeric()
        || !bytes[bytes.len() - 1].is_ascii_alphanumeric()
    {
        return false;
    }
    if !bytes
        .iter()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._-".contains(b))
    {
        return false;
    }
    // Separators: one '.', one or two '_', or any run of '-'.
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i].is_ascii_alphanumeric() {
            i += 1;
            continue;
        }
        let start = i;
        while i < bytes.len() && !bytes[i].is_ascii_alphanumeric() {
            i += 1;
        }
        let separator = &component[start..i];
        let ok = separator == "."
            || separator == "_"
            || separator == "__"
            || separator.bytes().all(|b| b == b'-');
        if !ok {
            return false;
        }
    }
    true
}

/// A CronJob schedule as the API server accepts it (robfig/cron standard parser): five fields
/// (minute, hour, day of month, month, day of week) of digits, names, `*`, `?`, `/`, `,` and
/// `-`, or one of the `@` macros. An optional `CRON_TZ=`/`TZ=` prefix is rejected, as the API
/// server does since 1.27 (use `spec.timeZone`). Ranges are not checked here; the server does.
pub fn cron_schedule(schedule: &str) -> Result<(), String> {
    const MACROS: [&str; 8] = [
        "@yearly",
        "@annually",
        "@monthly",
        "@weekly",
        "@daily",
        "@midnight",
        "@hourly",
        "@every",
    ];
    let schedule = schedule.trim();
    if schedule.starts_with("TZ=") || schedule.starts_with("CRON_TZ=") {
        return Err(
            "a time zone in the schedule is not allowed; the CronJob's spec.timeZone sets it"
                .into(),
        );
    }
    if let Some(word) = schedule
        .split_whitespace()
        .next()
        .filter(|w| w.starts_with('@'))
    {
        return if MACROS.contains(&word)
            && (word == "@every") == (schedule.split_whitespace().count() == 2)
        {
            Ok(())
        } else {
            Err(format!(
                "must be five cron fields or one of {}",
                MACROS.join(", ")
            ))
        };
    }
    let fields: Vec<&str> = schedule.split_whitespace().collect();
    let valid = |f: &&str| {
        f.chars()
            .all(|c| c.is_ascii_alphanumeric() || "*?/,-".contains(c))
    };
    if fields.len() == 5 && fields.iter().all(valid) {
        Ok(())
    } else {
        Err("must be five cron fields: minute hour day-of-month month day-of-week (e.g. '0 3 * * *')".into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert!(dns1123_subdomain("podman-priv").is_ok());
        assert!(dns1123_subdomain("a.b-c.d").is_ok());
        for bad in [
            "",
            "Podman",
            "-x",
            "x-",
            "a..b",
            "a_b",
            "yes please",
            &"a".repeat(254),
        ] {
            assert!(dns1123_subdomain(bad).is_err(), "{bad}");
        }
        assert!(dns1123_label("ci-builds").is_ok());
        assert!(dns1123_label("a.b").is_err());
        assert!(dns1123_label(&"a".repeat(64)).is_err());
    }

    #[test]
    fn images() {
        for good in [
            "quay.io/podman/stable",
            "quay.io/podman/stable:v5.6.1",
            "localhost:5000/podman",
            "podman",
            "docker.io/library/fedora:42",
            "registry.example.com/a/b__c/d-e.f:latest",
            "quay.io/containers/podman@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
        ] {
            assert!(image_reference(good).is_ok(), "{good}");
        }
        for bad in [
            "",
            "Quay.io/Podman",
            "quay.io/podman/stable:",
            "quay.io//stable",
            "img:-x",
            "a b",
            "x@sha256:zz",
            "img:yes\nno",
        ] {
            assert!(image_reference(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn host_paths() {
        assert!(host_path("/var/lib/podman").is_ok());
        assert_eq!(host_path("var"), Err("the path must be absolute".into()));
        assert!(host_path("/a/../b").is_err());
        assert!(host_path("/a\nb").is_err());
    }
}
