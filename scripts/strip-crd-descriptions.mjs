// Copies upstream CustomResourceDefinitions into test/upstream-crds/ without their
// `description` texts: the schemas stay exact, the files shrink to what the tests need.
// Usage: node scripts/strip-crd-descriptions.mjs SRC.yaml [...]   (redo when upstream moves;
// then update the commit column in test/upstream-crds/README.md)
import { readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { parseAllDocuments, stringify } from 'yaml';

const outDir = new URL('../test/upstream-crds/', import.meta.url).pathname;

/** Drops OpenAPI `description` keywords; a field *named* description (a key of `properties`) stays. */
function strip(node, underProperties = false) {
  if (Array.isArray(node)) return node.map((item) => strip(item));
  if (node === null || typeof node !== 'object') return node;
  const out = {};
  for (const [key, value] of Object.entries(node)) {
    if (!underProperties && key === 'description' && typeof value === 'string') continue;
    out[key] = strip(value, !underProperties && key === 'properties');
  }
  return out;
}

const sources = process.argv.slice(2);
if (sources.length === 0) {
  console.error('usage: node scripts/strip-crd-descriptions.mjs SRC.yaml [...]');
  process.exit(2);
}
for (const src of sources) {
  const docs = parseAllDocuments(readFileSync(src, 'utf8'))
    .map((d) => d.toJS())
    .filter(Boolean);
  const text = docs.map((d) => stringify(strip(d), { lineWidth: 0, indentSeq: false })).join('---\n');
  writeFileSync(join(outDir, basename(src)), text);
  console.log(`${basename(src)}: ${readFileSync(src).length} -> ${text.length} bytes`);
}
