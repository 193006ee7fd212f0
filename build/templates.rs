//! Rust source that builds each embedded template as tera parses it, so that msgen does not run
//! tera's parser (most of the time it took to generate a small service) every time it runs.
//!
//! The build script parses each template with the same tera as msgen (one version in
//! `Cargo.lock`) and writes, for each, a function that returns the parsed [`Template`]: its
//! syntax tree after tera removed the whitespace its tags ask to remove, its macros, the macro
//! files it imports, its parent and its blocks. A unit test of msgen checks that each of these
//! is what `Template::new` makes of the template's text.

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;

use tera::ast::{
    Block, Expr, ExprVal, FilterSection, Forloop, FunctionCall, If, In, LogicExpr, LogicOperator,
    MacroCall, MacroDefinition, MathExpr, MathOperator, Node, Set, StringConcat, Test, WS,
};
use tera::Template;

/// The source of a module with `fn template(name: &str) -> Option<Template>`, for the templates
/// in `texts` (by name).
pub fn module(texts: &BTreeMap<String, String>) -> String {
    let mut out = String::from(
        "// Written by msgen's build script (build/templates.rs): each embedded template as tera\n\
         // parses it.\n\n",
    );
    out.push_str("/// The embedded template `name` as tera parses it.\n");
    out.push_str(
        "pub(super) fn template(name: &str) -> Option<Template> {\n    Some(match name {\n",
    );
    for (index, name) in texts.keys().enumerate() {
        writeln!(out, "        {name:?} => t{index}(),").expect("a String takes any text");
    }
    out.push_str("        _ => return None,\n    })\n}\n");
    out.push_str(
        "\n/// One out-of-line copy for the many strings of the templates.\n\
         #[inline(never)]\nfn s(text: &str) -> String {\n    text.to_owned()\n}\n",
    );
    for (index, (name, text)) in texts.iter().enumerate() {
        let template = Template::new(name, None, text)
            .unwrap_or_else(|err| panic!("template {name} does not parse: {err:?}"));
        write!(
            out,
            "\nfn t{index}() -> Template {{\n    Template {{\n        name: "
        )
        .unwrap();
        template.name.emit(&mut out);
        out.push_str(",\n        path: None,\n        ast: ");
        template.ast.emit(&mut out);
        out.push_str(",\n        from_extend: false,\n        macros: ");
        template.macros.emit(&mut out);
        out.push_str(",\n        imported_macro_files: ");
        template.imported_macro_files.emit(&mut out);
        out.push_str(",\n        parent: ");
        template.parent.emit(&mut out);
        out.push_str(",\n        blocks: ");
        template.blocks.emit(&mut out);
        // Filled in by `Tera::build_inheritance_chains` once the template is added.
        out.push_str(
            ",\n        parents: Vec::new(),\n        blocks_definitions: HashMap::new(),\n    }\n}\n",
        );
    }
    out
}

/// A value written as the Rust expression that makes it.
trait Emit {
    fn emit(&self, out: &mut String);
}

impl Emit for String {
    fn emit(&self, out: &mut String) {
        write!(out, "s({self:?})").unwrap();
    }
}

impl Emit for bool {
    fn emit(&self, out: &mut String) {
        write!(out, "{self}").unwrap();
    }
}

impl Emit for i64 {
    fn emit(&self, out: &mut String) {
        write!(out, "{self}i64").unwrap();
    }
}

impl Emit for f64 {
    fn emit(&self, out: &mut String) {
        assert!(self.is_finite(), "a template's number literal is finite");
        write!(out, "{self:?}f64").unwrap();
    }
}

impl<T: Emit> Emit for Vec<T> {
    fn emit(&self, out: &mut String) {
        out.push_str("vec![");
        for (index, item) in self.iter().enumerate() {
            if index > 0 {
                out.push_str(", ");
            }
            item.emit(out);
        }
        out.push(']');
    }
}

impl<T: Emit> Emit for Option<T> {
    fn emit(&self, out: &mut String) {
        match self {
            Some(value) => {
                out.push_str("Some(");
                value.emit(out);
                out.push(')');
            }
            None => out.push_str("None"),
        }
    }
}

impl<T: Emit> Emit for Box<T> {
    fn emit(&self, out: &mut String) {
        out.push_str("Box::new(");
        (**self).emit(out);
        out.push(')');
    }
}

/// In order of key, so that the build writes the same source every time.
impl<T: Emit> Emit for HashMap<String, T> {
    fn emit(&self, out: &mut String) {
        if self.is_empty() {
            out.push_str("HashMap::new()");
            return;
        }
        let mut entries: Vec<_> = self.iter().collect();
        entries.sort_by(|a, b| a.0.cmp(b.0));
        out.push_str("HashMap::from([");
        for (index, (key, value)) in entries.into_iter().enumerate() {
            if index > 0 {
                out.push_str(", ");
            }
            (key.clone(), value).emit(out);
        }
        out.push_str("])");
    }
}

impl<T: Emit> Emit for &T {
    fn emit(&self, out: &mut String) {
        (**self).emit(out);
    }
}

impl<A: Emit, B: Emit> Emit for (A, B) {
    fn emit(&self, out: &mut String) {
        out.push('(');
        self.0.emit(out);
        out.push_str(", ");
        self.1.emit(out);
        out.push(')');
    }
}

impl<A: Emit, B: Emit, C: Emit> Emit for (A, B, C) {
    fn emit(&self, out: &mut String) {
        out.push('(');
        self.0.emit(out);
        out.push_str(", ");
        self.1.emit(out);
        out.push_str(", ");
        self.2.emit(out);
        out.push(')');
    }
}

/// `Name { field: value, ... }`.
macro_rules! emit_struct {
    ($out:expr, $value:expr, $name:ident { $($field:ident),* }) => {{
        let $name { $($field),* } = $value;
        $out.push_str(concat!(stringify!($name), " {"));
        $(
            $out.push_str(concat!(" ", stringify!($field), ": "));
            $field.emit($out);
            $out.push(',');
        )*
        $out.push_str(" }");
    }};
}

impl Emit for WS {
    fn emit(&self, out: &mut String) {
        emit_struct!(out, self, WS { left, right });
    }
}

impl Emit for Expr {
    fn emit(&self, out: &mut String) {
        emit_struct!(
            out,
            self,
            Expr {
                val,
                negated,
                filters
            }
        );
    }
}

impl Emit for FunctionCall {
    fn emit(&self, out: &mut String) {
        emit_struct!(out, self, FunctionCall { name, args });
    }
}

impl Emit for MathExpr {
    fn emit(&self, out: &mut String) {
        emit_struct!(out, self, MathExpr { lhs, rhs, operator });
    }
}

impl Emit for LogicExpr {
    fn emit(&self, out: &mut String) {
        emit_struct!(out, self, LogicExpr { lhs, rhs, operator });
    }
}

impl Emit for StringConcat {
    fn emit(&self, out: &mut String) {
        emit_struct!(out, self, StringConcat { values });
    }
}

impl Emit for In {
    fn emit(&self, out: &mut String) {
        emit_struct!(out, self, In { lhs, rhs, negated });
    }
}

impl Emit for Test {
    fn emit(&self, out: &mut String) {
        emit_struct!(
            out,
            self,
            Test {
                ident,
                negated,
                name,
                args
            }
        );
    }
}

impl Emit for FilterSection {
    fn emit(&self, out: &mut String) {
        emit_struct!(out, self, FilterSection { filter, body });
    }
}

impl Emit for Set {
    fn emit(&self, out: &mut String) {
        emit_struct!(out, self, Set { key, value, global });
    }
}

impl Emit for MacroCall {
    fn emit(&self, out: &mut String) {
        emit_struct!(
            out,
            self,
            MacroCall {
                namespace,
                name,
                args
            }
        );
    }
}

impl Emit for MacroDefinition {
    fn emit(&self, out: &mut String) {
        emit_struct!(out, self, MacroDefinition { name, args, body });
    }
}

impl Emit for Block {
    fn emit(&self, out: &mut String) {
        emit_struct!(out, self, Block { name, body });
    }
}

impl Emit for Forloop {
    fn emit(&self, out: &mut String) {
        emit_struct!(
            out,
            self,
            Forloop {
                key,
                value,
                container,
                body,
                empty_body
            }
        );
    }
}

impl Emit for If {
    fn emit(&self, out: &mut String) {
        emit_struct!(
            out,
            self,
            If {
                conditions,
                otherwise
            }
        );
    }
}

impl Emit for MathOperator {
    fn emit(&self, out: &mut String) {
        let name = match self {
            MathOperator::Add => "Add",
            MathOperator::Sub => "Sub",
            MathOperator::Mul => "Mul",
            MathOperator::Div => "Div",
            MathOperator::Modulo => "Modulo",
        };
        write!(out, "MathOperator::{name}").unwrap();
    }
}

impl Emit for LogicOperator {
    fn emit(&self, out: &mut String) {
        let name = match self {
            LogicOperator::Gt => "Gt",
            LogicOperator::Gte => "Gte",
            LogicOperator::Lt => "Lt",
            LogicOperator::Lte => "Lte",
            LogicOperator::Eq => "Eq",
            LogicOperator::NotEq => "NotEq",
            LogicOperator::And => "And",
            LogicOperator::Or => "Or",
        };
        write!(out, "LogicOperator::{name}").unwrap();
    }
}

/// `Variant(a, b, ...)` of an enum.
fn variant(out: &mut String, name: &str, fields: &[&dyn Emit]) {
    out.push_str(name);
    if fields.is_empty() {
        return;
    }
    out.push('(');
    for (index, field) in fields.iter().enumerate() {
        if index > 0 {
            out.push_str(", ");
        }
        field.emit(out);
    }
    out.push(')');
}

impl Emit for ExprVal {
    fn emit(&self, out: &mut String) {
        match self {
            ExprVal::String(s) => variant(out, "ExprVal::String", &[s]),
            ExprVal::Int(i) => variant(out, "ExprVal::Int", &[i]),
            ExprVal::Float(f) => variant(out, "ExprVal::Float", &[f]),
            ExprVal::Bool(b) => variant(out, "ExprVal::Bool", &[b]),
            ExprVal::Ident(s) => variant(out, "ExprVal::Ident", &[s]),
            ExprVal::Math(m) => variant(out, "ExprVal::Math", &[m]),
            ExprVal::Logic(l) => variant(out, "ExprVal::Logic", &[l]),
            ExprVal::Test(t) => variant(out, "ExprVal::Test", &[t]),
            ExprVal::MacroCall(m) => variant(out, "ExprVal::MacroCall", &[m]),
            ExprVal::FunctionCall(f) => variant(out, "ExprVal::FunctionCall", &[f]),
            ExprVal::Array(a) => variant(out, "ExprVal::Array", &[a]),
            ExprVal::StringConcat(s) => variant(out, "ExprVal::StringConcat", &[s]),
            ExprVal::In(i) => variant(out, "ExprVal::In", &[i]),
        }
    }
}

impl Emit for Node {
    fn emit(&self, out: &mut String) {
        match self {
            Node::Super => variant(out, "Node::Super", &[]),
            Node::Text(s) => variant(out, "Node::Text", &[s]),
            Node::VariableBlock(ws, e) => variant(out, "Node::VariableBlock", &[ws, e]),
            Node::MacroDefinition(a, m, b) => variant(out, "Node::MacroDefinition", &[a, m, b]),
            Node::Extends(ws, s) => variant(out, "Node::Extends", &[ws, s]),
            Node::Include(ws, names, missing) => {
                variant(out, "Node::Include", &[ws, names, missing])
            }
            Node::ImportMacro(ws, file, ns) => variant(out, "Node::ImportMacro", &[ws, file, ns]),
            Node::Set(ws, set) => variant(out, "Node::Set", &[ws, set]),
            Node::Raw(a, s, b) => variant(out, "Node::Raw", &[a, s, b]),
            Node::FilterSection(a, f, b) => variant(out, "Node::FilterSection", &[a, f, b]),
            Node::Block(a, block, b) => variant(out, "Node::Block", &[a, block, b]),
            Node::Forloop(a, f, b) => variant(out, "Node::Forloop", &[a, f, b]),
            Node::If(i, ws) => variant(out, "Node::If", &[i, ws]),
            Node::Break(ws) => variant(out, "Node::Break", &[ws]),
            Node::Continue(ws) => variant(out, "Node::Continue", &[ws]),
            Node::Comment(ws, s) => variant(out, "Node::Comment", &[ws, s]),
        }
    }
}
