//! The clap front door: every subcommand's flags, in one place.

use std::path::PathBuf;

use clap::builder::{PossibleValuesParser, TypedValueParser};
use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::scenario::{
    Apparmor, Fuse, Kind, Mode, Options, Platform, Selinux, Storage, Userns, UsernsShape,
};
use crate::security::pss::PolicyVersion;

#[derive(Debug, Parser)]
#[command(
    name = "podwiz",
    version,
    about = "Run Podman inside Kubernetes and OpenShift pods, with the security price spelled out",
    long_about = "Run Podman inside Kubernetes and OpenShift pods, with the security price spelled out.\n\nWithout a subcommand, podwiz opens the interactive wizard. podwiz -f FILE|- or podwiz TYPE/NAME [-n NS] opens it on the Review of that manifest: findings, Pod Security, the safer rewrite and its diff (podwiz -f - --help lists its flags)."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    #[command(flatten)]
    pub tui: TuiArgs,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// List the six ways to run Podman in a pod
    Modes(ModesArgs),
    /// Print the manifests and host steps for a mode
    Generate(GenerateArgs),
    /// Explain what a mode grants and risks: Pod Security level, findings, host changes
    Explain(ExplainArgs),
    /// Compare the six modes side by side
    Compare(CompareArgs),
    /// Paste an error message: podwiz names the cause, the fix and the mode that avoids it
    Troubleshoot(TroubleshootArgs),
    /// Read the current cluster and say which modes will work there
    Doctor(DoctorArgs),
    /// Apply a mode's manifests to the current kube context, after a confirmation
    Apply(ApplyArgs),
    /// Print shell completions
    Completions(CompletionsArgs),
}

/// Flags of the interactive wizard (no subcommand).
#[derive(Debug, Default, Args)]
pub struct TuiArgs {
    /// Colour theme: dark, light, high-contrast, mono (NO_COLOR selects mono)
    #[arg(long, value_name = "NAME", global = false)]
    pub theme: Option<String>,
    /// Capture the mouse (off by default so you can select text to copy)
    #[arg(long)]
    pub mouse: bool,
    #[command(flatten)]
    pub cluster: ClusterArgs,
}

/// Which cluster to talk to, like kubectl.
#[derive(Debug, Clone, Default, Args)]
pub struct ClusterArgs {
    /// Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)
    #[arg(long, value_name = "FILE")]
    pub kubeconfig: Option<PathBuf>,
    /// The kubeconfig context to use (default: its current-context)
    #[arg(long, value_name = "NAME")]
    pub context: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TextOrJson {
    Text,
    Json,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ManifestFormat {
    Yaml,
    Json,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TableFormat {
    Text,
    Json,
    Markdown,
}

#[derive(Debug, Args)]
pub struct ModesArgs {
    #[arg(short, long, value_enum, default_value_t = TextOrJson::Text)]
    pub output: TextOrJson,
}

/// Parses a mode with podwiz's own "did you mean" message, and offers the ids to completions.
#[derive(Clone, Copy, Debug)]
pub struct ModeParser;

impl TypedValueParser for ModeParser {
    type Value = Mode;

    fn parse_ref(
        &self,
        cmd: &clap::Command,
        _arg: Option<&clap::Arg>,
        value: &std::ffi::OsStr,
    ) -> Result<Mode, clap::Error> {
        let text = value.to_string_lossy();
        text.parse::<Mode>().map_err(|e| {
            clap::Error::raw(clap::error::ErrorKind::InvalidValue, format!("{e}\n")).with_cmd(cmd)
        })
    }

    fn possible_values(
        &self,
    ) -> Option<Box<dyn Iterator<Item = clap::builder::PossibleValue> + '_>> {
        Some(Box::new(Mode::ALL.iter().map(|m| {
            clap::builder::PossibleValue::new(m.id()).help(m.summary())
        })))
    }
}

/// The mode and every option of a bundle: shared by generate, explain and apply.
#[derive(Debug, Clone, Args)]
pub struct ModeArgs {
    /// rootful-priv | rootless-priv | rootless-no-priv | rootful-no-priv | remote | userns
    #[arg(value_name = "MODE", value_parser = ModeParser)]
    pub mode: Mode,
    /// Pod name (default: the article's name for the mode)
    #[arg(long, value_name = "NAME")]
    pub name: Option<String>,
    /// Namespace of the objects (default: none, kubectl's current namespace applies)
    #[arg(short, long, value_name = "NAMESPACE")]
    pub namespace: Option<String>,
    /// Container image [default: quay.io/podman/stable:v5.8.4]
    #[arg(long, value_name = "IMAGE")]
    pub image: Option<String>,
    /// User namespace (mode userns): hostusers (spec.hostUsers: false, Kubernetes >= 1.33) | crio-annotation (legacy, CRI-O only) [default: hostusers]
    #[arg(long, value_name = "HOW", value_parser = PossibleValuesParser::new(Userns::WORDS).try_map(|s| s.parse::<Userns>()))]
    pub userns: Option<Userns>,
    /// Who Podman runs as in mode userns: rootful (article: root + SYS_ADMIN...) | rootless (uid 1000, SETUID/SETGID; OpenShift 4.20) [default: rootful, rootless on OpenShift]
    #[arg(long, value_name = "SHAPE", value_parser = PossibleValuesParser::new(UsernsShape::WORDS).try_map(|s| s.parse::<UsernsShape>()))]
    pub userns_shape: Option<UsernsShape>,
    /// /dev/fuse provider (non-privileged modes): device-plugin (article, github.com/fuse) | generic-device-plugin (squat.ai/fuse) | crio-devices (CRI-O annotation) [default: generic-device-plugin, crio-devices on OpenShift]
    #[arg(long, value_name = "PROVIDER", value_parser = PossibleValuesParser::new(Fuse::WORDS).try_map(|s| s.parse::<Fuse>()))]
    pub fuse: Option<Fuse>,
    /// Podman storage (non-privileged modes): emptydir | hostpath:PATH (article) | pvc:NAME | none [default: emptydir]
    #[arg(long, value_name = "STORAGE", value_parser = parse_storage)]
    pub storage: Option<Storage>,
    /// SELinux on the nodes: engine-type (container_engine_t) | host-disabled (article; weakens the node) | none (not enforcing) [default: engine-type, host-disabled for remote]
    #[arg(long, value_name = "HOW", value_parser = PossibleValuesParser::new(Selinux::WORDS).try_map(|s| s.parse::<Selinux>()))]
    pub selinux: Option<Selinux>,
    /// AppArmor profile (non-privileged modes), for nodes where AppArmor is on: runtime-default (the runtime's profile, which denies Podman's mounts there) | unconfined (works; leaves Pod Security baseline) | localhost:NAME (a profile podwiz writes as a host step; keeps baseline; not verified by podwiz) [default: runtime-default]
    #[arg(long, value_name = "PROFILE", value_parser = parse_apparmor)]
    pub apparmor: Option<Apparmor>,
    /// kubernetes | openshift (adds a ServiceAccount and the SCC RoleBinding) [default: kubernetes]
    #[arg(long, value_name = "PLATFORM", value_parser = PossibleValuesParser::new(Platform::WORDS).try_map(|s| s.parse::<Platform>()))]
    pub platform: Option<Platform>,
    /// Also emit the Namespace, labelled with the Pod Security level the pod needs
    #[arg(long)]
    pub create_namespace: bool,
    /// Mount the ServiceAccount's API token in the pod (default: automountServiceAccountToken: false; Podman does not need the Kubernetes API)
    #[arg(long)]
    pub service_account_token: bool,
    /// What runs the pod: pod | job (a CI build) | deployment (a build service) | statefulset | cronjob; Pod Security and findings are judged on the pod template [default: pod]
    #[arg(long, value_name = "KIND", value_parser = PossibleValuesParser::new(Kind::WORDS).try_map(|s| s.parse::<Kind>()))]
    pub kind: Option<Kind>,
    /// The CronJob's schedule in cron syntax (--kind cronjob) [default: "0 3 * * *"]
    #[arg(long, value_name = "CRON")]
    pub schedule: Option<String>,
    /// Start from the article's own variant choices (explicit flags still win)
    #[arg(long)]
    pub article: bool,
    /// The container's command (after --), e.g. -- sleep infinity [default: sleep 1000000]
    #[arg(last = true, value_name = "COMMAND")]
    pub command: Vec<String>,
}

/// `--policy-version`: which Pod Security policy version to judge pods at.
#[derive(Debug, Clone, Default, Args)]
pub struct PolicyArgs {
    /// Pod Security policy version to judge the pod at: v1.N (as a namespace's enforce-version label) or latest [default: latest]
    #[arg(long, value_name = "VERSION", value_parser = parse_policy_version)]
    pub policy_version: Option<PolicyVersion>,
}

impl PolicyArgs {
    pub fn version(&self) -> PolicyVersion {
        self.policy_version.unwrap_or(PolicyVersion::Latest)
    }
}

fn parse_policy_version(s: &str) -> Result<PolicyVersion, String> {
    s.parse::<PolicyVersion>().map_err(|e| e.to_string())
}

fn parse_apparmor(s: &str) -> Result<Apparmor, String> {
    s.parse::<Apparmor>().map_err(|e| e.rule)
}

fn parse_storage(s: &str) -> Result<Storage, String> {
    s.parse::<Storage>().map_err(|e| e.rule)
}

impl ModeArgs {
    pub fn options(&self) -> Options {
        let base = if self.article {
            Options::article(self.mode)
        } else {
            Options::default()
        };
        Options {
            name: self.name.clone().or(base.name),
            namespace: self.namespace.clone().or(base.namespace),
            image: self.image.clone().or(base.image),
            command: if self.command.is_empty() {
                base.command
            } else {
                Some(self.command.clone())
            },
            userns: self.userns.or(base.userns),
            userns_shape: self.userns_shape.or(base.userns_shape),
            fuse: self.fuse.or(base.fuse),
            storage: self.storage.clone().or(base.storage),
            selinux: self.selinux.or(base.selinux),
            apparmor: self.apparmor.clone().or(base.apparmor),
            platform: self.platform.or(base.platform),
            create_namespace: self.create_namespace,
            service_account_token: self.service_account_token || base.service_account_token,
            kind: self.kind,
            schedule: self.schedule.clone(),
        }
    }
}

#[derive(Debug, Args)]
pub struct GenerateArgs {
    #[command(flatten)]
    pub mode: ModeArgs,
    #[command(flatten)]
    pub policy: PolicyArgs,
    #[arg(short, long, value_enum, default_value_t = ManifestFormat::Yaml)]
    pub output: ManifestFormat,
    /// Write one file per object, host files, prepare-node.sh and a README.md into DIR
    #[arg(long, value_name = "DIR")]
    pub out_dir: Option<PathBuf>,
    /// Let --out-dir write into an existing non-empty directory
    #[arg(long, requires = "out_dir")]
    pub force: bool,
}

#[derive(Debug, Args)]
#[command(
    after_help = "A manifest you already run: podwiz explain -f FILE|- or podwiz explain TYPE/NAME [-n NS] (podwiz explain -f - --help lists their flags)."
)]
pub struct ExplainArgs {
    #[command(flatten)]
    pub mode: ModeArgs,
    #[command(flatten)]
    pub policy: PolicyArgs,
    #[arg(short, long, value_enum, default_value_t = TextOrJson::Text)]
    pub output: TextOrJson,
}

#[derive(Debug, Args)]
pub struct CompareArgs {
    #[arg(short, long, value_enum, default_value_t = TableFormat::Text)]
    pub output: TableFormat,
    #[command(flatten)]
    pub policy: PolicyArgs,
}

#[derive(Debug, Args)]
pub struct TroubleshootArgs {
    /// The error message or log, or - to read it from standard input
    #[arg(value_name = "TEXT")]
    pub text: Vec<String>,
    /// text, or json: {diagnosis, why, causes, ruled_out, lines, pod}
    #[arg(short, long, value_enum, default_value_t = TextOrJson::Text)]
    pub output: TextOrJson,
    /// The failing pod as evidence: a manifest FILE (YAML or JSON, - for stdin) or a live
    /// TYPE/NAME (pod/x, deploy/x, job/x...) whose pod template is read
    #[arg(long, value_name = "FILE|TYPE/NAME")]
    pub pod: Option<String>,
    /// The container of --pod that ran the engine [default: the first whose image or command names podman or buildah, else the first]
    #[arg(long, value_name = "NAME", requires = "pod")]
    pub container: Option<String>,
    /// Namespace of a live --pod TYPE/NAME (default: the context's)
    #[arg(short, long, value_name = "NAMESPACE", requires = "pod")]
    pub namespace: Option<String>,
    #[command(flatten)]
    pub cluster: ClusterArgs,
}

#[derive(Debug, Args)]
pub struct DoctorArgs {
    /// Only judge this mode
    #[arg(value_name = "MODE", value_parser = ModeParser)]
    pub mode: Option<Mode>,
    /// The namespace to judge (default: the context's namespace)
    #[arg(short, long, value_name = "NAMESPACE")]
    pub namespace: Option<String>,
    #[command(flatten)]
    pub cluster: ClusterArgs,
    #[arg(short, long, value_enum, default_value_t = TextOrJson::Text)]
    pub output: TextOrJson,
}

#[derive(Debug, Args)]
pub struct ApplyArgs {
    #[command(flatten)]
    pub mode: ModeArgs,
    #[command(flatten)]
    pub cluster: ClusterArgs,
    /// Only run the server-side dry-run: nothing is written
    #[arg(long)]
    pub dry_run: bool,
    /// Do not ask for confirmation (needed without a terminal)
    #[arg(short, long)]
    pub yes: bool,
    /// Take over fields owned by another field manager
    #[arg(long)]
    pub force_conflicts: bool,
    /// How long to watch the Pod's phase after applying, in seconds (0: do not watch)
    /// [default: 30; with --verify: 300, the time to Running]
    #[arg(long, value_name = "SECONDS")]
    pub wait: Option<u64>,
    /// After applying, wait for Running (showing the pod's events), then run a smoke test in
    /// the pod that needs no registry: podman import + podman run --network=none. Exit code 4
    /// when the objects were applied but the verification failed
    #[arg(long, conflicts_with = "dry_run")]
    pub verify: bool,
    /// With --verify (implied): also pull IMAGE and run `true` in it
    #[arg(long, value_name = "IMAGE", conflicts_with = "dry_run")]
    pub verify_image: Option<String>,
}

impl ApplyArgs {
    /// Default of --wait without --verify, in seconds.
    pub const WAIT: u64 = 30;
    /// Default of --wait with --verify, in seconds: the first pull of the Podman image
    /// (hundreds of MB) can take minutes.
    pub const VERIFY_WAIT: u64 = crate::cluster::verify::VERIFY_WAIT.as_secs();

    /// `--verify` or `--verify-image`.
    pub fn verifying(&self) -> bool {
        self.verify || self.verify_image.is_some()
    }

    /// The --wait value, or its default.
    pub fn wait_seconds(&self) -> u64 {
        self.wait.unwrap_or(if self.verifying() {
            Self::VERIFY_WAIT
        } else {
            Self::WAIT
        })
    }
}

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

/// Where a manifest comes from: a file (or standard input) or a live object of the current
/// context. Shared by `podwiz explain -f FILE|TYPE/NAME` and the wizard's `podwiz -f FILE|TYPE/NAME`.
#[derive(Debug, Clone, Default, Args)]
pub struct ManifestSource {
    /// A live object of the current context, named like kubectl: TYPE/NAME (deploy/ci, po/x)
    #[arg(
        value_name = "TYPE/NAME",
        required_unless_present = "filename",
        conflicts_with = "filename"
    )]
    pub object: Option<String>,
    /// Read the manifest from FILE (YAML or JSON; - for standard input)
    #[arg(short = 'f', long = "filename", value_name = "FILE")]
    pub filename: Option<PathBuf>,
    /// Namespace of the live object (default: the context's namespace)
    #[arg(short, long, value_name = "NAMESPACE")]
    pub namespace: Option<String>,
    #[command(flatten)]
    pub cluster: ClusterArgs,
    /// Pod Security policy version: v1.N or latest [default: latest for a file, the server's version for a live object]
    #[arg(long, value_name = "VERSION", value_parser = parse_policy_version)]
    pub policy_version: Option<crate::security::pss::PolicyVersion>,
}

const TYPE_HELP: &str = "TYPE is a kubectl resource name or short name: pod (po), deployment (deploy), statefulset (sts), daemonset (ds), replicaset (rs), replicationcontroller (rc), job, cronjob (cj), podtemplate.";

/// `podwiz explain -f FILE|-` and `podwiz explain TYPE/NAME`: a manifest someone already runs.
///
/// Parsed on its own (see [`manifest_form`]) because `explain MODE` takes a mode where this takes
/// a file or an object name.
#[derive(Debug, Parser)]
#[command(
    name = "podwiz explain",
    long_about = None,
    about = "Explain a manifest you already run: Pod Security level, findings per container, the closest mode and a safer way",
    after_help = TYPE_HELP
)]
pub struct ExplainManifestArgs {
    #[command(flatten)]
    pub source: ManifestSource,
    /// Print the safer rewrite of the manifest (kubectl-ready YAML) instead of the report
    #[arg(long, conflicts_with = "diff")]
    pub suggest: bool,
    /// Print a unified diff from the manifest to its safer rewrite instead of the report
    #[arg(long)]
    pub diff: bool,
    #[arg(short, long, value_enum, default_value_t = TextOrJson::Text)]
    pub output: TextOrJson,
}

/// `podwiz -f FILE|-` and `podwiz TYPE/NAME`: the wizard's Review of a manifest someone already
/// runs (findings, security panel, the safer rewrite and its diff; copy, save, apply).
///
/// Parsed on its own (see [`manifest_form`]), like [`ExplainManifestArgs`].
#[derive(Debug, Parser)]
#[command(
    name = "podwiz",
    long_about = None,
    about = "Review a manifest you already run in the wizard: findings, Pod Security, the safer rewrite and its diff; copy, save or apply the rewrite",
    after_help = TYPE_HELP
)]
pub struct ReviewArgs {
    #[command(flatten)]
    pub source: ManifestSource,
    /// Colour theme: dark, light, high-contrast, mono (NO_COLOR selects mono)
    #[arg(long, value_name = "NAME")]
    pub theme: Option<String>,
    /// Capture the mouse (off by default so you can select text to copy)
    #[arg(long)]
    pub mouse: bool,
}

impl ReviewArgs {
    /// The wizard's own flags (theme, mouse, cluster) of this command line.
    pub fn tui(&self) -> TuiArgs {
        TuiArgs {
            theme: self.theme.clone(),
            mouse: self.mouse,
            cluster: self.source.cluster.clone(),
        }
    }
}

/// Which command line form `args` (without the program name) is, before clap parses it:
/// `explain -f …`/`explain TYPE/NAME …` and `-f …`/`TYPE/NAME …` read a manifest; everything
/// else is the usual command tree.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Form {
    /// `podwiz explain -f FILE` or `podwiz explain TYPE/NAME`.
    ExplainManifest,
    /// `podwiz -f FILE` or `podwiz TYPE/NAME`.
    Review,
    Other,
}

/// Flags of the wizard and of `explain` that take a separate value (which may contain a '/').
const VALUE_FLAGS: &[&str] = &[
    "--theme",
    "--kubeconfig",
    "--context",
    "-n",
    "--namespace",
    "--name",
    "--image",
    "--userns",
    "--userns-shape",
    "--fuse",
    "--storage",
    "--selinux",
    "--platform",
    "--policy-version",
    "-o",
    "--output",
];

/// The form of a command line (see [`Form`]).
pub fn manifest_form(args: &[std::ffi::OsString]) -> Form {
    let words: Vec<String> = args
        .iter()
        .map(|a| a.to_string_lossy().into_owned())
        .collect();
    let reads_manifest = |rest: &[String]| {
        let mut file_flag = false;
        let mut first_positional = None;
        let mut i = 0;
        while i < rest.len() {
            let w = rest[i].as_str();
            if w == "--" {
                first_positional = first_positional.or(rest.get(i + 1));
                break;
            }
            if w == "--filename"
                || w.starts_with("--filename=")
                || (w.starts_with("-f") && !w.starts_with("--"))
            {
                file_flag = true;
            } else if VALUE_FLAGS.contains(&w) {
                i += 1;
            } else if !w.starts_with('-') && first_positional.is_none() {
                first_positional = Some(&rest[i]);
            }
            i += 1;
        }
        file_flag || first_positional.is_some_and(|w| w.contains('/'))
    };
    match words.first().map(String::as_str) {
        Some("explain") if reads_manifest(&words[1..]) => Form::ExplainManifest,
        Some(first)
            if (first.starts_with('-') || first.contains('/'))
                && reads_manifest(&words)
                && !words.iter().any(|w| w == "--version" || w == "-V") =>
        {
            Form::Review
        }
        _ => Form::Other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(line: &str) -> Form {
        let args: Vec<std::ffi::OsString> = line.split_whitespace().map(Into::into).collect();
        manifest_form(&args)
    }

    #[test]
    fn manifest_forms_are_told_apart_from_modes() {
        assert_eq!(form("explain -f pod.yaml"), Form::ExplainManifest);
        assert_eq!(form("explain -f - -o json"), Form::ExplainManifest);
        assert_eq!(form("explain --filename=pod.yaml"), Form::ExplainManifest);
        assert_eq!(form("explain deploy/ci -n ci"), Form::ExplainManifest);
        assert_eq!(form("explain -n ci po/x"), Form::ExplainManifest);
        assert_eq!(form("explain rootful-priv"), Form::Other);
        assert_eq!(
            form("explain --image quay.io/podman/stable rootful-priv"),
            Form::Other
        );
        assert_eq!(form("explain userns -- tail -f /dev/null"), Form::Other);
        assert_eq!(form("generate remote -o json"), Form::Other);
        assert_eq!(form("-f pod.yaml"), Form::Review);
        assert_eq!(form("--kubeconfig /tmp/kc"), Form::Other);
        assert_eq!(form("--theme dark"), Form::Other);
        assert_eq!(form("deploy/ci"), Form::Review);
        // `podwiz -f - --help` is the help of that form (its own flags), not the wizard's.
        assert_eq!(form("-f - --help"), Form::Review);
        assert_eq!(form("--help"), Form::Other);
        assert_eq!(form("-h"), Form::Other);
    }
}
