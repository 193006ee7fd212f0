//! What entities' lists take: `sortable:` and `default_sort:`, the Rust fields of their range
//! and set filters, the names of the lists nested under the records they reference, and the
//! `paging:` of resource endpoints.

use super::{listing, Validator};
use crate::names::{nested_list_handler, nested_list_method};
use crate::spec::diagnostics::{did_you_mean, show, Diagnostic};
use crate::spec::model::*;

impl Validator<'_> {
    pub(super) fn list_orders(&mut self) {
        for entity in &self.spec.entities {
            if let Some(sortable) = &entity.sortable {
                let mut seen: Vec<&str> = Vec::new();
                for name in &sortable.value {
                    if self.sort_field(entity, name, "sortable") && !seen.contains(&&*name.value) {
                        seen.push(&name.value);
                    } else if seen.contains(&&*name.value) {
                        self.report(
                            Diagnostic::error(
                                name.span,
                                format!("`sortable` names `{}` twice", show(&name.value)),
                            )
                            .with_help("list each field once"),
                        );
                    }
                }
            }
            if let Some(order) = &entity.default_sort {
                let mut seen: Vec<&str> = Vec::new();
                for key in &order.value {
                    let field = key.value.strip_prefix('-').unwrap_or(&key.value);
                    let named = Spanned::new(field.to_owned(), key.span);
                    if !self.sort_field(entity, &named, "default_sort") {
                        continue;
                    }
                    if seen.contains(&field) {
                        self.report(
                            Diagnostic::error(
                                key.span,
                                format!("`default_sort` orders by `{}` twice", show(field)),
                            )
                            .with_help(
                                "a later key on the same field cannot change the order; remove it",
                            ),
                        );
                    }
                    seen.push(field);
                }
            }
        }
    }

    /// The service methods of nested lists (`list_of_payment` for `GET /payments/{id}/refunds`)
    /// against the custom operations of the same module.
    pub(super) fn nested_list_methods(&mut self) {
        for (index, endpoint) in self.spec.endpoints.iter().enumerate() {
            let Endpoint::Custom(custom) = endpoint else {
                continue;
            };
            let Some(operation) = self.names.operation(index) else {
                continue;
            };
            let Some(entity) = self.names.module_of(operation).and_then(|m| m.entity) else {
                continue;
            };
            let (Some(entity), Some(names)) = (
                self.spec.entities.get(entity),
                self.names.entities.get(entity),
            ) else {
                continue;
            };
            let listed = self.spec.endpoints.iter().any(|e| match e {
                Endpoint::Resource(r) => {
                    r.resource.value == entity.name.value
                        && r.operations
                            .as_ref()
                            .is_none_or(|ops| ops.iter().any(|op| op.value == Operation::List))
                }
                Endpoint::Custom(_) => false,
            });
            if !listed {
                continue;
            }
            for reference in entity.nesting_references() {
                let Some(parent) = reference
                    .entity
                    .as_ref()
                    .and_then(|p| self.names.entity(&p.value))
                else {
                    continue;
                };
                // The service method, and the controller function.
                let method = nested_list_method(&parent.model.text);
                let handler = nested_list_handler(&names.plural, &parent.model.text);
                if custom.name.value == method || custom.name.value == handler {
                    self.report(
                        Diagnostic::error(
                            custom.name.span,
                            format!(
                                "endpoint `{}` has the name of a function of the list of `{}` under a `{}`",
                                custom.name.value, names.ty.text, parent.ty.text
                            ),
                        )
                        .with_help("rename the endpoint"),
                    );
                }
            }
        }
    }

    /// `paging:` of resource endpoints: only where there is a list, whose filters leave it
    /// its `cursor` query parameter.
    pub(super) fn list_paging(&mut self) {
        for endpoint in &self.spec.endpoints {
            let Endpoint::Resource(resource) = endpoint else {
                continue;
            };
            let Some(paging) = &resource.paging else {
                continue;
            };
            let listed = resource
                .operations
                .as_ref()
                .is_none_or(|ops| ops.iter().any(|op| op.value == Operation::List));
            if !listed {
                self.report(
                    Diagnostic::error(
                        paging.span,
                        format!(
                            "`paging` is how a list is paged, and the resource endpoint for `{}` has no `list`",
                            resource.resource.value
                        ),
                    )
                    .with_help("add `list` to its `operations`, or remove `paging`"),
                );
                continue;
            }
            if paging.value != Paging::Cursor {
                continue;
            }
            let Some(entity) = self
                .spec
                .entities
                .iter()
                .find(|e| e.name.value == resource.resource.value)
            else {
                continue;
            };
            for field in entity.fields.iter().filter(|f| f.is_filter()) {
                if field.column() == "cursor" {
                    self.report(
                        Diagnostic::error(
                            field.name.span,
                            "a field that filters a list paged by cursor cannot be named `cursor`",
                        )
                        .with_related(paging.span, "the list is paged by cursor here")
                        .with_label("`?cursor=` is where the page starts, not this filter")
                        .with_help("choose another name, e.g. `cursor_name`"),
                    );
                }
            }
        }
    }

    /// The Rust fields of an entity's list filter: one per filter (`status`), and one per
    /// range bound (`amount_gte` for `amount[gte]`) and set (`status_in` for `status[in]`).
    /// A filter whose name is that of another's bound or set is refused.
    pub(super) fn list_filter_names(&mut self) {
        for (entity, names) in self.spec.entities.iter().zip(&self.names.entities) {
            let mut derived: Vec<(String, String)> = Vec::new();
            for column in entity.range_columns() {
                for bound in ["gt", "gte", "lt", "lte"] {
                    derived.push((format!("{column}_{bound}"), format!("{column}[{bound}]")));
                }
            }
            for field in entity.set_fields() {
                let column = field.column();
                derived.push((format!("{column}_in"), format!("{column}[in]")));
            }
            for field in &entity.fields {
                let Some(search) = &field.search else {
                    continue;
                };
                let column = field.column();
                for how in search.value.filters() {
                    derived.push((format!("{column}_{how}"), format!("{column}[{how}]")));
                }
            }
            for field in entity.fields.iter().filter(|f| f.is_filter()) {
                let column = field.column();
                let Some((_, param)) = derived.iter().find(|(name, _)| *name == column) else {
                    continue;
                };
                self.report(
                    Diagnostic::error(
                        field.name.span,
                        format!(
                            "the list filter `{}` of entity `{}` and its filter `{param}` would both be the field `{column}` of `{}`",
                            show(&column),
                            entity.name.value,
                            names.filter.text
                        ),
                    )
                    .with_help("rename this field"),
                );
            }
        }
    }

    /// Whether `name`, in `key` of `entity`, is a field a list can be sorted by; reports why
    /// not.
    fn sort_field(&mut self, entity: &Entity, name: &Spanned<String>, key: &str) -> bool {
        if Entity::IMPLICIT.contains(&name.value.as_str()) {
            return true;
        }
        let Some(field) = entity.fields.iter().find(|f| f.name.value == name.value) else {
            if self.dropped.field(entity.name.span, &name.value) {
                return false;
            }
            let names = entity
                .fields
                .iter()
                .map(|f| f.name.value.as_str())
                .chain(Entity::IMPLICIT);
            let help = match did_you_mean(&name.value, names.clone()) {
                Some(s) => format!("did you mean `{s}`?"),
                None => format!("the fields are: {}", listing(names)),
            };
            let descending = if key == "default_sort" {
                " (a `-` in front of a field asks for descending order)"
            } else {
                ""
            };
            self.report(
                Diagnostic::error(
                    name.span,
                    format!(
                        "`{key}` of entity `{}` names `{}`, which is not one of its fields",
                        entity.name.value,
                        show(&name.value)
                    ),
                )
                .with_help(format!("{help}{descending}")),
            );
            return false;
        };
        let ty = field.ty.value;
        if ty == FieldType::Ref {
            self.report(
                Diagnostic::error(
                    name.span,
                    format!(
                        "a list cannot be sorted by `{}`: it is a reference, whose values are random ids",
                        show(&name.value)
                    ),
                )
                .with_related(field.ty.span, "its type is given here")
                .with_help(format!(
                    "to list the records of one `{}`, filter by `{}`",
                    field.entity.as_ref().map_or("record", |e| e.value.as_str()),
                    field.column()
                )),
            );
            return false;
        }
        if matches!(ty, FieldType::Text | FieldType::Json) {
            self.report(
                Diagnostic::error(
                    name.span,
                    format!(
                        "a list cannot be sorted by `{}`: it is {}",
                        show(&name.value),
                        ty.as_str()
                    ),
                )
                .with_related(field.ty.span, "its type is given here")
                .with_help(
                    "text and json values are unbounded and cannot be indexed; sort by a `string` field with `max_length` instead",
                ),
            );
            return false;
        }
        true
    }
}
