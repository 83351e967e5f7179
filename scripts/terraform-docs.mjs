// `npm run terraform-docs`: writes terraform/README.md's Inputs and Outputs tables from variables.tf and outputs.tf,
// between the BEGIN_TF_* / END_TF_* marker comments, formatted by prettier. With --check it writes nothing and exits 1
// when the README is not what it would write, naming the rows that differ (npm test checks the README this way).
// Inputs are grouped by the `# --- Title ---` section comments of variables.tf, in file order; comment lines right
// under a section title are its introduction. Descriptions are the variables' own; snake_case names, ENV_NAMES and
// "quoted values" in them are set as code.
// Variables and outputs are read from those two files only: one declared in another .tf file of the module is an error
// (exit 1, naming it), in either mode, since its row would silently be missing.
// Options (the script's tests): --dir DIR (the module, default terraform/), --readme FILE (default DIR/README.md).
// The tests call terraformDocs(argv) in-process, on copies of the module; `npm run terraform-docs` runs it as a CLI.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import process from 'node:process';
import { URL, fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const { parse } = createRequire(import.meta.url)('@cdktf/hcl2json');

const root = fileURLToPath(new URL('..', import.meta.url));

const MARKERS = {
  inputs: [
    '<!-- BEGIN_TF_INPUTS: generated from variables.tf by npm run terraform-docs -->',
    '<!-- END_TF_INPUTS -->',
  ],
  outputs: [
    '<!-- BEGIN_TF_OUTPUTS: generated from outputs.tf by npm run terraform-docs -->',
    '<!-- END_TF_OUTPUTS -->',
  ],
};

/** `${number}` → `number`; object types are just `object` (their attributes are listed in the description). */
function typeOf(type) {
  const bare = String(type ?? 'any')
    .replace(/^\$\{([\s\S]*)\}$/, '$1')
    .replace(/\s+/g, ' ');
  return bare.startsWith('object(') ? 'object' : bare;
}

/** A value as HCL would spell it. */
function hcl(value) {
  if (value === null) return 'null';
  if (Array.isArray(value)) return `[${value.map(hcl).join(', ')}]`;
  if (typeof value === 'object') {
    const entries = Object.entries(value).map(
      ([k, v]) => `${/^\w+$/.test(k) ? k : JSON.stringify(k)} = ${hcl(v)}`,
    );
    return entries.length ? `{ ${entries.join(', ')} }` : '{}';
  }
  return typeof value === 'string' ? JSON.stringify(value) : String(value);
}

function defaultOf(body) {
  if (!('default' in body)) return '(required)';
  const value = body.default;
  // Strings without their quotes, as the README always showed them; the empty string stays visible.
  if (typeof value === 'string') return value === '' ? '`""`' : `\`${value}\``;
  return `\`${hcl(value)}\``;
}

/** `optional(TYPE, DEFAULT)` attributes of an object type: "`memory = "1Gi"`, `cpu = "1"`, ...". */
function objectDefaults(type) {
  const attributes = [...String(type).matchAll(/(\w+)\s*=\s*optional\(\s*[\w()]+\s*,\s*([^)\n]+?)\s*\)/g)];
  return attributes.map(([, name, value]) => `\`${name} = ${value}\``).join(', ');
}

// In this order: `{ k = v }` maps, `name = "value"`, "quoted values", ENV_NAMES and snake_case names (not inside a
// path such as PREFIX/OPERATION_ID/).
const CODE = new RegExp(
  [
    /\{ [^{}\n]* \}/,
    /\b[a-z][a-z0-9_]* = "[^"\n]*"/,
    /"[^"\n]*"/,
    /(?<![\w/.-])[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+(?![\w/-])/,
    /(?<![\w/.-])[a-z][a-z0-9]*(?:_[a-z0-9]+)+(?:\.[a-z][a-z0-9_]*)*(?![\w/-])/,
  ]
    .map((r) => r.source)
    .join('|'),
  'g',
);

/** Prose for a table cell: code set as code (outside existing code spans), pipes escaped, one line. */
function prose(text) {
  return String(text)
    .replace(/\s+/g, ' ')
    .trim()
    .split(/(`[^`]*`)/)
    .map((part, i) => (i % 2 ? part : part.replace(CODE, (code) => `\`${code}\``)))
    .join('')
    .replaceAll('|', '\\|');
}

const row = (cells) => `| ${cells.join(' | ')} |`;
const table = (header, rows) => [row(header), row(header.map(() => '---')), ...rows.map(row)].join('\n');

/**
 * A .tf (or .tfvars) file parsed to JSON, shared: do not change it. The parser (Go compiled to WebAssembly) takes most
 * of a run's time, so each text is parsed once per process, whatever its path: the tests run the script many times in
 * one process, on copies of the module whose files are mostly the same, and the Terraform policy helper
 * (test/helpers/terraform-policy.ts) parses the same files through here.
 */
const parses = new Map();
export function parseTerraformFile(file) {
  const [name, text] = [path.basename(file), readFileSync(file, 'utf8')];
  const key = `${name}\0${text}`;
  if (!parses.has(key)) parses.set(key, parse(name, text));
  return parses.get(key);
}

/**
 * A generated section as prettier writes it with the repository's settings, once per text and process (as parsed).
 * Only the sections are formatted, not the whole README: prettier's markdown output for headings, paragraphs and
 * tables depends on the block alone (the README's other parts are `npm run lint`'s), and it takes a third of the time.
 * prettier is loaded only here: a run refused for a misplaced declaration never needs it.
 */
const formats = new Map();
function formatted(markdown) {
  if (!formats.has(markdown)) {
    const format = async () => {
      const prettier = await import('prettier');
      // The repository's settings, wherever the README is (the tests use a copy).
      const options = (await prettier.resolveConfig(path.join(root, 'README.md'))) ?? {};
      return (await prettier.format(markdown, { ...options, parser: 'markdown' })).trimEnd();
    };
    formats.set(markdown, format());
  }
  return formats.get(markdown);
}

/** The variables of variables.tf in file order, grouped by its `# --- Title ---` sections. */
async function inputsMarkdown(dir) {
  const file = path.join(dir, 'variables.tf');
  const variables = (await parseTerraformFile(file)).variable ?? {};
  const sections = [];
  let section = { title: '', intro: [], names: [] };
  let inIntro = false;
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const title = /^# -{2,} (.+?) -+\s*$/.exec(line);
    if (title) {
      section = { title: title[1], intro: [], names: [] };
      sections.push(section);
      inIntro = true;
      continue;
    }
    const comment = /^#\s?(.*)$/.exec(line);
    if (inIntro && comment) {
      section.intro.push(comment[1]);
      continue;
    }
    inIntro = false;
    const variable = /^variable\s+"([\w-]+)"/.exec(line);
    if (variable) {
      if (!sections.includes(section)) sections.push(section);
      section.names.push(variable[1]);
    }
  }
  return sections
    .filter((s) => s.names.length > 0)
    .map((s) => {
      const rows = s.names.map((name) => {
        const body = variables[name][0];
        const attributes = typeOf(body.type) === 'object' ? objectDefaults(body.type) : '';
        const description =
          prose(body.description ?? '') + (attributes ? ` Attributes and defaults: ${attributes}.` : '');
        return [`\`${name}\``, `\`${typeOf(body.type)}\``, defaultOf(body), description];
      });
      return [
        s.title ? `### ${s.title}` : '',
        s.intro.length ? prose(s.intro.join(' ')) : '',
        table(['Name', 'Type', 'Default', 'Description'], rows),
      ]
        .filter(Boolean)
        .join('\n\n');
    })
    .join('\n\n');
}

async function outputsMarkdown(dir) {
  const outputs = (await parseTerraformFile(path.join(dir, 'outputs.tf'))).output ?? {};
  const names = [
    ...readFileSync(path.join(dir, 'outputs.tf'), 'utf8').matchAll(/^output\s+"([\w-]+)"/gm),
  ].map((m) => m[1]);
  return table(
    ['Name', 'Description'],
    names.map((name) => [`\`${name}\``, prose(outputs[name][0].description ?? '')]),
  );
}

function replaceBetween(text, [begin, end], content, readmePath) {
  const start = text.indexOf(begin);
  const stop = text.indexOf(end);
  if (start < 0 || stop < start) throw new Error(`${readmePath}: no "${begin}" ... "${end}" markers`);
  return `${text.slice(0, start + begin.length)}\n\n${content}\n\n${text.slice(stop)}`;
}

/** Rows of one generated section, by name (`| \`name\` | ...`). */
function rowsOf(text, [begin, end]) {
  const start = text.indexOf(begin);
  const section = start < 0 ? '' : text.slice(start, text.indexOf(end, start));
  return new Map(
    [...section.matchAll(/^\| `([\w-]+)` +\|.*$/gm)].map((m) => [m[1], m[0].replace(/ +/g, ' ')]),
  );
}

/** `variable` blocks outside variables.tf and `output` blocks outside outputs.tf, as "FILE: variable NAME". */
async function misplacedDeclarations(dir) {
  const problems = [];
  for (const file of readdirSync(dir)
    .filter((f) => f.endsWith('.tf'))
    .sort()) {
    // Only a line opening a block of a kind can declare one: a file without one for a kind it must not declare (for
    // variables.tf, an output) needs no parse.
    const text = readFileSync(path.join(dir, file), 'utf8');
    const kinds = [
      ['variable', 'variables.tf'],
      ['output', 'outputs.tf'],
    ].filter(([kind, home]) => file !== home && new RegExp(`^\\s*${kind}\\b`, 'm').test(text));
    if (kinds.length === 0) continue;
    const json = await parseTerraformFile(path.join(dir, file));
    for (const [kind, home] of kinds) {
      for (const name of Object.keys(json[kind] ?? {}))
        problems.push(`${file}: ${kind} "${name}" (declare it in ${home})`);
    }
  }
  return problems;
}

/**
 * What `npm run terraform-docs ARGV...` does: writes the README (unless --check) and returns the exit code and what it
 * would print, paths relative to the working directory.
 */
export async function terraformDocs(argv) {
  const { values: args } = parseArgs({
    args: argv,
    options: { check: { type: 'boolean' }, dir: { type: 'string' }, readme: { type: 'string' } },
  });
  const dir = path.resolve(args.dir ?? path.join(root, 'terraform'));
  const readmePath = path.resolve(args.readme ?? path.join(dir, 'README.md'));
  const shown = path.relative(process.cwd(), readmePath);

  const misplaced = await misplacedDeclarations(dir);
  if (misplaced.length > 0) {
    const stderr =
      `npm run terraform-docs reads variables.tf and outputs.tf only; declared elsewhere:\n` +
      misplaced.map((p) => `  ${p}\n`).join('');
    return { code: 1, stdout: '', stderr };
  }

  const current = readFileSync(readmePath, 'utf8');
  const inputs = await formatted(await inputsMarkdown(dir));
  const outputs = await formatted(await outputsMarkdown(dir));
  let generated = replaceBetween(current, MARKERS.inputs, inputs, readmePath);
  generated = replaceBetween(generated, MARKERS.outputs, outputs, readmePath);

  if (!args.check) {
    if (generated !== current) writeFileSync(readmePath, generated);
    return {
      code: 0,
      stdout: `${shown}: ${generated === current ? 'up to date' : 'tables written'}\n`,
      stderr: '',
    };
  }
  if (generated === current) return { code: 0, stdout: '', stderr: '' };
  const problems = [];
  for (const [kind, markers] of Object.entries(MARKERS)) {
    const [want, have] = [rowsOf(generated, markers), rowsOf(current, markers)];
    for (const [name, line] of want) {
      if (!have.has(name)) problems.push(`${kind}: ${name} is missing`);
      else if (have.get(name) !== line) problems.push(`${kind}: ${name} differs from its declaration`);
    }
    for (const name of have.keys()) if (!want.has(name)) problems.push(`${kind}: ${name} is not declared`);
  }
  if (problems.length === 0)
    problems.push(
      'the tables differ from the generated ones (order, section titles and introductions, or formatting)',
    );
  const stderr =
    `${shown} is not what npm run terraform-docs writes:\n` + problems.map((p) => `  ${p}\n`).join('');
  return { code: 1, stdout: '', stderr };
}

if (path.resolve(process.argv[1] ?? '') === fileURLToPath(import.meta.url)) {
  const { code, stdout, stderr } = await terraformDocs(process.argv.slice(2));
  process.stdout.write(stdout);
  process.stderr.write(stderr);
  process.exitCode = code;
}
