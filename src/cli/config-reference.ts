// docs/configuration.md, generated from the field tables: the top level, then every
// component type of the registry. `npm run docs:config` rewrites the file; a test fails
// when the file differs from what this renders.
import { components } from '../component-registry.js';
import { TOP_FIELDS } from '../config/collector-config.js';
import { renderReference, type ReferenceSection } from '../config/reference.js';

export const REFERENCE_FILE = 'docs/configuration.md';

const HEADER = `# Configuration reference

Generated from the field tables in the code by \`npm run docs:config\`; do not edit by hand.
A test fails when this file is stale. The shape is the OpenTelemetry Collector's: see the
README's *Configuration* section for substitution (\`\${env:NAME}\`, \`\${NAME}\`), \`--set\` and
the limits on config files.

Every key is listed with its dotted path under its section: \`a.b\` is key \`b\` of the mapping
\`a\`, \`a[].b\` is key \`b\` of each item of the list \`a\`, \`a.<id>.b\` is key \`b\` of each named
entry of \`a\`. Sizes are written \`4MiB\`, \`64MB\`, \`512KiB\` or a number of bytes; durations
\`50ms\`, \`5s\`, \`1m30s\` or a number of milliseconds. Unknown keys are errors.

## Adding a key

1. Add it to the field table of its component (\`fieldTable({...})\` in the component's
   \`config.ts\`; the top level, \`buffer\` and \`service\` are in \`src/config/collector-config.ts\`,
   \`spill\` in \`src/spill/spill-config.ts\`): \`type\`, \`default\` (or \`defaultText\` when the
   default is computed), bounds (\`min\`, \`max\`, \`values\`, \`nonEmpty\`, \`required\`, \`check\`)
   and a \`doc\` sentence.
2. Read it in \`parseConfig\` with \`f.get('key')\` (\`f.sub('key')\` / \`f.items('key')\` for
   nested mappings and lists of mappings): the table's type, default and bounds apply, and a
   problem is reported with its key path. Rules between keys stay in \`parseConfig\`; say them
   in the \`doc\`.
3. Run \`npm run docs:config\` and commit this file with the change.

A new component type needs \`configFields\` (its table) on its factory and an entry in the
registry (\`components.ts\` at the top); it then appears here by itself.
`;

export function configReference(): string {
  const sections: ReferenceSection[] = [
    { title: 'Top level', intro: 'The sections of a config file; `buffer`, `spill` and `service` in full.', table: TOP_FIELDS },
  ];
  const kinds = [
    ['receivers', components().receivers],
    ['processors', components().processors],
    ['exporters', components().exporters],
    ['connectors', components().connectors],
  ] as const;
  for (const [kind, factories] of kinds) {
    for (const [type, factory] of [...factories].sort(([a], [b]) => a.localeCompare(b))) {
      sections.push({
        title: `${kind}: ${type}`,
        intro: `\`${kind}.${type}\` or \`${kind}.${type}/<name>\`; signals: ${factory.signals.join(', ')}${'emits' in factory ? ` (as an exporter); emits ${factory.emits.join(', ')} (as a receiver)` : ''}.`,
        table: factory.configFields,
      });
    }
  }
  return renderReference(HEADER, sections);
}
