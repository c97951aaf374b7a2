//! The six modes side by side, each computed from its default-option bundle.

use serde::Serialize;

use super::assets::assets;
use super::pss::{Level, PolicyVersion};
use super::report::{Facts, assess_at};
use crate::scenario::{self, Fuse, Mode, Options, Userns};

/// One mode's row of `podwiz compare`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct CompareRow {
    pub mode: Mode,
    /// `securityContext.privileged: true`.
    pub privileged: bool,
    /// Podman runs as uid 0 in the pod.
    pub root_inside: bool,
    /// Root on the node after a container breakout (or without one: privileged, engine socket).
    pub node_root_after_breakout: bool,
    /// Computed by the Pod Security evaluator from the default-option pod.
    pub pss_level: Level,
    pub engine_socket: bool,
    /// The host steps of the default-option bundle.
    pub host_changes: Vec<String>,
    /// The fuse device plugin DaemonSet the default options deploy, if any.
    pub device_plugin: Option<Fuse>,
    pub needs_crio: bool,
    pub needs_kubernetes_1_33: bool,
    /// `yes`, `chroot` (with --isolation chroot) or `on node` (podman --remote).
    pub builds_images: String,
}

/// One row per mode, in `Mode::ALL` order, levels at the newest policy version.
pub fn rows() -> Vec<CompareRow> {
    rows_at(PolicyVersion::Latest)
}

/// One row per mode, levels judged at Pod Security policy `version`.
pub fn rows_at(version: PolicyVersion) -> Vec<CompareRow> {
    Mode::ALL
        .into_iter()
        .filter_map(|mode| row(mode, version))
        .collect()
}

fn row(mode: Mode, version: PolicyVersion) -> Option<CompareRow> {
    // Default options are valid for every mode (tested in scenario::options).
    let bundle = scenario::build(mode, &Options::default()).ok()?;
    let facts = Facts::of(&bundle);
    let report = assess_at(&bundle, version);
    let o = &bundle.options;
    Some(CompareRow {
        mode,
        privileged: facts.privileged,
        root_inside: facts.root,
        node_root_after_breakout: facts.root_on_node(),
        pss_level: report.pss.level,
        engine_socket: facts.socket,
        host_changes: bundle.host_steps.iter().map(|s| s.title.clone()).collect(),
        device_plugin: o
            .fuse
            .filter(|f| matches!(f, Fuse::DevicePlugin | Fuse::GenericDevicePlugin)),
        needs_crio: o.userns == Some(Userns::CrioAnnotation) || o.fuse == Some(Fuse::CrioDevices),
        needs_kubernetes_1_33: facts.hostusers,
        builds_images: assets()
            .compare
            .builds
            .get(mode.id())
            .cloned()
            .unwrap_or_default(),
    })
}

/// The column keys, in display order.
pub const COLUMNS: [&str; 10] = [
    "mode",
    "privileged",
    "root_inside",
    "node_root",
    "pss",
    "engine_socket",
    "host_changes",
    "device_plugin",
    "needs",
    "builds",
];

/// The cells of a row, in `COLUMNS` order.
pub fn cells(row: &CompareRow) -> Vec<String> {
    let c = &assets().compare;
    let yn = |b: bool| if b { c.yes.clone() } else { c.no.clone() };
    let needs = match (row.needs_crio, row.needs_kubernetes_1_33) {
        (true, true) => format!("{}, {}", c.needs_crio, c.needs_k8s),
        (true, false) => c.needs_crio.clone(),
        (false, true) => c.needs_k8s.clone(),
        (false, false) => c.needs_any.clone(),
    };
    vec![
        row.mode.id().to_string(),
        yn(row.privileged),
        yn(row.root_inside),
        yn(row.node_root_after_breakout),
        row.pss_level.as_str().to_string(),
        yn(row.engine_socket),
        row.host_changes.len().to_string(),
        yn(row.device_plugin.is_some()),
        needs,
        row.builds_images.clone(),
    ]
}

/// The column headers, in `COLUMNS` order.
pub fn headers() -> Vec<String> {
    let columns = &assets().compare.columns;
    COLUMNS
        .iter()
        .map(|key| {
            columns
                .get(*key)
                .cloned()
                .unwrap_or_else(|| key.to_string())
        })
        .collect()
}

/// A plain-text table (fits 100 columns), the legend and each mode's host changes.
pub fn text_table(rows: &[CompareRow]) -> String {
    let c = &assets().compare;
    let headers = headers();
    let body: Vec<Vec<String>> = rows.iter().map(cells).collect();
    let widths: Vec<usize> = (0..headers.len())
        .map(|i| {
            body.iter()
                .map(|r| r.get(i).map_or(0, |s| s.chars().count()))
                .chain([headers[i].chars().count()])
                .max()
                .unwrap_or(0)
        })
        .collect();
    let line = |cells: &[String]| {
        let mut s = String::new();
        for (i, cell) in cells.iter().enumerate() {
            if i + 1 == cells.len() {
                s.push_str(cell);
            } else {
                let pad = widths[i].saturating_sub(cell.chars().count());
                s.push_str(cell);
                s.push_str(&" ".repeat(pad + 2));
            }
        }
        s.trim_end().to_string()
    };
    let mut out = format!("{}\n\n", c.title);
    out.push_str(&line(&headers));
    out.push('\n');
    for row in &body {
        out.push_str(&line(row));
        out.push('\n');
    }
    out.push('\n');
    for legend in &c.legend {
        out.push_str(&wrap(legend, 100, ""));
    }
    out.push('\n');
    out.push_str(&c.host_changes_heading);
    out.push('\n');
    for row in rows {
        let changes = if row.host_changes.is_empty() {
            c.needs_any.clone()
        } else {
            row.host_changes.join("; ")
        };
        out.push_str(&wrap(&format!("{}: {changes}", row.mode.id()), 100, "    "));
    }
    out
}

/// A Markdown table with the same cells.
pub fn markdown_table(rows: &[CompareRow]) -> String {
    let c = &assets().compare;
    let escape = |s: &str| s.replace('|', "\\|");
    let headers = headers();
    let mut out = format!("## {}\n\n", c.title);
    out.push_str(&format!(
        "| {} |\n",
        headers
            .iter()
            .map(|h| escape(h))
            .collect::<Vec<_>>()
            .join(" | ")
    ));
    out.push_str(&format!(
        "|{}\n",
        headers.iter().map(|_| "---|").collect::<String>()
    ));
    for row in rows {
        let cells: Vec<String> = cells(row).iter().map(|s| escape(s)).collect();
        out.push_str(&format!("| {} |\n", cells.join(" | ")));
    }
    out.push('\n');
    for legend in &c.legend {
        out.push_str(&format!("{legend}\n"));
    }
    out.push_str(&format!("\n{}\n\n", c.host_changes_heading));
    for row in rows {
        let changes = if row.host_changes.is_empty() {
            c.needs_any.clone()
        } else {
            row.host_changes.join("; ")
        };
        out.push_str(&format!("- `{}`: {}\n", row.mode.id(), escape(&changes)));
    }
    out
}

/// Greedy word wrap to `width` columns. The first line keeps `text`'s leading spaces;
/// continuation lines start with `indent`.
pub fn wrap(text: &str, width: usize, indent: &str) -> String {
    let lead: String = text.chars().take_while(|c| *c == ' ').collect();
    let mut out = String::new();
    let mut line = lead;
    let mut has_word = false;
    for word in text.split_whitespace() {
        let candidate = line.chars().count() + 1 + word.chars().count();
        if has_word && candidate > width {
            out.push_str(line.trim_end());
            out.push('\n');
            line = indent.to_string();
        } else if has_word {
            line.push(' ');
        }
        line.push_str(word);
        has_word = true;
    }
    if has_word {
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}
