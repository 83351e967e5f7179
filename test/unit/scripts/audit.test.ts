// scripts/audit.mjs (`npm run audit`, run by .ci/run and Cloud Build) judged on npm audit's real JSON shape. The
// verdicts are its judgeAudit, called in-process; the script itself runs with a stand-in `npm` first on PATH that prints
// the report, so its reading of npm's output, the exceptions file and AUDIT_REQUIRED, and its exit codes, are tested.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { judgeAudit } from '../../../scripts/audit.mjs';

const SCRIPT = new URL('../../../scripts/audit.mjs', import.meta.url).pathname;

/** npm audit --json (report version 2) with one advisory on `semver`, as npm prints it. */
const REPORT = {
  auditReportVersion: 2,
  vulnerabilities: {
    semver: {
      name: 'semver',
      severity: 'moderate',
      isDirect: false,
      via: [
        {
          source: 1101088,
          name: 'semver',
          dependency: 'semver',
          title: 'semver vulnerable to Regular Expression Denial of Service',
          url: 'https://github.com/advisories/GHSA-c2qf-rxjj-qqgw',
          severity: 'moderate',
          range: '<5.7.2',
        },
      ],
      effects: ['some-parent'],
      range: '<5.7.2',
      nodes: ['node_modules/semver'],
      fixAvailable: true,
    },
    'some-parent': { name: 'some-parent', severity: 'moderate', via: ['semver'], effects: [], nodes: [] },
  },
  metadata: { vulnerabilities: { moderate: 2, total: 2 } },
};
const NO_ENDPOINT = {
  message: '405 Method Not Allowed - POST /-/npm/v1/security/advisories/bulk',
  statusCode: 405,
};

describe('npm run audit', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'audit-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  /** The script as a process, npm audit answering with `report`; each call in its own directory, so calls can overlap. */
  async function auditProcess(report: unknown, exceptions: unknown[], env: Record<string, string> = {}) {
    const home = await mkdtemp(path.join(dir, 'run-'));
    await writeFile(path.join(home, 'report.json'), JSON.stringify(report));
    await writeFile(path.join(home, 'exceptions.json'), JSON.stringify({ exceptions }));
    await writeFile(path.join(home, 'npm'), `#!/bin/sh\ncat "${path.join(home, 'report.json')}"\nexit 1\n`);
    await chmod(path.join(home, 'npm'), 0o755);
    return new Promise<{ code: number; out: string }>((resolve) => {
      execFile(
        process.execPath,
        [SCRIPT],
        {
          env: {
            ...process.env,
            PATH: `${home}${path.delimiter}${process.env.PATH}`,
            AUDIT_EXCEPTIONS_FILE: path.join(home, 'exceptions.json'),
            AUDIT_REQUIRED: '',
            ...env,
          },
        },
        (err, stdout, stderr) => resolve({ code: err ? Number(err.code) : 0, out: stdout + stderr }),
      );
    });
  }

  /** The script's verdict in this process, with its output as the script prints it. */
  function audit(report: unknown, exceptions: unknown[], options: { required?: boolean } = {}) {
    const { code, stdout, stderr } = judgeAudit(report, exceptions, options);
    return { code, out: stdout + stderr };
  }

  const exception = {
    advisory: 'GHSA-c2qf-rxjj-qqgw',
    package: 'semver',
    reason: 'test',
    checked: '2026-12-02',
  };

  test('an advisory without an exception fails, naming package, advisory and severity', () => {
    const { code, out } = audit(REPORT, []);
    assert.equal(code, 1);
    assert.match(out, /moderate: semver GHSA-c2qf-rxjj-qqgw semver vulnerable/);
    assert.match(out, /1 advisories, 0 excepted with reasons .* 1 not excepted/);
  });

  test('an advisory listed with its reason passes', () => {
    const { code, out } = audit(REPORT, [exception]);
    assert.equal(code, 0, out);
    assert.match(out, /1 advisories, 1 excepted with reasons .* 0 not excepted, 0 stale/);
  });

  test('an exception for an advisory no longer reported fails: exceptions do not outlive their reason', () => {
    const clean = { ...REPORT, vulnerabilities: {} };
    const { code, out } = audit(clean, [exception]);
    assert.equal(code, 1);
    assert.match(out, /semver GHSA-c2qf-rxjj-qqgw is no longer reported: remove it/);
  });

  test('a registry without an audit endpoint is reported; it fails only where required (AUDIT_REQUIRED=1)', () => {
    const lenient = audit(NO_ENDPOINT, []);
    assert.equal(lenient.code, 0);
    assert.match(lenient.out, /gave no audit report \(405 Method Not Allowed.*Not checked here/);
    const required = audit(NO_ENDPOINT, [], { required: true });
    assert.equal(required.code, 1);
    assert.match(required.out, /gave no audit report/);
  });

  test('the script reads npm audit --json, the exceptions file and AUDIT_REQUIRED, and exits with the verdict', async () => {
    const [excepted, refused, lenient] = await Promise.all([
      auditProcess(REPORT, [exception]),
      auditProcess(NO_ENDPOINT, [], { AUDIT_REQUIRED: '1' }),
      auditProcess(NO_ENDPOINT, []),
    ]);
    assert.equal(excepted.code, 0, excepted.out);
    assert.match(excepted.out, /1 advisories, 1 excepted with reasons .* 0 not excepted, 0 stale/);
    assert.equal(refused.code, 1, refused.out);
    assert.match(refused.out, /gave no audit report \(405 Method Not Allowed/);
    assert.equal(lenient.code, 0, lenient.out);
    assert.match(lenient.out, /gave no audit report \(405 Method Not Allowed.*Not checked here/);
  });
});
