//! What entities' lists take: `sortable:` and `default_sort:`, the Rust fields of their range
//! and set filters, the names of the lists nested under the records they reference, and the
//! `paging:` of resource endpoints, and the `links:` of join entities.

use super::{listing, Validator};
use crate::names::{
    link_handlers, nested_list_handler, nested_list_method, EntityNames, LINK_METHODS,
};
use crate::spec::diagnostics::{did_you_mean, show, Diagnostic};
use crate::spec::model::*;

impl<'a> Validator<'a> {
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

    /// The custom endpoints of the modules of entities, each with its entity and the entity's
    /// names.
    fn entity_custom_endpoints(&self) -> Vec<(&'a CustomEndpoint, &'a Entity, &'a EntityNames)> {
        let (spec, names) = (self.spec, self.names);
        let custom = spec
            .endpoints
            .iter()
            .enumerate()
            .filter_map(|(index, endpoint)| {
                let Endpoint::Custom(custom) = endpoint else {
                    return None;
                };
                let module = names.module_of(names.operation(index)?)?;
                let entity = module.entity?;
                Some((
                    custom,
                    spec.entities.get(entity)?,
                    names.entities.get(entity)?,
                ))
            });
        custom.collect()
    }

    /// The service methods of nested lists (`list_of_payment` for `GET /payments/{id}/refunds`)
    /// against the custom operations of the same module.
    pub(super) fn nested_list_methods(&mut self) {
        for (custom, entity, names) in self.entity_custom_endpoints() {
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
                    .filter(|p| self.is_entity(&p.value))
                    .map(|p| self.entity_names(&p.value))
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

    /// `links:`: two required references of the entity, and nothing else a link must be given,
    /// as the route that adds a link takes no body.
    pub(super) fn links(&mut self) {
        for entity in &self.spec.entities {
            let Some(links) = &entity.links else {
                continue;
            };
            let name = &entity.name.value;
            if links.value.len() != 2 {
                self.report(
                    Diagnostic::error(
                        links.span,
                        format!(
                            "`links` of entity `{name}` names {}; a link is between two records",
                            match links.value.len() {
                                1 => "one field".to_owned(),
                                n => format!("{n} fields"),
                            }
                        ),
                    )
                    .with_help("name the two references a record links, the one the routes start from first: `links: [student, course]`"),
                );
                continue;
            }
            let mut references = Vec::new();
            for named in &links.value {
                let Some(field) = entity.fields.iter().find(|f| f.name.value == named.value) else {
                    if self.dropped.field(entity.name.span, &named.value) {
                        continue;
                    }
                    let references = entity
                        .fields
                        .iter()
                        .filter(|f| f.ty.value == FieldType::Ref)
                        .map(|f| f.name.value.as_str());
                    let help = match did_you_mean(&named.value, references.clone()) {
                        Some(s) => format!("did you mean `{s}`?"),
                        None => match listing(references) {
                            list if list.is_empty() => {
                                "add the two references as fields of type `ref`".to_owned()
                            }
                            list => format!("its references are: {list}"),
                        },
                    };
                    self.report(
                        Diagnostic::error(
                            named.span,
                            format!(
                                "`links` of entity `{name}` names `{}`, which is not one of its fields",
                                show(&named.value)
                            ),
                        )
                        .with_help(help),
                    );
                    continue;
                };
                if field.ty.value != FieldType::Ref {
                    self.report(
                        Diagnostic::error(
                            named.span,
                            format!(
                                "`links` names `{}`, which is a `{}`, not a reference",
                                named.value,
                                field.ty.value.as_str()
                            ),
                        )
                        .with_related(field.ty.span, "its type is here")
                        .with_help(
                            "a link is between records of entities: name two fields of type `ref`",
                        ),
                    );
                    continue;
                }
                if let Some(optional) = field.optional.as_ref().filter(|o| o.value) {
                    self.report(
                        Diagnostic::error(
                            optional.span,
                            format!(
                                "`{}` is one of the `links` of `{name}`, so it cannot be optional",
                                named.value
                            ),
                        )
                        .with_help("remove `optional`: every link names both of its records"),
                    );
                }
                references.push(named);
            }
            if let [first, second] = references.as_slice() {
                if first.value == second.value {
                    self.report(
                        Diagnostic::error(
                            second.span,
                            format!("`links` names `{}` twice", second.value),
                        )
                        .with_related(first.span, "first named here")
                        .with_help("name the two references a record links"),
                    );
                    continue;
                }
            }
            if references.len() < 2 {
                continue;
            }
            for field in &entity.fields {
                let linked = links.value.iter().any(|n| n.value == field.name.value);
                // A key the decoder could not read may have been the default or `optional`.
                let lost = |key| self.dropped.key(field.name.span, key);
                let optional = field.is_optional() || lost("optional");
                let default = field.default.is_some() || lost("default");
                if linked || optional || default {
                    continue;
                }
                self.report(
                    Diagnostic::error(
                        field.name.span,
                        format!(
                            "`{}` is required, but the route that links two records takes no body",
                            field.name.value
                        ),
                    )
                    .with_related(links.span, "the entity's `links` are here")
                    .with_help(format!(
                        "give `{}` a `default`, or make it `optional: true`; a client sets it afterwards with `PATCH`",
                        field.name.value
                    )),
                );
            }
        }
    }

    /// The service methods and controller functions of the routes that add and remove links
    /// against the custom operations of the same module.
    pub(super) fn link_methods(&mut self) {
        for (custom, entity, names) in self.entity_custom_endpoints() {
            if entity.link_fields().is_none() {
                continue;
            }
            let handlers = link_handlers(&names.model.text);
            let name = custom.name.value.as_str();
            if LINK_METHODS.contains(&name) || handlers.iter().any(|h| h == name) {
                self.report(
                    Diagnostic::error(
                        custom.name.span,
                        format!(
                            "endpoint `{name}` has the name of a function of the routes that link records with a `{}`",
                            names.ty.text
                        ),
                    )
                    .with_related(
                        entity.links.as_ref().map_or(entity.name.span, |l| l.span),
                        "the entity's `links` are here",
                    )
                    .with_help("rename the endpoint"),
                );
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
