// Compares two AsyncAPI documents with @asyncapi/diff, after parsing (and so dereferencing)
// each with @asyncapi/parser, both installed under tools/asyncapi (`npm ci --prefix
// tools/asyncapi`).
//
//     node tests/support/asyncapi-diff.mjs BEFORE AFTER [BEFORE AFTER ...]
//
// Prints one line of JSON per pair: the changes @asyncapi/diff classifies under its default
// standard, `{ "breaking": [...], "nonBreaking": [...], "unclassified": [...] }`, each change
// as `{ "action", "path" }`. Exits 2 when a document does not parse or a package is missing.

import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";

const INSTALL = "npm ci --prefix tools/asyncapi";
const files = process.argv.slice(2);
if (files.length === 0 || files.length % 2 !== 0) {
  console.error("usage: asyncapi-diff.mjs BEFORE AFTER [BEFORE AFTER ...]");
  process.exit(2);
}

let Parser, diff;
try {
  const require = createRequire(new URL("../../tools/asyncapi/package.json", import.meta.url));
  ({ Parser } = require("@asyncapi/parser"));
  ({ diff } = require("@asyncapi/diff"));
} catch (err) {
  console.error(`@asyncapi/parser or @asyncapi/diff is not installed (${err.code ?? err.message}); run \`${INSTALL}\``);
  process.exit(2);
}

const parser = new Parser();
const documents = [];
for (const file of files) {
  const { document, diagnostics } = await parser.parse(await readFile(file, "utf8"));
  if (!document) {
    console.error(`${file} does not parse: ${JSON.stringify(diagnostics.filter((d) => d.severity === 0))}`);
    process.exit(2);
  }
  documents.push(document.json());
}
const brief = (changes) => changes.map(({ action, path }) => ({ action, path }));
for (let i = 0; i < documents.length; i += 2) {
  const output = diff(documents[i], documents[i + 1], { outputType: "json" });
  console.log(JSON.stringify({
    breaking: brief(output.breaking()),
    nonBreaking: brief(output.nonBreaking()),
    unclassified: brief(output.unclassified()),
  }));
}
