// scripts/terraform-docs.mjs (`npm run terraform-docs`): terraform/README.md's Inputs and Outputs tables are what it
// generates from variables.tf and outputs.tf, and its --check catches a README that fell behind. The cases run the
// script's terraformDocs(argv) in-process, the README's own check and the broken copies (a README with a row gone or
// changed, a module with an undocumented variable); one refusal also runs the script as `npm run terraform-docs` does,
// in its own process (its exit code and stderr). In one process the script parses and formats each text once.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { terraformDocs } from '../../scripts/terraform-docs.mjs';

const root = fileURLToPath(new URL('../..', import.meta.url));
const SCRIPT = `${root}scripts/terraform-docs.mjs`;

/** The script as a process, as `npm run terraform-docs` runs it. */
function runScript(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [SCRIPT, ...args], { cwd: root }, (err, stdout, stderr) =>
      resolve({ code: err ? Number(err.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

/** The script's work in this process: the same exit code and output, without a process per case. */
const run = (...args: string[]) => terraformDocs(args);

describe('terraform-docs', () => {
  let dir: string;
  let readme: string;

  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'terraform-docs-'));
    readme = await readFile(`${root}terraform/README.md`, 'utf8');
  });
  after(() => rm(dir, { recursive: true, force: true }));

  /** A copy of the module (variables.tf, outputs.tf, README.md) with the given files replaced. */
  async function moduleCopy(name: string, files: Record<string, string> = {}): Promise<string> {
    const copy = path.join(dir, name);
    for (const file of ['variables.tf', 'outputs.tf', 'README.md']) {
      await cp(`${root}terraform/${file}`, path.join(copy, file));
    }
    for (const [file, text] of Object.entries(files)) await writeFile(path.join(copy, file), text);
    return copy;
  }

  test("the README's tables are what npm run terraform-docs writes", async () => {
    const result = await run('--check');
    assert.equal(result.code, 0, result.stderr);
  });

  test('every variable and output has a row, with its type, default and description', () => {
    const inputs = readme.slice(readme.indexOf('<!-- BEGIN_TF_INPUTS'), readme.indexOf('<!-- END_TF_INPUTS'));
    assert.match(
      inputs,
      /^\| `project_id` +\| `string` +\| \(required\) +\| Project to deploy into\. +\|$/m,
      'a required variable',
    );
    assert.match(
      inputs,
      /^\| `log_level` +\| `string` +\| `info` +\| Lowest severity the functions log \(`LOG_LEVEL`\)\. +\|$/m,
    );
    // Object variables list their attributes' defaults, read from the type.
    assert.match(inputs, /^\| `poller_function` +\| `object` +\| `\{\}` +\| .*`timeout_seconds = 300`/m);
    const outputs = readme.slice(
      readme.indexOf('<!-- BEGIN_TF_OUTPUTS'),
      readme.indexOf('<!-- END_TF_OUTPUTS'),
    );
    assert.match(outputs, /^\| `mcp_url` +\| MCP endpoint/m);
  });

  test('a row missing from the README is reported by name', async () => {
    const copy = await moduleCopy('row-missing', {
      'README.md': readme.replace(/^\| `sweep_interval_minutes` .*\n/m, ''),
    });
    const result = await run('--check', '--dir', copy);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /inputs: sweep_interval_minutes is missing/);
  });

  test('a variable added without running the script is reported, and running it adds its row', async () => {
    // A module of one variable and one output, its README's tables written by the script, to which a variable is
    // added (the real module takes a second to parse, and its README's check is the first test's).
    const variable = (name: string, description: string) =>
      `variable "${name}" {\n  type        = bool\n  description = "${description}"\n  default     = false\n}\n`;
    const variables = `# --- Settings ---\n\n${variable('some_setting', 'A documented setting.')}`;
    const copy = await moduleCopy('variable-added', {
      'variables.tf': variables,
      'outputs.tf':
        'output "url" {\n  description = "Where it answers."\n  value       = "https://example.com"\n}\n',
    });
    assert.equal((await run('--dir', copy)).code, 0);
    assert.equal((await run('--check', '--dir', copy)).code, 0);
    await writeFile(
      path.join(copy, 'variables.tf'),
      `${variables}\n${variable('extra_setting', 'An undocumented setting.')}`,
    );
    const check = await run('--check', '--dir', copy);
    assert.equal(check.code, 1);
    assert.match(check.stderr, /inputs: extra_setting is missing/);
    assert.doesNotMatch(check.stderr, /inputs: some_setting|outputs: url/);

    const write = await run('--dir', copy);
    assert.equal(write.code, 0, write.stderr);
    const written = await readFile(path.join(copy, 'README.md'), 'utf8');
    assert.match(written, /^\| `extra_setting` +\| `bool` +\| `false` +\| An undocumented setting\. +\|$/m);
    assert.match(
      written,
      /^### Settings\n\n\| Name +\|[^]*^\| `some_setting` +\| `bool` +\| `false` +\| A documented/m,
    );
    assert.equal((await run('--check', '--dir', copy)).code, 0);
  });

  test('a variable or output declared outside variables.tf and outputs.tf is refused, naming it', async () => {
    const copy = await moduleCopy('misplaced', {
      'monitoring.tf':
        'variable "stray" {\n  type        = bool\n  description = "Declared in the wrong file."\n}\n\noutput "stray_output" {\n  value = 1\n}\n',
    });
    const refusals = {
      // Once through the script's own process: a refusal is its exit code 1, with the names on its stderr.
      'the --check process': await runScript('--check', '--dir', copy),
      '--check': await run('--check', '--dir', copy),
      'writing the tables': await run('--dir', copy),
    };
    for (const [mode, result] of Object.entries(refusals)) {
      assert.equal(result.code, 1, mode);
      assert.match(result.stderr, /monitoring\.tf: variable "stray" \(declare it in variables\.tf\)/);
      assert.match(result.stderr, /monitoring\.tf: output "stray_output" \(declare it in outputs\.tf\)/);
    }
    // The real module declares them only there.
    assert.equal((await run('--check')).code, 0);
  });

  test('a description edited in the README instead of variables.tf is reported', async () => {
    const copy = await moduleCopy('row-edited', {
      'README.md': readme.replace('Lowest severity the functions log', 'Lowest severity logged'),
    });
    const result = await run('--check', '--dir', copy);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /inputs: log_level differs from its declaration/);
  });

  test('a row for an output that no longer exists is reported', async () => {
    const outputs = await readFile(`${root}terraform/outputs.tf`, 'utf8');
    const copy = await moduleCopy('output-removed', {
      'outputs.tf': outputs.replace(/output "source_object" \{[^}]*\}\n/, ''),
    });
    const result = await run('--check', '--dir', copy);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /outputs: source_object is not declared/);
  });
});
