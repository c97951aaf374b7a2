//! `podwiz doctor`: read the cluster and say which modes will work there, and why.

use std::process::ExitCode;

use crate::cli::{DoctorArgs, TextOrJson};
use crate::cluster::{client, doctor};

/// Exit 0 when a mode works now, or when the nodes could not be judged but a mode is admitted;
/// 1 when none is; connection and kubeconfig problems are errors (one line, exit 1).
pub fn run(args: &DoctorArgs) -> anyhow::Result<ExitCode> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let report = runtime.block_on(async {
        // No probe request: doctor's first wave tells whether the server answers.
        let (info, config) =
            crate::cluster::context::load(&args.cluster, args.namespace.as_deref())?;
        let conn = client::build(info, config)?;
        let _trace = super::TraceOnDrop(conn.clone());
        doctor::run(&conn, args.mode).await
    })?;
    match args.output {
        TextOrJson::Json => crate::exit::print(&(serde_json::to_string_pretty(&report)? + "\n"))?,
        TextOrJson::Text => crate::exit::print(&doctor::render_text(&report))?,
    }
    let admitted_unjudged = report.advice.modes.iter().any(|m| {
        m.safest
            .as_ref()
            .is_some_and(|v| v.fit == crate::cluster::advice::Fit::Unjudged)
    });
    Ok(if report.recommended.is_some() || admitted_unjudged {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(crate::exit::FAILURE)
    })
}
