//! What a generated service ships with besides its code: the container image (Dockerfile,
//! .dockerignore), the Kubernetes base under deploy/k8s, the compose stack and the CI workflow.
//!
//! Nothing here builds or runs an image: the manifests are validated offline against the
//! Kubernetes schemas by `kubernetes-validate`, and the other files are parsed and checked for
//! what they must contain. No cargo build of the generated service happens here.

mod support;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use serde::Deserialize;
use serde_yaml::Value;
use support::kubernetes_validate;

/// Every database, and each broker once, on the payment example.
const VARIANTS: [(&str, &str); 5] = [
    ("sqlite", "none"),
    ("postgres", "none"),
    ("postgres", "nats"),
    ("sqlite", "rabbitmq"),
    ("postgres", "kafka"),
];

const NAME: &str = "payment-service";

const DEPLOY_FILES: [&str; 9] = [
    "Dockerfile",
    ".dockerignore",
    "compose.yaml",
    ".github/workflows/ci.yml",
    "deploy/k8s/kustomization.yaml",
    "deploy/k8s/deployment.yaml",
    "deploy/k8s/service.yaml",
    "deploy/k8s/configmap.yaml",
    "deploy/k8s/hpa.yaml",
];

fn example() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/payment-service.yaml")
}

/// The port the example's spec gives the service.
fn spec_port() -> u64 {
    let text = std::fs::read_to_string(example()).unwrap();
    let spec: Value = serde_yaml::from_str(&text).unwrap();
    spec["port"].as_u64().expect("the example names its port")
}

/// A generated service.
struct Generated {
    root: PathBuf,
    database: &'static str,
    broker: &'static str,
}

impl Generated {
    /// Generates the example under `dir`, which must not exist.
    fn new(dir: &Path, database: &'static str, broker: &'static str) -> Self {
        std::fs::create_dir_all(dir).unwrap();
        let output = Command::new(env!("CARGO_BIN_EXE_msgen"))
            .args(["new", NAME, "--quiet", "--spec"])
            .arg(example())
            .args(["--database", database, "--broker", broker, "--dir"])
            .arg(dir)
            .env("NO_COLOR", "1")
            .output()
            .expect("msgen runs");
        assert!(
            output.status.success(),
            "msgen new failed ({database}, {broker}):\n{}",
            String::from_utf8_lossy(&output.stderr)
        );
        Self {
            root: dir.join(NAME),
            database,
            broker,
        }
    }

    fn postgres(&self) -> bool {
        self.database == "postgres"
    }

    fn what(&self) -> String {
        format!("{} with broker {}", self.database, self.broker)
    }

    fn read(&self, path: &str) -> String {
        std::fs::read_to_string(self.root.join(path))
            .unwrap_or_else(|err| panic!("{path} ({}): {err}", self.what()))
    }

    /// The YAML documents of a file.
    fn yaml(&self, path: &str) -> Vec<Value> {
        let text = self.read(path);
        serde_yaml::Deserializer::from_str(&text)
            .map(|doc| {
                Value::deserialize(doc)
                    .unwrap_or_else(|err| panic!("{path} ({}) is not YAML: {err}", self.what()))
            })
            .filter(|doc| !doc.is_null())
            .collect()
    }

    /// The only document of a file.
    fn yaml_one(&self, path: &str) -> Value {
        let mut docs = self.yaml(path);
        assert_eq!(docs.len(), 1, "{path} ({}) holds one document", self.what());
        docs.remove(0)
    }

    /// The document of `kind` among the manifests of deploy/k8s.
    fn manifest(&self, file: &str, kind: &str) -> Value {
        self.yaml(&format!("deploy/k8s/{file}"))
            .into_iter()
            .find(|doc| doc["kind"].as_str() == Some(kind))
            .unwrap_or_else(|| panic!("no {kind} in {file} ({})", self.what()))
    }

    /// The manifests kubernetes-validate knows: every file of deploy/k8s but kustomize's own.
    fn manifest_files(&self) -> Vec<PathBuf> {
        let dir = self.root.join("deploy/k8s");
        let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|entry| entry.unwrap().path())
            .filter(|path| path.file_name().unwrap() != "kustomization.yaml")
            .collect();
        files.sort();
        files
    }
}

/// Every variant, generated once for all the tests (they only read the files), in parallel, in
/// a directory of the target's that each run of this test binary starts afresh.
fn all() -> &'static [Generated] {
    static ALL: OnceLock<Vec<Generated>> = OnceLock::new();
    ALL.get_or_init(|| {
        let base = Path::new(env!("CARGO_TARGET_TMPDIR")).join("deploy");
        if base.exists() {
            std::fs::remove_dir_all(&base).unwrap();
        }
        std::thread::scope(|scope| {
            let handles: Vec<_> = VARIANTS
                .into_iter()
                .map(|(db, broker)| {
                    let dir = base.join(format!("{db}-{broker}"));
                    scope.spawn(move || Generated::new(&dir, db, broker))
                })
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        })
    })
}

fn str_of<'a>(value: &'a Value, what: &str) -> &'a str {
    value
        .as_str()
        .unwrap_or_else(|| panic!("{what} is not a string: {value:?}"))
}

/// Every `run:` and `uses:` of a workflow job, one per line.
fn job_steps(job: &Value) -> String {
    let steps = job["steps"].as_sequence().expect("the job has steps");
    steps
        .iter()
        .flat_map(|step| [&step["run"], &step["uses"]])
        .filter_map(Value::as_str)
        .collect::<Vec<_>>()
        .join("\n")
}

/// Runs the `Install msgen` step of the `spec` job as the runner would: without `MSGEN_GIT` it
/// warns and leaves the check out; with it, and the pinned msgen already installed (this
/// test's own binary, first on `PATH`), it installs nothing and lets the check run.
fn install_step_installs_or_says_why_not(job: &Value, what: &str) {
    let steps = job["steps"].as_sequence().expect("the job has steps");
    let step = steps
        .iter()
        .find(|step| step["name"] == "Install msgen")
        .expect("an `Install msgen` step");
    let script = step["run"].as_str().expect("a script");
    assert!(
        script
            .contains(r#"cargo install --locked --git "$MSGEN_GIT" --tag "v$MSGEN_VERSION" msgen"#),
        "{what}: {script}"
    );
    let check = steps
        .iter()
        .find(|step| step["run"] == "msgen generate --check")
        .expect("the check step");
    assert_eq!(
        check["if"], "steps.msgen.outputs.installed == 'true'",
        "{what}"
    );

    let temp = tempfile::tempdir().unwrap();
    let output_file = temp.path().join("output");
    let bin = Path::new(env!("CARGO_BIN_EXE_msgen")).parent().unwrap();
    let path = format!("{}:{}", bin.display(), std::env::var("PATH").unwrap());
    for (git, warned, installed) in [
        ("", true, ""),
        ("https://git.example/msgen.git", false, "installed=true\n"),
    ] {
        std::fs::write(&output_file, "").unwrap();
        let output = Command::new("bash")
            .args(["-euo", "pipefail", "-c", script])
            .env("MSGEN_GIT", git)
            .env("MSGEN_VERSION", env!("CARGO_PKG_VERSION"))
            .env("GITHUB_OUTPUT", &output_file)
            .env("PATH", &path)
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert!(
            output.status.success(),
            "{what}: {stdout}{}",
            String::from_utf8_lossy(&output.stderr)
        );
        assert_eq!(stdout.contains("::warning::"), warned, "{what}: {stdout}");
        assert_eq!(
            std::fs::read_to_string(&output_file).unwrap(),
            installed,
            "{what}"
        );
    }
}

#[test]
fn deployment_files_are_generated_tidy_and_owned() {
    for s in all() {
        for path in DEPLOY_FILES {
            let text = s.read(path);
            assert!(
                text.starts_with("# Generated by msgen from msgen.yaml."),
                "{path} ({}) says who owns it:\n{text}",
                s.what()
            );
            for (i, line) in text.lines().enumerate() {
                assert_eq!(
                    line,
                    line.trim_end(),
                    "{path}:{} ({}) has trailing whitespace",
                    i + 1,
                    s.what()
                );
            }
            assert!(!text.contains('\t'), "{path} ({}) has a tab", s.what());
            if path.ends_with(".yaml") || path.ends_with(".yml") {
                assert!(!s.yaml(path).is_empty(), "{path} ({}) is empty", s.what());
            }
        }
    }
}

#[test]
fn manifests_pass_kubernetes_validate_offline() {
    // All variants at once: one run of the validator per Kubernetes version.
    let services = all();
    let mut files = Vec::new();
    let mut documents = 0;
    for s in services {
        for file in s.manifest_files() {
            let name = file.file_name().unwrap().to_string_lossy().into_owned();
            documents += s.yaml(&format!("deploy/k8s/{name}")).len();
            files.push(file);
        }
    }
    // The newest Kubernetes it knows, and an older one still in common use.
    kubernetes_validate(&files, documents, None, "every variant");
    kubernetes_validate(&files, documents, Some("1.29.0"), "every variant");
}

#[test]
fn kustomization_lists_every_manifest_and_builds() {
    let services = all();
    let mut built_files = Vec::new();
    let mut built_documents = 0;
    for s in services {
        let k = s.yaml_one("deploy/k8s/kustomization.yaml");
        assert_eq!(k["kind"], "Kustomization");
        let resources: BTreeSet<String> = k["resources"]
            .as_sequence()
            .expect("resources")
            .iter()
            .map(|r| str_of(r, "a resource").to_owned())
            .collect();
        let files: BTreeSet<String> = s
            .manifest_files()
            .iter()
            .map(|f| f.file_name().unwrap().to_string_lossy().into_owned())
            .collect();
        assert_eq!(resources, files, "kustomization.yaml ({})", s.what());
        let deployment = s.manifest("deployment.yaml", "Deployment");
        let image = &deployment["spec"]["template"]["spec"]["containers"][0]["image"];
        assert_eq!(k["images"][0]["name"], *image, "{}", s.what());

        // kustomize itself, when kubectl is here: the base builds, and what it builds is valid.
        let output = match Command::new("kubectl")
            .arg("kustomize")
            .arg(s.root.join("deploy/k8s"))
            .output()
        {
            Ok(output) => output,
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => {
                eprintln!("kubectl is not installed: the kustomize build is not checked");
                return;
            }
            Err(err) => panic!("cannot run kubectl: {err}"),
        };
        assert!(
            output.status.success(),
            "kubectl kustomize ({}): {}",
            s.what(),
            String::from_utf8_lossy(&output.stderr)
        );
        let built = s.root.with_file_name("kustomize-build.yaml");
        std::fs::write(&built, &output.stdout).unwrap();
        let docs = s.yaml("../kustomize-build.yaml");
        let image = format!("{NAME}:0.1.0");
        assert!(
            docs.iter()
                .any(|d| d["spec"]["template"]["spec"]["containers"][0]["image"] == image.as_str()),
            "the built Deployment runs {image} ({})",
            s.what()
        );
        built_documents += docs.len();
        built_files.push(built);
    }
    kubernetes_validate(&built_files, built_documents, None, "kustomize builds");
}

#[test]
fn deployment_probes_security_resources_and_secrets() {
    let port = spec_port();
    for s in all() {
        let what = s.what();
        let d = s.manifest("deployment.yaml", "Deployment");
        let pod = &d["spec"]["template"]["spec"];
        let containers = pod["containers"].as_sequence().expect("containers");
        assert_eq!(containers.len(), 1, "{what}");
        let c = &containers[0];

        // One replica on SQLite (one file, one writer), two on PostgreSQL.
        let replicas = if s.postgres() { 2 } else { 1 };
        assert_eq!(d["spec"]["replicas"], replicas, "{what}");
        if !s.postgres() {
            assert_eq!(d["spec"]["strategy"]["type"], "Recreate", "{what}");
        }

        // The container port is the spec's; probes reach it by name or number. With `auth:`
        // (the example has it), `/metrics` has a port of its own: the one `METRICS_ADDR` names.
        let ports = c["ports"].as_sequence().expect("ports");
        assert_eq!(ports.len(), 2, "{what}");
        assert_eq!(ports[0]["containerPort"].as_u64(), Some(port), "{what}");
        assert_eq!(ports[1]["name"], "metrics", "{what}");
        let cm = s.manifest("configmap.yaml", "ConfigMap");
        let metrics = str_of(&cm["data"]["METRICS_ADDR"], "METRICS_ADDR");
        let metrics_port = metrics.rsplit_once(':').and_then(|(_, p)| p.parse().ok());
        assert_eq!(ports[1]["containerPort"].as_u64(), metrics_port, "{what}");
        let port_name = ports[0]["name"].as_str();
        let reaches_port = |p: &Value| p.as_u64() == Some(port) || p.as_str() == port_name;
        for (probe, path) in [
            ("readinessProbe", "/health/ready"),
            ("livenessProbe", "/health/live"),
        ] {
            let get = &c[probe]["httpGet"];
            assert_eq!(get["path"], path, "{probe} ({what})");
            assert!(reaches_port(&get["port"]), "{probe} port ({what}): {get:?}");
        }

        // Hardening.
        let sc = &c["securityContext"];
        let pod_sc = &pod["securityContext"];
        assert!(
            sc["runAsNonRoot"] == true || pod_sc["runAsNonRoot"] == true,
            "{what}"
        );
        assert_eq!(sc["readOnlyRootFilesystem"], true, "{what}");
        assert_eq!(sc["allowPrivilegeEscalation"], false, "{what}");
        assert_eq!(sc["capabilities"]["drop"][0], "ALL", "{what}");
        assert!(
            sc["seccompProfile"]["type"] == "RuntimeDefault"
                || pod_sc["seccompProfile"]["type"] == "RuntimeDefault",
            "{what}"
        );
        // The image's user, numeric so that runAsNonRoot can be checked.
        assert_eq!(pod_sc["runAsUser"], 10001, "{what}");

        // A writable /tmp on the read-only root filesystem.
        let mounts = c["volumeMounts"].as_sequence().expect("volumeMounts");
        let volumes = pod["volumes"].as_sequence().expect("volumes");
        let volume_at = |path: &str| {
            let mount = mounts
                .iter()
                .find(|m| m["mountPath"] == path)
                .unwrap_or_else(|| panic!("nothing mounted at {path} ({what})"));
            volumes
                .iter()
                .find(|v| v["name"] == mount["name"])
                .unwrap_or_else(|| panic!("no volume for {path} ({what})"))
                .clone()
        };
        assert!(volume_at("/tmp")["emptyDir"].is_mapping(), "{what}");

        for kind in ["requests", "limits"] {
            for resource in ["cpu", "memory"] {
                assert!(
                    c["resources"][kind][resource].is_string(),
                    "resources.{kind}.{resource} ({what})"
                );
            }
        }

        // Settings from the ConfigMap; the grace period covers the longest request.
        let cm = s.manifest("configmap.yaml", "ConfigMap");
        assert_eq!(
            c["envFrom"][0]["configMapRef"]["name"], cm["metadata"]["name"],
            "{what}"
        );
        let timeout: u64 = str_of(&cm["data"]["REQUEST_TIMEOUT_SECS"], "timeout")
            .parse()
            .unwrap();
        let grace = pod["terminationGracePeriodSeconds"]
            .as_u64()
            .expect("terminationGracePeriodSeconds");
        assert!(grace >= timeout, "grace {grace} < {timeout} ({what})");

        // Credentials from the Secret.
        let env = c["env"].as_sequence().cloned().unwrap_or_default();
        let secret_key = |name: &str| {
            let var = env.iter().find(|v| v["name"] == name)?;
            let r = &var["valueFrom"]["secretKeyRef"];
            assert_eq!(
                r["name"],
                format!("{NAME}-secrets").as_str(),
                "{name} ({what})"
            );
            Some(str_of(&r["key"], "key").to_owned())
        };
        if s.postgres() {
            assert_eq!(secret_key("DATABASE_URL").as_deref(), Some("database-url"));
            let text = s.read("deploy/k8s/deployment.yaml");
            assert!(
                text.contains("advisory lock"),
                "the migrations note ({what})"
            );
        } else {
            // A file path is no secret: it comes with the other settings, on a volume of its own.
            assert_eq!(secret_key("DATABASE_URL"), None, "{what}");
            let url = format!("sqlite:///data/{NAME}.db");
            assert_eq!(cm["data"]["DATABASE_URL"], url.as_str(), "{what}");
            let data = volume_at("/data");
            let claim = &data["persistentVolumeClaim"]["claimName"];
            let pvc = s.manifest("deployment.yaml", "PersistentVolumeClaim");
            assert_eq!(pvc["metadata"]["name"], *claim, "{what}");
            assert_eq!(pod["securityContext"]["fsGroup"], 10001, "{what}");
        }
        let broker = match s.broker {
            "nats" => Some(("NATS_URL", "nats-url")),
            "rabbitmq" => Some(("AMQP_URL", "amqp-url")),
            "kafka" => Some(("KAFKA_BROKERS", "kafka-brokers")),
            _ => None,
        };
        if let Some((var, key)) = broker {
            assert_eq!(secret_key(var).as_deref(), Some(key), "{what}");
        }
        // The payment example pages refunds by cursor: every replica signs with one key, which
        // the one replica on SQLite may do without.
        assert_eq!(
            secret_key("CURSOR_SECRET").as_deref(),
            Some("cursor-secret")
        );
        let cursor = env.iter().find(|v| v["name"] == "CURSOR_SECRET");
        let optional = &cursor.expect("CURSOR_SECRET")["valueFrom"]["secretKeyRef"]["optional"];
        assert_eq!(
            optional.as_bool(),
            (!s.postgres()).then_some(true),
            "{what}"
        );
        let expected = usize::from(s.postgres()) + usize::from(broker.is_some()) + 1;
        assert_eq!(env.len(), expected, "env ({what}): {env:?}");
    }
}

#[test]
fn configmap_service_and_autoscaler_agree_with_the_spec() {
    let port = spec_port();
    for s in all() {
        let what = s.what();
        let cm = s.manifest("configmap.yaml", "ConfigMap");
        let data = &cm["data"];
        assert_eq!(data["PORT"], port.to_string().as_str(), "{what}");
        assert_eq!(data["HOST"], "0.0.0.0", "{what}");
        for key in [
            "RUST_LOG",
            "DATABASE_MAX_CONNECTIONS",
            "REQUEST_BODY_LIMIT",
            "REQUEST_TIMEOUT_SECS",
        ] {
            assert!(data[key].is_string(), "{key} ({what})");
        }

        let d = s.manifest("deployment.yaml", "Deployment");
        let labels = &d["spec"]["template"]["metadata"]["labels"];
        let svc = s.manifest("service.yaml", "Service");
        assert_eq!(svc["spec"]["type"], "ClusterIP", "{what}");
        assert_eq!(svc["spec"]["ports"][0]["port"], 80, "{what}");
        // Only the API: `/metrics` is scraped from the pods.
        assert_eq!(svc["spec"]["ports"].as_sequence().map(Vec::len), Some(1));
        let target = &svc["spec"]["ports"][0]["targetPort"];
        assert!(
            target.as_u64() == Some(port) || *target == "http",
            "targetPort ({what}): {target:?}"
        );
        for (key, value) in svc["spec"]["selector"].as_mapping().expect("selector") {
            assert_eq!(labels[key.as_str().unwrap()], *value, "selector ({what})");
        }

        let hpa = s.manifest("hpa.yaml", "HorizontalPodAutoscaler");
        assert_eq!(hpa["apiVersion"], "autoscaling/v2", "{what}");
        assert_eq!(hpa["spec"]["scaleTargetRef"]["name"], d["metadata"]["name"]);
        assert_eq!(hpa["spec"]["minReplicas"], d["spec"]["replicas"], "{what}");
        let max = if s.postgres() { 10 } else { 1 };
        assert_eq!(hpa["spec"]["maxReplicas"], max, "{what}");
        let metric = &hpa["spec"]["metrics"][0]["resource"];
        assert_eq!(metric["name"], "cpu", "{what}");
        assert_eq!(metric["target"]["averageUtilization"], 70, "{what}");
    }
}

#[test]
fn compose_builds_the_service_with_what_it_depends_on() {
    let port = spec_port();
    for s in all() {
        let what = s.what();
        let compose = s.yaml_one("compose.yaml");
        let services = &compose["services"];
        let app = &services[NAME];
        assert_eq!(app["build"], ".", "{what}");
        let published = format!("{port}:{port}");
        assert_eq!(app["ports"][0], published.as_str(), "{what}");
        let env = &app["environment"];
        assert_eq!(env["PORT"], port.to_string().as_str(), "{what}");
        let url = str_of(&env["DATABASE_URL"], "DATABASE_URL");
        if s.postgres() {
            let pg = &services["postgres"];
            assert_eq!(pg["image"], "postgres:16", "{what}");
            let check = serde_yaml::to_string(&pg["healthcheck"]["test"]).unwrap();
            assert!(check.contains("pg_isready"), "{what}: {check}");
            let volume = str_of(&pg["volumes"][0], "volume");
            let named = volume.split(':').next().unwrap();
            assert!(
                compose["volumes"].as_mapping().unwrap().contains_key(named),
                "named volume {named} ({what})"
            );
            assert_eq!(
                app["depends_on"]["postgres"]["condition"], "service_healthy",
                "{what}"
            );
            assert!(url.starts_with("postgres://") && url.contains("@postgres:5432/"));
        } else {
            assert!(services["postgres"].is_null(), "{what}");
            assert_eq!(url, format!("sqlite:///data/{NAME}.db"), "{what}");
            let volume = str_of(&app["volumes"][0], "volume");
            assert!(volume.ends_with(":/data"), "{what}: {volume}");
        }
        let broker = match s.broker {
            "nats" => Some(("nats", "nats:2", "NATS_URL")),
            "rabbitmq" => Some(("rabbitmq", "rabbitmq:3-management", "AMQP_URL")),
            "kafka" => Some(("kafka", "apache/kafka:", "KAFKA_BROKERS")),
            _ => None,
        };
        match broker {
            Some((service, image, var)) => {
                let b = &services[service];
                assert!(
                    str_of(&b["image"], "image").starts_with(image),
                    "{what}: {b:?}"
                );
                assert!(env[var].is_string(), "{var} ({what})");
                let condition = &app["depends_on"][service]["condition"];
                if b["healthcheck"].is_mapping() {
                    assert_eq!(*condition, "service_healthy", "{what}");
                } else {
                    assert_eq!(*condition, "service_started", "{what}");
                }
                if service == "nats" {
                    assert_eq!(b["command"][0], "-js", "JetStream ({what})");
                }
            }
            None => {
                let names: Vec<&Value> = services.as_mapping().unwrap().keys().collect();
                let expected = if s.postgres() { 2 } else { 1 };
                assert_eq!(names.len(), expected, "{what}: {names:?}");
            }
        }
    }
}

#[test]
fn workflow_checks_tests_keeps_the_spec_and_builds_the_image() {
    for s in all() {
        let what = s.what();
        let ci = s.yaml_one(".github/workflows/ci.yml");
        let jobs = &ci["jobs"];
        let names: BTreeSet<&str> = jobs
            .as_mapping()
            .expect("jobs")
            .keys()
            .filter_map(Value::as_str)
            .collect();
        assert_eq!(names, BTreeSet::from(["check", "image", "spec", "test"]));

        let check = job_steps(&jobs["check"]);
        for expected in [
            "cargo fmt --check",
            "clippy",
            "--all-targets",
            "-D warnings",
        ] {
            assert!(check.contains(expected), "check: {expected} ({what})");
        }
        let test = job_steps(&jobs["test"]);
        assert!(test.contains("cargo test --locked"), "{what}");
        let spec = job_steps(&jobs["spec"]);
        assert!(spec.contains("msgen generate --check"), "{what}");
        assert_eq!(
            ci["env"]["MSGEN_VERSION"].as_str(),
            Some(env!("CARGO_PKG_VERSION")),
            "{what}"
        );
        install_step_installs_or_says_why_not(&jobs["spec"], &what);
        let image = job_steps(&jobs["image"]);
        assert!(
            image.contains("docker/build-push-action") || image.contains("docker build"),
            "{what}"
        );
        let needs = &jobs["image"]["needs"];
        assert!(
            *needs == "test"
                || needs
                    .as_sequence()
                    .is_some_and(|n| n.contains(&"test".into())),
            "{what}: {needs:?}"
        );
        for job in names {
            let steps = job_steps(&jobs[job]);
            assert!(steps.contains("actions/checkout@v4"), "{job} ({what})");
            if job != "image" {
                assert!(steps.contains("dtolnay/rust-toolchain@stable"), "{job}");
                assert!(steps.contains("Swatinem/rust-cache@v2"), "{job}");
            }
        }

        let postgres = &jobs["test"]["services"]["postgres"];
        if s.postgres() {
            assert_eq!(postgres["image"], "postgres:16", "{what}");
            let options = str_of(&postgres["options"], "options");
            assert!(options.contains("--health-cmd"), "{what}");
            assert!(options.contains("pg_isready"), "{what}");
            let url = str_of(&jobs["test"]["env"]["DATABASE_URL"], "DATABASE_URL");
            assert!(url.starts_with("postgres://"), "{what}");
            assert_eq!(postgres["ports"][0], "5432:5432", "{what}");
            assert!(url.contains("127.0.0.1:5432") || url.contains("localhost:5432"));
        } else {
            assert!(jobs["test"]["services"].is_null(), "{what}");
        }
    }
}

/// The instructions of a Dockerfile, continuation lines joined, comments dropped, grouped by
/// stage: (stage name, instructions).
fn dockerfile_stages(text: &str) -> Vec<(String, Vec<String>)> {
    let mut instructions = Vec::new();
    let mut current = String::new();
    for line in text.lines() {
        let trimmed = line.trim();
        if trimmed.starts_with('#') || (trimmed.is_empty() && current.is_empty()) {
            continue;
        }
        match trimmed.strip_suffix('\\') {
            Some(part) => {
                current.push_str(part);
                current.push(' ');
            }
            None => {
                current.push_str(trimmed);
                instructions.push(std::mem::take(&mut current));
            }
        }
    }
    let mut stages: Vec<(String, Vec<String>)> = Vec::new();
    for instruction in instructions {
        if let Some(from) = instruction.strip_prefix("FROM ") {
            let name = from.split(" AS ").nth(1).unwrap_or("").trim().to_owned();
            stages.push((name, vec![instruction]));
        } else {
            stages
                .last_mut()
                .expect("FROM comes first")
                .1
                .push(instruction);
        }
    }
    stages
}

#[test]
fn dockerfile_caches_dependencies_and_runs_unprivileged() {
    let port = spec_port();
    for s in all() {
        let what = s.what();
        let stages = dockerfile_stages(&s.read("Dockerfile"));
        let stage = |name: &str| {
            stages
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, i)| i.join("\n"))
                .unwrap_or_else(|| panic!("no stage {name} ({what})"))
        };
        let names: Vec<&str> = stages.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(
            names,
            ["chef", "planner", "cacher", "builder", "runtime"],
            "{what}"
        );
        assert!(stage("chef").starts_with("FROM lukemathwalker/cargo-chef:"));
        assert!(stage("planner").contains("cargo chef prepare --recipe-path recipe.json"));
        let cacher = stage("cacher");
        assert!(
            cacher.contains("COPY --from=planner /app/recipe.json"),
            "{what}"
        );
        assert!(cacher.contains("cargo chef cook --release --locked --recipe-path recipe.json"));
        // The dependencies are cooked before the service's code is copied in.
        assert!(!cacher.contains("COPY . ."), "{what}");
        let builder = stage("builder");
        assert!(builder.starts_with("FROM cacher AS builder"), "{what}");
        assert!(builder.contains("COPY . ."), "{what}");
        assert!(builder.contains(&format!("cargo build --release --locked --bin {NAME}")));

        let runtime = stage("runtime");
        assert!(
            runtime.starts_with("FROM debian:bookworm-slim")
                || runtime.starts_with("FROM gcr.io/distroless/cc-debian12"),
            "{what}"
        );
        assert!(runtime.contains(&format!("COPY --from=builder /app/target/release/{NAME} ")));
        let user = runtime
            .lines()
            .filter_map(|l| l.strip_prefix("USER "))
            .next_back()
            .expect("a USER in the runtime stage");
        let uid = user.split(':').next().unwrap();
        assert!(!["root", "0"].contains(&uid), "USER {user} ({what})");
        assert_eq!(uid, "10001", "the uid the Deployment runs as ({what})");
        assert!(
            runtime.lines().any(|l| l == format!("EXPOSE {port}")),
            "{what}"
        );
        assert!(runtime.contains("HOST=0.0.0.0"), "{what}");
        assert!(runtime.contains(&format!("PORT={port}")), "{what}");
        if runtime.starts_with("FROM debian") {
            let health = runtime
                .lines()
                .find(|l| l.starts_with("HEALTHCHECK "))
                .expect("a HEALTHCHECK");
            assert!(health.contains("/health/ready"), "{what}: {health}");
        }
        assert!(runtime.contains("ENTRYPOINT [\""), "exec form ({what})");
        if s.postgres() {
            assert!(!runtime.contains("VOLUME"), "{what}");
        } else {
            assert!(runtime.lines().any(|l| l == "VOLUME /data"), "{what}");
            assert!(runtime.contains(&format!("DATABASE_URL=sqlite:///data/{NAME}.db")));
        }

        let ignore = s.read(".dockerignore");
        let patterns: BTreeSet<&str> = ignore
            .lines()
            .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
            .collect();
        for expected in ["target", ".env", ".git"] {
            assert!(patterns.contains(expected), "{expected} ({what})");
        }
        assert!(
            patterns.contains("*.db") || patterns.contains("**/*.db"),
            "{what}"
        );
    }
}
