// Validates Backstage catalog files with @backstage/catalog-model, installed under tools/catalog
// (`npm ci --prefix tools/catalog`), as a Backstage catalog reads them: each `$text`
// placeholder is replaced by the text of the file it names (relative to the catalog file), then
// the catalog's default entity policies (namespace, root fields, name and reference formats,
// the entity envelope's schema) and the schema of the entity's kind apply.
//
//     node tests/support/catalog-validate.mjs FILE...
//
// Prints `FILE: Kind name` for each valid entity, and each problem as `FILE: problem`. Exits 0
// when every entity of every file is valid, 1 when one is not, 2 when the catalog model is not
// installed or a file cannot be read.

import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import path from "node:path";

const INSTALL = "npm ci --prefix tools/catalog";

const files = process.argv.slice(2);
if (files.length === 0) {
  console.error("usage: catalog-validate.mjs FILE...");
  process.exit(2);
}

let model;
let YAML;
try {
  const require = createRequire(new URL("../../tools/catalog/package.json", import.meta.url));
  model = require("@backstage/catalog-model");
  YAML = require("yaml");
} catch (err) {
  console.error(`@backstage/catalog-model is not installed (${err.code ?? err.message}); run \`${INSTALL}\``);
  process.exit(2);
}

const policy = model.EntityPolicies.allOf([
  new model.DefaultNamespaceEntityPolicy(),
  new model.NoForeignRootFieldsEntityPolicy(),
  new model.FieldFormatEntityPolicy(),
  new model.SchemaValidEntityPolicy(),
]);
const kinds = [
  model.apiEntityV1alpha1Validator,
  model.componentEntityV1alpha1Validator,
  model.domainEntityV1alpha1Validator,
  model.groupEntityV1alpha1Validator,
  model.locationEntityV1alpha1Validator,
  model.resourceEntityV1alpha1Validator,
  model.systemEntityV1alpha1Validator,
  model.userEntityV1alpha1Validator,
];

async function read(file) {
  try {
    return await readFile(file, "utf8");
  } catch (err) {
    console.error(`cannot read ${file}: ${err.message}`);
    process.exit(2);
  }
}

// `{ $text: ./openapi.yaml }` -> the file's text, as the catalog's placeholder processor does.
async function resolve(value, dir) {
  if (Array.isArray(value)) {
    return Promise.all(value.map((v) => resolve(v, dir)));
  }
  if (value && typeof value === "object") {
    const keys = Object.keys(value);
    if (keys.length === 1 && keys[0] === "$text") {
      return read(path.resolve(dir, value.$text));
    }
    const out = {};
    for (const key of keys) {
      out[key] = await resolve(value[key], dir);
    }
    return out;
  }
  return value;
}

let failed = false;
for (const file of files) {
  const documents = YAML.parseAllDocuments(await read(file));
  for (const document of documents) {
    if (document.errors.length > 0) {
      console.log(`${file}: ${document.errors.map((e) => e.message).join("; ")}`);
      failed = true;
      continue;
    }
    const entity = await resolve(document.toJS(), path.dirname(file));
    try {
      await policy.enforce(entity);
      let known = false;
      for (const kind of kinds) {
        if (await kind.check(entity)) {
          known = true;
        }
      }
      if (!known) {
        throw new Error(`no schema for the kind ${entity.kind} of ${entity.apiVersion}`);
      }
      console.log(`${file}: ${entity.kind} ${entity.metadata.name}`);
    } catch (err) {
      console.log(`${file}: ${err.message}`);
      failed = true;
    }
  }
}
process.exit(failed ? 1 : 0);
