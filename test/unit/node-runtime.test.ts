// The suite runs on the Node release line the project deploys to (package.json engines, .node-version), never on
// whatever older Node a machine happens to have: the Google clients and SDK v2 need it.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';

const root = new URL('../../', import.meta.url);
const pkg = JSON.parse(readFileSync(new URL('package.json', root), 'utf8')) as { engines: { node: string } };
const pinned = readFileSync(new URL('.node-version', root), 'utf8').trim();

test('the tests run on a Node major that package.json engines allows', (t) => {
  t.diagnostic(`node ${process.version} (CI pin .node-version ${pinned}; engines ${pkg.engines.node})`);
  const majors = [...pkg.engines.node.matchAll(/\^(\d+)\./g)].map((m) => Number(m[1]));
  assert.deepEqual(majors, [24, 26]);
  assert.ok(majors.includes(Number(process.versions.node.split('.')[0])), `engines ${pkg.engines.node}`);
  assert.ok(majors.includes(Number(pinned.split('.')[0])), `.node-version ${pinned} within engines`);
});

test('Terraform deploys and Cloud Build tests on the pinned major', () => {
  const major = pinned.split('.')[0];
  const functions = readFileSync(new URL('terraform/functions.tf', root), 'utf8');
  const runtimes = [...functions.matchAll(/runtime\s*=\s*"([^"]+)"/g)].map((m) => m[1]);
  assert.ok(runtimes.length >= 1);
  assert.deepEqual(new Set(runtimes), new Set([`nodejs${major}`]));
  const cloudbuild = readFileSync(new URL('cloudbuild.yaml', root), 'utf8');
  const images = [...cloudbuild.matchAll(/name: node:(\d+)/g)].map((m) => m[1]);
  assert.ok(images.length >= 1);
  assert.deepEqual(new Set(images), new Set([major]));
});
