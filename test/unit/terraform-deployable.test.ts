// Everything the code can be configured with, deployable (issue 15): each setting functions/src/config reads is set
// by the Terraform module for exactly the functions that read it, from a typed and described variable whose
// validation agrees with the config's own rules, or is listed below as local-only with the reason. Also the data the
// store keeps (collections, TTL, index exemptions), the Omni backend's needs, billing labels and the optional IAP front.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { CONFIG_VARIABLES, loadConfig } from '../../functions/src/config/index.js';
import { COMPAT_TOOL_FAMILIES, EnvSchema } from '../../functions/src/config/schema.js';
import { emptyGate } from '../../functions/src/operations/gate.js';
import { liveModelIds } from '../../functions/src/video/catalog.js';
import { labelValue, toGenerateVideosParameters } from '../../functions/src/video/veo.js';
import {
  evaluateCondition,
  functionEnvironment,
  functions,
  loadModule,
  loadTfvars,
  RESOURCE_PLACEHOLDERS,
  resolveEnvironment,
  type Block,
  type FunctionEnvironment,
  type TerraformModule,
} from '../helpers/terraform-policy.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const terraformDir = `${root}terraform`;
const FUNCTIONS = ['mcp', 'poller', 'requests'] as const;
type FunctionName = (typeof FUNCTIONS)[number];

/** Settings the module leaves unset, with the reason: they make no sense on Cloud Run. */
const LOCAL_ONLY: Record<string, string> = {
  PORT: 'Cloud Run sets it (the port the container must listen on)',
  HOST: 'npm start only; functions-framework listens on every interface on Cloud Run',
  K_SERVICE: 'Cloud Run sets it; it is how the code knows it runs on the platform',
  GOOGLE_APPLICATION_CREDENTIALS:
    'a key file; on Cloud Run each function runs as its own service account, keyless',
  GOOGLE_API_KEY: 'another name of GEMINI_API_KEY, which the module mounts from Secret Manager',
  VEO_BASE_URL: "an endpoint override for a simulator or test double; the module calls Google's endpoints",
  VEO_AUTH: 'goes with VEO_BASE_URL',
  VEO_COMPLETION_TOPIC: 'the deprecated name of VEO_NOTICE_TOPIC, which the module sets',
  SIMULATOR_DELAY_SECONDS: 'the embedded simulator (VEO_BACKEND=simulator), never deployed',
  SIMULATOR_API: 'the embedded simulator, never deployed',
  SIMULATOR_SUBMITS_PER_MINUTE: 'the embedded simulator, never deployed',
  FIRESTORE_EMULATOR_HOST: 'an emulator; the module deploys Firestore',
  STORAGE_EMULATOR_HOST: 'an emulator; the module deploys the output bucket',
  PUBSUB_EMULATOR_HOST: 'an emulator; the module deploys the topics',
  LOCAL_BLOB_DIR: 'BLOBS=local only; the module sets BLOBS=gcs',
  LOCAL_BLOB_SIGNING_KEY: 'BLOBS=local only; GCS links are signed through IAM signBlob',
  EGRESS_TEST_HOSTS: 'local receivers only; the loader refuses it on Cloud Run',
  AUTH_CERTS_URL: "tests serve their own keys; a deployment verifies with Google's, the default",
  IAP_CERTS_URL: "tests serve their own keys; a deployment verifies with IAP's, the default",
};

/**
 * Settings the module relies on the code's default for: firestore-indexes.json, which firestore.tf applies, declares
 * the indexes and TTL policies of the default collection names (checked below), so another name would run without them.
 */
const CODE_DEFAULT: Record<string, string> = {
  FIRESTORE_COLLECTION: 'operations: indexes and TTL in firestore-indexes.json',
  FIRESTORE_IDEMPOTENCY_COLLECTION: 'idempotency_keys: TTL in firestore-indexes.json',
  FIRESTORE_USAGE_COLLECTION: 'usage_counters: TTL and index exemptions in firestore-indexes.json',
  FIRESTORE_API_KEYS_COLLECTION:
    'api_keys: needs no index or TTL (gets by id, one ordered list, kept on purpose)',
};

/** Which functions read a setting, where not all three (each reason is where the code reads it). */
const READERS: Record<string, FunctionName[]> = {
  // The MCP endpoint: HTTP, callers, tools (mcp/http.ts, auth/, mcp/server.ts).
  AUTH_MODE: ['mcp'],
  API_KEY_HASHES: ['mcp'],
  AUTH_AUDIENCES: ['mcp'],
  AUTH_CACHE_SECONDS: ['mcp'],
  IAP_AUDIENCE: ['mcp'],
  ALLOWED_ORIGINS: ['mcp'],
  PUBLIC_BASE_URL: ['mcp'],
  MAX_REQUEST_BYTES: ['mcp'],
  MAX_REQUEST_BYTES_IN_FLIGHT: ['mcp'],
  MAX_WAIT_SECONDS: ['mcp'],
  COMPAT_TOOLS: ['mcp'],
  MAX_VIDEO_BYTES: ['mcp'],
  // Input images arrive with tool calls and with pipeline requests (requests/handler.ts).
  MAX_IMAGE_BYTES: ['mcp', 'requests'],
  // Spend limits are checked where operations start (operations/budget.ts via tools and pipelines).
  DAILY_VIDEO_SECONDS_PER_PRINCIPAL: ['mcp', 'requests'],
  DAILY_VIDEO_SECONDS_TOTAL: ['mcp', 'requests'],
  PRINCIPAL_DAILY_VIDEO_SECONDS: ['mcp', 'requests'],
  REQUESTS_PER_MINUTE_PER_PRINCIPAL: ['mcp', 'requests'],
  // The poller alone holds early poll messages and runs the sweep (poller/handler.ts).
  POLL_HANDLER_MAX_WAIT_SECONDS: ['poller'],
  SWEEP_GRACE_SECONDS: ['poller'],
  // Pipelines (requests/handler.ts).
  PIPELINE_PRINCIPAL: ['requests'],
  PIPELINE_PRINCIPALS: ['requests'],
  MAX_REQUEST_MESSAGE_BYTES: ['requests'],
};

/** Deployed settings whose value the module fixes or derives rather than taking from a variable that names them. */
const FIXED_BY_MODULE: Record<string, string> = {
  STORE: 'firestore',
  BLOBS: 'gcs',
  QUEUE: 'pubsub',
  OUTPUT_BUCKET: 'the output bucket (storage.tf)',
  POLL_TOPIC: 'the poll topic (pubsub.tf)',
  REQUESTS_TOPIC: 'the requests topic (pubsub.tf)',
  COMPLETIONS_TOPIC: 'the completions topic (pubsub.tf)',
  VEO_NOTICE_TOPIC: 'the notices topic (pubsub.tf)',
  FIRESTORE_DATABASE: 'the database firestore.tf creates or names (firestore_database)',
  GOOGLE_CLOUD_PROJECT: 'project_id',
  GOOGLE_GENAI_USE_VERTEXAI: 'derived from veo_backend',
  IAP_AUDIENCE: 'the project number, region and mcp function\'s name (with auth_mode = "iap")',
};

/**
 * Other variables set while a variable's bounds are probed: Terraform's rules that relate it to them (a wait must end
 * before the function's timeout) would otherwise hide its own bounds.
 */
const PROBE_CONTEXT: Record<string, Record<string, unknown>> = {
  max_wait_seconds: { mcp_function: { timeout_seconds: 3600 } },
  poll_handler_max_wait_seconds: { poller_function: { timeout_seconds: 540 } },
};

/** Values the config accepts that a variable leaves out on purpose. */
const EXCLUDED_VALUES: Record<string, Record<string, string>> = {
  VEO_BACKEND: { simulator: 'the embedded simulator is for local runs' },
};

/** Stand-ins for mounted secrets: a SHA-256 hex digest (API_KEY_HASHES) and a Google API key. */
const SECRET_PLACEHOLDERS: Record<string, string> = {
  API_KEY_HASHES: 'a'.repeat(64),
  GEMINI_API_KEY: `AIza${'k'.repeat(35)}`,
  WEBHOOK_SIGNING_SECRET: 'Zq8vN3xR1tY6uI0oP4aS7dF2gH5jK9lM',
};

// Read when the file loads (not in a top-level before(), which would be the whole lane's hook in test/lanes/).
const module: TerraformModule = await loadModule(terraformDir);
const tfvarsExample: Record<string, unknown> = await loadTfvars(`${terraformDir}/terraform.tfvars.example`);

/** The function resource of that name. (One place to change when the functions become one for_each resource.) */
function functionBlock(name: FunctionName): Block {
  const fn = functions(module).find((f) => f.name === name);
  assert.ok(fn, `google_cloudfunctions2_function.${name} exists`);
  return fn;
}

const environmentOf = (name: FunctionName): FunctionEnvironment =>
  functionEnvironment(module, functionBlock(name));

/** A function's environment as Cloud Run would see it, for the example tfvars plus `overrides`. */
function deployedEnvironment(
  name: FunctionName,
  overrides: Record<string, unknown> = {},
): Record<string, string> {
  const { plain, conditions, secrets } = environmentOf(name);
  const values = { ...tfvarsExample, ...overrides };
  const merged = Object.fromEntries(
    Object.entries(plain).filter(
      ([setting]) =>
        conditions[setting] === undefined || evaluateCondition(module, conditions[setting], values),
    ),
  );
  const declared = module.locals.get('secrets') as Record<string, { enabled: string }>;
  const mounted = secrets.filter((secret) => {
    const condition = declared[secret]!.enabled.replace(/^\$\{|\}$/g, '');
    const bare = /^var\.(\w+)$/.exec(condition);
    if (bare) return Boolean(values[bare[1]!] ?? module.variables.get(bare[1]!)?.default);
    return evaluateCondition(module, condition, values);
  });
  return {
    K_SERVICE: `veo-${name}`,
    ...resolveEnvironment(module, merged, values, RESOURCE_PLACEHOLDERS),
    ...Object.fromEntries(mounted.map((secret) => [secret, SECRET_PLACEHOLDERS[secret]!])),
  };
}

/** Every setting the module sets, with the functions that get it and its value as written. */
function deployedSettings(): Map<string, { functions: FunctionName[]; expression: string }> {
  const settings = new Map<string, { functions: FunctionName[]; expression: string }>();
  for (const name of FUNCTIONS) {
    const { plain, secrets } = environmentOf(name);
    const entries: [string, string][] = [
      ...Object.entries(plain).map(([k, v]) => [k, String(v)] as [string, string]),
      ...secrets.map((s) => [s, 'secret'] as [string, string]),
    ];
    for (const [setting, expression] of entries) {
      const entry = settings.get(setting) ?? { functions: [], expression };
      entry.functions.push(name);
      settings.set(setting, entry);
    }
  }
  return settings;
}

/** What is wrong between the config's settings and what the module deploys (empty when nothing is). */
function settingProblems(
  deployed: Map<string, { functions: FunctionName[]; expression: string }>,
  settings: readonly string[],
): string[] {
  const problems: string[] = [];
  for (const setting of settings) {
    const entry = deployed.get(setting);
    if (setting in LOCAL_ONLY || setting in CODE_DEFAULT) {
      if (entry)
        problems.push(`${setting}: listed as not deployed, but the module sets it (${entry.functions})`);
      continue;
    }
    const expected = READERS[setting] ?? [...FUNCTIONS];
    if (!entry)
      problems.push(`${setting}: no environment entry in terraform/functions.tf (readers: ${expected})`);
    else if (entry.functions.join() !== expected.join()) {
      problems.push(`${setting}: set for ${entry.functions}, read by ${expected}`);
    }
  }
  // Stale lists fail too: every name listed is a setting the config still reads.
  for (const listed of [LOCAL_ONLY, CODE_DEFAULT, READERS, FIXED_BY_MODULE, EXCLUDED_VALUES]) {
    for (const name of Object.keys(listed)) {
      if (!settings.includes(name)) problems.push(`${name}: listed here, but the config no longer reads it`);
    }
  }
  return problems;
}

/** The variables an expression reads (`var.X`). */
const variablesIn = (expression: string): string[] => [
  ...new Set([...expression.matchAll(/\bvar\.(\w+)/g)].map((m) => m[1]!)),
];

/** The validation conditions of a variable, as written. */
const conditionsOf = (variable: string): string[] =>
  ((module.variables.get(variable)?.validation ?? []) as { condition: string }[]).map((v) =>
    v.condition.replace(/^\$\{|\}$/g, ''),
  );

describe('every cloud setting of functions/src/config is deployable', () => {
  test('each setting is set by the module for exactly the functions that read it, or listed with a reason', () => {
    assert.deepEqual(settingProblems(deployedSettings(), CONFIG_VARIABLES), []);
  });

  test('a setting without an environment entry, or sent to the wrong function, is reported (a broken module is caught)', () => {
    const broken = deployedSettings();
    broken.delete('VEO_TIMEOUT_SECONDS');
    broken.set('SWEEP_GRACE_SECONDS', { functions: ['mcp'], expression: '${var.sweep_grace_seconds}' });
    broken.set('SIMULATOR_API', { functions: ['mcp'], expression: '${var.simulator_api}' });
    assert.deepEqual(
      settingProblems(broken, [...CONFIG_VARIABLES, 'NEW_SETTING']).sort(),
      [
        'SIMULATOR_API: listed as not deployed, but the module sets it (mcp)',
        'VEO_TIMEOUT_SECONDS: no environment entry in terraform/functions.tf (readers: mcp,poller,requests)',
        'SWEEP_GRACE_SECONDS: set for mcp, read by poller',
        'NEW_SETTING: no environment entry in terraform/functions.tf (readers: mcp,poller,requests)',
      ].sort(),
    );
  });

  test('each deployed value comes from a typed, described variable naming the setting, or is fixed by the module', () => {
    const problems: string[] = [];
    for (const [setting, { expression }] of deployedSettings()) {
      if (expression === 'secret' || setting in FIXED_BY_MODULE) continue;
      const variables = variablesIn(expression);
      if (variables.length === 0) problems.push(`${setting}: ${expression} reads no variable`);
      for (const variable of variables) {
        const body = module.variables.get(variable);
        if (!body?.type || typeof body.description !== 'string') {
          problems.push(`${setting}: var.${variable} is not a typed, described variable`);
        } else if (!body.description.includes(setting)) {
          problems.push(`${setting}: the description of var.${variable} does not name it`);
        }
      }
    }
    assert.deepEqual(problems, []);
  });

  test("the module's defaults are the code's defaults", () => {
    // Removing a variable-backed setting from a function's environment must not change the config it loads.
    const problems: string[] = [];
    for (const name of FUNCTIONS) {
      const env = deployedEnvironment(name);
      const config = JSON.stringify(loadConfig(env));
      for (const setting of Object.keys(env)) {
        if (setting in FIXED_BY_MODULE || setting in SECRET_PLACEHOLDERS || setting === 'K_SERVICE') continue;
        const without = Object.fromEntries(Object.entries(env).filter(([other]) => other !== setting));
        if (JSON.stringify(loadConfig(without)) !== config)
          problems.push(`${name}: ${setting}=${env[setting]}`);
      }
    }
    assert.deepEqual(problems, [], "Terraform defaults that differ from the code's");
  });

  test('enumerable variables allow exactly the values the config accepts (minus documented exclusions)', () => {
    let checked = 0;
    for (const [setting, { functions: readers, expression }] of deployedSettings()) {
      const variable = /^\$\{(?:join\(",", )?var\.(\w+)\)?\}$/.exec(expression)?.[1];
      if (!variable) continue;
      const allowed = conditionsOf(variable)
        .map((condition) =>
          /^contains\((\[[^\]]*\]), var\.\w+\)$|contains\((\[[^\]]*\]), name\)/.exec(condition),
        )
        .map((m) => m && (JSON.parse(m[1] ?? m[2]!) as string[]))
        .find(Boolean);
      if (!allowed) continue;
      checked++;
      const schema = EnvSchema.shape[setting as keyof typeof EnvSchema.shape] as unknown as {
        unwrap?: () => { options?: string[] };
        def: { innerType?: { options?: string[] } };
      };
      const options =
        setting === 'COMPAT_TOOLS'
          ? [...COMPAT_TOOL_FAMILIES]
          : (schema.unwrap?.().options ?? schema.def.innerType?.options ?? []);
      assert.ok(options.length > 0, `${setting}: the config's values`);
      assert.deepEqual(
        [...allowed].sort(),
        options.filter((value) => !(value in (EXCLUDED_VALUES[setting] ?? {}))).sort(),
        `var.${variable} against ${setting}`,
      );
      // Each allowed value, deployed, loads.
      for (const value of allowed) {
        const env = deployedEnvironment(readers[0]!, {
          [variable]: setting === 'COMPAT_TOOLS' ? [value] : value,
        });
        assert.doesNotThrow(
          () =>
            loadConfig({
              ...env,
              ...(value === 'gemini' ? { GEMINI_API_KEY: SECRET_PLACEHOLDERS.GEMINI_API_KEY } : {}),
            }),
          `${setting}=${value}`,
        );
      }
    }
    assert.ok(checked >= 4, `enumerable variables found: ${checked}`);
  });

  test("veo_default_model and veo_submits_per_minute_by_model allow each backend's live catalog models", () => {
    for (const variable of ['veo_default_model', 'veo_submits_per_minute_by_model']) {
      const condition = conditionsOf(variable).find((c) => c.includes('var.veo_backend == "vertex"'));
      const lists = /var\.veo_backend == "vertex" \? (\[[^\]]*\]) : (\[[^\]]*\])/.exec(condition ?? '');
      assert.ok(lists, `var.${variable} validates against the catalog`);
      assert.deepEqual(JSON.parse(lists[1]!), liveModelIds('vertex'), `${variable}: vertex`);
      assert.deepEqual(JSON.parse(lists[2]!), liveModelIds('gemini'), `${variable}: gemini`);
    }
    for (const backend of ['vertex', 'gemini'] as const) {
      for (const model of liveModelIds(backend)) {
        const env = deployedEnvironment('mcp', { veo_backend: backend, veo_default_model: model });
        const config = loadConfig({ ...env, GEMINI_API_KEY: SECRET_PLACEHOLDERS.GEMINI_API_KEY });
        assert.equal(config.veo.defaultModel, model);
      }
    }
  });
});

/** An HCL expression for a JSON value: JSON's syntax is HCL's, but for the template sequences inside strings. */
const hclValue = (value: unknown): string =>
  JSON.stringify(value).replaceAll('${', '$${').replaceAll('%{', '%%{');

/**
 * Runs the real Terraform over variables.tf alone (no providers, no network): its validations decide. Every case is
 * planned up front in one `terraform test` (one process instead of a `terraform plan` per case): each case is the
 * only run of its own test file, since a refused run skips the runs after it in the same file, and a run's variables
 * are the module's input variables as `-var-file` would set them.
 */
class VariableValidations {
  private readonly dir = mkdtempSync(path.join(tmpdir(), 'tf-variables-'));
  private readonly lines = readFileSync(`${terraformDir}/variables.tf`, 'utf8').split('\n');
  private readonly results = new Map<string, string[]>();

  constructor(cases: Record<string, unknown>[]) {
    copyFileSync(`${terraformDir}/variables.tf`, path.join(this.dir, 'variables.tf'));
    const init = spawnSync('terraform', ['init', '-backend=false', '-input=false', '-no-color'], {
      cwd: this.dir,
      encoding: 'utf8',
    });
    assert.equal(init.status, 0, init.stderr);

    const files = new Map<string, string>();
    mkdirSync(path.join(this.dir, 'tests'));
    for (const values of new Set(cases.map((c) => JSON.stringify(c)))) {
      const file = `tests/case-${files.size}.tftest.hcl`;
      const variables = Object.entries({ project_id: 'my-project', ...(JSON.parse(values) as object) }).map(
        ([name, value]) => `    ${name} = ${hclValue(value)}\n`,
      );
      writeFileSync(
        path.join(this.dir, file),
        `run "probe" {\n  command = plan\n  variables {\n${variables.join('')}  }\n}\n`,
      );
      files.set(file, values);
    }
    const run = spawnSync('terraform', ['test', '-json', '-no-color'], {
      cwd: this.dir,
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
    });

    const refused = new Map<string, Set<string>>();
    const status = new Map<string, string>();
    for (const line of run.stdout.split('\n').filter((l) => l.startsWith('{'))) {
      const message = JSON.parse(line) as {
        '@testfile'?: string;
        diagnostic?: { severity: string; detail: string; summary: string };
        test_file?: { path: string; progress: string; status?: string };
      };
      if (message.test_file?.progress === 'complete')
        status.set(message.test_file.path, message.test_file.status!);
      if (message.diagnostic?.severity !== 'error') continue;
      const at = /validation rule at variables\.tf:(\d+)/.exec(message.diagnostic.detail)?.[1];
      const file = message['@testfile'];
      assert.ok(
        at && file && files.has(file),
        `an error not from a validation: ${message.diagnostic.summary}: ${message.diagnostic.detail}`,
      );
      refused.set(file, (refused.get(file) ?? new Set()).add(this.variableAt(Number(at))));
    }
    for (const [file, values] of files) {
      const variables = [...(refused.get(file) ?? [])].sort();
      // A case passes exactly when nothing was refused: any other failure is not a validation's.
      assert.equal(status.get(file), variables.length === 0 ? 'pass' : 'error', `${values}: ${run.stderr}`);
      this.results.set(values, variables);
    }
  }

  /** The variables whose validation refused the given values (all others passed). */
  refused(values: Record<string, unknown>): string[] {
    const refused = this.results.get(JSON.stringify(values));
    assert.ok(refused, `${JSON.stringify(values)} is not among the cases given to the constructor`);
    return refused;
  }

  private variableAt(line: number): string {
    for (let i = line - 1; i >= 0; i--) {
      const m = /^variable "(\w+)"/.exec(this.lines[i]!);
      if (m) return m[1]!;
    }
    throw new Error(`no variable above line ${line}`);
  }

  close(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

const terraformMissing =
  spawnSync('terraform', ['version'], { stdio: 'ignore' }).status === 0
    ? false
    : 'terraform is not on PATH: install Terraform to check the variable validations';

type Probe = { setting: string; reader: FunctionName; variable: string; values: number[] };

/**
 * Probes: each literal bound of a variable's validations, one below, half above and one above. Variables are probed
 * together, one case per round, in groups whose validations share no variable, so that one variable's probe cannot
 * fail another's validation.
 */
function boundProbes(): { probes: Probe[]; rounds: { values: Record<string, number>; context: object }[] } {
  const probes: Probe[] = [];
  for (const [setting, { functions: readers, expression }] of deployedSettings()) {
    const variable = /^\$\{var\.(\w+)\}$/.exec(expression)?.[1];
    if (!variable || module.variables.get(variable)?.type !== '${number}') continue;
    const bounds = conditionsOf(variable).flatMap((condition) =>
      [...condition.matchAll(new RegExp(`var\\.${variable} (?:>=|>|<=|<) (\\d+(?:\\.\\d+)?)\\b`, 'g'))].map(
        (m) => Number(m[1]),
      ),
    );
    const values = [...new Set(bounds.flatMap((b) => [b - 1, b, b + 0.5, b + 1]))];
    if (values.length > 0) probes.push({ setting, reader: readers[0]!, variable, values });
  }

  const relatives = (variable: string) =>
    new Set([
      ...conditionsOf(variable).flatMap(variablesIn),
      ...[...module.variables.keys()].filter((other) =>
        conditionsOf(other).some((c) => variablesIn(c).includes(variable)),
      ),
    ]);
  const groups: Probe[][] = [];
  for (const probe of probes) {
    const near = relatives(probe.variable);
    const group = groups.find((g) =>
      g.every((p) => !near.has(p.variable) && !relatives(p.variable).has(probe.variable)),
    );
    if (group) group.push(probe);
    else groups.push([probe]);
  }
  const rounds: { values: Record<string, number>; context: object }[] = [];
  for (const group of groups) {
    for (let round = 0; group.some((p) => round < p.values.length); round++) {
      const values = Object.fromEntries(
        group.filter((p) => round < p.values.length).map((p) => [p.variable, p.values[round]!]),
      );
      const context = Object.assign({}, ...group.map((p) => PROBE_CONTEXT[p.variable] ?? {})) as object;
      rounds.push({ values, context });
    }
  }
  return { probes, rounds };
}

/** IAP's combinations, with the variables Terraform must refuse for each. */
const IAP_SOUND = { iap_enabled: true, auth_mode: 'iap', iap_members: ['group:agents@example.com'] };
const IAP_CASES: [values: Record<string, unknown>, refused: string[]][] = [
  [IAP_SOUND, []],
  [{ ...IAP_SOUND, auth_mode: 'api_key' }, []],
  // Behind IAP every request carries the IAP service agent's token: with iam, every caller would be one principal.
  [{ iap_enabled: true }, ['iap_enabled']],
  // Without IAP no request carries an assertion: iap mode would refuse every caller.
  [{ auth_mode: 'iap' }, ['iap_enabled']],
  // allUsers as invoker would leave the endpoint open whenever IAP is off on the service.
  [{ ...IAP_SOUND, auth_mode: 'api_key', allow_unauthenticated: true }, ['iap_enabled']],
  // (And allUsers never goes with iap mode: allow_unauthenticated itself needs api_key.)
  [{ ...IAP_SOUND, allow_unauthenticated: true }, ['allow_unauthenticated']],
  [{ ...IAP_SOUND, iap_members: ['allUsers'] }, ['iap_members']],
  [{ iap_members: ['user:alice@example.com'] }, ['iap_members']],
];

/** Values the config refuses, each of which Terraform must refuse too. */
const BROKEN_INPUT = {
  log_level: 'verbose',
  max_image_bytes: 1023,
  veo_default_model: 'veo-2.0-generate-001',
};

describe('variable validations agree with the config', { skip: terraformMissing }, () => {
  let validations: VariableValidations;
  before(() => {
    validations = new VariableValidations([
      {},
      ...boundProbes().rounds.map(({ values, context }) => ({ ...context, ...values })),
      ...IAP_CASES.map(([values]) => values),
      BROKEN_INPUT,
    ]);
  });
  after(() => validations?.close());

  test('the module defaults pass their validations', () => {
    assert.deepEqual(validations.refused({}), []);
  });

  test('at and around each numeric bound, Terraform and the config accept the same values', () => {
    const { probes, rounds } = boundProbes();
    assert.ok(probes.length >= 20, `bounded variables probed: ${probes.length}`);
    const terraformAccepts = new Map<string, boolean>();
    for (const { values, context } of rounds) {
      const refused = validations.refused({ ...context, ...values });
      for (const [variable, value] of Object.entries(values)) {
        terraformAccepts.set(`${variable}=${value}`, !refused.includes(variable));
      }
    }

    const problems: string[] = [];
    for (const { setting, reader, variable, values } of probes) {
      for (const value of values) {
        const byTerraform = terraformAccepts.get(`${variable}=${value}`)!;
        let byConfig = true;
        try {
          loadConfig(deployedEnvironment(reader, { [variable]: value }));
        } catch {
          byConfig = false;
        }
        if (byTerraform !== byConfig) {
          problems.push(
            `${setting}=${value} (var.${variable}): Terraform ${byTerraform ? 'accepts' : 'refuses'}, the config ${byConfig ? 'accepts' : 'refuses'}`,
          );
        }
      }
    }
    assert.deepEqual(problems, []);
  });

  test('IAP: a hostile combination is refused, a sound one accepted', () => {
    for (const [values, refused] of IAP_CASES) {
      assert.deepEqual(validations.refused(values), refused, JSON.stringify(values));
    }
    // The sound combinations deploy an mcp function that loads: IAP's user is the caller, or keys tell callers apart.
    const config = loadConfig(deployedEnvironment('mcp', IAP_SOUND));
    assert.equal(config.auth.mode, 'iap');
    assert.match(
      config.auth.iapAudience ?? '',
      /^\/projects\/123456789012\/locations\/[a-z0-9-]+\/services\/[a-z0-9-]+-mcp$/,
    );
    assert.equal(
      loadConfig(deployedEnvironment('mcp', { ...IAP_SOUND, auth_mode: 'api_key' })).auth.mode,
      'api_key',
    );
  });

  test('a value the config refuses is refused by Terraform (a broken input is caught)', () => {
    assert.deepEqual(validations.refused(BROKEN_INPUT), [
      'log_level',
      'max_image_bytes',
      'veo_default_model',
    ]);
  });
});

/** Instances a resource gets for the given variable values: the count and for_each forms the gated resources use. */
function instances(block: Block, values: Record<string, unknown>): unknown[] {
  const value = (name: string) => (name in values ? values[name] : module.variables.get(name)?.default);
  const { count, for_each: forEach } = block.body as { count?: string; for_each?: string };
  let m: RegExpExecArray | null;
  if (count && (m = /^\$\{var\.(\w+) \? 1 : 0\}$/.exec(count))) return value(m[1]!) ? [0] : [];
  if (forEach && (m = /^\$\{var\.(\w+) \? toset\(var\.(\w+)\) : toset\(\[\]\)\}$/.exec(forEach))) {
    return value(m[1]!) ? [...new Set(value(m[2]!) as unknown[])] : [];
  }
  throw new Error(`${block.address}: no evaluation for count ${count} / for_each ${forEach}`);
}

const resourceNamed = (address: string): Block => {
  const resource = module.resources.find((r) => r.address === address);
  assert.ok(resource, `${address} exists`);
  return resource;
};

describe('IAP in front of the mcp function (iap.tf)', () => {
  // Created only when IAP is on: count or for_each is `var.iap_enabled ? ...`.
  const gated = () =>
    module.resources.filter((r) => /^\$\{var\.iap_enabled \?/.test(String(r.body.count ?? r.body.for_each)));
  const on = {
    iap_enabled: true,
    auth_mode: 'iap',
    iap_members: ['group:agents@example.com', 'user:bo@example.com'],
  };

  test('off by default: nothing is created', () => {
    assert.equal(module.variables.get('iap_enabled')?.default, false);
    assert.deepEqual(
      gated()
        .map((r) => r.address)
        .sort(),
      [
        'google_cloud_run_v2_service_iam_member.iap_invokes_mcp',
        'google_iap_web_cloud_run_service_iam_member.mcp',
        'google_project_service.iap',
        'google_project_service_identity.iap',
      ],
    );
    for (const resource of gated()) assert.deepEqual(instances(resource, {}), [], resource.address);
    // Nothing else names IAP's agent or role.
    const mentions = module.resources.filter((r) =>
      /iap_service_agent|roles\/iap\./.test(JSON.stringify(r.body)),
    );
    assert.deepEqual(
      mentions.filter((r) => !gated().includes(r)).map((r) => r.address),
      [],
    );
  });

  test('on: the IAP service agent may invoke mcp, and the members may pass IAP', () => {
    const mcpName = resourceNamed('google_cloud_run_v2_service_iam_member.mcp_invokers').body.name;
    const invoker = resourceNamed('google_cloud_run_v2_service_iam_member.iap_invokes_mcp');
    assert.deepEqual(instances(invoker, on), [0]);
    assert.deepEqual(
      [invoker.body.name, invoker.body.role, invoker.body.member],
      [mcpName, 'roles/run.invoker', '${local.iap_service_agent}'],
    );
    assert.match(
      String(module.locals.get('iap_service_agent')),
      /^serviceAccount:service-\$\{local\.project_number\}@gcp-sa-iap\.iam\.gserviceaccount\.com$/,
    );
    const access = resourceNamed('google_iap_web_cloud_run_service_iam_member.mcp');
    assert.deepEqual(instances(access, on), on.iap_members);
    assert.deepEqual(
      [access.body.cloud_run_service_name, access.body.role, access.body.member, access.body.location],
      [mcpName, 'roles/iap.httpsResourceAccessor', '${each.value}', '${var.region}'],
    );
    assert.equal(resourceNamed('google_project_service.iap').body.service, 'iap.googleapis.com');
    assert.equal(resourceNamed('google_project_service_identity.iap').body.service, 'iap.googleapis.com');
  });

  test('the grant repeats the rules as a precondition, and allUsers is never granted with IAP on', () => {
    const invoker = resourceNamed('google_cloud_run_v2_service_iam_member.iap_invokes_mcp');
    const precondition = (invoker.body.lifecycle as { precondition?: { condition: string }[] }[])[0]
      ?.precondition?.[0];
    assert.equal(
      precondition?.condition,
      '${contains(["iap", "api_key"], var.auth_mode) && !var.allow_unauthenticated}',
    );
    assert.match(
      String(resourceNamed('google_cloud_run_v2_service_iam_member.mcp_public').body.count),
      /!var\.iap_enabled/,
    );
  });

  test('with auth_mode = "iap" the mcp function, and only it, gets the audience of the service IAP guards', () => {
    const mcpName = String(resourceNamed('google_cloud_run_v2_service_iam_member.mcp_invokers').body.name);
    assert.equal(mcpName, '${google_cloudfunctions2_function.this["mcp"].name}');
    const nameExpression = String(resourceNamed('google_cloudfunctions2_function.this').body.name);
    assert.equal(nameExpression, '${var.name_prefix}-${each.key}');
    const values: Record<string, unknown> = { ...tfvarsExample, ...on };
    const prefix = values.name_prefix ?? module.variables.get('name_prefix')?.default;
    assert.equal(
      deployedEnvironment('mcp', on).IAP_AUDIENCE,
      `/projects/123456789012/locations/${String(values.region)}/services/${String(prefix)}-mcp`,
    );
    assert.equal(
      String(environmentOf('mcp').plain.IAP_AUDIENCE),
      '/projects/${local.project_number}/locations/${var.region}/services/${var.name_prefix}-mcp',
    );
    assert.equal(deployedEnvironment('mcp', { ...on, auth_mode: 'api_key' }).IAP_AUDIENCE, undefined);
    for (const name of ['poller', 'requests'] as const)
      assert.equal(deployedEnvironment(name, on).IAP_AUDIENCE, undefined, name);
  });

  test('the instance evaluation refuses a form it does not know (a broken gate is caught)', () => {
    const broken: Block = {
      ...resourceNamed('google_project_service.iap'),
      body: { count: '${length(var.iap_members)}' },
    };
    assert.throws(() => instances(broken, on), /no evaluation/);
  });
});

describe('the data the features store is deployable (firestore.tf)', () => {
  const spec = JSON.parse(readFileSync(`${root}functions/src/store/firestore-indexes.json`, 'utf8')) as {
    indexes: { collectionGroup: string; fields: { fieldPath: string }[] }[];
    fieldOverrides: { collectionGroup: string; fieldPath: string; ttl?: boolean; indexes?: unknown[] }[];
  };
  const collection = (setting: string) =>
    (
      EnvSchema.shape[setting as keyof typeof EnvSchema.shape] as unknown as { parse(v: undefined): string }
    ).parse(undefined);
  const storeSource = (file: string) => readFileSync(`${root}functions/src/store/${file}`, 'utf8');
  const ttl = spec.fieldOverrides.filter((o) => o.ttl).map((o) => `${o.collectionGroup}.${o.fieldPath}`);
  const unindexed = spec.fieldOverrides
    .filter((o) => !o.ttl && o.indexes?.length === 0)
    .map((o) => `${o.collectionGroup}.${o.fieldPath}`);

  test('records, idempotency keys and usage counters expire by TTL on the collections the code uses', () => {
    assert.deepEqual(
      ttl.sort(),
      [
        `${collection('FIRESTORE_IDEMPOTENCY_COLLECTION')}.expireAt`,
        `${collection('FIRESTORE_COLLECTION')}.expireAt`,
        `${collection('FIRESTORE_USAGE_COLLECTION')}.expireAt`,
      ].sort(),
    );
    // Every collection the declaration names is one the code uses by default (CODE_DEFAULT above).
    const used = Object.keys(CODE_DEFAULT).map(collection);
    for (const group of [...spec.indexes, ...spec.fieldOverrides].map((x) => x.collectionGroup)) {
      assert.ok(used.includes(group), group);
    }
    const field = resourceNamed('google_firestore_field.ttl');
    assert.equal(field.body.for_each, '${local.firestore_ttl_fields}');
    assert.ok(field.body.ttl_config, 'ttl_config');
  });

  test('API keys need no index and no TTL: read by id, listed by one field, kept after expiry on purpose', () => {
    const apiKeys = collection('FIRESTORE_API_KEYS_COLLECTION');
    assert.deepEqual(
      [...spec.indexes, ...spec.fieldOverrides].filter((x) => x.collectionGroup === apiKeys),
      [],
    );
    const source = storeSource('api-keys-firestore.ts');
    assert.doesNotMatch(source, /\.where\(|expireAt/);
    assert.deepEqual(
      [...source.matchAll(/\.orderBy\('(\w+)'/g)].map((m) => m[1]),
      ['createdAt'],
    );
  });

  test("the gate documents' large fields are exempt from indexing, and no query reads them", () => {
    const gateFields = [
      ...new Set([...storeSource('firestore.ts').matchAll(/data\?\.\['(\w+)'\]/g)].map((m) => m[1]!)),
    ];
    for (const field of Object.keys(emptyGate())) assert.ok(gateFields.includes(field), field);
    const usage = collection('FIRESTORE_USAGE_COLLECTION');
    assert.deepEqual(unindexed.sort(), gateFields.map((f) => `${usage}.${f}`).sort());
    const queried = ['firestore.ts', 'api-keys-firestore.ts'].flatMap((file) =>
      [...storeSource(file).matchAll(/\.(?:where|orderBy)\('([\w.]+)'/g)].map((m) => m[1]!),
    );
    assert.deepEqual(
      queried.filter((field) => gateFields.includes(field)),
      [],
    );
    const field = resourceNamed('google_firestore_field.unindexed');
    assert.equal(field.body.for_each, '${local.firestore_unindexed_fields}');
    assert.ok(field.body.index_config, 'index_config');
    assert.equal(field.body.ttl_config, undefined);
    assert.match(String(module.locals.get('firestore_unindexed_fields')), /!try\(override\.ttl, false\)/);
  });
});

describe('the Omni backend and billing labels', () => {
  test('Vertex AI (Veo and Omni at location global): API, service agent, role, location in every function', () => {
    assert.ok((module.locals.get('required_apis') as string[]).includes('aiplatform.googleapis.com'));
    assert.equal(
      resourceNamed('google_project_service_identity.aiplatform').body.service,
      'aiplatform.googleapis.com',
    );
    assert.match(
      String(module.locals.get('function_project_roles')),
      /var\.veo_backend == "vertex" \? \["roles\/aiplatform\.user"\]/,
    );
    for (const name of FUNCTIONS) {
      const config = loadConfig(deployedEnvironment(name));
      assert.equal(config.veo.omniLocation, 'global', name);
      assert.equal(config.veo.api, 'vertex', name);
    }
  });

  test('the labels Veo jobs carry are the ones the module README tells operators to query', () => {
    const parameters = toGenerateVideosParameters(
      { model: 'veo-3.1-fast-generate-001', prompt: 'a lighthouse' } as never,
      {},
      { operationId: '01jexample', principal: 'user:alice@example.com' },
    );
    const labels = parameters.config?.labels ?? {};
    const readme = readFileSync(`${terraformDir}/README.md`, 'utf8');
    assert.ok(Object.keys(labels).length > 0);
    for (const key of Object.keys(labels))
      assert.ok(readme.includes(`'${key}'`), `${key} in terraform/README.md`);
    // The README's example of a folded principal is what the code writes.
    assert.equal(labels['veo-mcp-principal'], labelValue('user:alice@example.com'));
    assert.ok(
      readme.includes(`'${labelValue('user:alice@example.com')}'`),
      'the folded principal in the README',
    );
  });
});
