//! New operations in a team's file: when the spec gains a custom operation, its stub is
//! appended to the team's `impl` block, and nothing else of theirs changes.

use crate::render::Stub;

/// `contents` with a stub appended for each operation its `impl` blocks lack, and the names of
/// those operations; `None` when nothing is missing or the file does not parse (then the
/// compiler will point at what is missing).
pub fn append(contents: &str, stubs: &[Stub]) -> Option<(String, Vec<String>)> {
    if stubs.is_empty() {
        return None;
    }
    let file = syn::parse_file(contents).ok()?;
    let mut added = Vec::new();
    // Each edit replaces the white space before an `impl` block's closing brace.
    let mut edits: Vec<(std::ops::Range<usize>, String)> = Vec::new();
    for item in &file.items {
        let syn::Item::Impl(block) = item else {
            continue;
        };
        let Some((_, trait_path, _)) = &block.trait_ else {
            continue;
        };
        let Some(trait_name) = trait_path.segments.last().map(|s| s.ident.to_string()) else {
            continue;
        };
        let present: Vec<String> = block
            .items
            .iter()
            .filter_map(|item| match item {
                syn::ImplItem::Fn(f) => Some(f.sig.ident.to_string()),
                _ => None,
            })
            .collect();
        let missing: Vec<&Stub> = stubs
            .iter()
            .filter(|s| s.trait_name == trait_name && !present.contains(&s.function))
            .collect();
        if missing.is_empty() {
            continue;
        }
        let close = offset(contents, block.brace_token.span.close().start())?;
        let start = contents[..close].trim_end().len();
        let separator = if contents[..start].ends_with('{') {
            "\n"
        } else {
            "\n\n"
        };
        let code: Vec<&str> = missing.iter().map(|s| s.code.as_str()).collect();
        edits.push((start..close, format!("{separator}{}\n", code.join("\n\n"))));
        added.extend(missing.iter().map(|s| s.function.clone()));
    }
    if added.is_empty() {
        return None;
    }
    let mut text = contents.to_string();
    for (range, code) in edits.into_iter().rev() {
        text.replace_range(range, &code);
    }
    Some((text, added))
}

/// The byte offset of a line/column position (1-based line, 0-based column in characters).
fn offset(text: &str, at: proc_macro2::LineColumn) -> Option<usize> {
    let line_start = if at.line == 1 {
        0
    } else {
        text.match_indices('\n').nth(at.line - 2)?.0 + 1
    };
    let line = &text[line_start..];
    let column = line
        .char_indices()
        .nth(at.column)
        .map_or(line.len(), |(i, _)| i);
    Some(line_start + column)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stub(function: &str) -> Stub {
        Stub {
            trait_name: "PaymentsService".into(),
            function: function.into(),
            code: format!("    async fn {function}(&self) -> Result<(), AppError> {{\n        todo!()\n    }}"),
        }
    }

    #[test]
    fn missing_operations_are_appended_and_present_ones_left_alone() {
        let team = "use super::*;\n\nimpl PaymentsService for Payments {\n    // my notes\n    async fn capture(&self) -> Result<(), AppError> {\n        Ok(())\n    }\n}\n";
        let (text, added) = append(team, &[stub("capture"), stub("refund")]).unwrap();
        assert_eq!(added, ["refund"]);
        assert_eq!(
            text,
            "use super::*;\n\nimpl PaymentsService for Payments {\n    // my notes\n    async fn capture(&self) -> Result<(), AppError> {\n        Ok(())\n    }\n\n    async fn refund(&self) -> Result<(), AppError> {\n        todo!()\n    }\n}\n"
        );
    }

    #[test]
    fn an_empty_impl_block_opens_up() {
        let team = "impl PaymentsService for Payments {}\n";
        let (text, _) = append(team, &[stub("refund")]).unwrap();
        assert_eq!(
            text,
            "impl PaymentsService for Payments {\n    async fn refund(&self) -> Result<(), AppError> {\n        todo!()\n    }\n}\n"
        );
    }

    #[test]
    fn nothing_missing_or_unparsable_changes_nothing() {
        let team = "impl PaymentsService for Payments {\n    async fn refund(&self) {}\n}\n";
        assert!(append(team, &[stub("refund")]).is_none());
        assert!(append("impl {", &[stub("refund")]).is_none());
    }
}
