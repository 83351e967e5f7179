// The monitoring of terraform/monitoring.tf reads what the code really logs: the domain runs its real paths (memory
// adapters, manual clock) while its log lines are captured, and every log-based metric's filter must match one of
// those lines and every field its extractors read must be on each line it matches. Renaming a logged field, or a
// message a filter names, fails here rather than leaving a chart or an alert empty. The alert policies are checked
// for documentation and the notification-channel variable.
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { before, describe, test } from 'node:test';
import { AppError } from '../../functions/src/errors.js';
import { LimitExceededError } from '../../functions/src/operations/index.js';
import { captureLogs, type LogLine } from '../helpers/logs.js';
import {
  alertPolicyViolations,
  logMetrics,
  matchesFilter,
  metricViolations,
  parseFilter,
  promqlReferenceViolations,
  toLogEntry,
  type LogEntry,
  type LogMetric,
} from '../helpers/monitoring-policy.js';
import { loadModule, variableViolations, type TerraformModule } from '../helpers/terraform-policy.js';
import { harness, SETTINGS, veoQuota } from './operations/harness.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const SECOND = 1000;

/** Log lines of the domain's real paths: a generation that succeeds, spend refusals, Veo's refusals and outages. */
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
      new Set(['DAILY_VIDEO_SECONDS_PER_PRINCIPAL', 'REQUESTS_PER_MINUTE_PER_PRINCIPAL']),
    );
    assert.deepEqual(
      new Set(matching('outcomes').map((e) => e.jsonPayload.status)),
      new Set(['SUCCEEDED', 'FAILED']),
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
    const broken = await loadModule(`${root}test/fixtures/terraform/alert-policy-without-documentation.tf`);
    assert.deepEqual(alertPolicyViolations(broken), [
      'google_monitoring_alert_policy.undocumented: its count does not depend on var.alerts_enabled',
      'google_monitoring_alert_policy.undocumented: notification_channels is not var.alert_notification_channels',
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
