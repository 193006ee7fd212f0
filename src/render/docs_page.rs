//! `docs.html`: the API reference page the service serves at `/docs`, written from the same
//! model as `openapi.yaml`. It is one self-contained file: no script, no external asset, every
//! text from the spec HTML-escaped, and a small style sheet whose hash the service's
//! Content-Security-Policy names, so the page works offline and loads nothing from elsewhere.

use std::fmt::Write as _;

use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::ir::Service;

/// The page's only style sheet, inline.
const STYLE: &str = "
body{font-family:system-ui,sans-serif;line-height:1.45;margin:0 auto;max-width:70rem;padding:1rem 2rem;color:#1b1f23;background:#fff}
h1 small{font-weight:normal;color:#57606a;font-size:.6em}
h2{border-bottom:1px solid #d0d7de;padding-bottom:.3rem;margin-top:2.5rem}
h3{margin:0 0 .5rem}
h4{margin:1rem 0 .3rem}
code{font-family:ui-monospace,monospace;font-size:.9em;background:#f6f8fa;padding:.1em .3em;border-radius:3px}
section{border:1px solid #d0d7de;border-radius:6px;padding:1rem;margin:1rem 0}
table{border-collapse:collapse;width:100%;font-size:.92em}
th,td{border:1px solid #d0d7de;padding:.3rem .5rem;text-align:left;vertical-align:top}
th{background:#f6f8fa}
nav ul{list-style:none;padding:0}
nav li{margin:.2rem 0}
.method{display:inline-block;min-width:4.5rem;font-weight:bold;font-family:ui-monospace,monospace}
.get{color:#0969da}.post{color:#1a7f37}.put,.patch{color:#9a6700}.delete{color:#cf222e}
.muted{color:#57606a}
";

/// The directives of the Content-Security-Policy the service sends with the page: nothing
/// but its own inline style sheet may load or run.
pub fn content_security_policy() -> Vec<String> {
    let hash = base64(&Sha256::digest(STYLE.as_bytes()));
    vec![
        "default-src 'none'".to_owned(),
        format!("style-src 'sha256-{hash}'"),
        "base-uri 'none'".to_owned(),
        "form-action 'none'".to_owned(),
        "frame-ancestors 'none'".to_owned(),
    ]
}

/// The page for the OpenAPI model `doc` of service `s`.
pub fn page(s: &Service, doc: &Value) -> String {
    let base = if s.base_path.is_empty() {
        String::new()
    } else {
        format!(" under <code>{}</code>", escape(&s.base_path))
    };
    let heading = Heading {
        title: &s.title,
        version: &s.version,
        description: &s.description,
        covers: format!("Every operation of the service{base}"),
    };
    page_of(&heading, doc)
}

/// What a reference page says above its operations.
pub struct Heading<'a> {
    /// The API's name, without "API".
    pub title: &'a str,
    pub version: &'a str,
    /// Free text; none when empty.
    pub description: &'a str,
    /// What the page lists, as HTML: `Every operation of the service under <code>/v1</code>`.
    pub covers: String,
}

/// The reference page of the OpenAPI model `doc`, which the page links to as `/openapi.yaml`.
pub fn page_of(heading: &Heading, doc: &Value) -> String {
    let mut html = String::new();
    let title = format!("{} API", heading.title);
    let _ = write!(
        html,
        "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n<header>\n\
         <h1>{} <small>{}</small></h1>\n",
        escape(&title),
        escape(&title),
        escape(heading.version)
    );
    if !heading.description.is_empty() {
        let _ = writeln!(html, "<p>{}</p>", text(heading.description));
    }
    let _ = writeln!(
        html,
        "<p class=\"muted\">{}, from its OpenAPI document \
         (<a href=\"/openapi.yaml\">openapi.yaml</a>).</p>\n</header>",
        heading.covers
    );
    let operations = operations(doc);
    html.push_str("<nav>\n<h2>Operations</h2>\n<ul>\n");
    for op in &operations {
        let _ = writeln!(
            html,
            "<li><a href=\"#{}\"><span class=\"method {}\">{}</span> <code>{}</code></a> {}</li>",
            anchor("op", &op.id),
            op.method,
            op.method.to_uppercase(),
            escape(&op.path),
            op.summary.map(text).unwrap_or_default()
        );
    }
    html.push_str("</ul>\n</nav>\n<main>\n");
    for op in &operations {
        operation(&mut html, doc, op);
    }
    let schemas = doc["components"]["schemas"].as_object();
    if let Some(schemas) = schemas {
        html.push_str("<h2>Schemas</h2>\n");
        for (name, schema) in schemas {
            let _ = writeln!(
                html,
                "<section id=\"{}\">\n<h3>{}</h3>",
                anchor("schema", name),
                escape(name)
            );
            if let Some(d) = schema["description"].as_str() {
                let _ = writeln!(html, "<p>{}</p>", text(d));
            }
            body(&mut html, schema);
            html.push_str("</section>\n");
        }
    }
    html.push_str("</main>\n</body>\n</html>\n");
    html
}

struct Operation<'a> {
    id: String,
    method: &'static str,
    path: String,
    summary: Option<&'a str>,
    value: &'a Value,
    /// Parameters declared on the path, for all its operations.
    shared: &'a [Value],
}

fn operations(doc: &Value) -> Vec<Operation<'_>> {
    super::openapi::operations(doc)
        .into_iter()
        .map(|op| Operation {
            id: op.value["operationId"]
                .as_str()
                .map_or_else(|| format!("{} {}", op.method, op.path), str::to_owned),
            method: op.method,
            path: op.path.to_owned(),
            summary: op.value["summary"].as_str(),
            value: op.value,
            shared: op.shared,
        })
        .collect()
}

fn operation(html: &mut String, doc: &Value, op: &Operation) {
    let _ = writeln!(
        html,
        "<section id=\"{}\">\n<h3><span class=\"method {}\">{}</span> <code>{}</code></h3>",
        anchor("op", &op.id),
        op.method,
        op.method.to_uppercase(),
        escape(&op.path)
    );
    if let Some(summary) = op.summary {
        let _ = writeln!(html, "<p><strong>{}</strong></p>", text(summary));
    }
    if let Some(d) = op.value["description"].as_str() {
        let _ = writeln!(html, "<p>{}</p>", text(d));
    }
    let _ = writeln!(
        html,
        "<p class=\"muted\">Operation id <code>{}</code></p>",
        escape(&op.id)
    );
    if let Some(requirement) = op.value["security"].get(0).and_then(Value::as_object) {
        let scopes: Vec<String> = requirement
            .values()
            .flat_map(|scopes| scopes.as_array().into_iter().flatten())
            .filter_map(Value::as_str)
            .map(|scope| format!("<code>{}</code>", escape(scope)))
            .collect();
        let _ = match scopes.as_slice() {
            [] => writeln!(html, "<p>Needs a bearer token.</p>"),
            _ => writeln!(
                html,
                "<p>Needs a bearer token with the scopes {}.</p>",
                scopes.join(", ")
            ),
        };
    }
    let own = op.value["parameters"]
        .as_array()
        .map_or(&[][..], Vec::as_slice);
    let parameters: Vec<&Value> = op.shared.iter().chain(own).collect();
    if !parameters.is_empty() {
        html.push_str(
            "<h4>Parameters</h4>\n<table>\n<tr><th>Name</th><th>In</th><th>Type</th>\
             <th>Required</th><th>Constraints</th><th>Description</th></tr>\n",
        );
        for p in parameters {
            let schema = &p["schema"];
            let _ = writeln!(
                html,
                "<tr><td><code>{}</code></td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                escape(p["name"].as_str().unwrap_or_default()),
                escape(p["in"].as_str().unwrap_or_default()),
                type_of(schema),
                yes_no(p["required"].as_bool().unwrap_or(false)),
                constraints(schema),
                p["description"].as_str().map(text).unwrap_or_default()
            );
        }
        html.push_str("</table>\n");
    }
    let request = &op.value["requestBody"];
    if !request.is_null() {
        html.push_str("<h4>Request body</h4>\n");
        let schema = &request["content"]["application/json"]["schema"];
        let _ = writeln!(
            html,
            "<p>JSON, {}: {}</p>",
            if request["required"].as_bool().unwrap_or(false) {
                "required"
            } else {
                "optional"
            },
            type_of(schema)
        );
        body(html, resolve(doc, schema));
    }
    if let Some(responses) = op.value["responses"].as_object() {
        html.push_str(
            "<h4>Responses</h4>\n<table>\n<tr><th>Status</th><th>Description</th>\
             <th>Body</th><th>Headers</th></tr>\n",
        );
        for (status, response) in responses {
            let response = resolve(doc, response);
            let content = response["content"].as_object();
            let body = content
                .and_then(|c| c.iter().next())
                .map(|(media, c)| {
                    format!("<code>{}</code> {}", escape(media), type_of(&c["schema"]))
                })
                .unwrap_or_else(|| "none".to_owned());
            let headers = response["headers"]
                .as_object()
                .map(|h| {
                    h.keys()
                        .map(|k| format!("<code>{}</code>", escape(k)))
                        .collect::<Vec<_>>()
                        .join(", ")
                })
                .unwrap_or_default();
            let _ = writeln!(
                html,
                "<tr><td>{}</td><td>{}</td><td>{body}</td><td>{headers}</td></tr>",
                escape(status),
                response["description"]
                    .as_str()
                    .map(text)
                    .unwrap_or_default()
            );
        }
        html.push_str("</table>\n");
        // An inline body (a page of a list, say) is described here, as it has no schema of
        // its own below.
        for response in responses.values() {
            let schema = &resolve(doc, response)["content"]["application/json"]["schema"];
            if schema["properties"].is_object() {
                body(html, schema);
            }
        }
    }
    html.push_str("</section>\n");
}

/// A `$ref` to a component, followed; anything else as it is.
fn resolve<'a>(doc: &'a Value, value: &'a Value) -> &'a Value {
    match value["$ref"].as_str() {
        Some(reference) => {
            let mut target = doc;
            for part in reference.trim_start_matches("#/").split('/') {
                target = &target[part];
            }
            target
        }
        None => value,
    }
}

/// The fields of an object schema as a table; a reference as a link to its schema.
fn body(html: &mut String, schema: &Value) {
    let Some(properties) = schema["properties"].as_object() else {
        return;
    };
    let required: Vec<&str> = schema["required"]
        .as_array()
        .map(|r| r.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    html.push_str(
        "<table>\n<tr><th>Field</th><th>Type</th><th>Required</th><th>Constraints</th>\
         <th>Description</th></tr>\n",
    );
    for (name, field) in properties {
        let _ = writeln!(
            html,
            "<tr><td><code>{}</code></td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            escape(name),
            type_of(field),
            yes_no(required.contains(&name.as_str())),
            constraints(field),
            description(field).map(text).unwrap_or_default()
        );
    }
    html.push_str("</table>\n");
}

fn description(schema: &Value) -> Option<&str> {
    schema["description"].as_str().or_else(|| {
        schema["oneOf"]
            .as_array()
            .and_then(|all| all.iter().find_map(|s| s["description"].as_str()))
    })
}

/// A schema's type, as HTML: `string (uuid)`, `array of Customer`, `integer or null`.
fn type_of(schema: &Value) -> String {
    if let Some(reference) = schema["$ref"].as_str() {
        let name = reference.rsplit('/').next().unwrap_or(reference);
        return format!(
            "<a href=\"#{}\">{}</a>",
            anchor("schema", name),
            escape(name)
        );
    }
    if let Some(all) = schema["oneOf"].as_array() {
        return all.iter().map(type_of).collect::<Vec<_>>().join(" or ");
    }
    match schema["type"].as_str() {
        Some("array") => format!("array of {}", type_of(&schema["items"])),
        Some(ty) => match schema["format"].as_str() {
            Some(format) => format!("{} ({})", escape(ty), escape(format)),
            None => escape(ty),
        },
        None => "any JSON value".to_owned(),
    }
}

/// A schema's constraints, as HTML.
fn constraints(schema: &Value) -> String {
    let mut list = Vec::new();
    let mut schemas = vec![schema];
    schemas.extend(schema["oneOf"].as_array().into_iter().flatten());
    for s in schemas {
        let number = |key: &str| s.get(key).map(|v| escape(&v.to_string()));
        if let Some(values) = s["enum"].as_array() {
            let values: Vec<String> = values
                .iter()
                .map(|v| format!("<code>{}</code>", escape(v.as_str().unwrap_or_default())))
                .collect();
            list.push(format!("one of {}", values.join(", ")));
        }
        for (key, what) in [
            ("minimum", "at least"),
            ("x-minimum", "at least"),
            ("maximum", "at most"),
            ("x-maximum", "at most"),
        ] {
            if let Some(n) = number(key) {
                list.push(format!("{what} {n}"));
            }
        }
        let characters = |n: &str| if n == "1" { "character" } else { "characters" };
        if let Some(n) = number("minLength") {
            list.push(format!("at least {n} {}", characters(&n)));
        }
        if let Some(n) = number("maxLength") {
            list.push(format!("at most {n} {}", characters(&n)));
        }
        if let Some(p) = s["pattern"].as_str() {
            list.push(format!("matches <code>{}</code>", escape(p)));
        }
        if let Some(d) = s.get("default") {
            list.push(format!("default <code>{}</code>", escape(&d.to_string())));
        }
        if s["x-has-default"].as_bool() == Some(true) {
            list.push("has a default".to_owned());
        }
    }
    list.join("; ")
}

fn yes_no(yes: bool) -> &'static str {
    if yes {
        "yes"
    } else {
        "no"
    }
}

/// An id for an HTML anchor: letters, digits, `-` and `_` only.
fn anchor(kind: &str, name: &str) -> String {
    let name: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' {
                c
            } else {
                '-'
            }
        })
        .collect();
    format!("{kind}-{name}")
}

/// Text from the spec as HTML: escaped, with `code` spans set as code when the backquotes pair.
fn text(text: &str) -> String {
    let escaped = escape(text.trim());
    if escaped.matches('`').count() % 2 != 0 {
        return escaped;
    }
    escaped
        .split('`')
        .enumerate()
        .map(|(i, part)| {
            if i % 2 == 1 {
                format!("<code>{part}</code>")
            } else {
                part.to_owned()
            }
        })
        .collect()
}

pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Standard base64, with padding.
fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_of_known_values() {
        assert_eq!(base64(b""), "");
        assert_eq!(base64(b"f"), "Zg==");
        assert_eq!(base64(b"fo"), "Zm8=");
        assert_eq!(base64(b"foo"), "Zm9v");
        assert_eq!(base64(b"foobar"), "Zm9vYmFy");
    }

    #[test]
    fn text_is_escaped() {
        assert_eq!(
            text("<script>alert('x')</script> & `a<b`"),
            "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; <code>a&lt;b</code>"
        );
    }
}
