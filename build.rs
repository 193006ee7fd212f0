//! `MSGEN_BUILD`: a fingerprint of what decides msgen's output (its source, templates and locked
//! dependencies), recorded in each service's `.msgen/state.json`. A regeneration with the same
//! spec by a msgen of the same build knows, without rendering, that nothing would change.
//!
//! `reads.rs` in `OUT_DIR`: by embedded template, the dotted names it reads (see
//! `src/render/scan.rs`), so that msgen does not scan its templates every time it runs.
//!
//! `templates.rs` in `OUT_DIR`: each embedded template as tera parses it (see
//! `build/templates.rs`), so that msgen does not parse its templates every time it runs.

use std::collections::hash_map::DefaultHasher;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::hash::Hasher;
use std::path::Path;

#[path = "src/render/scan.rs"]
mod scan;
#[path = "build/templates.rs"]
mod templates;

fn main() {
    let mut hasher = DefaultHasher::new();
    for root in ["build", "src", "templates"] {
        println!("cargo:rerun-if-changed={root}");
        hash_tree(Path::new(root), &mut hasher);
    }
    for file in ["Cargo.lock", "build.rs"] {
        println!("cargo:rerun-if-changed={file}");
        hash_file(Path::new(file), &mut hasher);
    }
    println!(
        "cargo:rustc-env=MSGEN_BUILD={}-{:016x}",
        std::env::var("CARGO_PKG_VERSION").unwrap_or_default(),
        hasher.finish()
    );
    let out = std::env::var("OUT_DIR").expect("cargo sets OUT_DIR");
    let root = Path::new("templates");
    let mut texts = BTreeMap::new();
    read_templates(root, root, &mut texts);
    std::fs::write(Path::new(&out).join("reads.rs"), reads_table(&texts))
        .expect("OUT_DIR is writable");
    std::fs::write(
        Path::new(&out).join("templates.rs"),
        templates::module(&texts),
    )
    .expect("OUT_DIR is writable");
}

/// A Rust slice of `(template, names it reads)`, in order of template, for the templates in
/// `texts` (by their path from `templates/`, as msgen names them).
fn reads_table(texts: &BTreeMap<String, String>) -> String {
    let mut table = String::from("&[\n");
    for name in texts.keys() {
        let reads = scan::reads(name, |other| texts.get(other).map(String::as_str));
        writeln!(table, "    ({name:?}, &{reads:?}),").expect("a String takes any text");
    }
    table.push(']');
    table
}

/// The text of each template (`.tera`) under `dir`, by its path from `root`.
fn read_templates(root: &Path, dir: &Path, texts: &mut BTreeMap<String, String>) {
    let entries = std::fs::read_dir(dir).expect("the templates can be listed");
    for path in entries.map(|e| e.expect("the templates can be listed").path()) {
        if path.is_dir() {
            read_templates(root, &path, texts);
        } else if path.extension().is_some_and(|e| e == "tera") {
            let name = path.strip_prefix(root).expect("under root");
            let name = name
                .to_str()
                .expect("template names are UTF-8")
                .replace('\\', "/");
            let text = std::fs::read_to_string(&path).expect("templates are UTF-8");
            texts.insert(name, text);
        }
    }
}

/// Every file under `dir`, in an order that does not depend on the file system.
fn hash_tree(dir: &Path, hasher: &mut DefaultHasher) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut paths: Vec<_> = entries.filter_map(|e| Some(e.ok()?.path())).collect();
    paths.sort();
    for path in paths {
        if path.is_dir() {
            hash_tree(&path, hasher);
        } else {
            hash_file(&path, hasher);
        }
    }
}

fn hash_file(path: &Path, hasher: &mut DefaultHasher) {
    hasher.write(path.to_string_lossy().as_bytes());
    hasher.write(&std::fs::read(path).unwrap_or_default());
}
