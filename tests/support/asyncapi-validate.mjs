// Validates AsyncAPI documents with @asyncapi/parser, installed under tools/asyncapi
// (`npm ci --prefix tools/asyncapi`).
//
//     node tests/support/asyncapi-validate.mjs [--warnings] FILE...
//
// Prints each diagnostic of severity error (and, with --warnings, each warning) as
// `FILE:LINE:COLUMN severity code message path`. Exits 0 when no file has an error, 1 when
// one has, 2 when the parser is not installed or a file cannot be read.

import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";

const INSTALL = "npm ci --prefix tools/asyncapi";
const ERROR = 0;
const WARNING = 1;

const args = process.argv.slice(2);
const warnings = args.includes("--warnings");
const files = args.filter((a) => a !== "--warnings");
if (files.length === 0) {
  console.error("usage: asyncapi-validate.mjs [--warnings] FILE...");
  process.exit(2);
}

let Parser;
try {
  const require = createRequire(new URL("../../tools/asyncapi/package.json", import.meta.url));
  ({ Parser } = require("@asyncapi/parser"));
} catch (err) {
  console.error(`@asyncapi/parser is not installed (${err.code ?? err.message}); run \`${INSTALL}\``);
  process.exit(2);
}

const parser = new Parser();
let failed = false;
for (const file of files) {
  let text;
  try {
    text = await readFile(file, "utf8");
  } catch (err) {
    console.error(`${file}: ${err.message}`);
    process.exit(2);
  }
  const { document, diagnostics } = await parser.parse(text, { source: file });
  const errors = diagnostics.filter((d) => d.severity === ERROR);
  const shown = diagnostics.filter((d) => d.severity === ERROR || (warnings && d.severity === WARNING));
  for (const d of shown) {
    const at = d.range?.start ? `${d.range.start.line + 1}:${d.range.start.character + 1}` : "?";
    const severity = d.severity === ERROR ? "error" : "warning";
    console.log(`${file}:${at} ${severity} ${d.code} ${d.message} ${(d.path ?? []).join(".")}`);
  }
  if (errors.length > 0 || document === undefined) {
    failed = true;
    console.log(`${file}: invalid (${errors.length} error${errors.length === 1 ? "" : "s"})`);
  } else {
    console.log(`${file}: valid AsyncAPI ${document.version()}`);
  }
}
process.exit(failed ? 1 : 0);
