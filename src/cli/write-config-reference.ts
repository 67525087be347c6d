// `npm run docs:config`: rewrites docs/configuration.md from the field tables.
import { writeFileSync } from 'node:fs';
import { configReference, REFERENCE_FILE } from './config-reference.js';

writeFileSync(REFERENCE_FILE, configReference());
process.stdout.write(`wrote ${REFERENCE_FILE}\n`);
