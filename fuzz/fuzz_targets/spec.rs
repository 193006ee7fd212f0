//! Any text given to the spec checker, and everything a valid spec goes through after it,
//! must never panic: `msgen validate`, `msgen new` and `msgen generate` run exactly this.
//!
//! Beyond "no panic": the diagnostics of a rejected spec render, a valid spec renders without
//! a template error, and every Rust file it renders parses.

#![no_main]

use libfuzzer_sys::fuzz_target;
use msgen::render::{render, Previous};
use msgen::spec::{check, Source};

fuzz_target!(|text: &str| {
    let source = Source::new("fuzz.yaml", text);
    let valid = match check(&source) {
        Ok(valid) => valid,
        Err(diagnostics) => {
            let _ = diagnostics.render(false);
            return;
        }
    };
    let service = msgen::ir::lower(&valid);
    let output = match render(&service, text, &Previous::default()) {
        Ok(output) => output,
        Err(err) => panic!("a valid spec failed to render: {err}"),
    };
    for file in output.files.iter().filter(|f| f.path.ends_with(".rs")) {
        if let Err(err) = syn::parse_file(&file.contents) {
            panic!("{} does not parse: {err}\n{}", file.path, file.contents);
        }
    }
});
