// `npm run audit`: `npm audit --omit=dev` (what ships: the production dependency tree) against the registry's
// advisory database. Any advisory not listed in audit-exceptions.json fails it, and so does an exception that no
// longer matches a reported advisory (exceptions must not outlive their reason). Each exception names the advisory,
// the package, why it does not apply to us or cannot be fixed yet, and when that was last checked.
// A registry without an audit endpoint (a mirror answering 405, an offline machine) cannot answer; that is reported
// and fails only where AUDIT_REQUIRED=1 (Cloud Build sets it: it reaches the public registry).
// judgeAudit is the judgment on a report, which the script's tests call in-process.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import process from 'node:process';
import { URL, fileURLToPath } from 'node:url';

/**
 * The verdict on `npm audit --json`'s report, given the exceptions: the exit code and what to print. `required`: a
 * registry that gave no report fails (AUDIT_REQUIRED=1).
 */
export function judgeAudit(report, exceptions, { required = false } = {}) {
  if (!report.vulnerabilities) {
    const why = report.message ?? report.error?.summary ?? JSON.stringify(report).slice(0, 300);
    const message =
      `npm audit: the registry gave no audit report (${why}).` +
      (required ? '' : ' Not checked here; Cloud Build runs this with AUDIT_REQUIRED=1.');
    return { code: required ? 1 : 0, stdout: '', stderr: `${message}\n` };
  }

  /** Every advisory reported, as { advisory: 'GHSA-…', package, severity, title }. */
  const found = [];
  for (const [name, vulnerability] of Object.entries(report.vulnerabilities)) {
    for (const via of vulnerability.via) {
      if (typeof via !== 'object') continue; // A package that is vulnerable only through another one.
      const advisory = /GHSA-[\w-]+$/.exec(via.url ?? '')?.[0] ?? String(via.source);
      found.push({ advisory, package: name, severity: via.severity, title: via.title });
    }
  }

  const excused = (f) => exceptions.some((e) => e.advisory === f.advisory && e.package === f.package);
  const unexcused = found.filter((f) => !excused(f));
  const stale = exceptions.filter(
    (e) => !found.some((f) => f.advisory === e.advisory && f.package === e.package),
  );
  const errors = [
    ...unexcused.map((f) => `${f.severity}: ${f.package} ${f.advisory} ${f.title}`),
    ...stale.map((e) => `audit-exceptions.json: ${e.package} ${e.advisory} is no longer reported: remove it`),
  ];
  const summary =
    `npm audit --omit=dev: ${found.length} advisories, ${found.length - unexcused.length} excepted with reasons ` +
    `(audit-exceptions.json), ${unexcused.length} not excepted, ${stale.length} stale exceptions.`;
  return {
    code: unexcused.length || stale.length ? 1 : 0,
    stdout: `${summary}\n`,
    stderr: errors.map((line) => `${line}\n`).join(''),
  };
}

if (path.resolve(process.argv[1] ?? '') === fileURLToPath(import.meta.url)) {
  // AUDIT_EXCEPTIONS_FILE: another exceptions file (the script's tests).
  const exceptionsFile =
    process.env.AUDIT_EXCEPTIONS_FILE ?? new URL('../audit-exceptions.json', import.meta.url);
  const { exceptions } = JSON.parse(readFileSync(exceptionsFile, 'utf8'));

  const stdout = await new Promise((resolve, reject) => {
    // npm audit exits 1 when it finds advisories: the JSON on stdout is the answer either way.
    execFile('npm', ['audit', '--omit=dev', '--json'], { maxBuffer: 64 * 1024 * 1024 }, (err, out) =>
      out ? resolve(out) : reject(err ?? new Error('npm audit printed nothing')),
    );
  });
  const verdict = judgeAudit(JSON.parse(stdout), exceptions, {
    required: process.env.AUDIT_REQUIRED === '1',
  });
  process.stderr.write(verdict.stderr);
  process.stdout.write(verdict.stdout);
  process.exitCode = verdict.code;
}
