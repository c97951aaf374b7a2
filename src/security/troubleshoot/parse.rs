//! What one error line says: the operation that failed (mount, unshare, a cgroup...), the errno
//! it failed with, and for a mount its flags, decoded.

use serde::Serialize;

/// An errno, from the C library's message for it (`strerror`) or its name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Errno {
    /// `EACCES`, `EPERM`...
    pub name: &'static str,
    /// The message the C library prints for it.
    pub text: &'static str,
}

/// glibc's `strerror` texts of the errnos the catalogue tells apart (errno(3), asm-generic/errno-base.h).
const ERRNOS: [Errno; 10] = [
    Errno {
        name: "EPERM",
        text: "Operation not permitted",
    },
    Errno {
        name: "EACCES",
        text: "Permission denied",
    },
    Errno {
        name: "ENOENT",
        text: "No such file or directory",
    },
    Errno {
        name: "ENODEV",
        text: "No such device",
    },
    Errno {
        name: "EROFS",
        text: "Read-only file system",
    },
    Errno {
        name: "EINVAL",
        text: "Invalid argument",
    },
    Errno {
        name: "EBUSY",
        text: "Device or resource busy",
    },
    Errno {
        name: "ENOSPC",
        text: "No space left on device",
    },
    Errno {
        name: "ENOSYS",
        text: "Function not implemented",
    },
    Errno {
        name: "EEXIST",
        text: "File exists",
    },
];

/// The errno names the parser knows (for the catalogue's `errno` lists and conditions).
pub fn errno_names() -> Vec<&'static str> {
    ERRNOS.iter().map(|e| e.name).collect()
}

/// Suffixes the OCI runtimes add after the real errno (`…: Permission denied: OCI permission
/// denied`); they restate a class, not the errno, and are dropped before reading it.
const RUNTIME_SUFFIXES: [&str; 4] = [
    "oci permission denied",
    "oci runtime permission denied error",
    "oci runtime error",
    "oci not found",
];

/// The errno of a line: the last errno text or name in it (Go wraps errors outer first, so the
/// cause comes last), ignoring the runtimes' class suffixes.
pub fn errno_of(line: &str) -> Option<Errno> {
    let mut lower = line.to_ascii_lowercase();
    for suffix in RUNTIME_SUFFIXES {
        while let Some(at) = lower.find(suffix) {
            lower.replace_range(at..at + suffix.len(), "");
        }
    }
    let mut best: Option<(usize, Errno)> = None;
    for errno in ERRNOS {
        let at = [
            errno.text.to_ascii_lowercase(),
            errno.name.to_ascii_lowercase(),
        ]
        .iter()
        .filter_map(|needle| word_rfind(&lower, needle))
        .max();
        if let Some(at) = at
            && best.is_none_or(|(b, _)| at > b)
        {
            best = Some((at, errno));
        }
    }
    best.map(|(_, e)| e)
}

/// Last position of `needle` in `hay` as whole words.
fn word_rfind(hay: &str, needle: &str) -> Option<usize> {
    let bytes = hay.as_bytes();
    let mut end = hay.len();
    while let Some(at) = hay[..end].rfind(needle) {
        let before = at.checked_sub(1).map(|i| bytes[i]);
        let after = bytes.get(at + needle.len()).copied();
        let boundary = |b: Option<u8>| b.is_none_or(|b| !b.is_ascii_alphanumeric() && b != b'_');
        if boundary(before) && boundary(after) {
            return Some(at);
        }
        end = at;
    }
    None
}

/// Mount flags of `<linux/mount.h>` (include/uapi/linux/mount.h), low bit first.
const MOUNT_FLAGS: [(u64, &str); 26] = [
    (1, "MS_RDONLY"),
    (1 << 1, "MS_NOSUID"),
    (1 << 2, "MS_NODEV"),
    (1 << 3, "MS_NOEXEC"),
    (1 << 4, "MS_SYNCHRONOUS"),
    (1 << 5, "MS_REMOUNT"),
    (1 << 6, "MS_MANDLOCK"),
    (1 << 7, "MS_DIRSYNC"),
    (1 << 8, "MS_NOSYMFOLLOW"),
    (1 << 10, "MS_NOATIME"),
    (1 << 11, "MS_NODIRATIME"),
    (1 << 12, "MS_BIND"),
    (1 << 13, "MS_MOVE"),
    (1 << 14, "MS_REC"),
    (1 << 15, "MS_SILENT"),
    (1 << 16, "MS_POSIXACL"),
    (1 << 17, "MS_UNBINDABLE"),
    (1 << 18, "MS_PRIVATE"),
    (1 << 19, "MS_SLAVE"),
    (1 << 20, "MS_SHARED"),
    (1 << 21, "MS_RELATIME"),
    (1 << 22, "MS_KERNMOUNT"),
    (1 << 23, "MS_I_VERSION"),
    (1 << 24, "MS_STRICTATIME"),
    (1 << 25, "MS_LAZYTIME"),
    (1 << 30, "MS_ACTIVE"),
];

pub const MS_BIND: u64 = 1 << 12;

/// The names of the flags set in `flags`; unknown bits as `0x…`.
pub fn mount_flag_names(flags: u64) -> Vec<String> {
    let mut names = Vec::new();
    let mut rest = flags;
    for (bit, name) in MOUNT_FLAGS {
        if flags & bit != 0 {
            names.push(name.to_string());
            rest &= !bit;
        }
    }
    if rest != 0 {
        names.push(format!("{rest:#x}"));
    }
    names
}

/// Filesystem types whose mount makes a new superblock (not a bind of existing files).
const FILESYSTEMS: [&str; 16] = [
    "proc",
    "sysfs",
    "overlay",
    "tmpfs",
    "devpts",
    "mqueue",
    "cgroup",
    "cgroup2",
    "fuse",
    "fuse.fuse-overlayfs",
    "shm",
    "securityfs",
    "bpf",
    "devtmpfs",
    "binfmt_misc",
    "fusectl",
];

/// What one error line says.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Parsed {
    /// The operations the line names, as the catalogue's `op:` conditions name them: `mount`,
    /// `mount-fs` (a new filesystem), `mount-proc`, `mount-bind`, `unshare`, `cgroup`,
    /// `uid-map`, `open`.
    pub operations: Vec<&'static str>,
    pub errno: Option<Errno>,
    /// The filesystem type of a mount, when the line names one.
    pub filesystem: Option<String>,
    /// `flags: 0x…` of a mount, and their names.
    pub mount_flags: Option<MountFlags>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct MountFlags {
    pub value: u64,
    pub names: Vec<String>,
}

/// Tokens of a line: split at white space, outer punctuation and quotes trimmed; paths stay
/// whole, so `/var/lib/containers/storage/overlay` is not the filesystem `overlay`.
fn tokens(line: &str) -> Vec<String> {
    line.split_whitespace()
        .map(|t| {
            t.trim_matches(|c: char| "`'\"()[]{},;:".contains(c))
                .to_ascii_lowercase()
        })
        .filter(|t| !t.is_empty())
        .collect()
}

/// Reads one error line.
pub fn parse(line: &str) -> Parsed {
    let tokens = tokens(line);
    let has = |t: &str| tokens.iter().any(|x| x == t);
    let lower = line.to_ascii_lowercase();
    let mut operations = Vec::new();
    let mut filesystem = None;
    let mut mount_flags = None;
    let mounts = ["mount", "mounting", "remount", "bind-mount"]
        .iter()
        .any(|m| has(m));
    if mounts {
        operations.push("mount");
        mount_flags = flags_of(&tokens).map(|value| MountFlags {
            value,
            names: mount_flag_names(value),
        });
        let bind = mount_flags.as_ref().is_some_and(|f| f.value & MS_BIND != 0)
            || has("bind")
            || has("rbind")
            || has("--bind");
        filesystem = tokens
            .iter()
            .find(|t| FILESYSTEMS.contains(&t.as_str()))
            .cloned();
        if bind {
            operations.push("mount-bind");
        } else if filesystem.is_some() {
            operations.push("mount-fs");
        }
        if filesystem.as_deref() == Some("proc") || has("/proc") {
            operations.push("mount-proc");
        }
    }
    if has("unshare") || has("clone") || lower.contains("cannot clone") {
        operations.push("unshare");
    }
    if has("cgroup")
        || has("cgroups")
        || lower.contains("control group")
        || lower.contains("/sys/fs/cgroup")
    {
        operations.push("cgroup");
    }
    if lower.contains("uid_map")
        || lower.contains("gid_map")
        || has("newuidmap")
        || has("newgidmap")
    {
        operations.push("uid-map");
    }
    if has("open") || lower.contains("open(") || has("openat") {
        operations.push("open");
    }
    Parsed {
        operations,
        errno: errno_of(line),
        filesystem,
        mount_flags,
    }
}

/// `flags: 0x1000`, `flags=0x5000`, `flags 4096`.
fn flags_of(tokens: &[String]) -> Option<u64> {
    let at = tokens
        .iter()
        .position(|t| t == "flags" || t.starts_with("flags="))?;
    let value = match tokens[at].strip_prefix("flags=") {
        Some(v) if !v.is_empty() => v.to_string(),
        _ => tokens.get(at + 1)?.clone(),
    };
    match value.strip_prefix("0x") {
        Some(hex) => u64::from_str_radix(hex, 16).ok(),
        None => value.parse().ok(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errno_is_the_last_one_without_the_runtime_suffix() {
        let e = errno_of(
            "Error: crun: mount `proc` to `/proc`: Permission denied: OCI permission denied",
        );
        assert_eq!(e.map(|e| e.name), Some("EACCES"));
        let e = errno_of(
            "crun: mount `proc` to `/proc`: Operation not permitted: OCI permission denied",
        );
        assert_eq!(e.map(|e| e.name), Some("EPERM"));
        let e = errno_of("open /proc/sys/net/ipv4/ping_group_range: read-only file system");
        assert_eq!(e.map(|e| e.name), Some("EROFS"));
        assert_eq!(errno_of("unshare: EPERM").map(|e| e.name), Some("EPERM"));
        assert_eq!(
            errno_of("the permission deniedness"),
            None,
            "needs whole words"
        );
        assert_eq!(errno_of("all good"), None);
    }

    #[test]
    fn mount_flags_decode() {
        assert_eq!(mount_flag_names(0x1000), ["MS_BIND"]);
        assert_eq!(mount_flag_names(0x5000), ["MS_BIND", "MS_REC"]);
        assert_eq!(
            mount_flag_names(0x4_0000 | 0x1),
            ["MS_RDONLY", "MS_PRIVATE"]
        );
        assert_eq!(mount_flag_names(1 << 40), ["0x10000000000"]);
    }

    #[test]
    fn operations_of_real_lines() {
        let p =
            parse("Error: crun: mount `proc` to `/proc`: Permission denied: OCI permission denied");
        assert_eq!(p.operations, ["mount", "mount-fs", "mount-proc"]);
        assert_eq!(p.filesystem.as_deref(), Some("proc"));
        let p = parse(
            "Error: unable to get storage: mount /home/ci/.local/share/containers/storage/overlay:/home/ci/.local/share/containers/storage/overlay, flags: 0x1000: permission denied",
        );
        assert_eq!(p.operations, ["mount", "mount-bind"]);
        assert_eq!(
            p.mount_flags.map(|f| f.names),
            Some(vec!["MS_BIND".to_string()])
        );
        assert_eq!(p.errno.map(|e| e.name), Some("EACCES"));
        let p = parse("Failed to create /init.scope control group: Permission denied");
        assert_eq!(p.operations, ["cgroup"]);
        let p = parse("cannot clone: Operation not permitted");
        assert_eq!(p.operations, ["unshare"]);
        let p =
            parse("mount  overlay  /var/lib/containers/storage/overlay/merged : Permission Denied");
        assert_eq!(p.operations, ["mount", "mount-fs"]);
    }
}
