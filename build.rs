//! `MSGEN_BUILD`: a fingerprint of what decides msgen's output (its source, templates and locked
//! dependencies), recorded in each service's `.msgen/state.json`. A regeneration with the same
//! spec by a msgen of the same build knows, without rendering, that nothing would change.

use std::collections::hash_map::DefaultHasher;
use std::hash::Hasher;
use std::path::Path;

fn main() {
    let mut hasher = DefaultHasher::new();
    for root in ["src", "templates"] {
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
