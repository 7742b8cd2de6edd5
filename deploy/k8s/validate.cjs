// validate.cjs: validates rendered Kubernetes objects against the OpenAPI
// schemas bundled in the npm package kubernetes-models (4.x, CommonJS), with
// no cluster. Used by tests/integration/manifests.sh.
//
//   node deploy/k8s/validate.cjs NODE_MODULES_DIR < objects.json
//
// objects.json is a JSON array of objects (`kubectl kustomize DIR | yq -s .`).
// Two checks per object:
//   schema   the package's validator (types, required fields, formats, enums)
//   fields   every key is a field the API knows: the generated schemas allow
//            unknown keys, so a misspelt field (readinessprobe) would pass
//            them and be dropped by the API server; the field lists come from
//            the package's type declarations (.d.ts)
// Prints one line per problem ("Kind/name: ...") and exits 1 when there is any.
"use strict";

const fs = require("fs");
const path = require("path");

const modulesDir = path.resolve(process.argv[2] || "node_modules");
const modelsDir = path.join(modulesDir, "kubernetes-models");

// ------------------------------------------------------------------ fields
// A type is a leaf (no checking below it), {array: T}, {map: T} or
// {object: Map(field -> type)}, read from the interface in a .d.ts file.

const typeCache = new Map(); // .d.ts path -> type

function readInterface(file) {
  if (typeCache.has(file)) return typeCache.get(file);
  const leaf = { leaf: true };
  typeCache.set(file, leaf); // recursion guard (JSONSchemaProps refers to itself)
  let text;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch {
    return leaf;
  }
  text = text.replace(/\/\*[\s\S]*?\*\//g, "");
  const imports = new Map();
  for (const m of text.matchAll(/import\s*\{([^}]*)\}\s*from\s*"([^"]+)"/g)) {
    for (const name of m[1].split(",").map((s) => s.trim()).filter(Boolean)) {
      imports.set(name, m[2]);
    }
  }
  const start = text.search(/export interface I\w+(\s+extends[^{]+)?\s*\{/);
  if (start < 0) return leaf; // a type alias (IntOrString, Quantity, ...)
  const open = text.indexOf("{", start);
  const body = matchingBody(text, open);
  const fields = new Map();
  const type = { object: fields };
  typeCache.set(file, type);
  for (const [name, t] of splitFields(body)) {
    fields.set(name, () => resolveType(t, imports, path.dirname(file)));
  }
  return type;
}

// The text between the brace at `open` and its match.
function matchingBody(text, open) {
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    if (text[i] === "{") depth++;
    else if (text[i] === "}" && --depth === 0) return text.slice(open + 1, i);
  }
  return text.slice(open + 1);
}

// `"name"?: Type;` entries at depth 0 of an interface body.
function splitFields(body) {
  const out = [];
  let depth = 0;
  let cur = "";
  for (const ch of body) {
    if (ch === "{" || ch === "<" || ch === "(" || ch === "[") depth++;
    if (ch === "}" || ch === ">" || ch === ")" || ch === "]") depth--;
    if (ch === ";" && depth === 0) {
      const m = cur.trim().match(/^"([^"]+)"\??\s*:\s*([\s\S]+)$/);
      if (m) out.push([m[1], m[2].trim()]);
      cur = "";
    } else {
      cur += ch;
    }
  }
  return out;
}

function resolveType(t, imports, dir) {
  let m = t.match(/^Array<([\s\S]+)>$/);
  if (m) return { array: resolveType(m[1].trim(), imports, dir) };
  m = t.match(/^\{\s*\[key: string\]:\s*([\s\S]+?);?\s*\}$/);
  if (m) return { map: resolveType(m[1].trim(), imports, dir) };
  if (/^\w+$/.test(t) && imports.has(t)) {
    const from = imports.get(t);
    const base = from.startsWith(".") ? path.resolve(dir, from) : path.join(modulesDir, from);
    return readInterface(base + ".d.ts");
  }
  return { leaf: true };
}

function unknownFields(value, type, at, out) {
  if (value === null || typeof value !== "object" || type.leaf) return;
  if (type.array) {
    if (Array.isArray(value)) value.forEach((v, i) => unknownFields(v, type.array, `${at}[${i}]`, out));
    return;
  }
  if (type.map) {
    for (const [k, v] of Object.entries(value)) unknownFields(v, type.map, `${at}.${k}`, out);
    return;
  }
  if (Array.isArray(value)) return; // a type error: the schema check reports it
  for (const [k, v] of Object.entries(value)) {
    const sub = type.object.get(k);
    if (!sub) out.push(`unknown field ${at ? at + "." : ""}${k}`);
    else unknownFields(v, sub(), at ? `${at}.${k}` : k, out);
  }
}

// ------------------------------------------------------------------ main
function modelPath(obj) {
  // "v1" -> v1/Kind, "apps/v1" -> apps/v1/Kind, "networking.k8s.io/v1" -> ...
  if (typeof obj.apiVersion !== "string" || typeof obj.kind !== "string") return null;
  if (!/^[a-z0-9.]+(\/[a-z0-9]+)?$/.test(obj.apiVersion) || !/^[A-Za-z]+$/.test(obj.kind)) return null;
  return path.join(modelsDir, ...obj.apiVersion.split("/"), obj.kind);
}

function main() {
  if (!fs.existsSync(path.join(modelsDir, "package.json"))) {
    console.log(`kubernetes-models is not installed in ${modulesDir}`);
    process.exit(2);
  }
  const objects = JSON.parse(fs.readFileSync(0, "utf8"));
  let problems = 0;
  const report = (obj, msg) => {
    problems++;
    console.log(`${obj.kind}/${(obj.metadata && obj.metadata.name) || "?"}: ${msg}`);
  };
  for (const obj of objects) {
    const p = modelPath(obj);
    if (!p || !fs.existsSync(p + ".js")) {
      report(obj, `no schema for apiVersion ${obj.apiVersion} kind ${obj.kind}`);
      continue;
    }
    const Model = require(p)[obj.kind];
    try {
      new Model(obj).validate();
    } catch (e) {
      report(obj, `schema: ${e.message}`);
    }
    const out = [];
    unknownFields(obj, readInterface(p + ".d.ts"), "", out);
    for (const msg of out) report(obj, msg);
  }
  console.log(`${objects.length} objects, ${problems} problems`);
  process.exit(problems ? 1 : 0);
}

main();
