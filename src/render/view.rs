//! What templates see of the IR's fields and custom operations: their data, and beside it how
//! each is spelt in Rust (types, binds, decoders, checks, defaults, signatures). The IR holds
//! data only; the Rust text is decided here, once, for every template.

use serde::{Serialize, Serializer};

use crate::ir::{BodyType, Constraints, CustomOperation, DefaultLiteral, Field, Reference, Rule};
use crate::names::rust_str;
use crate::spec::{FieldType, Method, Search};

/// The Rust type of a field's value, without `Option`.
pub fn rust_type(field: &Field) -> String {
    match field.kind {
        FieldType::String | FieldType::Text => "String".into(),
        FieldType::Int => "i32".into(),
        FieldType::Bigint => "i64".into(),
        FieldType::Float => "f64".into(),
        FieldType::Decimal => "Decimal".into(),
        FieldType::Bool => "bool".into(),
        FieldType::Uuid | FieldType::Ref => "Uuid".into(),
        FieldType::Date => "NaiveDate".into(),
        FieldType::Datetime => "DateTime<Utc>".into(),
        FieldType::Json => "serde_json::Value".into(),
        FieldType::Enum => field.enum_type.clone().unwrap_or_else(|| "String".into()),
    }
}

/// The Rust type as stored: `Option<..>` when optional.
pub fn stored_type(field: &Field) -> String {
    let rust_type = rust_type(field);
    if field.optional {
        format!("Option<{rust_type}>")
    } else {
        rust_type
    }
}

/// A field as templates see it.
#[derive(Serialize)]
struct FieldView<'a> {
    name: &'a str,
    ident: &'a str,
    kind: FieldType,
    optional: bool,
    unique: bool,
    index: bool,
    /// The text filters a list takes on it: `prefix`, `contains` (`name[prefix]=`).
    text_filters: &'static [&'static str],
    readonly: bool,
    immutable: bool,
    description: &'a Option<String>,
    enum_type: &'a Option<String>,
    references: &'a Option<Reference>,
    default_sql: &'a Option<String>,
    renamed_from: &'a Option<String>,
    pattern_static: &'a Option<String>,
    samples: &'a [String; 2],
    constraints: &'a Constraints,
    /// The Rust type of the value, without `Option`.
    rust_type: String,
    /// The Rust type as stored: `Option<..>` when optional.
    ty: String,
    /// The type in the patch input: `Option<T>`, or `Option<Option<T>>` when it may be cleared.
    patch_ty: String,
    /// How the repository binds this value (`$value` stands for the value).
    bind: String,
    /// How the repository binds a filter on this field (given a reference `value`).
    filter_bind: String,
    /// How the repository reads it from `row`.
    decode: String,
    /// A serde `with` module for the field's wire format, where serde's own does not fit.
    serde_with: Option<&'static str>,
    /// The serde `deserialize_with` function of the field in a patch.
    patch_with: &'static str,
    default: Option<DefaultView<'a>>,
    checks: Vec<CheckView<'a>>,
}

#[derive(Serialize)]
struct DefaultView<'a> {
    /// A Rust expression of the field's stored type.
    rust: String,
    /// Name of the serde default function.
    function: &'a str,
}

#[derive(Serialize)]
struct CheckView<'a> {
    /// The `Validator` call, with `$value` standing for the field's value.
    call: String,
    /// Short name for test function names: `min`, `max_length`, ...
    rule: &'static str,
    /// A value that fails this rule, as written in `json!`, when one exists.
    invalid: &'a Option<String>,
}

impl Serialize for Field {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let rust_type = rust_type(self);
        let (bind, filter_bind, decode) = column(self);
        let decimal = self.kind == FieldType::Decimal;
        // Decimals travel as strings of digits, read strictly by the service's own module.
        let (serde_with, patch_with) = match (decimal, self.optional) {
            (true, false) => (Some("super::decimal"), "super::decimal::present"),
            (true, true) => (
                Some("super::decimal::option"),
                "super::decimal::double_option",
            ),
            (false, false) => (None, "super::present"),
            (false, true) => (None, "super::double_option"),
        };
        FieldView {
            name: &self.name,
            ident: &self.ident,
            kind: self.kind,
            optional: self.optional,
            unique: self.unique,
            index: self.index,
            text_filters: self.search.map_or(&[], Search::filters),
            readonly: self.readonly,
            immutable: self.immutable,
            description: &self.description,
            enum_type: &self.enum_type,
            references: &self.references,
            default_sql: &self.default_sql,
            renamed_from: &self.renamed_from,
            pattern_static: &self.pattern_static,
            samples: &self.samples,
            constraints: &self.constraints,
            ty: stored_type(self),
            patch_ty: if self.optional {
                format!("Option<Option<{rust_type}>>")
            } else {
                format!("Option<{rust_type}>")
            },
            rust_type,
            bind,
            filter_bind,
            decode,
            serde_with,
            patch_with,
            default: self.default.as_ref().map(|d| DefaultView {
                rust: default_expr(self, &d.value),
                function: &d.function,
            }),
            checks: self
                .checks
                .iter()
                .map(|c| CheckView {
                    call: check_call(self, &c.rule),
                    rule: c.rule.name(),
                    invalid: &c.invalid,
                })
                .collect(),
        }
        .serialize(serializer)
    }
}

/// How a value goes into and comes out of the database: the bind expression for a stored value
/// (`$value` stands for it), the bind for a filter value (a reference named `value`), and the
/// expression that reads it from `row`. Most types map directly through sqlx; what is stored as
/// text is bound as its text and parsed when read.
fn column(field: &Field) -> (String, String, String) {
    let column = rust_str(&field.name);
    let kind = field.kind;
    if !field.stored_as_text {
        // Copy types bind by value; strings and JSON by reference, to avoid a clone.
        let by_reference = matches!(kind, FieldType::String | FieldType::Text | FieldType::Json);
        let bind = if by_reference { "&$value" } else { "$value" };
        // Text that refuses NUL (PostgreSQL's) cannot be compared with it either: such a
        // filter is bound as NULL, which matches no record.
        let text = matches!(kind, FieldType::String | FieldType::Text);
        let filter_bind = if text && field.constraints.without_nul {
            "(!value.contains('\\0')).then_some(value)"
        } else {
            "value"
        };
        return (
            bind.into(),
            filter_bind.into(),
            format!("row.try_get({column})?"),
        );
    }
    let to_text = to_text(field);
    if field.optional {
        (
            format!("$value.map(|v| v.{to_text})"),
            value_bind(field),
            format!("db::parse_optional(&row, {column})?"),
        )
    } else {
        (
            format!("$value.{to_text}"),
            value_bind(field),
            format!("db::parse(&row, {column})?"),
        )
    }
}

/// How a value stored as its text becomes that text: `as_str()` of an enum, `to_string()`.
fn to_text(field: &Field) -> &'static str {
    if field.kind == FieldType::Enum {
        "as_str()"
    } else {
        "to_string()"
    }
}

/// How the repository binds `value`, a value of the field (not `Option`), as the column
/// holds it: as it is, or as its text.
pub fn value_bind(field: &Field) -> String {
    if field.stored_as_text {
        format!("value.{}", to_text(field))
    } else {
        "value".to_owned()
    }
}

/// The generated `Validator`'s call for a rule, with `$value` standing for the value.
fn check_call(field: &Field, rule: &Rule) -> String {
    let name = rust_str(&field.name);
    let number = |text: &str| numeric_literal(text, field.kind);
    match rule {
        Rule::Min(min) => format!("v.min({name}, $value, {})", number(min)),
        Rule::Max(max) => format!("v.max({name}, $value, {})", number(max)),
        Rule::MinLength(min) => format!("v.min_length({name}, $value, {min})"),
        Rule::MaxLength(max) => format!("v.max_length({name}, $value, {max})"),
        Rule::Pattern => {
            let pattern = field
                .pattern_static
                .as_deref()
                .expect("a field with a pattern names its static");
            format!("v.pattern({name}, $value, &{pattern})")
        }
        Rule::Email => format!("v.email({name}, $value)"),
        Rule::Url => format!("v.url({name}, $value)"),
        Rule::WithoutNul => format!("v.without_nul({name}, $value)"),
        Rule::JsonWithoutNul => format!("v.json_without_nul({name}, $value)"),
    }
}

/// A default as a Rust expression of the field's stored type.
fn default_expr(field: &Field, value: &DefaultLiteral) -> String {
    let expr = match value {
        DefaultLiteral::Bool(b) => b.to_string(),
        DefaultLiteral::Number(text) => numeric_literal(text, field.kind),
        DefaultLiteral::Variant(variant) => {
            let ty = field
                .enum_type
                .as_deref()
                .expect("enum fields have an enum type");
            format!("{ty}::{variant}")
        }
        DefaultLiteral::Text(text) => match field.kind {
            FieldType::Uuid | FieldType::Ref => {
                format!(
                    "Uuid::from_u128(0x{})",
                    text.replace('-', "").to_lowercase()
                )
            }
            FieldType::Date | FieldType::Datetime | FieldType::Json => {
                format!("{}.parse().expect(\"checked by msgen\")", rust_str(text))
            }
            _ => format!("{}.into()", rust_str(text)),
        },
    };
    if field.optional {
        format!("Some({expr})")
    } else {
        expr
    }
}

/// A number from the spec as a Rust expression of the field's type.
fn numeric_literal(text: &str, kind: FieldType) -> String {
    match kind {
        FieldType::Float if !text.contains(['.', 'e', 'E']) => format!("{text}.0"),
        FieldType::Decimal => decimal_expr(text),
        _ => text.to_string(),
    }
}

/// `Decimal::new(mantissa, scale)` for a decimal written in the spec.
fn decimal_expr(text: &str) -> String {
    let (int, frac) = text.split_once('.').unwrap_or((text, ""));
    let mantissa = format!("{int}{frac}");
    let negative = mantissa.starts_with('-');
    let digits = mantissa
        .trim_start_matches(['-', '+'])
        .trim_start_matches('0');
    let digits = if digits.is_empty() { "0" } else { digits };
    match (frac.len(), digits) {
        (_, "0") => "Decimal::ZERO".into(),
        (0, "1") if !negative => "Decimal::ONE".into(),
        (scale, digits) => {
            let sign = if negative { "-" } else { "" };
            format!("Decimal::new({sign}{digits}, {scale})")
        }
    }
}

/// A custom operation as templates see it.
#[derive(Serialize)]
struct OperationView<'a> {
    name: &'a str,
    ident: &'a str,
    method: Method,
    /// `axum` method router function: `post`.
    method_fn: &'static str,
    path: &'a str,
    description: &'a Option<String>,
    params: &'a [Field],
    request: &'a Option<BodyType>,
    response: &'a Option<BodyType>,
    emits: &'a [String],
    status: u16,
    /// The service method's parameters, `|`-separated: `&self|id: Uuid|input: CaptureRequest`.
    signature_params: String,
    /// The service method's return type.
    signature_ret: String,
    /// The same parameters with every type written as a full path, for stubs appended to a
    /// file whose imports msgen does not manage.
    qualified_params: String,
    qualified_ret: String,
    /// The arguments the controller passes: `id, input`.
    call_args: String,
    /// The parameters a stub of the operation names, so that none is unused.
    stub_args: String,
    access: &'a crate::ir::Access,
    /// The controller handler's extractors, `|`-separated, and its return type.
    handler_params: String,
    handler_ret: String,
}

impl Serialize for CustomOperation {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let params = &self.params;
        let request = self.request.as_ref();
        let response = self.response.as_ref();
        let param = |p: &Field, ty: String| format!("{}: {ty}", p.ident);
        let qualify = |ty: String| match ty.as_str() {
            "Uuid" => "uuid::Uuid".to_string(),
            "NaiveDate" => "chrono::NaiveDate".to_string(),
            _ => ty,
        };
        let body_path = |b: &BodyType| format!("crate::models::{}::{}", b.module, b.type_name);
        let input = request.map(|r| format!("input: {}", r.type_name));
        let caller = self.access.required;
        let signature_params: Vec<String> = std::iter::once("&self".to_string())
            .chain(caller.then(|| "caller: &Caller".to_string()))
            .chain(params.iter().map(|p| param(p, stored_type(p))))
            .chain(input)
            .collect();
        let qualified_input = request.map(|r| format!("input: {}", body_path(r)));
        let qualified_params: Vec<String> = std::iter::once("&self".to_string())
            .chain(caller.then(|| "caller: &crate::auth::Caller".to_string()))
            .chain(params.iter().map(|p| param(p, qualify(stored_type(p)))))
            .chain(qualified_input)
            .collect();
        let mut handler_params = vec!["State(state): State<AppState>".to_string()];
        if caller {
            handler_params.push("caller: Caller".to_string());
        }
        match params.as_slice() {
            [] => {}
            [one] => {
                handler_params.push(format!("Path({}): Path<{}>", one.ident, stored_type(one)))
            }
            many => {
                let names: Vec<&str> = many.iter().map(|p| p.ident.as_str()).collect();
                let types: Vec<String> = many.iter().map(stored_type).collect();
                handler_params.push(format!(
                    "Path(({})): Path<({})>",
                    names.join(", "),
                    types.join(", ")
                ));
            }
        }
        if let Some(request) = request {
            handler_params.push(format!("Json(input): Json<{}>", request.type_name));
        }
        let mut call_args: Vec<&str> = caller.then_some("&caller").into_iter().collect();
        call_args.extend(params.iter().map(|p| p.ident.as_str()));
        if request.is_some() {
            call_args.push("input");
        }
        let stub_args: Vec<&str> = call_args
            .iter()
            .map(|arg| arg.trim_start_matches('&'))
            .collect();
        OperationView {
            name: &self.name,
            ident: &self.ident,
            method: self.method,
            method_fn: self.method.lower(),
            path: &self.path,
            description: &self.description,
            params,
            request: &self.request,
            response: &self.response,
            emits: &self.emits,
            status: self.status,
            signature_params: signature_params.join("|"),
            signature_ret: format!(
                "Result<{}, AppError>",
                response.map_or("()", |r| r.type_name.as_str())
            ),
            qualified_params: qualified_params.join("|"),
            qualified_ret: format!(
                "Result<{}, crate::error::AppError>",
                response.map_or("()".to_string(), body_path)
            ),
            call_args: call_args.join(", "),
            stub_args: stub_args.join(", "),
            access: &self.access,
            handler_params: handler_params.join("|"),
            handler_ret: match response {
                Some(body) => format!("Result<Json<{}>, AppError>", body.type_name),
                None => "Result<StatusCode, AppError>".to_string(),
            },
        }
        .serialize(serializer)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimals_become_exact_constructors() {
        assert_eq!(decimal_expr("0"), "Decimal::ZERO");
        assert_eq!(decimal_expr("0.00"), "Decimal::ZERO");
        assert_eq!(decimal_expr("1"), "Decimal::ONE");
        assert_eq!(decimal_expr("12.50"), "Decimal::new(1250, 2)");
        assert_eq!(decimal_expr("-3.5"), "Decimal::new(-35, 1)");
        assert_eq!(decimal_expr("100"), "Decimal::new(100, 0)");
    }
}
