// The spend-limit settings: defaults, per-principal overrides, and a clear startup refusal for each bad value.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ConfigError, loadConfig } from '../../../functions/src/config/index.js';

/** The problems loadConfig reports for `env`, as `NAME: reason` lines. */
function problems(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (err) {
    assert.ok(err instanceof ConfigError);
    return err.problems.map((p) => `${p.name}: ${p.reason}`);
  }
  assert.fail('the configuration was accepted');
}

describe('spend-limit settings', () => {
  test('defaults: 480 s per principal and 2400 s in total per UTC day, 60 calls a minute, 10 running', () => {
    assert.deepEqual(loadConfig({}).limits, {
      dailySecondsPerPrincipal: 480,
      dailySecondsByPrincipal: {},
      dailySecondsTotal: 2400,
      requestsPerMinute: 60,
      maxRunning: 10,
    });
    assert.equal(loadConfig({}).store.usageCollection, 'usage_counters');
  });

  test('every limit is read from its variable', () => {
    const { limits } = loadConfig({
      DAILY_VIDEO_SECONDS_PER_PRINCIPAL: '80',
      DAILY_VIDEO_SECONDS_TOTAL: '800',
      REQUESTS_PER_MINUTE_PER_PRINCIPAL: '5',
      MAX_RUNNING_OPERATIONS_PER_PRINCIPAL: '2',
    });
    assert.deepEqual(
      [
        limits.dailySecondsPerPrincipal,
        limits.dailySecondsTotal,
        limits.requestsPerMinute,
        limits.maxRunning,
      ],
      [80, 800, 5, 2],
    );
  });

  test('PRINCIPAL_DAILY_VIDEO_SECONDS names API-key, user and pipeline principals alike', () => {
    const { limits } = loadConfig({
      PRINCIPAL_DAILY_VIDEO_SECONDS:
        'pipeline=7200,key:alice=1200,user:bob@example.com=60,pipeline:catalog=9',
    });
    assert.deepEqual(limits.dailySecondsByPrincipal, {
      pipeline: 7200,
      'key:alice': 1200,
      'user:bob@example.com': 60,
      'pipeline:catalog': 9,
    });
  });

  test('zero, negative, fractional and non-numeric limits stop startup naming the variable', () => {
    for (const name of [
      'DAILY_VIDEO_SECONDS_PER_PRINCIPAL',
      'DAILY_VIDEO_SECONDS_TOTAL',
      'REQUESTS_PER_MINUTE_PER_PRINCIPAL',
      'MAX_RUNNING_OPERATIONS_PER_PRINCIPAL',
    ]) {
      for (const value of ['0', '-5', '1.5', 'lots']) {
        const found = problems({ [name]: value });
        assert.equal(found.length, 1, `${name}=${value}: ${found.join('; ')}`);
        assert.match(found[0]!, new RegExp(`^${name}: must be an integer between 1 and \\d+$`));
      }
    }
  });

  test('a malformed override list is refused with the expected form', () => {
    for (const value of ['alice', 'alice=', '=5', 'alice=5,', 'alice=5;bob=6', 'alice=-5']) {
      assert.deepEqual(problems({ PRINCIPAL_DAILY_VIDEO_SECONDS: value }), [
        'PRINCIPAL_DAILY_VIDEO_SECONDS: must be PRINCIPAL=SECONDS pairs separated by commas, e.g. pipeline=7200,key:alice=1200',
      ]);
    }
  });

  test('an override naming a principal twice, or out of range, is refused naming it', () => {
    assert.deepEqual(problems({ PRINCIPAL_DAILY_VIDEO_SECONDS: 'alice=5,alice=6' }), [
      'PRINCIPAL_DAILY_VIDEO_SECONDS: names "alice" twice; name each principal once',
    ]);
    assert.deepEqual(problems({ PRINCIPAL_DAILY_VIDEO_SECONDS: 'alice=0' }), [
      'PRINCIPAL_DAILY_VIDEO_SECONDS: gives "alice" 0 seconds; each must be an integer between 1 and 10000000',
    ]);
  });
});
