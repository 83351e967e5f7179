import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { before, describe, test } from 'node:test';
import { parse as parseYaml } from 'yaml';
import { CONFIG_VARIABLES, loadConfig } from '../../functions/src/config/index.js';
import { isSecretVariable } from '../../functions/src/config/schema.js';
import {
  bucketViolations,
  cloudBuildViolations,
  deadLetterViolations,
  evaluateCondition,
  forEachViolations,
  functionEnvironment,
  functions,
  loadModule,
  loadTfvars,
  RESOURCE_PLACEHOLDERS,
  primitiveRoleViolations,
  publicMemberViolations,
  resolveEnvironment,
  sharedServiceAccountViolations,
  stepCommand,
  variableViolations,
  type CloudBuildStep,
  type TerraformModule,
} from '../helpers/terraform-policy.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const terraformDir = `${root}terraform`;
const fixture = (name: string) => loadModule(`${root}test/fixtures/terraform/${name}.tf`);

// Secrets arrive from Secret Manager at runtime; a SHA-256 hex digest is a plausible key and a valid API_KEY_HASHES.
const secretPlaceholder = (name: string) => createHash('sha256').update(name).digest('hex');

describe('terraform module policy', () => {
  let module: TerraformModule;
  let tfvarsExample: Record<string, unknown>;

  before(async () => {
    module = await loadModule(terraformDir);
    tfvarsExample = await loadTfvars(`${terraformDir}/terraform.tfvars.example`);
  });

  const functionNamed = (name: string) => {
    const fn = functions(module).find((f) => f.name === name);
    assert.ok(fn, `google_cloudfunctions2_function.this["${name}"] exists`);
    return fn;
  };

  /** A function's environment as Cloud Run would see it, for the example tfvars plus `overrides`. */
  const deployedEnvironment = (name: string, overrides: Record<string, unknown> = {}) => {
    const { plain, conditions, secrets } = functionEnvironment(module, functionNamed(name));
    const values = { ...tfvarsExample, ...overrides };
    const merged = Object.fromEntries(
      Object.entries(plain).filter(
        ([variable]) =>
          conditions[variable] === undefined || evaluateCondition(module, conditions[variable], values),
      ),
    );
    // A secret is mounted only when its `enabled` condition holds (secrets.tf), and the platform sets K_SERVICE.
    const declared = (module.locals.get('secrets') ?? {}) as Record<string, { enabled?: unknown }>;
    const mounted = (secret: string) => {
      const condition = String(declared[secret]?.enabled ?? 'true').replace(/^\$\{|\}$/g, '');
      const bare = /^var\.(\w+)$/.exec(condition);
      if (condition === 'true') return true;
      if (bare) return Boolean(values[bare[1]!] ?? module.variables.get(bare[1]!)?.default);
      return evaluateCondition(module, condition, values);
    };
    const environment: Record<string, string> = {
      K_SERVICE: `veo-${name}`,
      ...resolveEnvironment(module, merged, values, RESOURCE_PLACEHOLDERS),
      ...Object.fromEntries(secrets.filter(mounted).map((s) => [s, secretPlaceholder(s)])),
    };
    return environment;
  };

  const resourceNamed = (address: string) => {
    const resource = module.resources.find((r) => r.address === address);
    assert.ok(resource, `${address} exists`);
    return resource;
  };

  test(
    'terraform fmt finds nothing to reformat',
    {
      skip:
        spawnSync('terraform', ['version'], { stdio: 'ignore' }).status === 0
          ? false
          : 'terraform is not on PATH: install Terraform to check formatting',
    },
    () => {
      const result = spawnSync('terraform', ['fmt', '-check', '-recursive', 'terraform/'], {
        cwd: root,
        encoding: 'utf8',
      });
      assert.equal(
        result.status,
        0,
        `unformatted files (run terraform fmt -recursive terraform/):\n${result.stdout}`,
      );
    },
  );

  test('every function runs as its own service account', () => {
    assert.equal(functions(module).length, 3);
    assert.deepEqual(sharedServiceAccountViolations(module), []);
  });

  test('the functions are one for_each resource with a dynamic event trigger, moved from their old addresses', () => {
    const resources = module.resources.filter((r) => r.type === 'google_cloudfunctions2_function');
    assert.deepEqual(
      resources.map((r) => [r.address, r.body.for_each]),
      [['google_cloudfunctions2_function.this', '${local.cloud_functions}']],
    );
    assert.deepEqual(
      functions(module).map((fn) => [fn.address, fn.body.name]),
      ['mcp', 'poller', 'requests'].map((name) => [
        `google_cloudfunctions2_function.this["${name}"]`,
        `\${var.name_prefix}-${name}`,
      ]),
    );
    // Existing deployments keep their functions: each old address is moved to its instance.
    assert.deepEqual(
      module.moved,
      ['mcp', 'poller', 'requests'].map((name) => ({
        from: `google_cloudfunctions2_function.${name}`,
        to: `google_cloudfunctions2_function.this["${name}"]`,
      })),
    );
    assert.deepEqual(forEachViolations(module), []);

    // The trigger exists only where an entry gives one, and the block reads only what every trigger holds.
    const dynamic = (resources[0]!.body.dynamic as Record<string, Record<string, unknown>[]>)
      .event_trigger![0]!;
    assert.equal(dynamic.for_each, '${each.value.trigger == null ? [] : [each.value.trigger]}');
    const read = [...JSON.stringify(dynamic.content).matchAll(/event_trigger\.value\.(\w+)/g)].map(
      (m) => m[1]!,
    );
    const triggers = Object.fromEntries(
      Object.entries(module.locals.get('cloud_functions') as Record<string, { trigger: unknown }>).map(
        ([name, fn]) => [name, fn.trigger as Record<string, string> | null],
      ),
    );
    assert.equal(triggers.mcp, null, 'mcp is an HTTP function');
    for (const [name, topic, account] of [
      ['poller', 'poll', 'poll_trigger'],
      ['requests', 'requests', 'requests_trigger'],
    ] as const) {
      const trigger = triggers[name]!;
      assert.equal(trigger.pubsub_topic, `\${google_pubsub_topic.this["${topic}"].id}`, name);
      assert.equal(trigger.service_account_email, `\${google_service_account.${account}.email}`, name);
      assert.equal(trigger.retry_policy, 'RETRY_POLICY_RETRY', name);
      assert.deepEqual(
        read.filter((attribute) => !(attribute in trigger)),
        [],
        `${name}: the trigger block reads attributes its entry lacks`,
      );
    }

    // depends_on cannot differ per instance: it holds what each of the former three resources waited for.
    assert.deepEqual([...(resources[0]!.body.depends_on as string[])].sort(), [
      '${google_project_iam_member.builder}',
      '${google_secret_manager_secret_iam_member.function_reads_secret}',
      '${google_service_account_iam_member.pubsub_agent_tokens_for_requests_trigger}',
      '${google_service_account_iam_member.pubsub_agent_tokens_for_trigger}',
    ]);
  });

  test('old source archives are deleted by age, the variable bounding it', () => {
    const sources = resourceNamed('google_storage_bucket.sources');
    const rules = (sources.body.lifecycle_rule ?? []) as {
      condition: Record<string, unknown>[];
      action: Record<string, unknown>[];
    }[];
    assert.deepEqual(
      rules.map((rule) => [rule.condition[0], rule.action[0]]),
      [[{ age: '${var.source_retention_days}', matches_prefix: ['source-'] }, { type: 'Delete' }]],
    );
    // The archive the rule matches is the hash-named one Terraform uploads (and uploads again when it is gone).
    assert.match(
      String(resourceNamed('google_storage_bucket_object.source').body.name),
      /^source-\$\{data\.archive_file\.source\.output_md5\}\.zip$/,
    );
    const variable = module.variables.get('source_retention_days');
    assert.equal(variable?.type, '${number}');
    assert.equal(variable?.default, 30);
    assert.ok(variable?.validation, 'source_retention_days is validated');
  });

  test('no IAM grant uses a primitive role', () => {
    assert.deepEqual(primitiveRoleViolations(module), []);
  });

  test('allUsers is granted only behind var.allow_unauthenticated', () => {
    assert.deepEqual(publicMemberViolations(module), []);
    const publicGrants = module.resources.filter((r) => JSON.stringify(r.body).includes('allUsers'));
    assert.deepEqual(
      publicGrants.map((r) => r.address),
      ['google_cloud_run_v2_service_iam_member.mcp_public'],
    );
  });

  test('every Pub/Sub subscription has a dead-letter policy', () => {
    assert.ok(module.resources.some((r) => r.type === 'google_pubsub_subscription'));
    assert.deepEqual(deadLetterViolations(module), []);
  });

  test('the buckets enforce public access prevention and uniform access', () => {
    const outputs = module.resources.find((r) => r.address === 'google_storage_bucket.outputs');
    assert.equal(outputs?.body.public_access_prevention, 'enforced');
    assert.equal(outputs?.body.uniform_bucket_level_access, true);
    assert.deepEqual(bucketViolations(module), []);
  });

  test('every variable has a type and a description', () => {
    assert.ok(module.variables.size > 0);
    assert.deepEqual(variableViolations(module), []);
  });

  test('every environment variable the functions get is one the config reads', () => {
    for (const fn of functions(module)) {
      const { plain, secrets } = functionEnvironment(module, fn);
      const unknown = [...Object.keys(plain), ...secrets].filter((name) => !CONFIG_VARIABLES.includes(name));
      assert.deepEqual(unknown, [], `${fn.address} sets variables functions/src/config does not declare`);
    }
  });

  test('with the default variables every function loads a config that selects Firestore, GCS and Pub/Sub', () => {
    for (const name of ['mcp', 'poller', 'requests']) {
      const config = loadConfig(deployedEnvironment(name));
      assert.equal(config.store.kind, 'firestore', name);
      assert.equal(config.blobs.kind, 'gcs', name);
      assert.equal(config.queue.kind, 'pubsub', name);
      assert.equal(config.veo.backend, 'vertex', name);
      assert.equal(config.queue.veoNoticeTopic, 'projects/my-project/topics/veo-poll-notices', name);
      assert.equal(config.pipelines.requestsTopic, 'veo-requests', name);
      assert.equal(config.pipelines.completionsTopic, 'veo-completions', name);
    }
    const { pipelines } = loadConfig(deployedEnvironment('requests'));
    assert.equal(pipelines.defaultPrincipal, 'pipeline');
    assert.deepEqual(pipelines.principals, {});
    assert.equal(pipelines.maxMessageBytes, 8 * 1024 * 1024);
  });

  test('pipeline_principals reaches the requests function as PIPELINE_PRINCIPALS, only when not empty', () => {
    const env = deployedEnvironment('requests', {
      pipeline_principals: { 'veo-requests': 'render-farm', 'batch-sub': 'nightly batch' },
    });
    assert.equal(env.PIPELINE_PRINCIPALS, 'batch-sub=nightly batch,veo-requests=render-farm');
    assert.deepEqual(loadConfig(env).pipelines.principals, {
      'batch-sub': 'nightly batch',
      'veo-requests': 'render-farm',
    });
    // With an empty map the variable is left out, not set to "".
    assert.equal(deployedEnvironment('requests').PIPELINE_PRINCIPALS, undefined);
    const expression = String(
      (functionNamed('requests').body.service_config as { environment_variables?: unknown }[])[0]
        ?.environment_variables,
    );
    assert.match(
      expression,
      /length\(var\.pipeline_principals\) > 0 \? local\.requests_principals_environment : \{\}/,
    );
  });

  test('the requests function reads no bucket and publishes only to the poll and completions topics', () => {
    assert.deepEqual(module.locals.get('bucket_functions'), ['mcp', 'poller']);
    const publishers = module.locals.get('function_topic_publishers') as Record<
      string,
      { function: string; topic: string }
    >;
    const topicsOf = (fn: string) =>
      Object.values(publishers)
        .filter((p) => p.function === fn)
        .map((p) => p.topic)
        .sort();
    assert.deepEqual(topicsOf('requests'), ['completions', 'poll']);
    // Every function can publish a completion event (Veo refusals, terminal states, rejected requests).
    for (const fn of ['mcp', 'poller']) assert.ok(topicsOf(fn).includes('completions'), fn);
  });

  test('the API key hashes, the Gemini API key and the webhook secret come only from Secret Manager', () => {
    const mcp = functionEnvironment(module, functionNamed('mcp'));
    const poller = functionEnvironment(module, functionNamed('poller'));
    const requests = functionEnvironment(module, functionNamed('requests'));
    // Every function may call Omni on the Gemini API (submit, poll, cancel), so each can mount its key.
    assert.deepEqual(mcp.secrets.sort(), ['API_KEY_HASHES', 'GEMINI_API_KEY', 'WEBHOOK_SIGNING_SECRET']);
    assert.deepEqual(poller.secrets.sort(), ['GEMINI_API_KEY', 'WEBHOOK_SIGNING_SECRET']);
    assert.deepEqual(requests.secrets.sort(), ['GEMINI_API_KEY', 'WEBHOOK_SIGNING_SECRET']);
    // Each is a config variable the loader treats as a secret (redacted in startup errors).
    for (const name of ['API_KEY_HASHES', 'GEMINI_API_KEY', 'WEBHOOK_SIGNING_SECRET']) {
      assert.ok(CONFIG_VARIABLES.includes(name), name);
      assert.ok(isSecretVariable(name), name);
    }
    for (const { plain } of [mcp, poller, requests]) {
      assert.deepEqual(
        Object.keys(plain).filter((name) => /KEY|SECRET/.test(name)),
        [],
      );
    }
  });

  test('veo_backend = "gemini" mounts the Gemini API key from Secret Manager in every function, and only then', () => {
    const declared = module.locals.get('secrets') as Record<string, { enabled: string; secret_id: string }>;
    assert.equal(declared.GEMINI_API_KEY?.enabled, '${var.veo_backend == "gemini"}');
    assert.equal(declared.GEMINI_API_KEY?.secret_id, '${var.name_prefix}-gemini-api-key');
    const key = `AIza${'k'.repeat(35)}`;
    for (const name of ['mcp', 'poller', 'requests']) {
      assert.equal(deployedEnvironment(name).GEMINI_API_KEY, undefined, `${name}: not mounted for vertex`);
      const env = deployedEnvironment(name, { veo_backend: 'gemini' });
      assert.equal(env.GEMINI_API_KEY, secretPlaceholder('GEMINI_API_KEY'), name);
      assert.equal(env.VEO_BACKEND, 'gemini', name);
      assert.equal(env.GOOGLE_GENAI_USE_VERTEXAI, 'false', name);
      assert.equal(env.VEO_NOTICE_TOPIC, undefined, `${name}: Veo's notices are a Vertex feature`);
      // With a key version in Secret Manager the function loads a gemini config holding the key.
      const config = loadConfig({ ...env, GEMINI_API_KEY: key });
      assert.deepEqual(
        [config.veo.backend, config.veo.api, config.veo.apiKey],
        ['gemini', 'gemini', key],
        name,
      );
      assert.equal(config.veo.defaultModel, 'gemini-omni-1.2-flash', name);
      // Without it (no version added) the function refuses to start instead of running without a backend.
      const unmounted = Object.fromEntries(
        Object.entries(env).filter(([variable]) => variable !== 'GEMINI_API_KEY'),
      );
      assert.throws(() => loadConfig(unmounted), /GEMINI_API_KEY/, name);
    }
  });

  test('API-key auth loads with its secret mounted', () => {
    const env = deployedEnvironment('mcp', { auth_mode: 'api_key' });
    assert.equal(env.AUTH_MODE, 'api_key');
    const config = loadConfig(env);
    assert.equal(config.veo.backend, 'vertex');
    assert.deepEqual(config.auth.apiKeyHashes, [secretPlaceholder('API_KEY_HASHES')]);
  });

  test("Veo's completion notices have their own topic, set explicitly and matching the code's default", () => {
    const vertexOnly = /var\.veo_backend == "vertex" \? 1 : 0/;
    const topic = resourceNamed('google_pubsub_topic.notices');
    assert.match(String(topic.body.count), vertexOnly);
    // POLL_TOPIC-notices, POLL_TOPIC being the module's poll topic: what the code falls back to.
    assert.equal(topic.body.name, '${local.topics.poll}-notices');
    assert.equal((module.locals.get('topics') as Record<string, string>).poll, '${var.name_prefix}-poll');
    for (const name of ['mcp', 'poller', 'requests']) {
      const { plain, conditions } = functionEnvironment(module, functionNamed(name));
      assert.equal(plain.POLL_TOPIC, '${google_pubsub_topic.this["poll"].name}', name);
      assert.match(
        plain.VEO_NOTICE_TOPIC ?? '',
        /^\$\{join\("", google_pubsub_topic\.notices\[\*\]\.id\)\}$/,
        name,
      );
      assert.equal(conditions.VEO_NOTICE_TOPIC, 'var.veo_backend == "vertex"', name);
      assert.equal(plain.VEO_COMPLETION_TOPIC, undefined, `${name}: not the deprecated name`);
      const env = deployedEnvironment(name);
      const { VEO_NOTICE_TOPIC, ...withoutIt } = env;
      assert.equal(VEO_NOTICE_TOPIC, RESOURCE_PLACEHOLDERS.VEO_NOTICE_TOPIC, name);
      assert.notEqual(VEO_NOTICE_TOPIC, `projects/my-project/topics/${env.COMPLETIONS_TOPIC}`, name);
      assert.equal(loadConfig(withoutIt).queue.veoNoticeTopic, VEO_NOTICE_TOPIC, `${name}: code default`);
    }
    // The Vertex AI service agent publishes to the notices topic only, no longer to the poll topic.
    const vertexGrants = module.resources.filter((r) =>
      JSON.stringify(r.body).includes('local.vertex_service_agent'),
    );
    const topicGrants = vertexGrants.filter((r) => r.type === 'google_pubsub_topic_iam_member');
    assert.deepEqual(
      topicGrants.map((r) => [r.body.topic, r.body.role]),
      [['${google_pubsub_topic.notices[0].id}', 'roles/pubsub.publisher']],
    );
    assert.match(String(topicGrants[0]!.body.count), vertexOnly);
    // On the output bucket it writes Veo's outputs and reads extend_video's inputs (gs:// videos in that bucket).
    const bucketGrants = vertexGrants.filter((r) => r.type === 'google_storage_bucket_iam_member');
    assert.deepEqual(bucketGrants.map((r) => [r.body.bucket, r.body.role]).sort(), [
      ['${google_storage_bucket.outputs.name}', 'roles/storage.objectCreator'],
      ['${google_storage_bucket.outputs.name}', 'roles/storage.objectViewer'],
    ]);
    for (const grant of bucketGrants) assert.match(String(grant.body.count), vertexOnly);
  });

  test('the notices push subscription targets the poller with an OIDC token of an account that may only invoke it', () => {
    const subscription = resourceNamed('google_pubsub_subscription.notices');
    assert.match(String(subscription.body.count), /var\.veo_backend == "vertex" \? 1 : 0/);
    assert.equal(subscription.body.topic, '${google_pubsub_topic.notices[0].id}');
    const push = (subscription.body.push_config as Record<string, unknown>[] | undefined)?.[0];
    const poller = '${google_cloudfunctions2_function.this["poller"].service_config[0].uri}';
    // functions-framework takes the topic from the path of a raw push request.
    assert.equal(
      push?.push_endpoint,
      `${poller}/projects/\${var.project_id}/topics/\${google_pubsub_topic.notices[0].name}`,
    );
    const oidc = (push?.oidc_token as Record<string, unknown>[] | undefined)?.[0];
    assert.equal(oidc?.audience, poller);
    const account = /^\$\{google_service_account\.(\w+)\.email\}$/.exec(
      String(oidc?.service_account_email),
    )?.[1];
    assert.ok(account, 'the OIDC token is minted for a service account of the module');
    assert.notEqual(account, 'function', 'not a function runtime account');
    const member = `\${google_service_account.${account}.member}`;

    // The account invokes the poller's Cloud Run service, and holds no other grant.
    const grants = module.resources.filter((r) => r.type.endsWith('_iam_member') && r.body.member === member);
    assert.deepEqual(
      grants.map((r) => [r.type, r.body.name, r.body.role]),
      [
        [
          'google_cloud_run_v2_service_iam_member',
          '${google_cloudfunctions2_function.this["poller"].name}',
          'roles/run.invoker',
        ],
      ],
    );
    // Pub/Sub mints its tokens; it dead-letters from the subscription (subscriber) to the dead-letter topic.
    const pubsubAgentGrants = module.resources
      .filter((r) => r.type.endsWith('_iam_member') && r.body.member === '${local.pubsub_service_agent}')
      .map((r) => [r.body.service_account_id ?? r.body.subscription ?? r.body.topic, r.body.role]);
    assert.deepEqual(
      [
        [`\${google_service_account.${account}.name}`, 'roles/iam.serviceAccountTokenCreator'],
        ['${google_pubsub_subscription.notices[0].id}', 'roles/pubsub.subscriber'],
        ['${google_pubsub_topic.this["dead_letter"].id}', 'roles/pubsub.publisher'],
      ].filter((grant) => !pubsubAgentGrants.some((g) => g[0] === grant[0] && g[1] === grant[1])),
      [],
    );
    const deadLetter = (subscription.body.dead_letter_policy as Record<string, unknown>[])[0];
    assert.equal(deadLetter?.dead_letter_topic, '${google_pubsub_topic.this["dead_letter"].id}');
    assert.ok(subscription.body.retry_policy, 'retry_policy');
    // A push waits for the poller's answer as long as the poller may run.
    assert.match(String(subscription.body.ack_deadline_seconds), /var\.poller_function\.timeout_seconds/);
  });

  test('the default waits end before the default function timeouts', () => {
    // The functions' settings are objects with optional(number, DEFAULT) attributes.
    const defaultTimeout = (variable: string) =>
      Number(
        /timeout_seconds\s*=\s*optional\(number,\s*(\d+)\)/.exec(
          String(module.variables.get(variable)?.type),
        )?.[1],
      );
    assert.ok(loadConfig(deployedEnvironment('mcp')).maxWaitSeconds < defaultTimeout('mcp_function'));
    assert.ok(
      loadConfig(deployedEnvironment('poller')).queue.handlerMaxWaitSeconds <
        defaultTimeout('poller_function'),
    );
    // The requests function calls Veo once per message; the call must end before the event does.
    assert.ok(
      loadConfig(deployedEnvironment('requests')).veo.timeoutMs / 1000 < defaultTimeout('requests_function'),
    );
  });

  test('the deployed entry points are exactly the function targets the code registers', () => {
    const index = readFileSync(`${root}functions/src/index.ts`, 'utf8');
    const registered = [...index.matchAll(/\b(?:http|cloudEvent)(?:<[^>]*>)?\(\s*'([^']+)'/g)].map(
      (m) => m[1],
    );
    const deployed = functions(module).map(
      (fn) => (fn.body.build_config as { entry_point?: string }[] | undefined)?.[0]?.entry_point,
    );
    assert.deepEqual(deployed.sort(), registered.sort());
  });
});

describe('cloudbuild.yaml', () => {
  const cloudbuild = parseYaml(readFileSync(`${root}cloudbuild.yaml`, 'utf8')) as { steps: CloudBuildStep[] };
  const stepNamed = (id: string) => structuredClone(cloudbuild.steps.find((step) => step.id === id)!);
  /** The steps with one replaced (by id). */
  const withStep = (changed: CloudBuildStep) =>
    cloudbuild.steps.map((step) => (step.id === changed.id ? changed : step));
  let runtimeMajor: string;

  before(async () => {
    // The major the functions are deployed on: every function's build_config runtime, nodejsN.
    const module = await loadModule(terraformDir);
    const majors = new Set(
      functions(module).map(
        (fn) =>
          /^nodejs(\d+)$/.exec(String((fn.body.build_config as { runtime?: string }[])[0]?.runtime))?.[1],
      ),
    );
    assert.equal(majors.size, 1);
    runtimeMajor = [...majors][0]!;
    assert.equal(
      runtimeMajor,
      readFileSync(`${root}.node-version`, 'utf8').trim().split('.')[0],
      '.node-version',
    );
  });

  test('the tests run on the deployed Node major, audit and validate run, and the plan waits for validate', () => {
    assert.deepEqual(cloudBuildViolations(cloudbuild.steps, runtimeMajor), []);
    // The validate step's own command, and its place: from the start, with the plan after it.
    const validate = stepNamed('terraform-validate');
    assert.match(stepCommand(validate), /terraform init -backend=false -input=false && terraform validate$/);
    assert.deepEqual(validate.waitFor, ['-']);
    assert.ok(stepNamed('terraform-plan').waitFor?.includes('terraform-validate'));
    // The audit step's script is npm audit of the production tree.
    assert.equal(stepCommand(stepNamed('audit')), 'npm run audit');
    const pkg = JSON.parse(readFileSync(`${root}package.json`, 'utf8')) as {
      scripts: Record<string, string>;
    };
    assert.equal(pkg.scripts.audit, 'node scripts/audit.mjs');
    assert.match(readFileSync(`${root}scripts/audit.mjs`, 'utf8'), /\['audit', '--omit=dev', '--json'\]/);
  });

  test('a broken pipeline is reported', () => {
    const check = (steps: CloudBuildStep[]) => cloudBuildViolations(steps, runtimeMajor);
    const plan = stepNamed('terraform-plan');
    plan.waitFor = ['terraform-init'];
    assert.deepEqual(check(withStep(plan)), ['terraform-plan: does not wait for terraform-validate']);

    const validate = stepNamed('terraform-validate');
    validate.dir = 'terraform';
    validate.args = ['-c', 'terraform init -backend=false -input=false && terraform validate'];
    assert.deepEqual(check(withStep(validate)), [
      'terraform-validate: initialises in the workspace, not in a copy outside it',
    ]);

    const copy = stepNamed('node-for-emulators');
    copy.name = 'node:22';
    assert.deepEqual(check(withStep(copy)), [
      `node-for-emulators: image node:22 is not Node ${runtimeMajor}, the functions' runtime`,
    ]);

    const test = stepNamed('test');
    test.waitFor = ['install'];
    assert.deepEqual(check(withStep(test)), [
      "test: runs on no node image's Node (its own or a mounted copy)",
    ]);

    const audit = stepNamed('audit');
    audit.env = [];
    delete audit.waitFor;
    assert.deepEqual(check(withStep(audit)), ['audit: no waitFor', 'audit: AUDIT_REQUIRED=1 not set']);

    assert.deepEqual(check(cloudbuild.steps.filter((step) => step.id !== 'terraform-validate')), [
      'terraform-plan: waits for unknown step terraform-validate',
      'no step runs terraform validate',
    ]);
  });

  const scripts = Object.keys(
    (JSON.parse(readFileSync(`${root}package.json`, 'utf8')) as { scripts: Record<string, string> }).scripts,
  );

  test('every step has an id and says what it waits for', () => {
    assert.ok(cloudbuild.steps.length > 0);
    for (const [index, step] of cloudbuild.steps.entries()) {
      assert.ok(step.id, `step ${index} has an id`);
      assert.ok(Array.isArray(step.waitFor), `step ${step.id} has waitFor`);
    }
  });

  test('every npm script a step runs exists in package.json', () => {
    // npm's own commands (ci, install) are not scripts; `npm test` and `npm start` run the scripts of those names.
    const builtins = new Set(['ci', 'install', 'exec', 'pack']);
    const commands = cloudbuild.steps.map((step) => [step.entrypoint ?? '', ...(step.args ?? [])].join(' '));
    const called = commands.flatMap((command) =>
      [...command.matchAll(/\bnpm\s+(?:run(?:-script)?\s+)?([\w:-]+)/g)].map((m) => m[1]!),
    );
    assert.ok(called.includes('test') && called.includes('lint'));
    assert.deepEqual(
      called.filter((name) => !builtins.has(name) && !scripts.includes(name)),
      [],
    );
  });
});

describe('policy checks catch a broken module', () => {
  test('a primitive role is reported, in a resource and in a local', async () => {
    assert.deepEqual(primitiveRoleViolations(await fixture('primitive-role')), [
      'google_project_iam_member.editor: primitive role roles/editor',
      'local.deployer_roles: primitive role roles/editor',
    ]);
  });

  test('an allUsers grant without the allow_unauthenticated gate is reported', async () => {
    assert.deepEqual(publicMemberViolations(await fixture('public-member')), [
      'google_cloud_run_v2_service_iam_member.public: allUsers is not gated by var.allow_unauthenticated',
    ]);
  });

  test('a subscription without a dead-letter policy is reported', async () => {
    assert.deepEqual(deadLetterViolations(await fixture('subscription-without-dead-letter')), [
      'google_pubsub_subscription.orphan: no dead_letter_policy',
    ]);
  });

  test('a variable without a description or a type is reported', async () => {
    assert.deepEqual(variableViolations(await fixture('variable-without-description')), [
      'var.labels: no type',
      'var.region: no description',
    ]);
  });

  test('a bucket without public access prevention is reported', async () => {
    assert.deepEqual(bucketViolations(await fixture('public-bucket')), [
      'google_storage_bucket.outputs: public_access_prevention is not "enforced"',
    ]);
  });

  test('two functions sharing a service account are reported', async () => {
    assert.deepEqual(sharedServiceAccountViolations(await fixture('shared-service-account')), [
      'google_cloudfunctions2_function.this["mcp"], google_cloudfunctions2_function.this["poller"]: share the ' +
        'service account ${google_service_account.shared.email}',
    ]);
  });

  test('a for_each resource reading what its entries do not hold is reported', async () => {
    assert.deepEqual(forEachViolations(await fixture('for-each-misread')), [
      'google_cloudfunctions2_function.this["mcp"]: each.value.sizing.cpus: var.mcp_function has no attribute cpus ' +
        'in local.cloud_functions',
      'google_cloudfunctions2_function.this["poller"]: each.value.entry_point: no entry_point in local.cloud_functions',
      'google_cloudfunctions2_function.this["poller"]: each.value.sizing.cpus: var.mcp_function has no attribute ' +
        'cpus in local.cloud_functions',
    ]);
  });
});
