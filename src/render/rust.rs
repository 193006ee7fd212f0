//! Laying out Rust the way rustfmt would, so generated files pass `cargo fmt --check` without
//! running rustfmt: blank-line hygiene, sorted imports and width-aware signatures.

use std::collections::BTreeMap;

/// rustfmt's default line width.
pub(super) const MAX_WIDTH: usize = 100;

/// Normalises what templates leave behind: trailing spaces, runs of blank lines, blank lines
/// just inside braces, and the final newline.
pub fn tidy(text: &str) -> String {
    let lines: Vec<&str> = text.lines().map(str::trim_end).collect();
    let mut out = String::with_capacity(text.len() + 1);
    // Where the last line kept starts in `out`, and the first line from `i` on that is not empty.
    let mut last: Option<usize> = None;
    let mut next = 0;
    for (i, line) in lines.iter().enumerate() {
        let prev = last.map(|start| &out[start..]);
        if line.is_empty() {
            if next <= i {
                next = (i + 1..lines.len())
                    .find(|&j| !lines[j].is_empty())
                    .unwrap_or(lines.len());
            }
            let after_open = prev.is_none_or(|p| {
                p.is_empty() || opens_block(p) || p.trim_start().starts_with("///")
            });
            let before_close = lines.get(next).is_none_or(|n| closes_block(n));
            if after_open || before_close {
                continue;
            }
        }
        // An empty block closes on the line that opens it: `impl X for Y {}`; not a brace on a
        // line of its own.
        if line.trim_start() == "}" {
            if let Some(prev) = prev {
                if prev.ends_with('{') && prev.trim() != "{" && indent(prev) == indent(line) {
                    out.push('}');
                    continue;
                }
            }
        }
        if last.is_some() {
            out.push('\n');
        }
        last = Some(out.len());
        out.push_str(line);
    }
    out.push('\n');
    out
}

fn indent(line: &str) -> usize {
    line.len() - line.trim_start().len()
}

fn opens_block(line: &str) -> bool {
    line.ends_with('{') || line.ends_with('(') || line.ends_with('[')
}

fn closes_block(line: &str) -> bool {
    let t = line.trim_start();
    t.starts_with('}') || t.starts_with(')') || t.starts_with(']')
}

/// A function signature as rustfmt lays it out: on one line when it fits, otherwise one
/// parameter per line. `tail` is what follows the return type (` {`, `;` or nothing).
pub fn signature(
    head: &str,
    params: &[&str],
    ret: Option<&str>,
    indent: usize,
    tail: &str,
) -> String {
    let pad = " ".repeat(indent);
    let ret_type = ret;
    let ret = ret.map(|r| format!(" -> {r}")).unwrap_or_default();
    let one_line = format!("{pad}{head}({}){ret}{tail}", params.join(", "));
    // A declaration without a body whose `;` reaches the last column keeps its parameters on
    // the line and moves the return type to the next.
    if tail == ";" && !ret.is_empty() && one_line.len() == MAX_WIDTH {
        return format!("{pad}{head}({})\n{pad}   {ret};", params.join(", "));
    }
    let wide_tuple = ret_type.is_some_and(|r| widest_tuple(r) > FN_CALL_WIDTH);
    if one_line.len() <= MAX_WIDTH && !wide_tuple {
        return one_line;
    }
    // Without parameters, the body's brace goes to the next line before `()` breaks: while
    // the header fits in the line, or one column past it when it has a return type (as rustfmt
    // 1.9 measures them).
    let bare = format!("{pad}{head}(){ret}");
    let limit = if ret.is_empty() {
        MAX_WIDTH
    } else {
        MAX_WIDTH + 1
    };
    if params.is_empty() && tail == " {" && bare.len() <= limit && !wide_tuple {
        return format!("{bare}\n{pad}{{");
    }
    let mut out = format!("{pad}{head}(\n");
    for param in params {
        out.push_str(&parameter(param, indent + 4));
        out.push('\n');
    }
    if let Some(broken) = ret_type
        .filter(|_| wide_tuple)
        .and_then(|r| broken_type(r, indent))
    {
        out.push_str(&format!("{pad}) -> {broken}{tail}"));
        return out;
    }
    // A return type that leaves its line more than two columns too wide breaks its generic
    // arguments, when each then fits its line (rustfmt 1.9 leaves the rest as it is).
    if let Some(r) = ret_type.filter(|_| pad.len() + 1 + ret.len() > MAX_WIDTH + 2) {
        let broken = generic_args_below(r, indent, tail)
            .filter(|b| b.lines().skip(1).all(|line| line.len() <= MAX_WIDTH));
        if let Some(broken) = broken {
            out.push_str(&format!("{pad}) -> {broken}"));
            return out;
        }
    }
    let close = format!("{pad}){ret}{tail}");
    if tail == " {" && close.len() > MAX_WIDTH {
        // The body's brace goes to a line of its own when the return type leaves it no room.
        out.push_str(&format!("{pad}){ret}\n{pad}{{"));
    } else {
        out.push_str(&close);
    }
    out
}

/// The width of the widest list of items of a tuple in type `ty` (`A, B` of `(A, B)`), as
/// rustfmt measures it against `fn_call_width`.
fn widest_tuple(ty: &str) -> usize {
    let mut widest = 0;
    let mut opened = Vec::new();
    for (i, c) in ty.char_indices() {
        match c {
            '(' => opened.push(i),
            ')' => {
                if let Some(start) = opened.pop() {
                    widest = widest.max(i - start - 1);
                }
            }
            _ => {}
        }
    }
    widest
}

/// A generic return type whose tuple is too wide for one line (`Result<(A, B), E>`), broken
/// as rustfmt breaks it from `indent`: the only argument, a tuple, opens on the type's line
/// and closes with it (`Result<(` ... `)>`); several arguments go one per line, a tuple among
/// them with an item per line. `None` for other shapes.
fn broken_type(ty: &str, indent: usize) -> Option<String> {
    let pad = " ".repeat(indent);
    let (path, args) = ty.strip_suffix('>')?.split_once('<')?;
    let args = split_type_args(args);
    let items = |tuple: &str, at: usize| -> Option<String> {
        let inner = tuple.strip_prefix('(')?.strip_suffix(')')?;
        let pad = " ".repeat(at);
        Some(
            split_type_args(inner)
                .iter()
                .map(|item| format!("{pad}{item},\n"))
                .collect(),
        )
    };
    if let [only] = args[..] {
        let items = items(only, indent + 4)?;
        return Some(format!("{path}<(\n{items}{pad})>"));
    }
    let mut out = format!("{path}<\n");
    for arg in args {
        if arg.starts_with('(') && widest_tuple(arg) > FN_CALL_WIDTH {
            let items = items(arg, indent + 8)?;
            out.push_str(&format!("{pad}    (\n{items}{pad}    ),\n"));
        } else {
            out.push_str(&format!("{pad}    {arg},\n"));
        }
    }
    out.push_str(&format!("{pad}>"));
    Some(out)
}

/// A generic type with its arguments a line each, one level deeper than `indent`, an argument
/// too wide for its line broken the same way (`Option<` / `AnyOf<` / `T,` / `>,` / `>`), and
/// `suffix` after the closing `>`. `None` for a type that is not generic.
fn generic_args_below(ty: &str, indent: usize, suffix: &str) -> Option<String> {
    let (outer, inner) = ty.strip_suffix('>')?.split_once('<')?;
    let pad = " ".repeat(indent);
    let mut out = format!("{outer}<\n");
    for arg in split_type_args(inner) {
        let line = format!("{pad}    {arg},");
        match generic_args_below(arg, indent + 4, ",").filter(|_| line.len() > MAX_WIDTH) {
            Some(broken) => out.push_str(&format!("{pad}    {broken}\n")),
            None => out.push_str(&format!("{line}\n")),
        }
    }
    out.push_str(&format!("{pad}>{suffix}"));
    Some(out)
}

/// The arguments of a generic type or the items of a tuple type, split at the commas outside
/// brackets of any kind.
fn split_type_args(args: &str) -> Vec<&str> {
    let (mut parts, mut depth, mut start) = (Vec::new(), 0usize, 0);
    for (i, c) in args.char_indices() {
        match c {
            '(' | '[' | '<' => depth += 1,
            ')' | ']' | '>' => depth = depth.saturating_sub(1),
            ',' if depth == 0 => {
                parts.push(args[start..i].trim());
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(args[start..].trim());
    parts.retain(|p| !p.is_empty());
    parts
}

/// A parameter of a broken signature, on its line at `indent`, with its comma. One too wide
/// for the line with a tuple pattern and type (`Path((id, day)): Path<(Uuid, NaiveDate)>`)
/// breaks as rustfmt breaks it: the pattern's tuple when even `pattern: ` is too wide; the
/// type's tuple when the line up to `<(` leaves two columns; the generic's brackets when the
/// line up to `<` fits; else rustfmt leaves the line as it is.
fn parameter(param: &str, indent: usize) -> String {
    let pad = " ".repeat(indent);
    let line = format!("{pad}{param},");
    let Some((before, types)) = param.strip_suffix(")>").and_then(|p| p.split_once("<(")) else {
        return line;
    };
    if line.len() <= MAX_WIDTH {
        return line;
    }
    let pattern = before.split_once(": ").and_then(|(pattern, ty)| {
        let names = pattern
            .strip_prefix(&format!("{ty}(("))?
            .strip_suffix("))")?;
        Some((pattern, ty, names))
    });
    if let Some((pattern, ty, names)) = pattern {
        if pad.len() + pattern.len() + 2 >= MAX_WIDTH {
            let names: String = split_args(names)
                .iter()
                .map(|name| format!("{pad}    {name},\n"))
                .collect();
            return format!("{pad}{ty}((\n{names}{pad})): {ty}<({types})>,");
        }
    }
    if pad.len() + before.len() + 2 <= MAX_WIDTH - 2 {
        let types: String = split_args(types)
            .iter()
            .map(|ty| format!("{pad}    {ty},\n"))
            .collect();
        return format!("{pad}{before}<(\n{types}{pad})>,");
    }
    if pad.len() + before.len() < MAX_WIDTH {
        return format!("{pad}{before}<\n{pad}    ({types}),\n{pad}>,");
    }
    line
}

/// rustfmt's default `chain_width`: longer chains are broken one call per line.
const CHAIN_WIDTH: usize = 60;

/// A method chain as rustfmt lays it out: `head.a().b()` on one line when it is short,
/// otherwise one `.call()` per line, indented under `head`. `indent` is the indentation of the
/// line the chain starts on and `prefix` what precedes it there (`let x = `).
pub fn chain(prefix: &str, head: &str, calls: &[&str], indent: usize, suffix: &str) -> String {
    let pad = " ".repeat(indent);
    let one_line: String = std::iter::once(head.to_string())
        .chain(calls.iter().map(|c| format!(".{c}")))
        .collect();
    // rustfmt counts the `?` that ends a chain twice against `chain_width`.
    let tries = calls.last().is_some_and(|c| c.ends_with('?')) as usize;
    let line = indent + prefix.len() + one_line.len() + suffix.len();
    if calls.is_empty()
        || (one_line.len() + tries <= CHAIN_WIDTH
            && line + try_slack(calls.last().copied().unwrap_or(""), suffix) <= MAX_WIDTH)
    {
        return format!("{pad}{prefix}{one_line}{suffix}");
    }
    let same_line = || {
        // A root too wide for its line that is a call breaks its arguments, and the chain
        // goes on at the root's own indent: `crud::long_module::update(\n    id,\n)\n.await`.
        let wide_args = call_args(head).is_some_and(|(_, args)| !args_fit(args));
        if indent + prefix.len() + head.len() > MAX_WIDTH || wide_args {
            if let Some(broken) = break_call(head, indent) {
                let mut out = format!("{pad}{prefix}{broken}");
                for call in calls {
                    out.push_str(&format!("\n{pad}.{call}"));
                }
                out.push_str(suffix);
                return out;
            }
        }
        if let [call] = calls {
            if let Some(line) = single_call(prefix, head, call, indent, suffix) {
                return line;
            }
        }
        if let Some(line) = overflow_last(prefix, head, calls, indent, suffix) {
            return line;
        }
        vertical_chain(prefix, head, calls, indent, suffix)
    };
    right_hand_side(
        prefix,
        indent,
        same_line,
        |indent| chain("", head, calls, indent, suffix),
        Rhs::Chain,
    )
}

/// `if let {pattern} = {expr} {` as rustfmt lays it out: on one line when it fits; else the
/// brace on a line of its own when the rest fits; else the expression on the next line, one
/// level deeper, and the brace on a line of its own.
pub fn if_let(pattern: &str, expr: &str, indent: usize) -> String {
    let pad = " ".repeat(indent);
    let head = format!("{pad}if let {pattern} = {expr}");
    if head.len() + 2 <= MAX_WIDTH {
        format!("{head} {{")
    } else if head.len() <= MAX_WIDTH {
        format!("{head}\n{pad}{{")
    } else {
        format!("{pad}if let {pattern} =\n{pad}    {expr}\n{pad}{{")
    }
}

/// What a right-hand side is, for the rules rustfmt applies to one kind only.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Rhs {
    /// A method chain.
    Chain,
    /// A call of a path (`repositories::payments::insert(..)`).
    Call,
}

/// The right-hand side of `let x = ` (a `prefix` that ends with `= `) as rustfmt places it:
/// `same_line()` when that is one line; otherwise on the next line, one level deeper, when it
/// fits there on one line or takes at least two lines fewer there.
fn right_hand_side(
    prefix: &str,
    indent: usize,
    same_line: impl FnOnce() -> String,
    next_line: impl Fn(usize) -> String,
    kind: Rhs,
) -> String {
    let same = same_line();
    let fits = |s: &str| s.lines().all(|l| l.len() <= MAX_WIDTH);
    // A struct field's value moves to the next line only when it cannot stay; there, its comma
    // may take the column past the last.
    if prefix.ends_with(": ") && !fits(&same) {
        let next = next_line(indent + 4);
        if fits(next.strip_suffix(',').unwrap_or(&next)) {
            let pad = " ".repeat(indent);
            return format!("{pad}{}\n{next}", prefix.trim_end());
        }
    }
    if !prefix.ends_with("= ") || !same.contains('\n') {
        return same;
    }
    let next = next_line(indent + 4);
    let lines = |s: &str| s.lines().count();
    // rustfmt keeps the column of what ends the statement (`;`) free on the first line when
    // that is not the last, which holds it; the lines between may reach the last column.
    let fits_statement = |s: &str| {
        let ends = s.lines().last().map_or(0, |last| {
            let bare = last.trim_end_matches([';', ',']);
            last.len() - bare.len()
        });
        let before_last = lines(s).saturating_sub(1).min(1);
        // Except the line that opens a path call's arguments, which may take the last column.
        let open_call = |i: usize, l: &str| i == 0 && kind == Rhs::Call && l.ends_with('(');
        fits(s)
            && s.lines()
                .take(before_last)
                .enumerate()
                .all(|(i, l)| l.len() + ends <= MAX_WIDTH || open_call(i, l))
    };
    let better = !next.contains('\n') || lines(&same) > lines(&next) + 1 || !fits_statement(&same);
    if fits_statement(&next) && better {
        let pad = " ".repeat(indent);
        return format!("{pad}{}\n{next}", prefix.trim_end());
    }
    same
}

/// A chain whose last call breaks its arguments, with everything before that call's arguments
/// within `chain_width`: rustfmt keeps it on one line and breaks only the last call. It does so
/// when the last call has to break its arguments on a line of its own too, or when the call
/// does not fit after the rest on the line but its name does, within `chain_width`, and
/// broken it takes five lines or more.
fn overflow_last(
    prefix: &str,
    head: &str,
    calls: &[&str],
    indent: usize,
    suffix: &str,
) -> Option<String> {
    let (last, rest) = calls.split_last()?;
    let (open, args) = call_args(last)?;
    let mut line = head.to_string();
    for call in rest {
        line.push('.');
        line.push_str(call);
    }
    let first_line = line.len() + 1 + open.len();
    if rest.is_empty() || first_line > CHAIN_WIDTH {
        return None;
    }
    let must_break = indent + 4 + 1 + last.len() > MAX_WIDTH || !args_fit(args);
    let width = MAX_WIDTH.saturating_sub(indent + prefix.len() + suffix.len());
    let overflows = first_line <= width && line.len() + 1 + last.len() > width;
    let broken = break_call(last, indent)?;
    if !(must_break || overflows && broken.lines().count() >= 5) {
        return None;
    }
    let pad = " ".repeat(indent);
    Some(format!("{pad}{prefix}{line}.{broken}{suffix}"))
}

/// A chain broken one call per line.
fn vertical_chain(prefix: &str, head: &str, calls: &[&str], indent: usize, suffix: &str) -> String {
    let pad = " ".repeat(indent);
    let mut out = format!("{pad}{prefix}{head}");
    let inner = indent + 4;
    let last = calls.len().saturating_sub(1);
    let broken: Option<Vec<String>> = calls
        .iter()
        .enumerate()
        .map(|(i, call)| {
            let fit = call_args(call).is_none_or(|(_, args)| args_fit(args));
            if inner + 1 + call.len() <= MAX_WIDTH && fit {
                Some(call.to_string())
            } else if i == last {
                break_call(call, inner).or_else(|| overflowed_last_link(call, inner))
            } else {
                break_call(call, inner)
            }
        })
        .collect();
    // rustfmt leaves a chain as written when one of its calls cannot be made to fit.
    let calls = broken.unwrap_or_else(|| calls.iter().map(|c| c.to_string()).collect());
    let mut calls = calls.into_iter();
    // A chain that starts its line with a root no wider than a tab keeps its first call on the
    // root's line: `app.insert_item(1)`, then `.await` below.
    if prefix.is_empty() && head.len() <= 4 && !calls.as_slice().is_empty() {
        let first = calls.next().unwrap_or_default();
        out.push_str(&format!(".{first}"));
    }
    for call in calls {
        out.push_str(&format!("\n{pad}    .{call}"));
    }
    out.push_str(suffix);
    out
}

/// A chain as the only argument of nested calls: `open` is `Ok(Json(` and `close` `))`. On one
/// line when it fits there and the outer call's arguments are within [`FN_CALL_WIDTH`];
/// otherwise the calls open on the line and the chain goes on a line of its own, laid out by
/// [`chain`], as rustfmt overflows the last argument of a call.
pub fn wrapped_chain(
    open: &str,
    head: &str,
    calls: &[&str],
    indent: usize,
    close: &str,
    suffix: &str,
) -> String {
    let pad = " ".repeat(indent);
    let one_line: String = std::iter::once(head.to_string())
        .chain(calls.iter().map(|c| format!(".{c}")))
        .collect();
    let args = open.find('(').map_or(0, |i| open.len() - i - 1) + one_line.len() + close.len() - 1;
    let line = format!("{pad}{open}{one_line}{close}{suffix}");
    // A chain of one call is not held to `fn_call_width` as the only argument.
    let fits = args <= FN_CALL_WIDTH || calls.len() == 1;
    if open.is_empty() || (fits && line.len() <= MAX_WIDTH) {
        return chain(open, head, calls, indent, &format!("{close}{suffix}"));
    }
    let inner = chain("", head, calls, indent + 4, ",");
    format!("{pad}{open}\n{inner}\n{pad}{close}{suffix}")
}

/// The columns rustfmt keeps free at the end of a line whose chain ends with `?`: one after
/// `.await?`, two after a call's `)?` or before the comma of a struct field or an argument.
fn try_slack(last: &str, suffix: &str) -> usize {
    if !last.ends_with('?') {
        0
    } else if last.ends_with(")?") || suffix.starts_with(',') {
        2
    } else {
        1
    }
}

/// A chain of one call, which `chain_width` does not limit: on the line of `head` when it fits
/// there; on a line of its own when it fits there unbroken; otherwise on the line of `head`
/// with its arguments broken one per line. `None` when the call has no arguments to break.
fn single_call(
    prefix: &str,
    head: &str,
    call: &str,
    indent: usize,
    suffix: &str,
) -> Option<String> {
    let pad = " ".repeat(indent);
    let args_fit = call_args(call.trim_end_matches('?')).is_none_or(|(_, args)| args_fit(args));
    let line = format!("{pad}{prefix}{head}.{call}{suffix}");
    if args_fit && line.len() + try_slack(call, suffix) <= MAX_WIDTH {
        return Some(line);
    }
    if args_fit && indent + 4 + 1 + call.len() + suffix.len() <= MAX_WIDTH {
        return Some(format!("{pad}{prefix}{head}\n{pad}    .{call}{suffix}"));
    }
    let broken = break_call(call, indent)?;
    Some(format!("{pad}{prefix}{head}.{broken}{suffix}"))
}

/// A call statement or expression, `head(args)`, as rustfmt lays it out: on one line when it
/// fits and its arguments are within [`FN_CALL_WIDTH`], otherwise one argument per line with a
/// trailing comma. `prefix` precedes the call on its line (`let x = `), `suffix` follows it.
/// The call may be the last argument of others (`head` `Err(f`, `suffix` `)`), which then open
/// and close on the lines of the call.
pub fn call(prefix: &str, head: &str, args: &[&str], indent: usize, suffix: &str) -> String {
    let pad = " ".repeat(indent);
    let joined = args.join(", ");
    let line = format!("{pad}{prefix}{head}({joined}){suffix}");
    // In `Err(f(a, b))` (`head` `Err(f`, `suffix` `)`) the arguments of `Err` count.
    let outer = head.find('(').map_or(0, |i| {
        head.len() - i + suffix.chars().take_while(|&c| c == ')').count()
    });
    // One argument stays on a line it fits, unless the call is itself the argument of
    // another, whose width counts.
    let within = outer + joined.len() <= FN_CALL_WIDTH || (outer == 0 && args_fit(&joined));
    if (within && line.len() <= MAX_WIDTH) || args.is_empty() {
        return line;
    }
    // Short simple arguments (`&self.db`, `&input`, `&mut *tx`) fill the lines, as rustfmt does
    // with items no wider than its `short_array_element_width_threshold` (10).
    let short = args.len() > 1
        && args.iter().all(|a| {
            let operand = a.strip_prefix("&mut ").unwrap_or(a);
            a.len() <= 10
                && operand
                    .chars()
                    .all(|c| c.is_alphanumeric() || "&*._:\"".contains(c))
        });
    let same_line = || {
        let mut out = format!("{pad}{prefix}{head}(\n");
        if short && !head.ends_with('!') {
            let line = format!("{pad}    {},", args.join(", "));
            if line.len() <= MAX_WIDTH {
                return format!("{out}{line}\n{pad}){suffix}");
            }
        }
        // A macro's arguments take no trailing comma; `assert_eq!` keeps the two values it
        // compares on one line when they fit there.
        let (comma, mut rest) = if head.ends_with('!') {
            ("", args)
        } else {
            (",", args)
        };
        if let ("assert_eq!" | "assert_ne!", [a, b, ..]) = (head, args) {
            let pair = format!("{pad}    {a}, {b}");
            if args.len() > 2 && pair.len() < MAX_WIDTH {
                out.push_str(&pair);
                out.push_str(",\n");
                rest = &args[2..];
            }
        }
        let lines: Vec<String> = rest.iter().map(|a| format!("{pad}    {a}")).collect();
        out.push_str(&lines.join(",\n"));
        out.push_str(&format!("{comma}\n{pad}){suffix}"));
        out
    };
    right_hand_side(
        prefix,
        indent,
        same_line,
        |indent| {
            match suffix.strip_suffix(',').filter(|_| prefix.ends_with(": ")) {
                // A struct field's value on a line of its own lays out without its comma.
                Some(rest) => format!("{},", call("", head, args, indent, rest)),
                None => call("", head, args, indent, suffix),
            }
        },
        Rhs::Call,
    )
}

/// Whether the arguments of a call may stay on its line when the line fits: when they are
/// within [`FN_CALL_WIDTH`], or are one argument, which rustfmt keeps on the line it fits.
fn args_fit(args: &str) -> bool {
    args.len() <= FN_CALL_WIDTH || matches!(split_args(args)[..], [arg] if plain(arg))
}

/// Whether an argument is no call: a call as the one argument of another is laid out within
/// `fn_call_width` of its own.
fn plain(arg: &str) -> bool {
    !arg.contains('(') || (arg.len() > 1 && arg.starts_with('"') && arg.ends_with('"'))
}

/// One `.call(args)` of a chain broken one call per line, at `indent`: as it is when it fits
/// and its arguments are within [`FN_CALL_WIDTH`], otherwise with its arguments broken.
pub fn chain_link(call: &str, indent: usize) -> String {
    let pad = " ".repeat(indent);
    let fit = call_args(call).is_none_or(|(_, args)| args_fit(args));
    if indent + 1 + call.len() <= MAX_WIDTH && fit {
        return format!("{pad}.{call}");
    }
    match break_call(call, indent) {
        Some(broken) => format!("{pad}.{broken}"),
        None => format!("{pad}.{call}"),
    }
}

/// The last link of a chain broken one call per line, at `indent`, with an argument too wide
/// for a line one level deeper (a long string literal) that fits on a line at `indent`:
/// rustfmt overflows it there, with the closing parenthesis one level out. `None` when an
/// argument does not fit there either (rustfmt then leaves the chain as written).
fn overflowed_last_link(call: &str, indent: usize) -> Option<String> {
    let bare = call.trim_end_matches('?');
    let tries = &call[bare.len()..];
    let (head, args) = call_args(bare)?;
    let pad = " ".repeat(indent);
    let mut out = format!("{head}\n");
    for arg in split_args(args) {
        if indent + arg.len() + 1 > MAX_WIDTH {
            return None;
        }
        out.push_str(&format!("{pad}{arg},\n"));
    }
    out.push_str(&format!("{}){tries}", " ".repeat(indent.saturating_sub(4))));
    Some(out)
}

/// [`call`] for a call written out whole, `head(a, b)`; as it is when it is not a call.
pub fn call_text(prefix: &str, text: &str, indent: usize, suffix: &str) -> String {
    let bare = text.trim_end_matches('?');
    let suffix = format!("{}{suffix}", &text[bare.len()..]);
    match call_args(bare) {
        Some((head, args)) => call(
            prefix,
            &head[..head.len() - 1],
            &split_args(args),
            indent,
            &suffix,
        ),
        None => format!("{}{prefix}{text}{suffix}", " ".repeat(indent)),
    }
}

/// `prefix` and `value` (`let x = `, `"text"`) on one line when it fits, otherwise `value` on the
/// next line, one level deeper, when it fits there: rustfmt's layout of a right-hand side it
/// does not break, and of a struct field's type (`prefix` `pub name: `).
pub fn assign(prefix: &str, value: &str, indent: usize, suffix: &str) -> String {
    let pad = " ".repeat(indent);
    let line = format!("{pad}{prefix}{value}{suffix}");
    if line.len() <= MAX_WIDTH {
        return line;
    }
    if prefix.ends_with(": ") && indent + 4 + value.len() + suffix.len() > MAX_WIDTH {
        // A field's type too wide for a line of its own too breaks its generic arguments.
        if let Some(broken) = generic_args_below(value, indent, suffix) {
            return format!("{pad}{prefix}{broken}");
        }
    }
    // A string literal cannot break: it goes on a line of its own, however wide.
    let literal = value.len() > 1 && value.starts_with('"') && value.ends_with('"');
    if !literal && indent + 4 + value.len() + suffix.len() > MAX_WIDTH {
        // Too wide for a line of its own too: a call breaks its arguments.
        return call_text(prefix, value, indent, suffix);
    }
    format!("{pad}{}\n{pad}    {value}{suffix}", prefix.trim_end())
}

/// A match arm `pattern => body,` as rustfmt lays it out: on one line when it fits, otherwise
/// the body alone in a block, which then has no comma.
pub fn arm(pattern: &str, body: &str, indent: usize) -> String {
    let pad = " ".repeat(indent);
    let line = format!("{pad}{pattern} => {body},");
    if line.len() <= MAX_WIDTH {
        return line;
    }
    format!("{pad}{pattern} => {{\n{pad}    {body}\n{pad}}}")
}

/// A match arm whose body matches `scrutinee` against `arms` (pattern and body each), as
/// rustfmt lays it out: `pattern => match scrutinee {` when that line fits, otherwise the inner
/// match in a block of its own.
pub fn match_arm(
    pattern: &str,
    scrutinee: &str,
    arms: &[(String, String)],
    indent: usize,
) -> String {
    let pad = " ".repeat(indent);
    let open = format!("{pad}{pattern} => match {scrutinee} {{");
    let (head, inner, tail) = if open.len() <= MAX_WIDTH {
        (open, indent + 4, format!("{pad}}},"))
    } else {
        (
            format!("{pad}{pattern} => {{\n{pad}    match {scrutinee} {{"),
            indent + 8,
            format!("{pad}    }}\n{pad}}}"),
        )
    };
    let mut out = head;
    for (pattern, body) in arms {
        out.push('\n');
        out.push_str(&arm(pattern, body, inner));
    }
    out.push('\n');
    out.push_str(&tail);
    out
}

/// rustfmt's `array_width`: the widest an array's elements may be, together, on one line.
const ARRAY_WIDTH: usize = 60;
/// rustfmt's `short_array_element_width_threshold`: arrays of elements no wider than this fill
/// their lines when they break, instead of taking one line each.
const SHORT_ELEMENT: usize = 10;

/// `&["a", "b"]` of the strings `items` after `prefix`, as rustfmt lays out an array: on the
/// line when its elements fit `array_width` and the line is not too wide; otherwise broken, with
/// short elements filling their lines and others one per line.
pub fn str_array(prefix: &str, items: &[String], indent: usize, suffix: &str) -> String {
    let quoted: Vec<String> = items
        .iter()
        .map(|item| crate::names::rust_str(item))
        .collect();
    array(prefix, &quoted, indent, suffix)
}

/// `&[a, b]` of the expressions `quoted` after `prefix`, laid out as [`str_array`] lays out
/// strings.
pub fn array(prefix: &str, quoted: &[String], indent: usize, suffix: &str) -> String {
    let pad = " ".repeat(indent);
    let content = quoted.join(", ");
    // `array_width` does not hold an array of one element, which stays whole where it fits.
    let narrow = quoted.len() == 1 || content.len() <= ARRAY_WIDTH;
    let line = format!("{pad}{prefix}&[{content}]{suffix}");
    if quoted.is_empty() || (narrow && line.len() <= MAX_WIDTH) {
        return line;
    }
    let inner = " ".repeat(indent + 4);
    // The right side of an assignment that fits on one line of its own goes there.
    if let Some(left) = prefix.strip_suffix(" = ") {
        let right = format!("{inner}&[{content}]{suffix}");
        if narrow && right.len() <= MAX_WIDTH {
            return format!("{pad}{left} =\n{right}");
        }
    }
    let mut lines: Vec<String> = Vec::new();
    if quoted.iter().all(|q| q.len() <= SHORT_ELEMENT) {
        let mut current = String::new();
        for q in quoted {
            if !current.is_empty() && inner.len() + current.len() + 2 + q.len() + 1 > MAX_WIDTH {
                lines.push(format!("{inner}{current},"));
                current.clear();
            }
            if !current.is_empty() {
                current.push_str(", ");
            }
            current.push_str(q);
        }
        lines.push(format!("{inner}{current},"));
    } else {
        lines.extend(quoted.iter().map(|q| format!("{inner}{q},")));
    }
    format!("{pad}{prefix}&[\n{}\n{pad}]{suffix}", lines.join("\n"))
}

/// An expression written out whole (`"x".parse().expect("y")`, `Some(...)`), laid out by
/// [`chain`] or [`wrapped_chain`] when it is a method chain.
pub fn expression(text: &str, indent: usize) -> String {
    let (open, inner, close) = match text.strip_prefix("Some(").and_then(|t| t.strip_suffix(')')) {
        Some(inner) => ("Some(", inner, ")"),
        None => ("", text, ""),
    };
    let parts = split_chain(inner);
    let Some((head, calls)) = parts.split_first().filter(|(_, calls)| !calls.is_empty()) else {
        // Not a chain: a call too wide for its line breaks its arguments.
        if indent + text.len() > MAX_WIDTH {
            return call_text("", text, indent, "");
        }
        return format!("{}{text}", " ".repeat(indent));
    };
    wrapped_chain(open, head, calls, indent, close, "")
}

/// The parts of a method chain: split at the dots outside brackets and string literals that
/// a method name follows.
fn split_chain(text: &str) -> Vec<&str> {
    let (mut parts, mut depth, mut quoted, mut start) = (Vec::new(), 0usize, false, 0);
    let mut chars = text.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        match c {
            '\\' if quoted => {
                chars.next();
            }
            '"' => quoted = !quoted,
            '(' | '[' | '{' if !quoted => depth += 1,
            ')' | ']' | '}' if !quoted => depth = depth.saturating_sub(1),
            '.' if !quoted
                && depth == 0
                && chars
                    .peek()
                    .is_some_and(|(_, n)| n.is_ascii_lowercase() || *n == '_') =>
            {
                parts.push(&text[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&text[start..]);
    parts
}

/// rustfmt's default `attr_fn_like_width`: an attribute whose arguments are wider is broken
/// one argument per line.
const ATTR_FN_LIKE_WIDTH: usize = 70;

/// `#[name(args)]` as rustfmt lays it out: on one line when it fits and its arguments are
/// within [`ATTR_FN_LIKE_WIDTH`], otherwise one argument per line, without a trailing comma.
pub fn attribute(name: &str, args: &[&str], indent: usize) -> String {
    let pad = " ".repeat(indent);
    let joined = args.join(", ");
    let line = format!("{pad}#[{name}({joined})]");
    // A single argument may be wider than `attr_fn_like_width`, as long as the line fits with
    // a column to spare.
    if (joined.len() <= ATTR_FN_LIKE_WIDTH || args.len() == 1) && line.len() < MAX_WIDTH {
        return line;
    }
    let inner: Vec<String> = args.iter().map(|a| format!("{pad}    {a}")).collect();
    format!("{pad}#[{name}(\n{}\n{pad})]", inner.join(",\n"))
}

/// rustfmt's default `fn_call_width`: a call whose arguments are wider is broken one argument
/// per line.
const FN_CALL_WIDTH: usize = 60;

/// `name(a, b)` as `("name(", "a, b")`.
fn call_args(call: &str) -> Option<(&str, &str)> {
    let open = call.find('(')?;
    let args = call.strip_suffix(')')?.get(open + 1..)?;
    Some((&call[..=open], args))
}

/// `name(a, b)` broken as rustfmt breaks a call too wide for its line or with arguments wider
/// than [`FN_CALL_WIDTH`]: one argument per line, each with a trailing comma, indented one
/// level under the call at column `indent`. `None` when the call has no arguments to break at
/// or an argument is too wide even so.
fn break_call(call: &str, indent: usize) -> Option<String> {
    let bare = call.trim_end_matches('?');
    let tries = &call[bare.len()..];
    let (head, args) = call_args(bare)?;
    let pad = " ".repeat(indent);
    let args = split_args(args);
    // A single argument that is a call itself overflows: it opens on the line of this one,
    // and its own arguments break.
    if let [only] = args[..] {
        let path_call = only
            .find('(')
            .is_some_and(|open| !only[..open].contains('.'));
        if let Some(inner) = break_call(only, indent).filter(|_| path_call) {
            return Some(format!("{head}{inner}){tries}"));
        }
    }
    let mut out = format!("{head}\n");
    for arg in args {
        // An argument that is a chain wider than `chain_width` breaks as a chain.
        let parts = split_chain(arg);
        if let Some((first, calls)) = parts.split_first() {
            if !calls.is_empty() && arg.len() > CHAIN_WIDTH {
                out.push_str(&chain("", first, calls, indent + 4, ","));
                out.push('\n');
                continue;
            }
        }
        if indent + 4 + arg.len() + 1 > MAX_WIDTH {
            // An argument too wide for its line that is a call breaks its own arguments.
            let path_call = arg.find('(').is_some_and(|open| !arg[..open].contains('.'));
            let broken = break_call(arg, indent + 4).filter(|_| path_call)?;
            out.push_str(&format!("{pad}    {broken},\n"));
            continue;
        }
        out.push_str(&format!("{pad}    {arg},\n"));
    }
    out.push_str(&format!("{pad}){tries}"));
    Some(out)
}

/// The arguments of a call, split at the commas outside brackets and string literals.
fn split_args(args: &str) -> Vec<&str> {
    let (mut parts, mut depth, mut quoted, mut start) = (Vec::new(), 0usize, false, 0);
    let mut chars = args.char_indices();
    while let Some((i, c)) = chars.next() {
        match c {
            '\\' if quoted => {
                chars.next();
            }
            '"' => quoted = !quoted,
            '(' | '[' | '{' if !quoted => depth += 1,
            ')' | ']' | '}' if !quoted => depth = depth.saturating_sub(1),
            ',' if !quoted && depth == 0 => {
                parts.push(args[start..i].trim());
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(args[start..].trim());
    parts.retain(|p| !p.is_empty());
    parts
}

/// The modules of one import group, by sort key: the module path and its items.
type ImportGroup = BTreeMap<Vec<Key>, (String, Vec<String>)>;

/// `use` lines for the given paths (`uuid::Uuid`, `crate::models::Page`, ...), merged per
/// module, sorted and grouped (std, other crates, this crate) as rustfmt keeps them.
pub fn imports(paths: &[String]) -> Vec<String> {
    let mut groups: [ImportGroup; 3] = Default::default();
    for path in paths {
        let (module, item) = match path.rsplit_once("::") {
            Some((module, item)) => (module, item),
            None => continue,
        };
        let root = module.split("::").next().unwrap_or_default();
        let group = match root {
            "std" | "core" | "alloc" => 0,
            "crate" | "super" | "self" => 2,
            _ => 1,
        };
        let key: Vec<Key> = module.split("::").map(Key::of).collect();
        let entry = groups[group]
            .entry(key)
            .or_insert_with(|| (module.to_string(), Vec::new()));
        if !entry.1.iter().any(|i| i == item) {
            entry.1.push(item.to_string());
        }
    }
    let mut lines = Vec::new();
    for group in groups.iter().filter(|g| !g.is_empty()) {
        if !lines.is_empty() {
            lines.push(String::new());
        }
        // A module with one item sorts by its full path; with several, as a `{..}` list,
        // which rustfmt puts after every plain path of the same module.
        let mut uses: Vec<(Vec<Key>, String)> = group
            .values()
            .map(|(module, items)| {
                let mut items = items.clone();
                items.sort_by_key(|i| Key::of(i));
                let mut key: Vec<Key> = module.split("::").map(Key::of).collect();
                if items == ["self"] {
                    (key, format!("use {module};"))
                } else if items.len() == 1 {
                    key.push(Key::of(&items[0]));
                    (key, format!("use {module}::{};", items[0]))
                } else {
                    key.push(Key::List);
                    (key, use_list("use", module, &items))
                }
            })
            .collect();
        uses.sort();
        lines.extend(uses.into_iter().map(|(_, line)| line));
    }
    lines
}

/// `use module::{a, b};` (`keyword` is `use` or `pub use`), on one line when it fits, otherwise
/// with the items filling lines of their own, as rustfmt wraps a use list.
pub fn use_list(keyword: &str, module: &str, items: &[String]) -> String {
    let one_line = format!("{keyword} {module}::{{{}}};", items.join(", "));
    // rustfmt keeps a use list on one line up to a column short of `max_width`.
    if one_line.len() < MAX_WIDTH - 1 {
        return one_line;
    }
    let mut out = format!("{keyword} {module}::{{\n");
    let mut line = String::from("   ");
    let mut broken = false;
    for (i, item) in items.iter().enumerate() {
        // Lines end a column short of `max_width`, unless all the items fit on one.
        let limit = if i + 1 == items.len() && !broken {
            MAX_WIDTH
        } else {
            MAX_WIDTH - 1
        };
        if line.len() + 1 + item.len() + 1 > limit {
            broken = true;
            out.push_str(&line);
            out.push('\n');
            line = String::from("   ");
        }
        line.push(' ');
        line.push_str(item);
        line.push(',');
    }
    out.push_str(&line);
    out.push_str("\n};");
    out
}

/// Sorts module names the way rustfmt orders `mod` items: raw identifiers by their name.
pub fn sort_names(names: &mut [String]) {
    names.sort_by_key(|n| Key::of(n.trim_start_matches("r#")));
}

/// Sort key of a path segment, in rustfmt's (2021 style) order.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Key {
    SelfKw,
    Super,
    Crate,
    Lower(String),
    Upper(String),
    /// All capitals, like a constant (`A`, `MAX_LEN`): after other names.
    Screaming(String),
    List,
}

impl Key {
    fn of(segment: &str) -> Self {
        // Raw identifiers sort as written, `r#` included, as rustfmt does.
        let bare = segment;
        match bare {
            "self" => Self::SelfKw,
            "super" => Self::Super,
            "crate" => Self::Crate,
            _ if bare
                .chars()
                .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_') =>
            {
                Self::Screaming(bare.into())
            }
            _ if bare.starts_with(|c: char| c.is_ascii_uppercase()) => Self::Upper(bare.into()),
            _ => Self::Lower(bare.into()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn paths(p: &[&str]) -> Vec<String> {
        p.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn match_arms_break_into_blocks_only_when_too_wide() {
        let arms = |body: &str| vec![("1".to_owned(), body.to_owned())];
        assert_eq!(
            match_arm("\"Short\"", "n", &arms("\"a\""), 8),
            "        \"Short\" => match n {\n            1 => \"a\",\n        },"
        );
        // `pattern => match n {` is wider than 100 columns: the match goes in a block.
        let long = format!("\"{}\"", "L".repeat(80));
        let wide = format!("\"{}\"", "w".repeat(90));
        assert_eq!(
            match_arm(&long, "n", &arms(&wide), 8),
            format!(
                "        {long} => {{\n            match n {{\n                1 => {{\n                    {wide}\n                }}\n            }}\n        }}"
            )
        );
        assert_eq!(arm("_", "return None", 4), "    _ => return None,");
    }

    #[test]
    fn imports_are_grouped_merged_and_sorted() {
        let lines = imports(&paths(&[
            "uuid::Uuid",
            "crate::models::Page",
            "serde::Serialize",
            "crate::models::payment::Payment",
            "serde::Deserialize",
            "std::sync::LazyLock",
            "crate::models::Paged",
            "crate::error::AppError",
            "serde::de",
        ]));
        assert_eq!(
            lines,
            [
                "use std::sync::LazyLock;",
                "",
                "use serde::{de, Deserialize, Serialize};",
                "use uuid::Uuid;",
                "",
                "use crate::error::AppError;",
                "use crate::models::payment::Payment;",
                "use crate::models::{Page, Paged};",
            ]
        );
    }

    #[test]
    fn a_signature_without_parameters_whose_return_type_fills_the_line_has_its_brace_below() {
        let (name, ty) = (format!("fn {}", "d".repeat(60)), "T".repeat(96));
        assert_eq!(
            signature(&name, &[], Some(&ty), 0, " {"),
            format!("{name}(\n) -> {ty}\n{{")
        );
    }

    /// rustfmt 1.9 keeps a return type that overflows its line by two columns, with the brace
    /// below; by three or more it breaks the type's generic arguments.
    #[test]
    fn a_return_type_far_too_wide_breaks_its_generic_arguments() {
        let head = format!("fn f{}", "x".repeat(100));
        let close = |len: usize| {
            let ty = format!("Option<T{}>", "x".repeat(len - 14));
            (signature(&head, &[], Some(&ty), 0, " {"), ty)
        };
        let (kept, ty) = close(102);
        assert_eq!(kept, format!("{head}(\n) -> {ty}\n{{"));
        let (broken, ty) = close(104);
        let inner = &ty["Option<".len()..ty.len() - 1];
        assert_eq!(broken, format!("{head}(\n) -> Option<\n    {inner},\n> {{"));
    }

    /// As rustfmt 1.9 lays them out: a tuple whose items are wider than `fn_call_width` takes
    /// a line per item, and the generic type around it breaks with it.
    #[test]
    fn return_types_with_wide_tuples_break_as_rustfmt_breaks_them() {
        let entity = format!("E{}", "x".repeat(48));
        let get = signature(
            "async fn get",
            &["State(state): State<AppState>", "Path(id): Path<Uuid>"],
            Some(&format!("Result<(ETag, Json<{entity}>), AppError>")),
            0,
            " {",
        );
        assert_eq!(
            get,
            format!(
                "async fn get(\n    State(state): State<AppState>,\n    Path(id): Path<Uuid>,\n) -> Result<\n    (\n        ETag,\n        Json<{entity}>,\n    ),\n    AppError,\n> {{"
            )
        );
        let entity = format!("E{}", "x".repeat(49));
        let list = signature(
            "fn f",
            &["a: u8"],
            Some(&format!("sqlx::Result<(Vec<{entity}>, bool)>")),
            0,
            " {",
        );
        assert_eq!(
            list,
            format!("fn f(\n    a: u8,\n) -> sqlx::Result<(\n    Vec<{entity}>,\n    bool,\n)> {{")
        );
        // One character less, and both stay whole.
        let entity = format!("E{}", "x".repeat(47));
        let ret = format!("Result<(ETag, Json<{entity}>), AppError>");
        let get = signature(
            "async fn get",
            &["Path(id): Path<Uuid>"],
            Some(&ret),
            0,
            " {",
        );
        assert!(get.ends_with(&format!(") -> {ret} {{")), "{get}");
    }

    #[test]
    fn long_signatures_break_one_parameter_per_line() {
        assert_eq!(
            signature("fn f", &["a: A"], Some("B"), 0, " {"),
            "fn f(a: A) -> B {"
        );
        let long = signature(
            "pub async fn update<'e, E>",
            &["db: E", "id: Uuid", "input: &NewVeryLongEntityName"],
            Some("sqlx::Result<Option<VeryLongEntityName>>"),
            0,
            "",
        );
        assert_eq!(
            long,
            "pub async fn update<'e, E>(\n    db: E,\n    id: Uuid,\n    input: &NewVeryLongEntityName,\n) -> sqlx::Result<Option<VeryLongEntityName>>"
        );
    }

    #[test]
    fn short_chains_stay_on_one_line() {
        assert_eq!(
            chain(
                "let api = ",
                "Router::new()",
                &["merge(a::router())"],
                4,
                ";"
            ),
            "    let api = Router::new().merge(a::router());"
        );
        assert_eq!(
            chain("", "Router::new()", &["merge(controllers::payments::router())", "merge(controllers::refunds::router())"], 4, ";"),
            "    Router::new()\n        .merge(controllers::payments::router())\n        .merge(controllers::refunds::router());"
        );
    }

    /// As rustfmt 1.95 lays out these chains (checked with `rustfmt --emit stdout`).
    #[test]
    fn a_last_argument_too_wide_for_its_line_overflows_as_rustfmt_does() {
        // The path fits on a line at 8 columns, not at 12.
        let path = format!("/{}", "a".repeat(87));
        let wide = format!(r#"route("{path}", delete(h))"#);
        let short = r#"route("/a", get(a))"#;
        // What comes before the last call fits in `chain_width`: one line, then the arguments.
        assert_eq!(
            chain("", "Router::new()", &[short, &wide], 4, ""),
            format!(
                "    Router::new().route(\"/a\", get(a)).route(\n        \"{path}\",\n        delete(h),\n    )"
            )
        );
        // It does not: rustfmt keeps the chain one call per line and overflows the last.
        assert_eq!(
            chain("", "Router::new()", &[short, short, short, &wide], 4, ""),
            format!(
                "    Router::new()\n        .route(\"/a\", get(a))\n        .route(\"/a\", get(a))\n        .route(\"/a\", get(a))\n        .route(\n        \"{path}\",\n        delete(h),\n    )"
            )
        );
    }

    #[test]
    fn calls_too_wide_for_a_chain_break_one_argument_per_line() {
        let wide = r#"route("/api/v1/organisations/{organisation_id}/payments/{id}/capture", post(capture_payment))"#;
        assert_eq!(
            chain("", "Router::new()", &[r#"route("/api/v1/payments", get(list_payments))"#, wide], 4, ""),
            "    Router::new()\n        .route(\"/api/v1/payments\", get(list_payments))\n        .route(\n            \"/api/v1/organisations/{organisation_id}/payments/{id}/capture\",\n            post(capture_payment),\n        )"
        );
        // Short enough for the line, but its arguments are wider than `fn_call_width`; what
        // comes before them is within `chain_width`, so only the last call breaks.
        let args_61 = format!(r#"route("/{}", get(h))"#, "a".repeat(50));
        assert_eq!(
            chain("", "Router::new()", &[r#"route("/a", get(a))"#, &args_61], 4, ""),
            format!(
                "    Router::new().route(\"/a\", get(a)).route(\n        \"/{}\",\n        get(h),\n    )",
                "a".repeat(50)
            )
        );
        let args_60 = format!(r#"route("/{}", get(h))"#, "a".repeat(49));
        assert_eq!(
            chain(
                "",
                "Router::new()",
                &[r#"route("/a", get(a))"#, &args_60],
                4,
                ""
            ),
            format!("    Router::new()\n        .route(\"/a\", get(a))\n        .{args_60}")
        );
        // An argument that cannot fit even on a line of its own: rustfmt leaves the chain be.
        let hopeless = format!(r#"route("/{}", post(capture_payment))"#, "x".repeat(90));
        assert_eq!(
            chain(
                "",
                "Router::new()",
                &[r#"route("/a", get(a))"#, &hopeless],
                4,
                ""
            ),
            format!("    Router::new()\n        .route(\"/a\", get(a))\n        .{hopeless}")
        );
        assert_eq!(
            split_args(r#""/a,{b}", post(f(x, y)), [1, 2]"#),
            [r#""/a,{b}""#, "post(f(x, y))", "[1, 2]"]
        );
    }
    /// As rustfmt 1.9 lays these out (checked with `rustfmt --emit stdout`).
    #[test]
    fn string_arrays_break_as_rustfmt_breaks_them() {
        let strings = |items: &[&str]| items.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let two = |second: usize| strings(&["x".repeat(18).as_str(), "y".repeat(second).as_str()]);
        let prefix = "pub const Q: &[&str] = ";
        // 60 wide together: one line; 61: one per line.
        assert_eq!(
            str_array(prefix, &two(36), 0, ";"),
            format!(
                "pub const Q: &[&str] = &[\"{}\", \"{}\"];",
                "x".repeat(18),
                "y".repeat(36)
            )
        );
        assert_eq!(
            str_array(prefix, &two(37), 0, ";"),
            format!(
                "pub const Q: &[&str] = &[\n    \"{}\",\n    \"{}\",\n];",
                "x".repeat(18),
                "y".repeat(37)
            )
        );
        // Short elements fill their lines.
        let short: Vec<String> = ('a'..='k').map(|c| c.to_string().repeat(4)).collect();
        assert_eq!(
            str_array(prefix, &short, 0, ";"),
            "pub const Q: &[&str] = &[\n    \"aaaa\", \"bbbb\", \"cccc\", \"dddd\", \"eeee\", \"ffff\", \"gggg\", \"hhhh\", \"iiii\", \"jjjj\", \"kkkk\",\n];"
        );
        assert_eq!(str_array("scopes: ", &[], 8, ","), "        scopes: &[],");
        // The right side of an assignment, when it fits on a line of its own.
        let columns = strings(&["stock_keeping_unit_identifier", "created_at", "updated_at"]);
        let prefix = "const SORTABLE: &'static [&'static str] = ";
        assert_eq!(
            str_array(prefix, &columns, 4, ";"),
            "    const SORTABLE: &'static [&'static str] =\n        &[\"stock_keeping_unit_identifier\", \"created_at\", \"updated_at\"];"
        );
        // One element wider than `array_width` stays whole where it fits.
        let one = vec!["k".repeat(62)];
        assert_eq!(
            str_array("let decimals: &[&str] = ", &one, 4, ";"),
            format!("    let decimals: &[&str] = &[\"{}\"];", one[0])
        );
        assert_eq!(
            str_array(prefix, &one, 4, ";"),
            format!(
                "    const SORTABLE: &'static [&'static str] =\n        &[\"{}\"];",
                one[0]
            )
        );
    }

    /// As rustfmt 1.9 lays these out: one argument wider than `fn_call_width` stays on the
    /// line of its call when the line fits, where two would break.
    #[test]
    fn a_single_argument_stays_on_its_line_when_the_line_fits() {
        let field = format!("current.{}", "a".repeat(62));
        assert_eq!(call("", "f", &[&field], 4, ";"), format!("    f({field});"));
        assert_eq!(
            call("", "f", &[&field, "b"], 4, ";"),
            format!("    f(\n        {field},\n        b,\n    );")
        );
        // The call is the argument of `Err`, whose width counts.
        assert_eq!(
            call("", "Err(AppError::NotImplemented", &["\"renew_loan_for_another_three_weeks\""], 8, ")"),
            "        Err(AppError::NotImplemented(\n            \"renew_loan_for_another_three_weeks\",\n        ))"
        );
        // A root call whose arguments are wider than `fn_call_width` breaks them.
        let root = "crud::mwjwxbbs::list_of_k(self.db(), flo99ownrglm9_oy8710x_ex8t50_0b3gu_id, filter, page)";
        assert_eq!(
            chain("", root, &["await"], 8, ""),
            "        crud::mwjwxbbs::list_of_k(\n            self.db(),\n            flo99ownrglm9_oy8710x_ex8t50_0b3gu_id,\n            filter,\n            page,\n        )\n        .await"
        );
        // An argument that is a call keeps rustfmt's width for its own arguments.
        let found = r#"ok_or(AppError::NotFound("wiytoqrpslx tz8bhba7zr li5w9clbu7 b77ss"))?"#;
        assert_eq!(
            chain("let current = ", "current", &[found], 8, ";"),
            "        let current = current.ok_or(AppError::NotFound(\n            \"wiytoqrpslx tz8bhba7zr li5w9clbu7 b77ss\",\n        ))?;"
        );
        let try_get = format!(r#"try_get("{}")?"#, "a".repeat(62));
        assert_eq!(
            chain("x: ", "row", &[&try_get], 8, ","),
            format!("        x: row.{try_get},")
        );
        let unwrap = format!("unwrap_or({field})");
        assert_eq!(
            chain("x: ", "self", &["a_long_field_name", &unwrap], 8, ","),
            format!("        x: self\n            .a_long_field_name\n            .{unwrap},")
        );
        // A last call that does not fit after the rest, whose name does within `chain_width`,
        // overflows there; five lines against the three of the chain one level deeper: the
        // right-hand side goes there.
        let call = "list_of_qg83ptya8_xf6(id, filter, page.clone())";
        let field = "mcuirngghvkh_n6a2yni9_zl94czk7s";
        assert_eq!(
            chain("let list = ", "state", &[field, call], 4, ";"),
            format!("    let list =\n        state\n            .{field}\n            .{call};")
        );
        // One character more before it, and the name no longer fits: one call per line.
        let field = "mcuirngghvkh_n6a2yni9_zl94czk7sx";
        assert_eq!(
            chain("let list = ", "state", &[field, call], 4, ";"),
            format!("    let list = state\n        .{field}\n        .{call};")
        );
    }

    #[test]
    fn a_root_call_too_wide_for_its_line_breaks_its_arguments() {
        let root = "crud::catalogue_entry_with_a_very_long_descriptive_names::update(self.db(), id, input, expected)";
        assert_eq!(
            chain("", root, &["await"], 8, ""),
            "        crud::catalogue_entry_with_a_very_long_descriptive_names::update(\n            self.db(),\n            id,\n            input,\n            expected,\n        )\n        .await"
        );
    }

    /// As rustfmt 1.9 lays these out (checked with `rustfmt --emit stdout`).
    #[test]
    fn a_field_too_long_for_its_line_breaks_its_chain() {
        let name = "im11211inle53_4gp3h75_lq1blln_8sr93x";
        assert_eq!(
            chain(
                &format!("{name}: "),
                "row",
                &[&format!("try_get(\"{name}\")?")],
                8,
                ","
            ),
            format!("        {name}: row\n            .try_get(\"{name}\")?,")
        );
    }

    #[test]
    fn tuple_parameters_too_wide_for_their_line_break_where_rustfmt_breaks_them() {
        let param = |name: &str| format!("Path((id, {name}, bdp)): Path<(i64, Uuid, String)>");
        let layout = |len: usize| parameter(&param(&"a".repeat(len)), 4);
        assert_eq!(layout(50), format!("    {},", param(&"a".repeat(50))));
        let types = "        i64,\n        Uuid,\n        String,\n    )>,";
        assert!(
            layout(69).ends_with(&format!("Path<(\n{types}")),
            "{}",
            layout(69)
        );
        let generic = "Path<\n        (i64, Uuid, String),\n    >,";
        assert!(layout(70).ends_with(generic), "{}", layout(70));
        assert!(layout(72).ends_with(generic), "{}", layout(72));
        assert_eq!(layout(75), format!("    {},", param(&"a".repeat(75))));
        let name = "a".repeat(79);
        let names = format!("        id,\n        {name},\n        bdp,\n");
        assert_eq!(
            layout(79),
            format!("    Path((\n{names}    )): Path<(i64, Uuid, String)>,")
        );
    }

    /// rustfmt 1.9 lets the line that opens a path call's arguments reach the last column,
    /// where a chain keeps the column of the `;` free.
    #[test]
    fn a_let_keeps_a_call_whose_open_line_fills_the_width_on_its_line() {
        let path = |len: usize| format!("repositories::{}::insert", "m".repeat(len - 22));
        let same = |len: usize| {
            format!(
                "        let stored = {}(\n            &self.db, &input,\n        );",
                path(len)
            )
        };
        let args = ["&self.db", "&input"];
        assert_eq!(call("let stored = ", &path(78), &args, 8, ";"), same(78));
        let next = call("let stored = ", &path(79), &args, 8, ";");
        assert!(
            next.starts_with("        let stored =\n            repositories::"),
            "{next}"
        );
    }

    /// rustfmt counts a reborrowed transaction (`&mut *tx`) as short and simple, like `&input`.
    #[test]
    fn a_reborrowed_transaction_fills_the_line_with_the_other_short_arguments() {
        let head = format!("{}::update", "m".repeat(60));
        let args = ["&mut *tx", "id", "&input", "expected"];
        assert_eq!(
            call("let updated = ", &head, &args, 4, ";"),
            format!("    let updated = {head}(\n        &mut *tx, id, &input, expected,\n    );")
        );
    }

    /// rustfmt 1.9 on a filter's set of an enum named after a long entity and a long field.
    #[test]
    fn a_generic_argument_too_wide_for_its_line_breaks_its_own_arguments() {
        let name = "W".repeat(88);
        let ty = format!("Option<AnyOf<{name}>>");
        assert_eq!(
            assign("pub a_in: ", &ty, 4, ","),
            format!(
                "    pub a_in: Option<\n        AnyOf<\n            {name},\n        >,\n    >,"
            )
        );
    }

    #[test]
    fn a_field_type_too_wide_for_any_line_breaks_its_generic_arguments() {
        let ty = format!("Option<AnyOf<{}>>", "A".repeat(80));
        assert_eq!(
            assign("pub status_in: ", &ty, 4, ","),
            format!(
                "    pub status_in: Option<\n        AnyOf<{}>,\n    >,",
                "A".repeat(80)
            )
        );
        let ty = format!("Option<AnyOf<{}>>", "A".repeat(70));
        assert_eq!(
            assign("pub status_in: ", &ty, 4, ","),
            format!("    pub status_in:\n        {ty},")
        );
    }

    #[test]
    fn a_right_hand_side_keeps_the_column_of_its_semicolon_free_on_the_next_line() {
        let root = |len: usize| format!("{}::find(db, {})", "m".repeat(40), "i".repeat(len));
        let next = chain("let parent = ", &root(39), &["await?"], 4, ";");
        assert_eq!(
            next,
            format!(
                "    let parent =\n        {}\n            .await?;",
                root(39)
            )
        );
        let same = chain("let parent = ", &root(40), &["await?"], 4, ";");
        let i = "i".repeat(40);
        let broken = format!(
            "{}::find(\n        db,\n        {i},\n    )",
            "m".repeat(40)
        );
        assert_eq!(same, format!("    let parent = {broken}\n    .await?;"));
        // A chain whose first line would take the last column moves to the next line.
        let root = format!("{}::find(db, {})", "m".repeat(27), "i".repeat(45));
        let wide = format!("    let found = {root}");
        assert_eq!(wide.len(), 100);
        assert_eq!(
            chain("let found = ", &root, &["await?"], 4, ";"),
            format!("    let found =\n        {root}\n            .await?;")
        );
        // A struct field's value on a line of its own may put its comma past the last column.
        let args = ["db.clone()", "deps.clone()"];
        let field = format!("{}: ", "p".repeat(59));
        let head = format!("{}::new", "P".repeat(57));
        let next = format!("            {head}(db.clone(), deps.clone()),");
        assert_eq!(next.len(), 101);
        assert_eq!(
            call(&field, &head, &args, 8, ","),
            format!("        {}\n{next}", field.trim_end())
        );
        // On one line of its own, the semicolon may take the last column.
        let args = ["a".repeat(24), "b".repeat(27)];
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let head = format!("{}::link", "N".repeat(30));
        let one_line = call("let input = ", &head, &args, 4, ";");
        let expected = format!("        {head}({});", args.join(", "));
        assert_eq!(expected.len(), 100);
        assert_eq!(one_line, format!("    let input =\n{expected}"));
    }

    #[test]
    fn a_return_type_that_fills_the_closing_line_sends_the_brace_to_the_next() {
        let ret = format!("Result<Json<{}>, AppError>", "R".repeat(72));
        let params = ["State(state): State<AppState>"];
        assert_eq!(
            signature("async fn f", &params, Some(&ret), 0, " {"),
            format!("async fn f(\n    {},\n) -> {ret}\n{{", params[0])
        );
    }

    #[test]
    fn if_let_breaks_before_its_brace_then_after_its_equals_sign() {
        let short = "&filter.name_contains";
        assert_eq!(
            if_let("Some(value)", short, 4),
            format!("    if let Some(value) = {short} {{")
        );
        let long = format!("&filter.{}_prefix", "a".repeat(60));
        assert_eq!(
            if_let("Some(value)", &long, 4),
            format!("    if let Some(value) = {long}\n    {{")
        );
        let longer = format!("&filter.{}_contains", "a".repeat(63));
        assert_eq!(
            if_let("Some(value)", &longer, 4),
            format!("    if let Some(value) =\n        {longer}\n    {{")
        );
    }

    #[test]
    fn a_right_hand_side_that_reaches_the_last_column_goes_to_the_next_line() {
        let call = r#"ok_or(AppError::NotFound("rtgzkwms q9axc9 b4d60634s3 skcvi11"))?"#;
        assert_eq!(
            chain("let current = ", "current", &[call], 12, ";"),
            format!("            let current =\n                current.{call};")
        );
    }

    #[test]
    fn tidy_removes_blank_lines_inside_braces() {
        assert_eq!(
            tidy("fn f() {\n\n    x();\n\n\n    y();\n\n}\n\n"),
            "fn f() {\n    x();\n\n    y();\n}\n"
        );
    }

    #[test]
    fn tidy_closes_empty_blocks_and_keeps_one_blank_line_between_items() {
        assert_eq!(
            tidy("/// A.\n\nstruct A;\n   \n\n\nimpl X for A {\n}\n\n{\n}\n    \n"),
            "/// A.\nstruct A;\n\nimpl X for A {}\n\n{\n}\n"
        );
        assert_eq!(tidy("\n\n"), "\n");
    }
}
