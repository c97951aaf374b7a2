use std::process::ExitCode;

use crate::cli::{GenerateArgs, ManifestFormat};
use crate::exit::UsageError;
use crate::render;
use crate::security;

pub fn run(args: &GenerateArgs) -> anyhow::Result<ExitCode> {
    let bundle = security::build_at(args.mode.mode, &args.mode.options(), args.policy.version())?;
    if let Some(dir) = &args.out_dir {
        let files = render::out_dir_files(&bundle)?;
        crate::save::write_dir(dir, &files, args.force).map_err(|e| -> anyhow::Error {
            if e.is_usage() {
                UsageError(e.to_string()).into()
            } else {
                e.into()
            }
        })?;
        crate::exit::print(&format!(
            "wrote {} files to {}\n",
            files.len(),
            dir.display()
        ))?;
        return Ok(ExitCode::SUCCESS);
    }
    let text = match args.output {
        ManifestFormat::Yaml => render::bundle_yaml_at(&bundle, args.policy.version())?,
        ManifestFormat::Json => {
            let json = render::bundle_json_value_at(&bundle, args.policy.version())?;
            serde_json::to_string_pretty(&json)? + "\n"
        }
    };
    crate::exit::print(&text)?;
    Ok(ExitCode::SUCCESS)
}
