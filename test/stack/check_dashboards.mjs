// Type-checks the provisioned Grafana dashboards against Grafana's own types for the deployed
// version (@grafana/schema 10.4.2, pinned in package.json) with the TypeScript compiler: each
// dashboard JSON as `Dashboard`, each panel's `options` and `fieldConfig.defaults.custom` as its
// panel plugin's `Options` and `FieldConfig` (the panelcfg types of @grafana/schema). Object
// literals are checked for excess properties, so a misspelled or unknown option fails.
// JSON spells enum members by value ("absolute"): each enum type accepts its values as string
// literals. Panel options and custom field options are checked as deep partials: Grafana merges
// what a dashboard saves over the plugin's defaults, so an option may be left out, but every
// option given must exist and have the plugin's type. Query variables may carry `definition`, which Grafana itself writes and the 10.4.2
// schema lacks: exactly that one extra field is allowed.
//   node check_dashboards.mjs [--inject-fault=options|dashboard|definition]
//   exit 0 well-typed, 1 type errors (printed)
// --inject-fault: the negative controls -- an unknown key in the first panel's options; a
// dashboard field of the wrong type (graphTooltip as text); `definition` on a panel (it is
// allowed on query variables only).
import { readFileSync, readdirSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const here = dirname(fileURLToPath(import.meta.url));
const dashDir = join(here, '..', '..', 'grafana', 'dashboards');
const inject = (process.argv.find((a) => a.startsWith('--inject-fault=')) || '').split('=')[1];
const cfg = '@grafana/schema/dist/esm/raw/composable';
// Panel plugin -> its panelcfg module and whether it has a FieldConfig (custom field options).
const plugins = {
  timeseries: ['timeseries/panelcfg/x/TimeSeriesPanelCfg_types.gen', true],
  barchart: ['barchart/panelcfg/x/BarChartPanelCfg_types.gen', true],
  stat: ['stat/panelcfg/x/StatPanelCfg_types.gen', false],
  table: ['table/panelcfg/x/TablePanelCfg_types.gen', true],
  bargauge: ['bargauge/panelcfg/x/BarGaugePanelCfg_types.gen', false],
  gauge: ['gauge/panelcfg/x/GaugePanelCfg_types.gen', false],
  piechart: ['piechart/panelcfg/x/PieChartPanelCfg_types.gen', true],
  text: ['text/panelcfg/x/TextPanelCfg_types.gen', false],
  histogram: ['histogram/panelcfg/x/HistogramPanelCfg_types.gen', true],
};

const lines = [
  `import type * as common from '@grafana/schema';`,
  ...Object.entries(plugins).map(([name, [mod]]) => `import type * as ${name} from '${cfg}/${mod}';`),
  `type Json<T> = T extends string ? \`\${T}\` : T extends readonly (infer U)[] ? Json<U>[]`,
  `  : T extends object ? { [K in keyof T]: Json<T[K]> } : T;`,
  `type Saved<T> = T extends string ? \`\${T}\` : T extends readonly (infer U)[] ? Saved<U>[]`,
  `  : T extends object ? { [K in keyof T]?: Saved<T[K]> } : T;`,
  `type Variable = Json<common.VariableModel> & { definition?: string };`,
  `type DashboardJson = Omit<Json<common.Dashboard>, 'templating'> & { templating?: { list?: Variable[] } };`,
];
let problems = 0;
let checked = 0;
for (const file of readdirSync(dashDir).filter((f) => f.endsWith('.json')).sort()) {
  const dash = JSON.parse(readFileSync(join(dashDir, file), 'utf8'));
  const tag = file.replace(/\W/g, '_');
  if (checked === 0) {
    if (inject === 'options') dash.panels[0].options = { ...dash.panels[0].options, notAnOption: true };
    if (inject === 'dashboard') dash.graphTooltip = 'shared';
    if (inject === 'definition') dash.panels[0].definition = 'x';
  }
  lines.push(`// ${file}`, `export const ${tag}: DashboardJson = ${JSON.stringify(dash, null, 1)};`);
  for (const p of dash.panels) {
    if (p.type === 'row') continue;
    const plugin = plugins[p.type];
    if (!plugin) {
      console.log(`not ok - ${file}: panel "${p.title}": no panelcfg type for plugin ${p.type}`);
      problems++;
      continue;
    }
    checked++;
    const id = `${tag}_panel_${p.id}`;
    lines.push(`// ${file}: panel ${p.id} "${p.title}" (${p.type})`);
    lines.push(`export const ${id}_options: Saved<${p.type}.Options> = ${JSON.stringify(p.options ?? {})};`);
    const custom = p.fieldConfig?.defaults?.custom;
    if (plugin[1]) {
      lines.push(`export const ${id}_custom: Saved<${p.type}.FieldConfig> = ${JSON.stringify(custom ?? {})};`);
    } else if (custom && Object.keys(custom).length) {
      console.log(`not ok - ${file}: panel "${p.title}": ${p.type} has no custom field options`);
      problems++;
    }
  }
}
const out = join(here, 'build');
mkdirSync(out, { recursive: true });
const src = join(out, 'dashboards.ts');
writeFileSync(src, lines.join('\n') + '\n');
const program = ts.createProgram([src], {
  strict: true, noEmit: true, skipLibCheck: true, target: ts.ScriptTarget.ES2020,
  module: ts.ModuleKind.CommonJS, moduleResolution: ts.ModuleResolutionKind.Node10, types: [],
});
const diags = ts.getPreEmitDiagnostics(program);
for (const d of diags) {
  const where = d.file ? (() => {
    const { line } = d.file.getLineAndCharacterOfPosition(d.start);
    // Name the declaration the error is in: the comment line above it.
    const text = d.file.text.split('\n');
    let i = line;
    while (i > 0 && !text[i].startsWith('// ')) i--;
    return `${text[i].slice(3)} (build/dashboards.ts:${line + 1})`;
  })() : '';
  console.log(`not ok - ${where}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n  ')}`);
}
problems += diags.length;
console.log(`dashboards: ${checked} panels type-checked against @grafana/schema, ${problems} problem(s)`);
process.exit(problems ? 1 : 0);
