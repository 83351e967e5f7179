// The monitoring of terraform/monitoring.tf reads what the code really logs: the domain runs its real paths (memory
// adapters, manual clock) while its log lines are captured, and every log-based metric's filter must match one of
// those lines and every field its extractors read must be on each line it matches. Renaming a logged field, or a
// message a filter names, fails here rather than leaving a chart or an alert empty. The alert policies are checked
// for documentation and the notification-channel variable.
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { before, describe, test } from 'node:test';
import { AppError, ERROR_POLICY } from '../../functions/src/errors.js';
import { MAX_LINE } from '../../functions/src/operations/gate.js';
import { LimitExceededError } from '../../functions/src/operations/index.js';
import { captureLogs, type LogLine } from '../helpers/logs.js';
import {
  alertPolicyViolations,
  extractValue,
  logMetrics,
  matchesFilter,
  matchesSelector,
  metricViolations,
  parseFilter,
  promqlReferenceViolations,
  seriesLabels,
  toLogEntry,
  type LogEntry,
  type LogMetric,
} from '../helpers/monitoring-policy.js';
import {
  evaluateHcl,
  loadModule,
  terraformAvailable,
  variableViolations,
  type TerraformModule,
} from '../helpers/terraform-policy.js';
import { HARNESS_GATE, harness, SETTINGS, veoQuota } from './operations/harness.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const SECOND = 1000;

const needsTerraform = {
  skip: terraformAvailable()
    ? false
    : 'terraform is not on PATH: install Terraform to evaluate the expressions',
};

/** The message of the refusal when a model's whole line is full (operations/start.ts), as callers read it. */
const LINE_FULL_MESSAGE =
  `The line for veo-3.1-fast-generate-001 is full: ${MAX_LINE} generations of all callers are waiting for their ` +
  `turn at Veo (at most ${MAX_LINE}). Try again later, or choose another model.`;

/**
 * Log lines of the domain's real paths: a generation that succeeds, one Veo reports failed, spend refusals (a full
 * line among them), Veo's refusals and outages.
 */
async function realLogLines(): Promise<LogLine[]> {
  const lines: LogLine[] = [];
  const capture = async (run: () => Promise<void>) => {
    const captured = captureLogs(run);
    await captured.result;
    lines.push(...captured.lines);
  };

  // Accepted, sent, polled to SUCCEEDED.
  await capture(async () => {
    const h = harness();
    try {
      const { record } = await h.start();
      h.veo.succeed(record.veoOperationName!, h.blobs);
      await h.clock.advance(15 * SECOND);
      assert.equal((await h.operations.get('p', record.id)).status, 'SUCCEEDED');
    } finally {
      h.close();
    }
  });

  // Veo reports a generation finished with an error: FAILED, with no "Veo..." line on this path (operations/poll.ts).
  await capture(async () => {
    const h = harness();
    try {
      const { record } = await h.start();
      h.veo.fail(record.veoOperationName!, 'Internal error encountered.');
      await h.clock.advance(15 * SECOND);
      assert.equal((await h.operations.get('p', record.id)).status, 'FAILED');
    } finally {
      h.close();
    }
  });

  // The model's line is full of other callers' generations: refused, deployment-wide.
  await capture(async () => {
    const h = harness();
    try {
      await h.store.gate(HARNESS_GATE, (gate) => ({
        ...gate,
        line: Array.from({ length: MAX_LINE }, (_, i) => ({ id: `w${i}`, principal: `other${i}`, at: i })),
      }));
      await assert.rejects(h.start(), (err: unknown) => {
        assert.ok(err instanceof LimitExceededError);
        assert.equal(err.message, LINE_FULL_MESSAGE, 'the caller-facing message is unchanged');
        return true;
      });
    } finally {
      h.close();
    }
  });

  // Refused by the principal's daily seconds (at the start) and by the per-minute calls (admitCall).
  await capture(async () => {
    const h = harness({
      limits: { ...SETTINGS.limits, dailySecondsPerPrincipal: 8, requestsPerMinute: 1 },
    });
    try {
      await h.start();
      await assert.rejects(h.start({ prompt: 'another fox' }), LimitExceededError);
      await h.operations.admitCall('p');
      await assert.rejects(h.operations.admitCall('p'), LimitExceededError);
    } finally {
      h.close();
    }
  });

  // Veo refuses one submit for good (FAILED), and answers another with its quota (it waits, then goes through).
  await capture(async () => {
    const h = harness();
    try {
      h.veo.submitError = new AppError('INVALID_ARGUMENT', 'The prompt was refused.', false);
      await assert.rejects(h.start(), /did not start the generation/);
      h.veo.submitError = veoQuota();
      const { record } = await h.start({ prompt: 'a quota fox' });
      assert.equal(record.status, 'QUEUED');
    } finally {
      h.close();
    }
  });
  return lines;
}

describe('terraform monitoring', () => {
  let module: TerraformModule;
  let metrics: LogMetric[];
  let lines: LogLine[];
  let entries: LogEntry[];

  before(async () => {
    module = await loadModule(`${root}terraform`);
    metrics = logMetrics(module);
    lines = await realLogLines();
    entries = lines.map((line) => toLogEntry(line, 'veo-mcp'));
  });

  test('the real paths logged the lines the metrics count', () => {
    const messages = new Set(lines.map((line) => line.message));
    for (const message of [
      'Generation accepted',
      'Refused by a spend limit',
      'Operation finished',
      'Veo rejected the generation request',
      'Veo did not start the generation; it waits in line for another try',
    ]) {
      assert.ok(messages.has(message), `logged: ${message}`);
    }
  });

  test('every metric matches a real log line, and every field it reads is on each line it matches', () => {
    assert.deepEqual(metrics.map((m) => m.name).sort(), [
      'completion_seconds',
      'estimated_cost_usd',
      'outcomes',
      'refusals',
      'veo_errors',
      'video_seconds',
    ]);
    assert.deepEqual(metricViolations(metrics, entries), []);
  });

  test('the metrics read the facts they are named for, with the values the code had', () => {
    const matching = (name: string) =>
      entries.filter((entry) => matchesFilter(metrics.find((m) => m.name === name)!.filter, entry));
    const accepted = matching('video_seconds');
    assert.ok(accepted.length >= 2);
    assert.deepEqual(accepted[0]!.jsonPayload, {
      ...accepted[0]!.jsonPayload,
      principal: 'p',
      model: 'veo-3.1-fast-generate-001',
      videoSeconds: 8,
      estimatedCostUsd: 1.2,
    });
    assert.deepEqual(
      new Set(matching('refusals').map((e) => e.jsonPayload.limit)),
      new Set(['DAILY_VIDEO_SECONDS_PER_PRINCIPAL', 'REQUESTS_PER_MINUTE_PER_PRINCIPAL', 'MAX_LINE']),
    );
    assert.deepEqual(
      new Set(matching('outcomes').map((e) => e.jsonPayload.status)),
      new Set(['SUCCEEDED', 'FAILED']),
    );
    assert.deepEqual(
      new Set(matching('outcomes').map((e) => e.jsonPayload.errorCode)),
      new Set([undefined, 'INVALID_ARGUMENT', 'INTERNAL']),
      'SUCCEEDED carries no error code; each FAILED its own',
    );
    const succeeded = matching('completion_seconds').find((e) => e.jsonPayload.status === 'SUCCEEDED')!;
    assert.equal(
      succeeded.jsonPayload.elapsedSeconds,
      10,
      'the first poll, 10 s after the request, found it done',
    );
    assert.deepEqual(
      new Set(matching('veo_errors').map((e) => e.jsonPayload.code)),
      new Set(['INVALID_ARGUMENT', 'RESOURCE_EXHAUSTED']),
    );
  });

  test("a full model line is logged as MAX_LINE, not as the caller's own queued limit", () => {
    const lineFull = lines.find(
      (line) => line.message === 'Refused by a spend limit' && line.limit === 'MAX_LINE',
    );
    assert.ok(lineFull, 'the full line was logged');
    assert.equal(lineFull.allowed, MAX_LINE);
    assert.equal(lineFull.used, MAX_LINE);
    assert.ok(
      !lines.some((line) => line.limit === 'MAX_QUEUED_OPERATIONS_PER_PRINCIPAL'),
      'no refusal here was the per-principal queue',
    );
  });

  test('with monitoring_principal_label off, the principal label stays and is empty on every line', () => {
    const off = logMetrics(module, { principalLabel: false });
    assert.deepEqual(
      off.map((m) => Object.keys(m.labelExtractors).sort()),
      metrics.map((m) => Object.keys(m.labelExtractors).sort()),
      'the same labels either way: a log-based metric label cannot be deleted',
    );
    assert.deepEqual(metricViolations(off, entries), []);
    let extracted = 0;
    for (const metric of off.filter((m) => 'principal' in m.labelExtractors)) {
      assert.equal(metric.labelExtractors.principal, 'REGEXP_EXTRACT(jsonPayload.principal, "^()")');
      for (const entry of entries.filter((e) => matchesFilter(metric.filter, e))) {
        assert.ok(entry.jsonPayload.principal, 'the line names a principal');
        assert.equal(extractValue(metric.labelExtractors.principal, entry), '');
        extracted++;
      }
    }
    assert.ok(extracted > 0);
    // The resource keeps every label whatever the variable: no `if` filters them.
    const resource = module.resources.find((r) => r.address === 'google_logging_metric.this')!;
    assert.doesNotMatch(JSON.stringify(resource.body), /\bif\b/);
    assert.match(String(resource.body.label_extractors), /local\.principal_label_off_extractor/);
    // An extractor the evaluator cannot read, or a regex without its one capture group, is an error.
    assert.throws(
      () => extractValue('REGEXP_EXTRACT(jsonPayload.principal, "^")', entries[0]!),
      /capture group/,
    );
    assert.throws(
      () => extractValue('SUBSTR(jsonPayload.principal, 0)', entries[0]!),
      /unsupported extractor/,
    );
  });

  test("the FAILED-ratio alert counts Google's failures and EXPIRED, not the caller's invalid arguments", () => {
    const outcomes = metrics.find((m) => m.name === 'outcomes')!;
    const selector = String(module.locals.get('promql_failed_endings_selector')).replace(
      /\$\{join\("\|", local\.caller_error_codes\)\}/,
      (module.locals.get('caller_error_codes') as string[]).join('|'),
    );
    const counted = (entry: LogEntry) => matchesSelector(selector, seriesLabels(outcomes, entry));
    const ended = entries.filter((e) => matchesFilter(outcomes.filter, e));
    const byCode = (code: string | undefined) => ended.filter((e) => e.jsonPayload.errorCode === code);
    assert.ok(byCode('INTERNAL').length > 0 && byCode('INTERNAL').every(counted), 'INTERNAL counts');
    assert.ok(byCode('INVALID_ARGUMENT').length > 0 && !byCode('INVALID_ARGUMENT').some(counted));
    assert.ok(!byCode(undefined).some(counted), 'SUCCEEDED does not count');
    const expired: LogEntry = {
      ...ended[0]!,
      jsonPayload: { ...ended[0]!.jsonPayload, status: 'EXPIRED', errorCode: 'DEADLINE_EXCEEDED' },
    };
    assert.ok(counted(expired), 'EXPIRED counts');
    // Caller-side codes are codes the error policy answers as the caller's request refused.
    for (const code of module.locals.get('caller_error_codes') as string[]) {
      assert.equal(ERROR_POLICY[code as keyof typeof ERROR_POLICY]?.whenPermanent, 'reject', code);
    }
    // The alert uses that selector; without the error_code matcher the caller's mistakes would count.
    const policy = module.resources.find((r) => r.address === 'google_monitoring_alert_policy.error_ratio')!;
    assert.match(JSON.stringify(policy.body), /local\.promql_failed_endings_selector/);
    const broken = 'monitored_resource="cloud_run_revision",status=~"FAILED|EXPIRED"';
    assert.ok(byCode('INVALID_ARGUMENT').every((e) => matchesSelector(broken, seriesLabels(outcomes, e))));
    // A FAILED ending Veo reported done with an error logs no "Veo..." line: only the outcomes metric sees it.
    const failedIds = new Set(byCode('INTERNAL').map((e) => e.jsonPayload.operationId));
    assert.ok(
      !entries.some(
        (e) => /^Veo/.test(String(e.jsonPayload.message)) && failedIds.has(e.jsonPayload.operationId),
      ),
    );
  });

  test('the dead-letter alert reads dead_letter_message_count on every subscription that dead-letters', () => {
    const policy = module.resources.find((r) => r.address === 'google_monitoring_alert_policy.dead_letters')!;
    const condition = (policy.body.conditions as Record<string, unknown>[])[0]!;
    const threshold = (condition.condition_threshold as Record<string, unknown>[])[0]!;
    assert.match(
      String(threshold.filter),
      /resource\.type = \\?"pubsub_subscription\\?" AND metric\.type = \\?"pubsub\.googleapis\.com\/subscription\/dead_letter_message_count\\?"/,
    );
    assert.match(String(threshold.filter), /local\.dead_letter_subscriptions/);
    const aggregation = (threshold.aggregations as Record<string, unknown>[])[0]!;
    assert.equal(aggregation.per_series_aligner, 'ALIGN_SUM');
    assert.deepEqual(aggregation.group_by_fields, ['resource.label.subscription_id']);
    const listed = String(module.locals.get('dead_letter_subscriptions'));
    const dashboard = JSON.stringify(module.locals.get('dashboard_charts'));
    assert.match(dashboard, /subscription_dead_letter_message_count\{[^}]*local\.dead_letter_subscriptions/);
    assert.doesNotMatch(dashboard + JSON.stringify(policy.body), /send_request_count/);
    // Each subscription with a dead_letter_policy is in the list (pubsub.tf: completions, and notices with vertex).
    const deadLettering = module.resources.filter(
      (r) => r.type === 'google_pubsub_subscription' && Array.isArray(r.body.dead_letter_policy),
    );
    assert.deepEqual(deadLettering.map((r) => r.name).sort(), ['notices', 'this']);
    for (const subscription of deadLettering) {
      assert.match(listed, new RegExp(`google_pubsub_subscription\\.${subscription.name}\\b`));
    }
  });

  test('the alert and the dashboard name charts that exist', () => {
    const titles = module.locals.get('chart_titles') as Record<string, string>;
    const charts = JSON.stringify(module.locals.get('dashboard_charts'));
    for (const key of Object.keys(titles)) assert.ok(charts.includes(`local.chart_titles.${key}`), key);
    for (const policy of module.resources.filter((r) => r.type === 'google_monitoring_alert_policy')) {
      const text = JSON.stringify(policy.body);
      for (const [, key] of text.matchAll(/local\.chart_titles\.(\w+)/g)) assert.ok(titles[key!], key);
      // No chart named by a literal title that the dashboard does not have.
      assert.doesNotMatch(text, /"Video seconds by principal"|"Estimated USD by principal"/);
    }
    const spend = module.resources.find(
      (r) => r.address === 'google_monitoring_alert_policy.daily_video_seconds',
    )!;
    const runbook = JSON.stringify(spend.body);
    assert.match(runbook, /rolling 24 hours/);
    assert.match(runbook, /past midnight UTC/);
    const errors = JSON.stringify(
      module.resources.find((r) => r.address === 'google_monitoring_alert_policy.error_ratio')!.body,
    );
    assert.match(errors, /MAX_REQUEST_BYTES_IN_FLIGHT/);
  });

  test('the daily alert threshold is whole seconds and never 0', needsTerraform, () => {
    const expression = String(module.locals.get('daily_video_seconds_alert_threshold')).replace(
      /^\$\{|\}$/g,
      '',
    );
    const threshold = (share: number, total: number, text = expression) =>
      text
        .replaceAll('var.daily_video_seconds_alert_share', String(share))
        .replaceAll('var.daily_video_seconds_total', String(total));
    const cases: [expression: string, expected: number, message?: string][] = [
      [threshold(0.8, 3600), 2880],
      [threshold(0.5, 3), 2, 'rounded up'],
      [threshold(0.1, 4), 1, '0.4 s is not 0'],
      [threshold(0.001, 1), 1],
      // The former rounding alerted on every day with a small share of a small total.
      [
        threshold(0.1, 4, 'floor(var.daily_video_seconds_alert_share * var.daily_video_seconds_total + 0.5)'),
        0,
      ],
    ];
    // One terraform console for all of them: a tuple of the expressions.
    const values = evaluateHcl(`[${cases.map(([text]) => text).join(', ')}]`) as number[];
    assert.equal(values.length, cases.length);
    for (const [i, [text, expected, message]] of cases.entries()) {
      assert.equal(values[i], expected, message ?? text);
    }
  });

  test(
    'no dashboard tile carries a zero position (the API drops zeros, so plans would never settle)',
    needsTerraform,
    () => {
      const charts = module.locals.get('dashboard_charts') as unknown[];
      const positionsOf = (text: string) =>
        evaluateHcl(
          text.replace(/^\$\{|\}$/g, '').replace('length(local.dashboard_charts)', String(charts.length)),
        ) as Record<string, number>[];
      const positions = positionsOf(String(module.locals.get('dashboard_tile_positions')));
      assert.equal(positions.length, charts.length);
      assert.deepEqual(positions[0], {}, 'the first tile is at 0,0: no position at all');
      for (const position of positions) {
        for (const value of Object.values(position)) assert.ok(value > 0, JSON.stringify(position));
      }
      const cells = positions.map((p) => `${p.xPos ?? 0},${p.yPos ?? 0}`);
      assert.equal(new Set(cells).size, cells.length, 'no two tiles overlap');
      const dashboard = module.resources.find((r) => r.type === 'google_monitoring_dashboard')!;
      assert.match(String(dashboard.body.dashboard_json), /merge\(local\.dashboard_tile_positions\[i\]/);
      assert.doesNotMatch(String(dashboard.body.dashboard_json), /xPos|yPos/);
      // The former layout sent zeros.
      const zeros = positionsOf(
        '[for i in range(length(local.dashboard_charts)) : { xPos = (i % 2) * 24, yPos = floor(i / 2) * 16 }]',
      );
      assert.ok(zeros.some((p) => Object.values(p).includes(0)));
    },
  );

  test('the histograms reach past their longest values', () => {
    const buckets = (name: string) =>
      (module.locals.get('log_metrics') as Record<string, { buckets: Record<string, number> }>)[name]!
        .buckets;
    const top = ({ count, growth_factor, scale }: Record<string, number>) =>
      scale! * growth_factor! ** count!;
    assert.equal(top(buckets('video_seconds')), 2048);
    // In line up to the deadline (at most 86400 s, variables.tf), then at Veo as long again.
    const deadline = 86_400;
    assert.ok(top(buckets('completion_seconds')) > 2 * deadline, String(top(buckets('completion_seconds'))));
  });

  test('no metric reads a field Cloud Run takes out of jsonPayload, and no line logs a prompt', () => {
    for (const metric of metrics) {
      for (const clause of parseFilter(metric.filter)) {
        assert.doesNotMatch(
          clause.path,
          /^jsonPayload\.(severity|time|logging\.googleapis\.com)/,
          metric.name,
        );
      }
    }
    for (const entry of entries)
      assert.ok(!('prompt' in entry.jsonPayload), String(entry.jsonPayload.message));
  });

  test('a metric reading a field no code logs, or a message no code writes, is reported', () => {
    const outcomes = metrics.find((m) => m.name === 'outcomes')!;
    const videoSeconds = metrics.find((m) => m.name === 'video_seconds')!;
    const broken: LogMetric[] = [
      { ...outcomes, name: 'renamed_label', labelExtractors: { status: 'EXTRACT(jsonPayload.finalStatus)' } },
      { ...videoSeconds, name: 'renamed_value', valueExtractor: 'EXTRACT(jsonPayload.seconds)' },
      {
        ...outcomes,
        name: 'renamed_message',
        filter: outcomes.filter.replace('Operation finished', 'Operation ended'),
      },
      { ...outcomes, name: 'other_service', filter: outcomes.filter.replace('veo-', 'other-') },
    ];
    assert.deepEqual(metricViolations(broken, entries), [
      'renamed_label: label status reads jsonPayload.finalStatus, which no line it matches carries',
      'renamed_label: label status reads jsonPayload.finalStatus, which the line "Operation finished" does not carry',
      'renamed_value: its value reads jsonPayload.seconds, which is not a number on the line "Generation accepted"',
      'renamed_message: its filter matches no line the code logs',
      'other_service: its filter matches no line the code logs',
    ]);
    // A clause the evaluator does not understand is an error, not a silent match.
    assert.throws(() => matchesFilter('jsonPayload.a>3', entries[0]!), /unsupported filter clause/);
  });

  test('every alert policy is switchable, notifies the channels variable and tells the operator what to do', async () => {
    const policies = module.resources.filter((r) => r.type === 'google_monitoring_alert_policy');
    assert.deepEqual(policies.map((p) => p.name).sort(), [
      'daily_video_seconds',
      'dead_letters',
      'error_ratio',
      'oldest_unacked_message',
    ]);
    assert.deepEqual(alertPolicyViolations(module), []);
    assert.deepEqual(Object.fromEntries(policies.map((p) => [p.name, p.body.severity])), {
      daily_video_seconds: 'WARNING',
      dead_letters: 'ERROR',
      error_ratio: 'CRITICAL',
      oldest_unacked_message: 'ERROR',
    });
    const broken = await loadModule(`${root}test/fixtures/terraform/alert-policy-without-documentation.tf`);
    assert.deepEqual(alertPolicyViolations(broken), [
      'google_monitoring_alert_policy.undocumented: its count does not depend on var.alerts_enabled',
      'google_monitoring_alert_policy.undocumented: notification_channels is not var.alert_notification_channels',
      'google_monitoring_alert_policy.undocumented: severity is not one of CRITICAL, ERROR, WARNING',
      'google_monitoring_alert_policy.undocumented: no documentation',
    ]);
  });

  test('the alerts and the dashboard query only the metrics the module defines', () => {
    assert.deepEqual(promqlReferenceViolations(module), []);
    const dashboard = JSON.stringify(
      module.resources.find((r) => r.type === 'google_monitoring_dashboard')!.body,
    );
    for (const metric of metrics)
      assert.match(
        dashboard + JSON.stringify(module.locals.get('dashboard_charts')),
        new RegExp(`local\\.promql\\.${metric.name}\\b`),
      );
    const fakeModule = {
      ...module,
      locals: new Map([...module.locals, ['dashboard_charts', ['${local.promql.gone}']]]),
    };
    assert.deepEqual(promqlReferenceViolations(fakeModule), [
      'local.dashboard_charts: local.promql.gone names no log-based metric',
    ]);
  });

  test('the monitoring variables are typed, described and bounded', () => {
    assert.deepEqual(variableViolations(module), []);
    for (const name of [
      'alert_notification_channels',
      'daily_video_seconds_alert_share',
      'alert_error_ratio',
      'alert_oldest_unacked_message_seconds',
    ]) {
      assert.ok(module.variables.get(name)?.validation, `var.${name} has a validation`);
    }
    assert.deepEqual(module.variables.get('alert_notification_channels')?.default, []);
    assert.equal(module.variables.get('daily_video_seconds_alert_share')?.default, 0.8);
  });
});
