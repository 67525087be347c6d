#!/usr/bin/env node
// Rewrites deploy/kubernetes/<component>-configmap.yaml from deploy/config/<component>.yaml
// (test/deploy/manifests.test.ts checks they hold the same text): `npm run configmaps`.
import { readFileSync, writeFileSync } from 'node:fs';

const MARK = '  config.yaml: |\n';
for (const component of ['agent', 'gateway']) {
  const file = `deploy/kubernetes/${component}-configmap.yaml`;
  const manifest = readFileSync(file, 'utf8');
  const at = manifest.indexOf(MARK);
  if (at < 0) throw new Error(`${file}: no "config.yaml: |" entry`);
  const config = readFileSync(`deploy/config/${component}.yaml`, 'utf8');
  const body = config.split('\n').map((l) => (l.trim() === '' ? '' : `    ${l}`)).join('\n');
  const next = manifest.slice(0, at + MARK.length) + body;
  if (next !== manifest) {
    writeFileSync(file, next);
    console.log(`${file}: updated`);
  }
}
