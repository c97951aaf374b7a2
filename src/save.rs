//! Writing a saved bundle to disk (`generate --out-dir` and the wizard's save): the one place both
//! front doors use. Below the front doors, above `render` (which only builds the file contents).

use std::fs;
use std::path::{Path, PathBuf};

use crate::render::OutFile;

/// Why a directory was not written.
#[derive(Debug, thiserror::Error)]
pub enum SaveError {
    /// The directory exists and holds files; pass `force` to write into it anyway.
    #[error(
        "refusing to write into '{}': the directory is not empty (add --force to overwrite)",
        .0.display()
    )]
    NotEmpty(PathBuf),
    #[error("'{}' exists and is not a directory", .0.display())]
    NotADirectory(PathBuf),
    #[error("cannot {action} '{}': {source}", path.display())]
    Io {
        action: &'static str,
        path: PathBuf,
        source: std::io::Error,
    },
}

impl SaveError {
    /// Whether the user's input chose the problem (a full or wrong directory), not the system.
    pub fn is_usage(&self) -> bool {
        matches!(self, SaveError::NotEmpty(_) | SaveError::NotADirectory(_))
    }
}

/// Write `files` under `dir` (created as needed), refusing a non-empty existing directory unless
/// `force`. Scripts (`executable`) get mode 0755 on Unix.
pub fn write_dir(dir: &Path, files: &[OutFile], force: bool) -> Result<(), SaveError> {
    let io = |action: &'static str, path: &Path| {
        let path = path.to_path_buf();
        move |source| SaveError::Io {
            action,
            path,
            source,
        }
    };
    match fs::read_dir(dir) {
        Ok(mut entries) => {
            if !force && entries.next().is_some() {
                return Err(SaveError::NotEmpty(dir.to_path_buf()));
            }
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotADirectory => {
            return Err(SaveError::NotADirectory(dir.to_path_buf()));
        }
        Err(e) => return Err(io("read", dir)(e)),
    }
    for file in files {
        let path = dir.join(&file.path);
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent).map_err(io("create", parent))?;
        }
        fs::write(&path, &file.content).map_err(io("write", &path))?;
        #[cfg(unix)]
        if file.executable {
            use std::os::unix::fs::PermissionsExt;
            fs::set_permissions(&path, fs::Permissions::from_mode(0o755))
                .map_err(io("make executable", &path))?;
        }
    }
    Ok(())
}
