//! `auth:` and the `auth:` and `scopes:` of endpoints.

use super::Validator;
use crate::spec::diagnostics::{show, Diagnostic};
use crate::spec::model::*;

/// An example to copy, for the help of a spec whose `auth:` lacks a key.
const EXAMPLE: &str = "auth:\n  issuer: https://id.example.com/\n  audience: payment-service\n  jwks_url: https://id.example.com/.well-known/jwks.json";

impl Validator<'_> {
    pub(super) fn auth(&mut self) {
        if let Some(auth) = &self.spec.auth {
            self.service_auth(auth);
        }
        for endpoint in &self.spec.endpoints {
            match endpoint {
                Endpoint::Resource(r) => {
                    let scopes: Vec<&ScopeList> = match &r.scopes {
                        None => Vec::new(),
                        Some(ResourceScopes::All(list)) => vec![list],
                        Some(ResourceScopes::ByKind { read, write, .. }) => {
                            read.iter().chain(write).collect()
                        }
                    };
                    let scopes_span = r.scopes.as_ref().map(|s| match s {
                        ResourceScopes::All(list) => list.span,
                        ResourceScopes::ByKind { span, .. } => *span,
                    });
                    let what = format!("the resource endpoint for `{}`", show(&r.resource));
                    self.endpoint_auth(&what, r.auth.as_ref(), scopes_span, &scopes);
                }
                Endpoint::Custom(c) => {
                    let what = format!("endpoint `{}`", show(&c.name));
                    let scopes: Vec<&ScopeList> = c.scopes.iter().collect();
                    self.endpoint_auth(
                        &what,
                        c.auth.as_ref(),
                        c.scopes.as_ref().map(|s| s.span),
                        &scopes,
                    );
                }
            }
        }
    }

    fn service_auth(&mut self, auth: &Auth) {
        let lost = |key| self.dropped.key(auth.span, key);
        for (value, key, example) in [
            (&auth.issuer, "issuer", "https://id.example.com/"),
            (&auth.audience, "audience", "payment-service"),
        ] {
            match value {
                None if !lost(key) => self.report(
                    Diagnostic::error(auth.span, format!("`auth` has no `{key}`"))
                        .with_help(format!(
                            "add `{key}: {example}`: tokens are accepted only when their `{}` claim is this value",
                            &key[..3]
                        )),
                ),
                Some(v) if v.value.trim().is_empty() => self.report(
                    Diagnostic::error(v.span, format!("`{key}` is empty"))
                        .with_help(format!("write the value the tokens carry, e.g. `{key}: {example}`")),
                ),
                Some(v) => self.text(v, &format!("`{key}`")),
                None => {}
            }
        }
        let keys_lost = KeySource::KEYS.iter().any(|&k| lost(k));
        match auth.keys.as_slice() {
            [] if !keys_lost => self.report(
                Diagnostic::error(auth.span, "`auth` does not say where the keys that verify tokens come from")
                    .with_help(format!("add one of `jwks_url:` (the identity provider's key set), `public_key_env:` (an environment variable holding a PEM public key) or `secret_env:` (an environment variable holding an HS256 secret), e.g.\n\n{EXAMPLE}")),
            ),
            [] => {}
            [first, rest @ ..] => {
                for other in rest {
                    self.report(
                        Diagnostic::error(
                            other.span,
                            format!("`auth` takes one source of keys; `{}` and `{}` are both given", first.value.key(), other.value.key()),
                        )
                        .with_related(first.span, format!("`{}` is here", first.value.key()))
                        .with_help("keep the one the service should trust"),
                    );
                }
                self.key_source(first);
            }
        }
        self.algorithms(auth, keys_lost || lost("algorithms"));
        if let Some(claim) = &auth.scopes_claim {
            if claim.value.is_empty()
                || claim
                    .value
                    .split('.')
                    .any(|part| part.trim().is_empty() || part.trim() != part)
            {
                self.report(
                    Diagnostic::error(claim.span, format!("`{}` is not a claim name", show(claim)))
                        .with_help("write the claim's name (`scope`, `scp`, `roles`), or its path with dots for a nested claim (`realm_access.roles`)"),
                );
            }
        }
    }

    fn key_source(&mut self, source: &Spanned<KeySource>) {
        match &source.value {
            KeySource::JwksUrl(url) => {
                let web = url.starts_with("https://") || url.starts_with("http://");
                if !web || !crate::rules::is_url(url) {
                    self.report(
                        Diagnostic::error(source.span, format!("`{}` is not an http(s) URL", show(url)))
                            .with_help("write the address of the identity provider's key set, e.g. `jwks_url: https://id.example.com/.well-known/jwks.json`; the service reads it from `AUTH_JWKS_URL` when that is set"),
                    );
                }
            }
            KeySource::PublicKeyEnv(var) | KeySource::SecretEnv(var) => {
                if !is_env_var(var) {
                    self.report(
                        Diagnostic::error(source.span, format!("`{}` is not an environment variable name", show(var)))
                            .with_help("use capital letters, digits and `_`, not starting with a digit: `AUTH_PUBLIC_KEY`"),
                    );
                }
            }
        }
    }

    /// The algorithms fit the keys: a shared secret only signs HS256, which must be chosen in
    /// so many words; a public key signs anything else.
    fn algorithms(&mut self, auth: &Auth, lost: bool) {
        let secret = auth
            .keys
            .first()
            .filter(|k| matches!(k.value, KeySource::SecretEnv(_)));
        let Some(algorithms) = &auth.algorithms else {
            if let (Some(secret), false) = (secret, lost) {
                self.report(
                    Diagnostic::error(secret.span, "a shared secret verifies HS256 tokens, which must be chosen explicitly")
                        .with_help("add `algorithms: [HS256]`; HS256 suits development and tests, where the party issuing tokens can share the service's secret"),
                );
            }
            return;
        };
        if algorithms.value.is_empty() {
            self.report(
                Diagnostic::error(
                    algorithms.span,
                    "`algorithms` is empty, so no token could be accepted",
                )
                .with_help(format!(
                    "list the algorithms the identity provider signs with: {}",
                    Algorithm::ALL.join(", ")
                )),
            );
            return;
        }
        let mut seen: Vec<Algorithm> = Vec::new();
        for alg in &algorithms.value {
            if seen.contains(&alg.value) {
                self.report(
                    Diagnostic::error(
                        alg.span,
                        format!("`{}` is listed twice", alg.value.as_str()),
                    )
                    .with_help("remove one"),
                );
            }
            seen.push(alg.value);
        }
        let Some(source) = auth.keys.first() else {
            return;
        };
        for alg in &algorithms.value {
            let symmetric = alg.value.is_symmetric();
            if symmetric && secret.is_none() {
                self.report(
                    Diagnostic::error(alg.span, format!("HS256 tokens are verified with a shared secret, not with `{}`", source.value.key()))
                        .with_help("use `secret_env:` for HS256 (development only), or an algorithm of public keys: RS256, ES256, EdDSA"),
                );
            } else if !symmetric && secret.is_some() {
                self.report(
                    Diagnostic::error(alg.span, format!("{} tokens are verified with a public key, not with `secret_env`", alg.value.as_str()))
                        .with_help("use `jwks_url:` or `public_key_env:` for it, or accept only HS256 with the secret"),
                );
            }
        }
        if let (KeySource::PublicKeyEnv(_), [_, second, ..]) =
            (&source.value, algorithms.value.as_slice())
        {
            self.report(
                Diagnostic::error(second.span, "one public key verifies one algorithm")
                    .with_related(source.span, "the key comes from here")
                    .with_help("list the algorithm of that key alone, or use `jwks_url:`, whose keys each say their algorithm"),
            );
        }
    }

    fn endpoint_auth(
        &mut self,
        what: &str,
        access: Option<&Spanned<Access>>,
        scopes_span: Option<Span>,
        scopes: &[&ScopeList],
    ) {
        if self.spec.auth.is_none() {
            if self.dropped.auth {
                return;
            }
            let span = access.map(|a| a.span).or(scopes_span);
            if let Some(span) = span {
                self.report(
                    Diagnostic::error(span, format!("{what} sets who may call it, but the service has no `auth:`"))
                        .with_help(format!("add `auth:` at the top level to say which tokens the service accepts, e.g.\n\n{EXAMPLE}")),
                );
            }
            return;
        }
        if let (Some(access), Some(span)) = (access, scopes_span) {
            if access.value == Access::Public {
                self.report(
                    Diagnostic::error(
                        span,
                        format!("{what} is public, so it cannot require scopes"),
                    )
                    .with_related(access.span, "`auth: public` is here")
                    .with_help("remove `scopes:`, or `auth: public` to require a token with them"),
                );
            }
        }
        for list in scopes {
            for scope in &list.value {
                if scope.value.is_empty() {
                    self.report(
                        Diagnostic::error(scope.span, "a scope cannot be empty").with_help(
                            "write the scope's name, e.g. `payments:read`, or remove it",
                        ),
                    );
                } else if !is_scope_token(&scope.value) {
                    self.report(
                        Diagnostic::error(scope.span, format!("`{}` is not a scope name", show(scope)))
                            .with_help("a scope is one word of visible characters without spaces, `\"` or `\\` (RFC 6749), e.g. `payments:read`"),
                    );
                }
            }
        }
    }
}

/// RFC 6749, section 3.3: `scope-token = 1*( %x21 / %x23-5B / %x5D-7E )`.
fn is_scope_token(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| b == 0x21 || (0x23..=0x5B).contains(&b) || (0x5D..=0x7E).contains(&b))
}

/// A portable environment variable name.
fn is_env_var(s: &str) -> bool {
    let mut bytes = s.bytes();
    bytes
        .next()
        .is_some_and(|b| b.is_ascii_uppercase() || b == b'_')
        && bytes.all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_')
}
