// Offline policy checks over the Terraform module: .tf files are parsed to JSON with @cdktf/hcl2json (no providers,
// no `terraform init`), and each check returns the violations it finds as "ADDRESS: problem" lines, so a test can
// assert both that the real module is clean and that a deliberately broken fixture is caught.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseTerraformFile } from '../../scripts/terraform-docs.mjs';

/**
 * A file parsed, each text once per process, with `npm run terraform-docs`'s parser and cache (the parser, Go compiled
 * to WebAssembly, takes seconds over the module, which several test files of a lane load, and the terraform-docs tests
 * parse the same files). Each caller gets its own copy to change.
 */
async function parseFile(file: string): Promise<Record<string, unknown>> {
  return structuredClone(await parseTerraformFile(file));
}

type Body = Record<string, unknown>;

export interface Block {
  /**
   * Terraform address: `TYPE.NAME` for resources, `data.TYPE.NAME` for data sources, `TYPE.NAME["KEY"]` for an
   * instance of a resource whose for_each is a local map (see instances).
   */
  address: string;
  type: string;
  name: string;
  body: Body;
}

export interface TerraformModule {
  resources: Block[];
  data: Block[];
  variables: Map<string, Body>;
  locals: Map<string, unknown>;
  outputs: string[];
  /** `moved` blocks, addresses without the `${}`. */
  moved: { from: string; to: string }[];
}

/**
 * Stand-ins for resource attributes (unknown until apply) that the functions' environment refers to, by setting: the
 * policy and deployable tests resolve environments with them.
 */
export const RESOURCE_PLACEHOLDERS: Readonly<Record<string, string>> = {
  FIRESTORE_DATABASE: '(default)',
  OUTPUT_BUCKET: 'my-project-veo-outputs',
  POLL_TOPIC: 'veo-poll',
  REQUESTS_TOPIC: 'veo-requests',
  COMPLETIONS_TOPIC: 'veo-completions',
  VEO_NOTICE_TOPIC: 'projects/my-project/topics/veo-poll-notices',
  // The project number in it (data.google_project, known at plan).
  IAP_AUDIENCE: '123456789012',
};

/** Whether a `terraform` binary is on PATH (evaluateHcl needs one; tests that use it skip without). */
export const terraformAvailable = (): boolean =>
  spawnSync('terraform', ['version'], { stdio: 'ignore' }).status === 0;

/**
 * Evaluates an HCL expression that refers to no variable, local or resource (substitute them first) with the real
 * `terraform console`, in an empty directory (no providers needed), and returns its value.
 */
export function evaluateHcl(expression: string): unknown {
  const dir = mkdtempSync(path.join(tmpdir(), 'hcl-eval-'));
  try {
    const result = spawnSync('terraform', ['console'], {
      cwd: dir,
      // The console reads one expression a line.
      input: `jsonencode(${expression.replace(/\s*\n\s*/g, ' ')})\n`,
      encoding: 'utf8',
    });
    if (result.status !== 0) throw new Error(`terraform console failed on ${expression}: ${result.stderr}`);
    return JSON.parse(JSON.parse(result.stdout.trim()) as string);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Parses the given .tf files (or every .tf file of a directory) into one module. */
export async function loadModule(...paths: string[]): Promise<TerraformModule> {
  const files = paths.flatMap((p) =>
    p.endsWith('.tf')
      ? [p]
      : readdirSync(p)
          .filter((f) => f.endsWith('.tf'))
          .sort()
          .map((f) => path.join(p, f)),
  );
  const module: TerraformModule = {
    resources: [],
    data: [],
    variables: new Map(),
    locals: new Map(),
    outputs: [],
    moved: [],
  };
  for (const file of files) {
    const json = await parseFile(file);
    module.resources.push(...blocksOf(json.resource, ''));
    module.data.push(...blocksOf(json.data, 'data.'));
    for (const [name, bodies] of Object.entries((json.variable ?? {}) as Record<string, Body[]>)) {
      module.variables.set(name, bodies[0]!);
    }
    module.outputs.push(...Object.keys((json.output ?? {}) as Body));
    for (const moved of (json.moved ?? []) as { from: string; to: string }[]) {
      const bare = (address: string) => address.replace(/^\$\{|\}$/g, '');
      module.moved.push({ from: bare(moved.from), to: bare(moved.to) });
    }
    for (const locals of (json.locals ?? []) as Body[]) {
      for (const [name, value] of Object.entries(locals)) module.locals.set(name, value);
    }
  }
  return module;
}

/** Parses a .tfvars file (HCL attributes only) into plain values. */
export async function loadTfvars(file: string): Promise<Record<string, unknown>> {
  return parseFile(file);
}

function blocksOf(section: unknown, prefix: string): Block[] {
  const blocks: Block[] = [];
  for (const [type, byName] of Object.entries((section ?? {}) as Record<string, Record<string, Body[]>>)) {
    for (const [name, bodies] of Object.entries(byName)) {
      blocks.push({ address: `${prefix}${type}.${name}`, type, name, body: bodies[0]! });
    }
  }
  return blocks;
}

/** Every string anywhere in a parsed value (attribute values, nested blocks, expressions). */
function stringsIn(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.flatMap(stringsIn);
  if (value && typeof value === 'object') return Object.values(value).flatMap(stringsIn);
  return [];
}

/** The first nested block of that name (hcl2json represents blocks as arrays of bodies). */
function nested(body: Body | undefined, name: string): Body | undefined {
  const value = body?.[name];
  return Array.isArray(value) ? (value[0] as Body | undefined) : undefined;
}

// Blocks and locals are scanned; variable descriptions and outputs are prose and values, not grants.
function scannedBlocks(module: TerraformModule): { address: string; value: unknown; gate: string }[] {
  return [
    ...[...module.resources, ...module.data].map((b) => ({
      address: b.address,
      value: b.body,
      gate: `${String(b.body.count ?? '')} ${String(b.body.for_each ?? '')}`,
    })),
    ...[...module.locals].map(([name, value]) => ({ address: `local.${name}`, value, gate: '' })),
  ];
}

const PRIMITIVE_ROLE = /\broles\/(owner|editor|viewer)(?![\w.])/g;

/** Basic roles grant thousands of permissions across every service: never granted by this module. */
export function primitiveRoleViolations(module: TerraformModule): string[] {
  return scannedBlocks(module).flatMap(({ address, value }) =>
    [...new Set(stringsIn(value).flatMap((s) => [...s.matchAll(PRIMITIVE_ROLE)].map((m) => m[0])))].map(
      (role) => `${address}: primitive role ${role}`,
    ),
  );
}

const PUBLIC_MEMBER = /\b(allUsers|allAuthenticatedUsers)\b/g;

/** allUsers / allAuthenticatedUsers only in a resource whose count or for_each depends on var.allow_unauthenticated. */
export function publicMemberViolations(module: TerraformModule): string[] {
  return scannedBlocks(module).flatMap(({ address, value, gate }) => {
    const members = [
      ...new Set(stringsIn(value).flatMap((s) => [...s.matchAll(PUBLIC_MEMBER)].map((m) => m[0]))),
    ];
    if (members.length === 0 || gate.includes('var.allow_unauthenticated')) return [];
    return members.map((member) => `${address}: ${member} is not gated by var.allow_unauthenticated`);
  });
}

const FUNCTION_TYPE = 'google_cloudfunctions2_function';

/**
 * One `each.value.PATH` reference resolved against a for_each entry: the entry's value at PATH, or, when PATH goes
 * on past an expression (`sizing = var.mcp_function` read as `each.value.sizing.memory`), that expression with the
 * rest appended. A key missing from the entry, or an attribute missing from the object type of a `var.X` it reaches,
 * is a problem rather than a value.
 */
function resolveEachValue(
  module: TerraformModule,
  entry: unknown,
  path: string[],
): { value: unknown } | { expression: string } | { problem: string } {
  let current = entry;
  for (const [index, key] of path.entries()) {
    const bare = typeof current === 'string' ? /^\$\{([^{}]*)\}$/.exec(current)?.[1] : undefined;
    if (bare !== undefined) {
      const rest = path.slice(index);
      const variable = /^var\.(\w+)$/.exec(bare)?.[1];
      const type = variable ? String(module.variables.get(variable)?.type ?? '') : '';
      if (type.startsWith('${object(') && !new RegExp(`[{,\\s]${rest[0]}\\s*=`).test(type)) {
        return { problem: `var.${variable} has no attribute ${rest[0]}` };
      }
      return { expression: [bare, ...rest].join('.') };
    }
    if (!current || typeof current !== 'object' || Array.isArray(current) || !(key in current)) {
      return { problem: `no ${path.slice(0, index + 1).join('.')}` };
    }
    current = (current as Body)[key];
  }
  return { value: current };
}

const EACH_VALUE = /\beach\.value((?:\.\w+)+)/g;

/**
 * The instances of a resource whose for_each is a local that is a literal map (`for_each = local.X`): one block per
 * key, named by the key, with `each.key` and `each.value.PATH` replaced by the entry's values wherever they can be
 * written back (a whole attribute becomes the entry's value; inside an expression, a string, number, null or
 * expression is spliced in). Other resources are returned as they are. `problems` collects references that name
 * nothing in some entry: `terraform validate` cannot see those, since each.value is unknown to it.
 */
export function instances(module: TerraformModule, block: Block, problems: string[] = []): Block[] {
  const local = /^\$\{local\.(\w+)\}$/.exec(String(block.body.for_each ?? ''))?.[1];
  const entries = local ? module.locals.get(local) : undefined;
  if (!entries || typeof entries !== 'object' || Array.isArray(entries)) return [block];
  return Object.entries(entries as Body).map(([key, entry]) => {
    const address = `${block.address}["${key}"]`;
    const resolve = (path: string) => {
      const resolved = resolveEachValue(module, entry, path.slice(1).split('.'));
      if ('problem' in resolved)
        problems.push(`${address}: each.value${path}: ${resolved.problem} in local.${local}`);
      return resolved;
    };
    const substitute = (value: unknown): unknown => {
      if (Array.isArray(value)) return value.map(substitute);
      if (value && typeof value === 'object') {
        return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, substitute(v)]));
      }
      if (typeof value !== 'string') return value;
      const whole = /^\$\{each\.value((?:\.\w+)+)\}$/.exec(value);
      if (whole) {
        const resolved = resolve(whole[1]!);
        if ('value' in resolved) return resolved.value;
        if ('expression' in resolved) return `\${${resolved.expression}}`;
        return value;
      }
      return value
        .replaceAll('${each.key}', key)
        .replace(/\beach\.key\b/g, JSON.stringify(key))
        .replace(EACH_VALUE, (text, path: string) => {
          const resolved = resolve(path);
          if ('expression' in resolved) return resolved.expression;
          if (!('value' in resolved)) return text;
          const v = resolved.value;
          if (typeof v === 'string') return /^\$\{([^{}]*)\}$/.exec(v)?.[1] ?? JSON.stringify(v);
          if (v === null || typeof v === 'number' || typeof v === 'boolean') return String(v);
          return text;
        });
    };
    return { address, type: block.type, name: key, body: substitute(block.body) as Body };
  });
}

/** References to `each.value` that name nothing in some entry of the local the resource iterates over. */
export function forEachViolations(module: TerraformModule): string[] {
  const problems: string[] = [];
  for (const resource of module.resources) instances(module, resource, problems);
  return [...new Set(problems)];
}

/** The deployed functions, one block per instance. */
export function functions(module: TerraformModule): Block[] {
  return module.resources.filter((r) => r.type === FUNCTION_TYPE).flatMap((r) => instances(module, r));
}

/** Each function runs as its own service account, never the default compute account or a shared one. */
export function sharedServiceAccountViolations(module: TerraformModule): string[] {
  const byAccount = new Map<string, string[]>();
  const violations: string[] = [];
  for (const fn of functions(module)) {
    const account = nested(fn.body, 'service_config')?.service_account_email;
    if (typeof account !== 'string') {
      violations.push(`${fn.address}: no service_account_email (would run as the default compute account)`);
      continue;
    }
    byAccount.set(account, [...(byAccount.get(account) ?? []), fn.address]);
  }
  for (const [account, users] of byAccount) {
    if (users.length > 1) violations.push(`${users.join(', ')}: share the service account ${account}`);
  }
  return violations;
}

/** A message that can never be processed must end up somewhere instead of being redelivered forever. */
export function deadLetterViolations(module: TerraformModule): string[] {
  return module.resources
    .filter((r) => r.type === 'google_pubsub_subscription' && !nested(r.body, 'dead_letter_policy'))
    .map((r) => `${r.address}: no dead_letter_policy`);
}

/** Buckets are reached through IAM and signed URLs only: uniform access, public access prevention enforced. */
export function bucketViolations(module: TerraformModule): string[] {
  return module.resources
    .filter((r) => r.type === 'google_storage_bucket')
    .flatMap((r) => [
      ...(r.body.public_access_prevention === 'enforced'
        ? []
        : [`${r.address}: public_access_prevention is not "enforced"`]),
      ...(r.body.uniform_bucket_level_access === true
        ? []
        : [`${r.address}: uniform_bucket_level_access is not true`]),
    ]);
}

/** Every input says what it is and what it holds. */
export function variableViolations(module: TerraformModule): string[] {
  return [...module.variables].flatMap(([name, body]) => [
    ...(body.type === undefined ? [`var.${name}: no type`] : []),
    ...(typeof body.description === 'string' && body.description.trim()
      ? []
      : [`var.${name}: no description`]),
  ]);
}

export interface FunctionEnvironment {
  /** Plain environment variables, values as written in the module (literals or `${...}` expressions). */
  plain: Record<string, string>;
  /** For the plain variables merged in only under a condition (`COND ? local.X : {}`), that condition, by name. */
  conditions: Record<string, string>;
  /** Names of the environment variables mounted from Secret Manager. */
  secrets: string[];
}

/** The arguments of a call, split at the commas outside brackets and strings (a trailing comma is allowed). */
function callArguments(args: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let quoted = false;
  let current = '';
  for (let i = 0; i < args.length; i++) {
    const c = args[i]!;
    if (quoted && c === '\\') {
      current += c + (args[++i] ?? '');
      continue;
    }
    if (quoted) quoted = c !== '"';
    else if (c === '"') quoted = true;
    else if ('([{'.includes(c)) depth++;
    else if (')]}'.includes(c)) depth--;
    else if (c === ',' && depth === 0) {
      parts.push(current.trim());
      current = '';
      continue;
    }
    current += c;
  }
  parts.push(current.trim());
  return parts.filter(Boolean);
}

/**
 * A function's environment, read statically (for an instance of the for_each resource, `environment_variables` is
 * its entry's `environment`, as instances() resolves it): it must be a literal map or a merge whose
 * arguments are locals that are literal maps, each either merged always (`local.X`) or under a condition
 * (`COND ? local.X : {}`), so that the names Terraform sets can be checked without evaluating the module. `plain`
 * holds every name Terraform may set; `conditions` says which depend on what (see evaluateCondition). Secret
 * variables are the keys of static `secret_environment_variables` blocks and, for the dynamic block, the entries of
 * `local.secrets` whose `functions` list names this function.
 */
export function functionEnvironment(module: TerraformModule, fn: Block): FunctionEnvironment {
  const config = nested(fn.body, 'service_config');
  const expression = config?.environment_variables;
  let plain: Record<string, string> = {};
  const conditions: Record<string, string> = {};
  if (typeof expression === 'string') {
    const call = /^\$\{merge\(([\s\S]*)\)\}$/.exec(expression);
    if (!call)
      throw new Error(`${fn.address}: environment_variables is not a merge of locals: ${expression}`);
    for (const argument of callArguments(call[1]!)) {
      const m = /^(?:([\s\S]+?)\s*\?\s*)?local\.(\w+)(\s*:\s*\{\s*\})?$/.exec(argument);
      if (!m || Boolean(m[1]) !== Boolean(m[3])) {
        throw new Error(`${fn.address}: merge argument is not local.X or COND ? local.X : {}: ${argument}`);
      }
      const value = module.locals.get(m[2]!);
      if (!value || typeof value !== 'object' || Array.isArray(value)) {
        throw new Error(`${fn.address}: local.${m[2]} is not a literal map`);
      }
      for (const name of Object.keys(value)) {
        if (m[1]) conditions[name] = m[1];
        else delete conditions[name];
      }
      plain = { ...plain, ...(value as Record<string, string>) };
    }
  } else if (expression && typeof expression === 'object') {
    plain = expression as Record<string, string>;
  }

  const staticSecrets = ((config?.secret_environment_variables ?? []) as Body[]).map((s) => String(s.key));
  // hcl2json keeps `dynamic` blocks as one object keyed by block name.
  const hasDynamicSecrets = Boolean((config?.dynamic as Body | undefined)?.secret_environment_variables);
  const declared = (module.locals.get('secrets') ?? {}) as Record<string, { functions?: string[] }>;
  const dynamicSecrets = hasDynamicSecrets
    ? Object.entries(declared)
        .filter(([, secret]) => secret.functions?.includes(fn.name))
        .map(([name]) => name)
    : [];
  return { plain, conditions, secrets: [...staticSecrets, ...dynamicSecrets] };
}

/** A variable's value in `values`, or its default; throws when it has neither. */
function variableValue(module: TerraformModule, values: Record<string, unknown>, name: string): unknown {
  if (name in values) return values[name];
  const body = module.variables.get(name);
  if (body && 'default' in body) return body.default;
  throw new Error(`var.${name} has no default and no value was given`);
}

/**
 * Evaluates the condition a local is merged under, for the given variable values (defaults otherwise):
 * `var.X == "v"`, `var.X != "v"`, `var.X == null`, `var.X != null` and `length(var.X) > 0`. Any other condition throws, so none is silently assumed.
 */
export function evaluateCondition(
  module: TerraformModule,
  condition: string,
  values: Record<string, unknown>,
): boolean {
  let m: RegExpExecArray | null;
  if ((m = /^var\.(\w+) (==|!=) "([^"]*)"$/.exec(condition))) {
    return (variableValue(module, values, m[1]!) === m[3]) === (m[2] === '==');
  }
  if ((m = /^var\.(\w+) (==|!=) null$/.exec(condition))) {
    return (variableValue(module, values, m[1]!) == null) === (m[2] === '==');
  }
  if ((m = /^length\(var\.(\w+)\) > 0$/.exec(condition))) {
    const value = variableValue(module, values, m[1]!);
    return Object.keys(value ?? {}).length > 0;
  }
  throw new Error(`no evaluation for the condition ${condition}`);
}

/**
 * Replaces `${...}` expressions with plausible values: `var.X` by the variable's value in `values` or its default;
 * `var.X == "v" ? "a" : "b"`, `join(",", var.X)` and `join(",", formatlist("%s=%s", keys(var.X), values(var.X)))`
 * (a map as "k=v" pairs in key order, as Terraform's keys() sorts them) evaluated the same way; anything else
 * (resource attributes) by `placeholders[NAME]`. An expression none of these covers throws, so nothing is silently
 * skipped.
 */
export function resolveEnvironment(
  module: TerraformModule,
  env: Record<string, string>,
  values: Record<string, unknown>,
  placeholders: Record<string, string>,
): Record<string, string> {
  const variable = (name: string): unknown => variableValue(module, values, name);
  const evaluate = (name: string, expression: string): string => {
    let m: RegExpExecArray | null;
    if ((m = /^var\.(\w+)$/.exec(expression))) return String(variable(m[1]!));
    if ((m = /^var\.(\w+) == "([^"]*)" \? "([^"]*)" : "([^"]*)"$/.exec(expression))) {
      return variable(m[1]!) === m[2] ? m[3]! : m[4]!;
    }
    if ((m = /^join\("([^"]*)", var\.(\w+)\)$/.exec(expression))) {
      return (variable(m[2]!) as unknown[]).join(m[1]!);
    }
    if (
      (m = /^join\("([^"]*)", formatlist\("%s=%s", keys\(var\.(\w+)\), values\(var\.\2\)\)\)$/.exec(
        expression,
      ))
    ) {
      const map = variable(m[2]!) as Record<string, unknown>;
      return Object.keys(map)
        .sort()
        .map((key) => `${key}=${String(map[key])}`)
        .join(m[1]!);
    }
    if (name in placeholders) return placeholders[name]!;
    throw new Error(`${name}: no placeholder for the expression ${expression}`);
  };
  return Object.fromEntries(
    Object.entries(env).map(([name, value]) => [
      name,
      String(value).replace(/\$\{(.*?)\}/g, (_, expression: string) => evaluate(name, expression)),
    ]),
  );
}

export interface CloudBuildStep {
  id?: string;
  name?: string;
  dir?: string;
  entrypoint?: string;
  args?: string[];
  env?: string[];
  waitFor?: string[];
  volumes?: { name: string; path: string }[];
}

/** A step's command line: entrypoint and arguments, joined. */
export function stepCommand(step: CloudBuildStep): string {
  return [step.entrypoint ?? '', ...(step.args ?? [])].join(' ').replace(/\s+/g, ' ').trim();
}

/**
 * Cloud Build checks: every step has an id and a waitFor naming earlier steps; every node image, and the Node the test
 * step runs on (its own image, or one copied into a volume it mounts by a step it waits for), is the major of the
 * functions' runtime (`nodejs24`); the audit step is required to reach the registry; a `terraform validate` step runs
 * after `terraform init -backend=false -input=false` outside the workspace (a copy), and the plan waits for it.
 */
export function cloudBuildViolations(steps: CloudBuildStep[], runtimeMajor: string): string[] {
  const violations: string[] = [];
  const byId = new Map<string, CloudBuildStep>();
  for (const [index, step] of steps.entries()) {
    const label = step.id ?? `step ${index}`;
    if (!step.id) violations.push(`${label}: no id`);
    if (!Array.isArray(step.waitFor)) violations.push(`${label}: no waitFor`);
    for (const dependency of step.waitFor ?? []) {
      if (dependency !== '-' && !byId.has(dependency))
        violations.push(`${label}: waits for unknown step ${dependency}`);
    }
    if (step.id) byId.set(step.id, step);
  }
  /** The steps a step waits for, directly or through others. */
  const ancestors = (step: CloudBuildStep, seen = new Set<string>()): Set<string> => {
    for (const id of step.waitFor ?? []) {
      const dependency = byId.get(id);
      if (dependency && !seen.has(id)) ancestors(dependency, seen.add(id));
    }
    return seen;
  };
  const nodeMajor = (step: CloudBuildStep) => /^node:(\d+)/.exec(step.name ?? '')?.[1];

  for (const step of steps) {
    const major = nodeMajor(step);
    if (major && major !== runtimeMajor) {
      violations.push(`${step.id}: image ${step.name} is not Node ${runtimeMajor}, the functions' runtime`);
    }
  }

  const test = steps.find((step) => /\bnpm (run )?test\b/.test(stepCommand(step)));
  if (!test) violations.push('no step runs npm test');
  else if (!nodeMajor(test)) {
    const mounted = new Set((test.volumes ?? []).map((v) => v.name));
    const source = [...ancestors(test)]
      .map((id) => byId.get(id)!)
      .find((s) => nodeMajor(s) && (s.volumes ?? []).some((v) => mounted.has(v.name)));
    if (!source) violations.push(`${test.id}: runs on no node image's Node (its own or a mounted copy)`);
  }

  const audit = steps.find((step) => /\bnpm (run audit|audit --omit=dev)\b/.test(stepCommand(step)));
  if (!audit) violations.push('no step runs npm run audit');
  else if (!(audit.env ?? []).includes('AUDIT_REQUIRED=1'))
    violations.push(`${audit.id}: AUDIT_REQUIRED=1 not set`);

  const validate = steps.find((step) => /\bterraform validate\b/.test(stepCommand(step)));
  if (!validate) violations.push('no step runs terraform validate');
  else {
    const command = stepCommand(validate);
    const init = command.indexOf('terraform init -backend=false -input=false');
    if (init < 0 || init > command.indexOf('terraform validate')) {
      violations.push(
        `${validate.id}: no terraform init -backend=false -input=false before terraform validate`,
      );
    }
    const directory = /\bcd (\S+)/.exec(command.slice(0, Math.max(init, 0)))?.[1];
    if (validate.dir !== undefined || !directory?.startsWith('/') || directory.startsWith('/workspace')) {
      violations.push(`${validate.id}: initialises in the workspace, not in a copy outside it`);
    }
    const plan = steps.find((step) => /\bterraform plan\b|^plan\b/.test(stepCommand(step)));
    if (!plan) violations.push('no step runs terraform plan');
    else if (validate.id && !ancestors(plan).has(validate.id)) {
      violations.push(`${plan.id}: does not wait for ${validate.id}`);
    }
  }
  return violations;
}
