//! The wizard's state. Everything the view shows is here or derived from it (`Preview`).

use crate::cluster::apply::{ApplyPlan, ApplyReport, PodStatus, Stage};
use crate::cluster::context::ContextInfo;
use crate::cluster::verify::{VerifyReport, VerifyTarget};
use crate::scenario::options::Applicable;
use crate::scenario::{
    Apparmor, Fuse, Kind, Mode, OptionError, Options, Platform, Selinux, Storage, Userns,
    UsernsShape,
};
use crate::security::pss::{MAX_POLICY_MINOR, PolicyVersion};

pub use super::manifest::{ManifestReview, ReviewTab};
pub use super::preview::{Doc, Preview};
use super::theme::Theme;

/// The steps of the walk, in order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Screen {
    Start,
    Runs,
    Way,
    Options,
    Review,
}

impl Screen {
    pub const ALL: [Screen; 5] = [
        Screen::Start,
        Screen::Runs,
        Screen::Way,
        Screen::Options,
        Screen::Review,
    ];

    pub fn title(self) -> &'static str {
        match self {
            Screen::Start => "Start",
            Screen::Runs => "Root or rootless",
            Screen::Way => "Privilege",
            Screen::Options => "Options",
            Screen::Review => "Review",
        }
    }
}

/// A screen drawn over the current step.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Overlay {
    Help,
    Compare,
}

/// Step 2: who Podman runs as inside the pod.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Runs {
    Root,
    Rootless,
}

impl Runs {
    pub const ALL: [Runs; 2] = [Runs::Root, Runs::Rootless];

    pub fn label(self) -> &'static str {
        match self {
            Runs::Root => "As root (uid 0 in the container)",
            Runs::Rootless => "Rootless (uid 1000 in the container)",
        }
    }

    pub fn key(self) -> &'static str {
        match self {
            Runs::Root => "runs.root",
            Runs::Rootless => "runs.rootless",
        }
    }
}

/// Step 3: privileged or not, or one of the special ways.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Way {
    Privileged,
    Unprivileged,
    Remote,
    Userns,
}

impl Way {
    pub const ALL: [Way; 4] = [Way::Privileged, Way::Unprivileged, Way::Remote, Way::Userns];

    pub fn label(self) -> &'static str {
        match self {
            Way::Privileged => "Privileged pod",
            Way::Unprivileged => "Not privileged (capabilities, /dev/fuse)",
            Way::Remote => "podman-remote through the node's socket",
            Way::Userns => "Locked-down user namespace",
        }
    }

    /// The mode this way lands on after `runs`.
    pub fn mode(self, runs: Runs) -> Mode {
        match (self, runs) {
            (Way::Privileged, Runs::Root) => Mode::RootfulPriv,
            (Way::Privileged, Runs::Rootless) => Mode::RootlessPriv,
            (Way::Unprivileged, Runs::Root) => Mode::RootfulNoPriv,
            (Way::Unprivileged, Runs::Rootless) => Mode::RootlessNoPriv,
            (Way::Remote, _) => Mode::Remote,
            (Way::Userns, _) => Mode::Userns,
        }
    }
}

/// One row of the options form.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Field {
    Name,
    Namespace,
    Image,
    Storage,
    StorageArg,
    Fuse,
    Selinux,
    /// The AppArmor profile (the non-privileged modes: `Applicable::apparmor`).
    Apparmor,
    /// The `localhost:NAME` profile's name, shown under a Localhost choice.
    ApparmorProfile,
    Userns,
    UsernsShape,
    Platform,
    Kind,
    /// The CronJob's schedule, shown under the cronjob kind.
    Schedule,
    /// Mount the ServiceAccount's API token (`--service-account-token`).
    ServiceAccountToken,
    CreateNamespace,
    /// The Pod Security policy version the levels are judged at (`--policy-version`).
    PolicyVersion,
    Continue,
}

impl Field {
    pub fn label(self) -> &'static str {
        match self {
            Field::Name => "Name",
            Field::Namespace => "Namespace",
            Field::Image => "Image",
            Field::Storage => "Storage",
            Field::StorageArg => "  path/claim",
            Field::Fuse => "/dev/fuse",
            Field::Selinux => "SELinux",
            Field::Apparmor => "AppArmor",
            Field::ApparmorProfile => "  profile name",
            Field::Userns => "User namespace",
            Field::UsernsShape => "Userns shape",
            Field::Platform => "Platform",
            Field::Kind => "Workload",
            Field::Schedule => "  schedule",
            Field::ServiceAccountToken => "API token (SA)",
            Field::CreateNamespace => "Create namespace",
            Field::PolicyVersion => "Policy version",
            Field::Continue => "Review the manifests",
        }
    }

    pub fn is_text(self) -> bool {
        matches!(
            self,
            Field::Name
                | Field::Namespace
                | Field::Image
                | Field::StorageArg
                | Field::ApparmorProfile
                | Field::Schedule
        )
    }

    /// The CLI flag whose errors belong to this row.
    pub fn for_flag(flag: &str) -> Option<Field> {
        Some(match flag {
            "--name" => Field::Name,
            "--namespace" => Field::Namespace,
            "--image" => Field::Image,
            "--storage" => Field::Storage,
            "--fuse" => Field::Fuse,
            "--selinux" => Field::Selinux,
            "--apparmor" => Field::Apparmor,
            "--userns" => Field::Userns,
            "--userns-shape" => Field::UsernsShape,
            "--platform" => Field::Platform,
            "--kind" => Field::Kind,
            "--schedule" => Field::Schedule,
            "--service-account-token" => Field::ServiceAccountToken,
            "--create-namespace" => Field::CreateNamespace,
            "--policy-version" => Field::PolicyVersion,
            _ => return None,
        })
    }
}

/// The kinds of storage, without their argument.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StorageKind {
    Emptydir,
    Hostpath,
    Pvc,
    None,
}

impl StorageKind {
    pub fn word(self) -> &'static str {
        match self {
            StorageKind::Emptydir => "emptydir",
            StorageKind::Hostpath => "hostpath",
            StorageKind::Pvc => "pvc",
            StorageKind::None => "none",
        }
    }
    pub const ALL: [StorageKind; 4] = [
        StorageKind::Emptydir,
        StorageKind::Hostpath,
        StorageKind::Pvc,
        StorageKind::None,
    ];
}

/// The AppArmor choices, without the profile's name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ApparmorKind {
    RuntimeDefault,
    Unconfined,
    Localhost,
}

impl ApparmorKind {
    pub const ALL: [ApparmorKind; 3] = [
        ApparmorKind::RuntimeDefault,
        ApparmorKind::Unconfined,
        ApparmorKind::Localhost,
    ];

    /// The CLI word before any `:NAME` (also the explanation key's suffix).
    pub fn word(self) -> &'static str {
        match self {
            ApparmorKind::RuntimeDefault => "runtime-default",
            ApparmorKind::Unconfined => "unconfined",
            ApparmorKind::Localhost => "localhost",
        }
    }
}

/// Every policy version the security layer judges at, oldest first (`latest` is the row's
/// default, so it is not in the list).
fn policy_versions() -> Vec<PolicyVersion> {
    (0..=MAX_POLICY_MINOR).map(PolicyVersion::V).collect()
}

/// What the user typed and picked. Kept whatever the mode, so going back loses nothing; only the
/// options that apply to the chosen mode are used.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Form {
    pub name: String,
    pub namespace: String,
    pub image: String,
    pub storage: Option<StorageKind>,
    pub storage_arg: String,
    pub fuse: Option<Fuse>,
    pub selinux: Option<Selinux>,
    pub apparmor: Option<ApparmorKind>,
    /// The Localhost profile's name (empty: [`Apparmor::DEFAULT_PROFILE`]).
    pub apparmor_profile: String,
    pub userns: Option<Userns>,
    pub userns_shape: Option<UsernsShape>,
    pub platform: Option<Platform>,
    /// What runs the pod (`None`: a bare Pod).
    pub kind: Option<Kind>,
    /// The CronJob's schedule (empty: the default, `0 3 * * *`).
    pub schedule: String,
    pub service_account_token: bool,
    pub create_namespace: bool,
    /// `None`: latest.
    pub policy_version: Option<PolicyVersion>,
}

fn text(s: &str) -> Option<String> {
    let t = s.trim();
    (!t.is_empty()).then(|| t.to_string())
}

impl Form {
    /// The rows shown for `mode`.
    pub fn fields(&self, mode: Mode) -> Vec<Field> {
        let a = Applicable::for_mode(mode);
        let mut f = vec![Field::Name, Field::Namespace, Field::Image];
        if a.storage {
            f.push(Field::Storage);
            if matches!(self.storage, Some(StorageKind::Hostpath | StorageKind::Pvc)) {
                f.push(Field::StorageArg);
            }
        }
        if a.fuse {
            f.push(Field::Fuse);
        }
        if a.selinux {
            f.push(Field::Selinux);
        }
        if a.apparmor {
            f.push(Field::Apparmor);
            if self.apparmor == Some(ApparmorKind::Localhost) {
                f.push(Field::ApparmorProfile);
            }
        }
        if a.userns {
            f.push(Field::Userns);
            f.push(Field::UsernsShape);
        }
        f.push(Field::Platform);
        f.push(Field::Kind);
        if self.kind == Some(Kind::CronJob) {
            f.push(Field::Schedule);
        }
        f.push(Field::ServiceAccountToken);
        f.push(Field::CreateNamespace);
        f.push(Field::PolicyVersion);
        f.push(Field::Continue);
        f
    }

    /// The options for `mode`, with the CLI's checks and messages. The error names its row.
    pub fn options(&self, mode: Mode) -> Result<Options, (Field, OptionError)> {
        let a = Applicable::for_mode(mode);
        let storage = match (a.storage, self.storage) {
            (true, Some(kind @ (StorageKind::Hostpath | StorageKind::Pvc))) => Some(
                format!("{}:{}", kind.word(), self.storage_arg.trim())
                    .parse::<Storage>()
                    .map_err(|e| (Field::StorageArg, e))?,
            ),
            (true, Some(StorageKind::Emptydir)) => Some(Storage::Emptydir),
            (true, Some(StorageKind::None)) => Some(Storage::None),
            _ => None,
        };
        let apparmor = match (a.apparmor, self.apparmor) {
            (true, Some(ApparmorKind::Localhost)) => {
                let name = text(&self.apparmor_profile)
                    .unwrap_or_else(|| Apparmor::DEFAULT_PROFILE.to_string());
                Some(
                    format!("localhost:{name}")
                        .parse::<Apparmor>()
                        .map_err(|e| (Field::ApparmorProfile, e))?,
                )
            }
            (true, Some(ApparmorKind::RuntimeDefault)) => Some(Apparmor::RuntimeDefault),
            (true, Some(ApparmorKind::Unconfined)) => Some(Apparmor::Unconfined),
            _ => None,
        };
        // A schedule typed for a CronJob is kept when the kind changes, but only used by one.
        // Its ends are trimmed like every text row's; `cli_args` quotes what is used.
        let schedule = if self.kind == Some(Kind::CronJob) {
            let typed = self.schedule.trim();
            (!typed.is_empty()).then(|| typed.to_string())
        } else {
            None
        };
        let options = Options {
            name: text(&self.name),
            namespace: text(&self.namespace),
            image: text(&self.image),
            command: None,
            userns: self.userns.filter(|_| a.userns),
            userns_shape: self.userns_shape.filter(|_| a.userns),
            fuse: self.fuse.filter(|_| a.fuse),
            storage,
            selinux: self.selinux.filter(|_| a.selinux),
            apparmor,
            platform: self.platform,
            create_namespace: self.create_namespace,
            service_account_token: self.service_account_token,
            kind: self.kind,
            schedule,
            article_capabilities: false,
        };
        match options.resolve(mode) {
            Ok(_) => Ok(options),
            Err(e) => {
                let field = match Field::for_flag(e.flag) {
                    Some(Field::Storage)
                        if matches!(
                            self.storage,
                            Some(StorageKind::Hostpath | StorageKind::Pvc)
                        ) =>
                    {
                        Field::StorageArg
                    }
                    Some(Field::Apparmor) if self.apparmor == Some(ApparmorKind::Localhost) => {
                        Field::ApparmorProfile
                    }
                    Some(f) => f,
                    None => Field::Name,
                };
                Err((field, e))
            }
        }
    }

    /// The text of a text row.
    pub fn text_mut(&mut self, field: Field) -> Option<&mut String> {
        match field {
            Field::Name => Some(&mut self.name),
            Field::Namespace => Some(&mut self.namespace),
            Field::Image => Some(&mut self.image),
            Field::StorageArg => Some(&mut self.storage_arg),
            Field::ApparmorProfile => Some(&mut self.apparmor_profile),
            Field::Schedule => Some(&mut self.schedule),
            _ => None,
        }
    }

    pub fn text(&self, field: Field) -> Option<&str> {
        match field {
            Field::Name => Some(&self.name),
            Field::Namespace => Some(&self.namespace),
            Field::Image => Some(&self.image),
            Field::StorageArg => Some(&self.storage_arg),
            Field::ApparmorProfile => Some(&self.apparmor_profile),
            Field::Schedule => Some(&self.schedule),
            _ => None,
        }
    }

    /// Step a choice row forward (+1) or back (-1); `None` ("default") is part of the cycle.
    pub fn cycle(&mut self, field: Field, delta: i32) {
        fn step<T: Copy + PartialEq>(all: &[T], cur: Option<T>, delta: i32) -> Option<T> {
            let n = all.len() as i32 + 1;
            let idx = cur
                .and_then(|c| all.iter().position(|x| *x == c))
                .map_or(0, |i| i as i32 + 1);
            let next = (idx + delta).rem_euclid(n);
            (next > 0).then(|| all[next as usize - 1])
        }
        match field {
            Field::Storage => self.storage = step(&StorageKind::ALL, self.storage, delta),
            Field::Fuse => {
                self.fuse = step(
                    &[
                        Fuse::DevicePlugin,
                        Fuse::GenericDevicePlugin,
                        Fuse::CrioDevices,
                    ],
                    self.fuse,
                    delta,
                )
            }
            Field::Selinux => {
                self.selinux = step(
                    &[Selinux::EngineType, Selinux::HostDisabled, Selinux::None],
                    self.selinux,
                    delta,
                )
            }
            Field::Userns => {
                self.userns = step(
                    &[Userns::Hostusers, Userns::CrioAnnotation],
                    self.userns,
                    delta,
                )
            }
            Field::Apparmor => self.apparmor = step(&ApparmorKind::ALL, self.apparmor, delta),
            Field::UsernsShape => {
                self.userns_shape = step(
                    &[UsernsShape::Rootful, UsernsShape::Rootless],
                    self.userns_shape,
                    delta,
                )
            }
            Field::Platform => {
                self.platform = step(
                    &[Platform::Kubernetes, Platform::Openshift],
                    self.platform,
                    delta,
                )
            }
            Field::Kind => {
                self.kind = step(
                    &[
                        Kind::Job,
                        Kind::Deployment,
                        Kind::StatefulSet,
                        Kind::CronJob,
                    ],
                    self.kind,
                    delta,
                )
            }
            Field::ServiceAccountToken => self.service_account_token = !self.service_account_token,
            Field::CreateNamespace => self.create_namespace = !self.create_namespace,
            Field::PolicyVersion => {
                self.policy_version = step(&policy_versions(), self.policy_version, delta)
            }
            _ => {}
        }
    }

    /// The explicit choice of a choice row, as the CLI word (`None`: the mode's default).
    pub fn choice(&self, field: Field) -> Option<String> {
        match field {
            Field::Storage => self.storage.map(|s| s.word().to_string()),
            Field::Fuse => self.fuse.map(|v| v.to_string()),
            Field::Selinux => self.selinux.map(|v| v.to_string()),
            Field::Apparmor => self.apparmor.map(|v| v.word().to_string()),
            Field::Userns => self.userns.map(|v| v.to_string()),
            Field::UsernsShape => self.userns_shape.map(|v| v.to_string()),
            Field::Platform => self.platform.map(|v| v.to_string()),
            Field::Kind => self.kind.map(|v| v.to_string()),
            Field::ServiceAccountToken => Some(
                if self.service_account_token {
                    "mounted"
                } else {
                    "not mounted"
                }
                .into(),
            ),
            Field::CreateNamespace => Some(if self.create_namespace { "yes" } else { "no" }.into()),
            Field::PolicyVersion => self.policy_version.map(|v| v.to_string()),
            _ => None,
        }
    }
}

/// What the cluster line says. Filled in by messages, never waited for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ClusterStatus {
    Loading,
    /// Kubeconfig read; the API server not asked yet.
    Context {
        context: String,
        namespace: String,
        server: String,
    },
    /// The API server answered.
    Connected {
        context: String,
        namespace: String,
        server: String,
    },
    /// A context but no answer from its server.
    Unreachable {
        context: String,
        reason: String,
    },
    NoContext(String),
}

/// A text input over the current screen (the save directory).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SavePrompt {
    pub dir: String,
    /// The directory is not empty: waiting for y/n.
    pub confirm_overwrite: bool,
}

/// What the last apply event said about one object of the apply panel.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ObjectState {
    Waiting,
    /// Server-side dry-run in flight (spinner).
    DryRunning,
    /// The dry-run passed.
    Valid,
    /// Cannot be dry-run before its namespace exists (the reason).
    Deferred(String),
    /// The dry-run was rejected (the API server's message).
    Rejected(String),
    /// Server-side apply in flight (spinner).
    Writing,
    Created,
    Configured,
    Unchanged,
    /// The write failed (the API server's message).
    Failed(String),
    /// Not written because another object failed.
    Skipped,
    /// Deleted again after a failure (this apply had created it).
    RolledBack(Option<String>),
    /// Could not be deleted after a failure: left behind.
    RollbackFailed(String),
}

/// One row of the apply panel.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApplyObject {
    /// `kind/name (namespace NS)`.
    pub label: String,
    pub state: ObjectState,
    /// The API server's warnings for it (dry-run and write, deduplicated).
    pub warnings: Vec<String>,
}

/// Where the apply panel is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ApplyPhase {
    /// The server-side dry-run runs (nothing is written).
    DryRun,
    /// The dry-run passed: the confirmation waits for y/Enter or n/Esc.
    Confirm,
    /// The dry-run was rejected: confirming is refused, nothing was written.
    Rejected,
    /// Server-side apply (and the Pod watch) runs.
    Applying,
    Applied,
    /// A write failed; `error` says exactly what was rolled back.
    Failed,
}

/// The apply panel: the plan, the confirmation and the progress, filled in by messages.
#[derive(Clone, Debug, PartialEq)]
pub struct ApplyPanel {
    pub plan: ApplyPlan,
    pub phase: ApplyPhase,
    pub stage: Option<Stage>,
    /// One per `plan.objects`, same order.
    pub objects: Vec<ApplyObject>,
    /// The Pod's phase, from the watch after applying.
    pub pod: Option<PodStatus>,
    /// The report of the last finished run (dry-run, then apply).
    pub report: Option<ApplyReport>,
    /// Why the dry-run or the apply did not complete (the engine's text, exact).
    pub error: Option<String>,
    /// Frame of the spinners; advanced by `Msg::Tick` only while work is in flight.
    pub spinner: usize,
    pub scroll: usize,
    /// `v` after an apply: the verification's progress and result.
    pub verify: Option<VerifyPanel>,
    /// Pod Security admission predicted at the namespace's policy version (one line, from
    /// the first wave of the dry-run).
    pub pod_security: Option<String>,
    /// What to do when the dry-run is refused, when the generic advice (another mode or
    /// namespace) does not fit: the rewrite of someone's own object.
    pub rejected_hint: Option<String>,
    /// The plan is the safer rewrite of someone's own object (`podwiz -f FILE`): an object
    /// that exists already is not written (see `update::on_apply_done`).
    pub rewrite: bool,
}

/// A verification started from the apply panel (`podwiz apply --verify` in the wizard).
#[derive(Clone, Debug, PartialEq)]
pub struct VerifyPanel {
    pub target: VerifyTarget,
    /// Progress lines as they arrived ([`crate::cluster::verify::VerifyEvent::line`]).
    pub lines: Vec<String>,
    /// The result (None: still running).
    pub report: Option<VerifyReport>,
}

impl ApplyPanel {
    pub fn new(plan: ApplyPlan) -> ApplyPanel {
        let objects = (0..plan.objects.len())
            .map(|i| ApplyObject {
                label: plan.label(i),
                state: ObjectState::Waiting,
                warnings: Vec::new(),
            })
            .collect();
        ApplyPanel {
            plan,
            phase: ApplyPhase::DryRun,
            stage: None,
            objects,
            pod: None,
            report: None,
            error: None,
            spinner: 0,
            scroll: 0,
            verify: None,
            pod_security: None,
            rejected_hint: None,
            rewrite: false,
        }
    }

    /// A dry-run or an apply is running (the spinners turn).
    pub fn in_flight(&self) -> bool {
        matches!(self.phase, ApplyPhase::DryRun | ApplyPhase::Applying)
    }

    /// A verification is running (the spinner turns).
    pub fn verifying(&self) -> bool {
        self.verify.as_ref().is_some_and(|v| v.report.is_none())
    }
}

/// Severity of the status line message (shown with a symbol too).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StatusKind {
    Info,
    Success,
    Error,
}

#[derive(Clone, Debug)]
pub struct App {
    pub screen: Screen,
    pub overlay: Option<Overlay>,
    pub theme: Theme,
    pub runs: Runs,
    pub runs_cursor: usize,
    pub way_cursor: usize,
    pub mode: Mode,
    pub form: Form,
    pub field_cursor: usize,
    pub editing: bool,
    /// The first broken rule of the current options, with its row.
    pub error: Option<(Field, String)>,
    pub preview: Option<Preview>,
    pub tab: usize,
    /// Cursor line in the review's document (scroll follows it).
    pub line: usize,
    pub scroll: usize,
    pub compare_cursor: usize,
    pub help_scroll: usize,
    pub save: Option<SavePrompt>,
    pub cluster: ClusterStatus,
    /// The kube context read at start (context, cluster, user, server, namespace).
    pub kube: Option<ContextInfo>,
    /// The apply panel (`a` in Review), while open.
    pub apply: Option<ApplyPanel>,
    /// How long an apply watches the Pod's phase (the CLI's `--wait` default).
    pub apply_wait: std::time::Duration,
    pub status: Option<(StatusKind, String)>,
    pub mouse: bool,
    pub quit: bool,
    /// A quit was asked while the apply was writing: the next one quits.
    pub quit_armed: bool,
    /// Rows of the review's document view at the last draw (for paging).
    pub page: usize,
    /// The Review of someone's own manifest (`podwiz -f FILE`, `podwiz TYPE/NAME`): when set,
    /// Review shows it instead of a generated bundle, and there is no walk before it.
    pub manifest: Option<ManifestReview>,
}

impl App {
    pub fn new(theme: Theme) -> App {
        let mut app = App {
            screen: Screen::Start,
            overlay: None,
            theme,
            runs: Runs::Root,
            runs_cursor: 0,
            way_cursor: 0,
            mode: Mode::RootfulPriv,
            form: Form::default(),
            field_cursor: 0,
            editing: false,
            error: None,
            preview: None,
            tab: 0,
            line: 0,
            scroll: 0,
            compare_cursor: 0,
            help_scroll: 0,
            save: None,
            cluster: ClusterStatus::Loading,
            kube: None,
            apply: None,
            apply_wait: std::time::Duration::from_secs(30),
            status: None,
            mouse: false,
            quit: false,
            quit_armed: false,
            page: 20,
            manifest: None,
        };
        // The preview is built on the first key (or by the runtime right after the first
        // frame): the start screen does not need it.
        app.refresh_validation_only();
        app
    }

    /// The wizard opened on the Review of someone's manifest (`podwiz -f FILE`,
    /// `podwiz TYPE/NAME`).
    pub fn for_manifest(theme: Theme, review: ManifestReview) -> App {
        let mut app = App::new(theme);
        app.screen = Screen::Review;
        // The compare overlay judges the modes at the version the manifest was judged at.
        app.form.policy_version = Some(review.version);
        app.manifest = Some(review);
        app
    }

    fn refresh_validation_only(&mut self) {
        self.error = self
            .form
            .options(self.mode)
            .err()
            .map(|(f, e)| (f, e.to_string()));
    }

    pub fn fields(&self) -> Vec<Field> {
        self.form.fields(self.mode)
    }

    /// The Pod Security policy version the levels, the Namespace labels and the report are
    /// judged at (the Options row; latest unless chosen).
    pub fn policy_version(&self) -> PolicyVersion {
        self.form.policy_version.unwrap_or(PolicyVersion::Latest)
    }

    pub fn focused_field(&self) -> Field {
        let fields = self.fields();
        fields[self.field_cursor.min(fields.len() - 1)]
    }

    /// Recompute what derives from the choices: validation and the preview.
    pub fn refresh(&mut self) {
        let version = self.policy_version();
        match self.form.options(self.mode) {
            Ok(options) => {
                self.error = None;
                match crate::security::build_at(self.mode, &options, version)
                    .map_err(|e| e.to_string())
                    .and_then(|bundle| Preview::at(bundle, version))
                {
                    Ok(p) => self.preview = Some(p),
                    Err(e) => {
                        self.error = Some((Field::Name, e));
                        self.preview = None;
                    }
                }
            }
            Err((field, e)) => {
                self.error = Some((field, e.to_string()));
                // Keep the last good preview on screen while the input is being fixed.
            }
        }
        let n = self.fields().len();
        if self.field_cursor >= n {
            self.field_cursor = n - 1;
        }
        if let Some(p) = &self.preview {
            self.tab = self.tab.min(p.docs.len() - 1);
        }
    }

    pub fn current_doc(&self) -> Option<&Doc> {
        self.preview.as_ref().and_then(|p| p.docs.get(self.tab))
    }

    /// The options of the current choices, when they are valid.
    pub fn options(&self) -> Option<Options> {
        self.form.options(self.mode).ok()
    }

    /// The explanation key for what the cursor is on.
    pub fn explain_key(&self) -> String {
        match self.screen {
            Screen::Start => "start".into(),
            Screen::Runs => Runs::ALL[self.runs_cursor].key().into(),
            Screen::Way => format!("mode.{}", Way::ALL[self.way_cursor].mode(self.runs)),
            Screen::Options => {
                let f = self.focused_field();
                let word = |w: Option<String>, default: &str| w.unwrap_or_else(|| default.into());
                let resolved = self.options().and_then(|o| o.resolve(self.mode).ok());
                match f {
                    Field::Storage | Field::StorageArg => {
                        let default = resolved.as_ref().and_then(|r| r.storage.as_ref()).map_or(
                            "emptydir".to_string(),
                            |s| {
                                s.to_string()
                                    .split(':')
                                    .next()
                                    .unwrap_or("emptydir")
                                    .to_string()
                            },
                        );
                        format!(
                            "storage.{}",
                            word(self.form.choice(Field::Storage), &default)
                        )
                    }
                    Field::Fuse => format!(
                        "fuse.{}",
                        word(
                            self.form.choice(f),
                            &resolved
                                .and_then(|r| r.fuse)
                                .map_or("generic-device-plugin".into(), |v| v.to_string())
                        )
                    ),
                    Field::Selinux => format!(
                        "selinux.{}",
                        word(
                            self.form.choice(f),
                            &resolved
                                .and_then(|r| r.selinux)
                                .map_or("engine-type".into(), |v| v.to_string())
                        )
                    ),
                    Field::Userns => format!("userns.{}", word(self.form.choice(f), "hostusers")),
                    Field::UsernsShape => format!(
                        "userns-shape.{}",
                        word(
                            self.form.choice(f),
                            &resolved
                                .and_then(|r| r.userns_shape)
                                .map_or("rootful".into(), |v| v.to_string())
                        )
                    ),
                    Field::Apparmor | Field::ApparmorProfile => format!(
                        "apparmor.{}",
                        word(self.form.choice(Field::Apparmor), "runtime-default")
                    ),
                    Field::Platform => {
                        format!("platform.{}", word(self.form.choice(f), "kubernetes"))
                    }
                    Field::Kind => format!("kind.{}", word(self.form.choice(f), "pod")),
                    // The cronjob's own explanation names the schedule and its default.
                    Field::Schedule => "kind.cronjob".into(),
                    Field::ServiceAccountToken => "field.service-account-token".into(),
                    Field::PolicyVersion => "field.policy-version".into(),
                    Field::Name => "field.name".into(),
                    Field::Namespace => "field.namespace".into(),
                    Field::Image => "field.image".into(),
                    Field::CreateNamespace => "field.create-namespace".into(),
                    Field::Continue => format!("mode.{}", self.mode),
                }
            }
            Screen::Review => format!("mode.{}", self.mode),
        }
    }

    /// The `podwiz` command line that produces the same bundle.
    pub fn cli_args(&self) -> String {
        let mut args = vec![self.mode.id().to_string()];
        let Some(o) = self.options() else {
            return args.join(" ");
        };
        if let Some(v) = &o.name {
            args.push(format!("--name {v}"));
        }
        if let Some(v) = &o.namespace {
            args.push(format!("-n {v}"));
        }
        if let Some(v) = &o.image {
            args.push(format!("--image {v}"));
        }
        if let Some(v) = &o.storage {
            args.push(format!("--storage {v}"));
        }
        if let Some(v) = o.fuse {
            args.push(format!("--fuse {v}"));
        }
        if let Some(v) = o.selinux {
            args.push(format!("--selinux {v}"));
        }
        if let Some(v) = &o.apparmor {
            args.push(format!("--apparmor {v}"));
        }
        if let Some(v) = o.userns {
            args.push(format!("--userns {v}"));
        }
        if let Some(v) = o.userns_shape {
            args.push(format!("--userns-shape {v}"));
        }
        if let Some(v) = o.platform {
            args.push(format!("--platform {v}"));
        }
        if let Some(v) = o.kind.filter(|k| !k.is_pod()) {
            args.push(format!("--kind {v}"));
        }
        if let Some(v) = &o.schedule {
            args.push(format!("--schedule {}", crate::scenario::shell_quote(v)));
        }
        if o.service_account_token {
            args.push("--service-account-token".into());
        }
        if o.create_namespace {
            args.push("--create-namespace".into());
        }
        if let Some(v) = self.form.policy_version {
            args.push(format!("--policy-version {v}"));
        }
        args.join(" ")
    }
}
