//! `dependencies:`: the services this one calls. What can be checked without the other
//! service's spec is checked here; the operations are checked against that spec when the
//! service is generated (`crate::dependencies`).

use std::collections::HashSet;

use heck::ToKebabCase;

use super::{fix, is_kebab, Validator};
use crate::spec::diagnostics::{show, Diagnostic};
use crate::spec::model::*;

/// The bounds of each number of a dependency, and what it counts.
pub(crate) const TIMEOUT_MS: (u64, u64) = (1, 600_000);
pub(crate) const RETRIES: (u64, u64) = (0, 10);
pub(crate) const CONCURRENCY: (u64, u64) = (1, 100_000);
pub(crate) const FAILURE_RATE: (u64, u64) = (1, 100);
pub(crate) const WINDOW: (u64, u64) = (1, 10_000);
pub(crate) const OPEN_SECS: (u64, u64) = (1, 86_400);

impl Validator<'_> {
    pub(super) fn dependencies(&mut self) {
        if let Some(first) = self.spec.dependencies.first() {
            if self.spec.endpoints.is_empty() && self.spec.events.consume.is_empty() {
                self.report(
                    Diagnostic::error(
                        first.service.span,
                        "a service calls others from the business logic of its endpoints and event handlers, and this one has neither",
                    )
                    .with_help("add an endpoint or a consumed event, or remove `dependencies`"),
                );
            }
        }
        for dependency in &self.spec.dependencies {
            self.dependency(dependency);
        }
    }

    fn dependency(&mut self, d: &Dependency) {
        let name = &d.service;
        if !is_kebab(&name.value) {
            self.report(
                Diagnostic::error(
                    name.span,
                    format!(
                        "dependency `{}` is not a service name in kebab-case",
                        show(&name.value)
                    ),
                )
                .with_help_opt(fix(
                    &name.value,
                    name.value.to_kebab_case(),
                    is_kebab,
                )),
            );
        } else if name.value == self.spec.service.value {
            self.report(
                Diagnostic::error(name.span, "a service cannot depend on itself")
                    .with_help("call your own business logic directly, not over HTTP"),
            );
        }
        if let Some(spec) = &d.spec {
            if spec.value.trim().is_empty() {
                self.report(
                    Diagnostic::error(spec.span, "`spec` is empty").with_help(
                        "write the path of the other service's msgen.yaml, e.g. `spec: ../payment-service/msgen.yaml`",
                    ),
                );
            }
        }
        match &d.operations {
            None => self.report(
                Diagnostic::error(
                    name.span,
                    format!("dependency `{}` has no `operations`", show(&name.value)),
                )
                .with_help(
                    "name the operations this service calls, by their operation ids in the other service's openapi.yaml, e.g. `operations: [get_payment]`",
                ),
            ),
            Some(list) if list.value.is_empty() => self.report(
                Diagnostic::error(list.span, "`operations` is empty")
                    .with_help("name at least one operation, or remove the dependency"),
            ),
            Some(list) => {
                let mut seen = HashSet::new();
                for op in &list.value {
                    if !seen.insert(op.value.as_str()) {
                        self.report(
                            Diagnostic::error(
                                op.span,
                                format!("operation `{}` is named twice", show(&op.value)),
                            )
                            .with_help("remove one of them"),
                        );
                    }
                }
            }
        }
        self.bounded(&d.timeout_ms, "timeout_ms", TIMEOUT_MS);
        self.bounded(&d.retries, "retries", RETRIES);
        self.bounded(&d.concurrency, "concurrency", CONCURRENCY);
        if let Some(breaker) = &d.breaker {
            if let BreakerSetting::On {
                failure_rate,
                window,
                open_secs,
            } = &breaker.value
            {
                self.bounded(failure_rate, "failure_rate", FAILURE_RATE);
                self.bounded(window, "window", WINDOW);
                self.bounded(open_secs, "open_secs", OPEN_SECS);
            }
        }
    }

    fn bounded(&mut self, value: &Option<Spanned<u64>>, key: &str, (min, max): (u64, u64)) {
        let Some(value) = value else { return };
        if value.value < min || value.value > max {
            self.report(Diagnostic::error(
                value.span,
                format!(
                    "`{key}` must be between {min} and {max}, found {}",
                    value.value
                ),
            ));
        }
    }
}
