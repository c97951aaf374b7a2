//! `podwiz doctor`: read the cluster and say which modes will work there, and why.

use std::process::ExitCode;

use crate::cli::{DoctorArgs, TextOrJson};
use crate::cluster::{client, doctor};

/// Exit 0 when at least one judged mode works, 1 when none does; connection and kubeconfig
/// problems are errors (one line, exit 1).
pub fn run(args: &DoctorArgs) -> anyhow::Result<ExitCode> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let report = runtime.block_on(async {
        let conn = client::connect(&args.cluster, args.namespace.as_deref()).await?;
        doctor::run(&conn, args.mode).await
    })?;
    match args.output {
        TextOrJson::Json => println!("{}", serde_json::to_string_pretty(&report)?),
        TextOrJson::Text => print!("{}", doctor::render_text(&report)),
    }
    Ok(if report.recommended.is_some() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(crate::exit::FAILURE)
    })
}
