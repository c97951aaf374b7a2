use std::fs;
use std::path::Path;
use std::process::ExitCode;

use anyhow::Context;

use crate::cli::{GenerateArgs, ManifestFormat};
use crate::exit::UsageError;
use crate::render;
use crate::scenario;

pub fn run(args: &GenerateArgs) -> anyhow::Result<ExitCode> {
    let bundle = scenario::build(args.mode.mode, &args.mode.options())?;
    if let Some(dir) = &args.out_dir {
        let files = render::out_dir_files(&bundle)?;
        write_dir(dir, &files, args.force)?;
        crate::exit::print(&format!(
            "wrote {} files to {}\n",
            files.len(),
            dir.display()
        ))?;
        return Ok(ExitCode::SUCCESS);
    }
    let text = match args.output {
        ManifestFormat::Yaml => render::bundle_yaml(&bundle)?,
        ManifestFormat::Json => {
            serde_json::to_string_pretty(&render::bundle_json_value(&bundle)?)? + "\n"
        }
    };
    crate::exit::print(&text)?;
    Ok(ExitCode::SUCCESS)
}

/// Write `files` under `dir`, refusing a non-empty existing directory unless `force`.
pub fn write_dir(dir: &Path, files: &[render::OutFile], force: bool) -> anyhow::Result<()> {
    match fs::read_dir(dir) {
        Ok(mut entries) => {
            if !force && entries.next().is_some() {
                return Err(UsageError(format!(
                    "refusing to write into '{}': the directory is not empty (add --force to overwrite)",
                    dir.display()
                ))
                .into());
            }
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotADirectory => {
            return Err(
                UsageError(format!("'{}' exists and is not a directory", dir.display())).into(),
            );
        }
        Err(e) => return Err(e).with_context(|| format!("cannot read '{}'", dir.display())),
    }
    for file in files {
        let path = dir.join(&file.path);
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent)
                .with_context(|| format!("cannot create '{}'", parent.display()))?;
        }
        fs::write(&path, &file.content)
            .with_context(|| format!("cannot write '{}'", path.display()))?;
        #[cfg(unix)]
        if file.executable {
            use std::os::unix::fs::PermissionsExt;
            fs::set_permissions(&path, fs::Permissions::from_mode(0o755))?;
        }
    }
    Ok(())
}
