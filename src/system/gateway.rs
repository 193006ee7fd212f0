//! The system's gateway: a crate in `gateway/` beside the manifest that routes every request to
//! the service owning its operation, checks tokens by each service's rules at the edge, and
//! serves one API reference for the whole system. Its route table, upstreams and token rules
//! are written from the services' specs; the rest of its code is the same for every system.

use heck::{ToShoutySnakeCase, ToSnakeCase};
use serde::Serialize;
use tera::Context;

use crate::ir::Auth;
use crate::render::{self, docs_page, File, Ownership, RenderError};

use super::System;

/// The gateway's folder, beside the manifest.
pub const FOLDER: &str = "gateway";

/// The port the gateway listens on unless a service of the system has it.
pub const DEFAULT_PORT: u16 = 8000;

#[derive(Debug, Serialize)]
struct Gateway {
    /// The package: `shop-gateway`.
    name: String,
    /// `shop_gateway`.
    crate_name: String,
    port: u16,
    upstreams: Vec<Upstream>,
    routes: Vec<Route>,
    /// Whether a service checks tokens, with a key set, or with a key or secret of its own.
    auth: bool,
    jwks: bool,
    keys: bool,
    /// The variables that hold the secrets of the services that verify tokens with one.
    secrets: Vec<String>,
    /// The variables that hold the public keys of the services that verify tokens with one,
    /// each with a key its tests set it to.
    public_keys: Vec<PublicKey>,
    /// Every variable of `secrets` and `public_keys`.
    key_variables: Vec<String>,
    /// Whether a route needs no token, and the first such (a `GET` if there is one), by its
    /// place in `routes`: the route the generated tests send to.
    has_public: bool,
    public: usize,
}

#[derive(Debug, Serialize)]
struct PublicKey {
    variable: String,
    /// A PEM public key of the service's first algorithm, for the gateway's tests.
    pem: &'static str,
}

#[derive(Debug, Serialize)]
struct Upstream {
    name: String,
    /// `PAYMENT_SERVICE`, for `PAYMENT_SERVICE_URL`.
    env: String,
    /// Where `msgen system run` starts it.
    url: String,
    auth: Option<Auth>,
    /// Its token algorithms as Rust: `Algorithm::RS256`.
    algorithms: Vec<String>,
    /// Each segment of its scopes claim.
    scopes_claim: Vec<String>,
}

#[derive(Debug, Serialize)]
struct Route {
    /// The service, by its place in `upstreams`.
    upstream: usize,
    method: &'static str,
    path: String,
    required: bool,
    scopes: Vec<String>,
}

/// A public key of `algorithm` that verifies nothing deployed: for the tests of a gateway whose
/// services verify tokens with a key of their own.
fn test_key(algorithm: &str) -> &'static str {
    match algorithm {
        "ES256" => "-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEeNThz1AzJBDNL/qg7/MyzF/618UX\nGMPQ/5TlDBNm85VlGRzhLy83IuOHbN2QPYOkHGqPzoA6PvHs042H+NvZtg==\n-----END PUBLIC KEY-----\n",
        "EdDSA" => "-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEAgEkRlpm6U8DbRvl9mu8RoqphJaFpIWhHtWCjAO7/4ZY=\n-----END PUBLIC KEY-----\n",
        _ => "-----BEGIN PUBLIC KEY-----\nMIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAu86XEfz26Lo2VjKScF82\nPj1Ue7FWGnNLe3dX1G622Na4qh1Fih268CvzhZKfMxurBgYyE7sYkkQ809pSfSL0\n4FoSB83t3rt0G5nMslmttvv43W+61/b/l1ygP4rlNaSaPWM7Vw72dAlHS8tbfXl7\nV0Am194bT+iaY0JuZT5tGYmPiOg9MhDw4r8YTN5fHdwIBnz/jK0FrtEek9XaaMRw\nyXs+SsZiZ/QqSq0grRE6TtFm4mrxf/5Z47Uu7fk3Fr/kj0WucKVgC7X42TTt/DC4\nuFXQeSzHQv0HQBQlLSZ+42B83AB9vtB+0wx1c3XQFBr7m8JA0Nfh9zdsHFFmMNSw\nswIDAQAB\n-----END PUBLIC KEY-----\n",
    }
}

/// The port of the gateway of `system`: [`DEFAULT_PORT`], or the first port above the
/// system's range that no service has.
pub fn port(system: &System) -> u16 {
    let taken: Vec<u16> = system.members.iter().map(|m| m.port().0).collect();
    if !taken.contains(&DEFAULT_PORT) {
        return DEFAULT_PORT;
    }
    let (_, high) = system.manifest.port_range();
    (high.saturating_add(1)..u16::MAX)
        .find(|p| !taken.contains(p))
        .unwrap_or(u16::MAX)
}

/// The name of the gateway's package: `<system>-gateway`.
pub fn package(system: &System) -> String {
    format!("{}-gateway", system.manifest.name.value)
}

/// The services the gateway of `system` forwards to: those with HTTP endpoints, in the order
/// of the manifest. A system without any has no gateway.
pub fn upstreams(system: &System) -> impl Iterator<Item = &super::Member> {
    system
        .members
        .iter()
        .filter(|m| !m.spec().endpoints.is_empty())
}

/// Every file of the gateway, paths relative to the manifest.
pub fn files(system: &System) -> Result<Vec<File>, RenderError> {
    let mut upstreams = Vec::new();
    let mut routes = Vec::new();
    for member in self::upstreams(system) {
        let service = crate::ir::lower(&member.valid);
        let upstream = upstreams.len();
        for route in render::routes(&service) {
            routes.push(Route {
                upstream,
                method: route.method,
                path: route.route,
                required: route.required,
                scopes: route.scopes,
            });
        }
        let auth = service.auth.as_ref();
        upstreams.push(Upstream {
            name: member.name().to_owned(),
            env: member.name().to_shouty_snake_case(),
            url: format!("http://127.0.0.1:{}", member.port().0),
            algorithms: auth
                .iter()
                .flat_map(|a| &a.algorithms)
                .map(|a| format!("Algorithm::{a}"))
                .collect(),
            scopes_claim: auth
                .iter()
                .flat_map(|a| a.scopes_claim.split('.'))
                .map(str::to_owned)
                .collect(),
            auth: service.auth.clone(),
        });
    }
    let name = package(system);
    let public = routes
        .iter()
        .position(|r| !r.required && r.method == "GET")
        .or_else(|| routes.iter().position(|r| !r.required));
    let auths = || upstreams.iter().filter_map(|u| u.auth.as_ref());
    // Each variable once, however many services read it.
    let mut variables = std::collections::BTreeSet::new();
    let keyed: Vec<&Auth> = auths()
        .filter(|a| a.keys != "jwks" && variables.insert(a.keys_from.clone()))
        .collect();
    let gateway = Gateway {
        crate_name: name.to_snake_case(),
        port: port(system),
        auth: auths().next().is_some(),
        jwks: auths().any(|a| a.keys == "jwks"),
        keys: auths().any(|a| a.keys != "jwks"),
        secrets: keyed
            .iter()
            .filter(|a| a.keys == "secret")
            .map(|a| a.keys_from.clone())
            .collect(),
        public_keys: keyed
            .iter()
            .filter(|a| a.keys == "public_key")
            .map(|a| PublicKey {
                variable: a.keys_from.clone(),
                pem: test_key(a.algorithms[0]),
            })
            .collect(),
        key_variables: keyed.iter().map(|a| a.keys_from.clone()).collect(),
        has_public: public.is_some(),
        public: public.unwrap_or_default(),
        name,
        upstreams,
        routes,
    };

    let manifest = &system.manifest;
    let description = manifest.description.as_ref().map(|d| d.value.as_str());
    let reference = super::reference::of_system(system);
    let heading = docs_page::Heading {
        title: &manifest.name.value,
        version: "1.0.0",
        description: description.unwrap_or_default(),
        covers: match gateway.upstreams.len() {
            1 => "Every operation of the system's service, through its gateway".to_owned(),
            n => format!("Every operation of the {n} services of the system, through its gateway"),
        },
    };
    let page = docs_page::page_of(&heading, &reference);
    let openapi = crate::render::yaml::to_string(&reference);

    let mut ctx = Context::new();
    ctx.insert("gateway", &gateway);
    ctx.insert(
        "system",
        &serde_json::json!({ "name": manifest.name.value }),
    );
    ctx.insert("docs_csp", &docs_page::content_security_policy());
    // What the templates shared with the services read: the gateway is a caller of every
    // service (`traceparent` goes along), consumes no events, and checks tokens from key sets
    // when a service has one.
    ctx.insert(
        "service",
        &serde_json::json!({
            "name": gateway.name,
            "events": { "publish": [], "consume": [] },
            "clients": [true],
        }),
    );
    ctx.insert(
        "auth",
        &serde_json::json!({ "keys": if gateway.jwks { "jwks" } else { "none" } }),
    );
    // Each file and its template under `templates/`: the gateway's own, but for the tracing
    // the services have too.
    let mut templates = vec![
        ("Cargo.toml", "gateway/Cargo.toml"),
        ("src/main.rs", "gateway/src/main.rs"),
        ("src/lib.rs", "gateway/src/lib.rs"),
        ("src/config.rs", "gateway/src/config.rs"),
        ("src/error.rs", "gateway/src/error.rs"),
        ("src/metrics.rs", "gateway/src/metrics.rs"),
        ("src/proxy.rs", "gateway/src/proxy.rs"),
        ("src/routes.rs", "gateway/src/routes.rs"),
        ("src/telemetry.rs", "service/src/telemetry.rs"),
        ("Dockerfile", "gateway/Dockerfile"),
        (".dockerignore", "gateway/dockerignore"),
        (
            "deploy/k8s/kustomization.yaml",
            "gateway/deploy/k8s/kustomization.yaml",
        ),
        (
            "deploy/k8s/configmap.yaml",
            "gateway/deploy/k8s/configmap.yaml",
        ),
        (
            "deploy/k8s/deployment.yaml",
            "gateway/deploy/k8s/deployment.yaml",
        ),
        ("deploy/k8s/service.yaml", "gateway/deploy/k8s/service.yaml"),
        ("tests/gateway.rs", "gateway/tests/gateway.rs"),
    ];
    if gateway.auth {
        templates.push(("src/auth.rs", "gateway/src/auth.rs"));
    }
    let mut files = Vec::new();
    for (path, template) in templates {
        let comment = if path.ends_with(".rs") { "//" } else { "#" };
        files.push(render::gateway_file(
            &format!("{template}.tera"),
            format!("{FOLDER}/{path}"),
            comment,
            &mut ctx,
        )?);
    }
    let manifest_text = &files[0].contents;
    files.push(File {
        path: format!("{FOLDER}/Cargo.lock"),
        contents: render::lock::gateway_lock(&gateway.name, manifest_text, gateway.auth)?,
        ownership: Ownership::Generated,
        stubs: Vec::new(),
    });
    for (path, contents) in [("openapi.yaml", openapi), ("docs.html", page)] {
        files.push(File {
            path: format!("{FOLDER}/{path}"),
            contents,
            ownership: Ownership::Generated,
            stubs: Vec::new(),
        });
    }
    Ok(files)
}
