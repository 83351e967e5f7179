// The admission settings (VEO_SUBMITS_PER_MINUTE*, MAX_QUEUED_*, BREAKER_*), hostile values first: each bad value
// stops startup with a message naming the variable, and odd-but-valid ones (spaces, names that are Object.prototype
// keys) neither crash nor change another model's pace.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { loadConfig } from '../../../functions/src/config/index.js';
import { rateOf } from '../../../functions/src/operations/gate.js';
import { configProblems } from './problems.js';

const problems = configProblems;

const BY_MODEL = 'VEO_SUBMITS_PER_MINUTE_BY_MODEL';
const FORM = `${BY_MODEL}: must be MODEL=SUBMITS pairs separated by commas, e.g. veo-3.1-generate-001=50,veo-3.1-fast-generate-001=50`;
const admission = (env: Record<string, string>) => loadConfig(env).admission;

describe('admission settings', () => {
  test('defaults: Vertex paced at 50 a minute (the Veo 3.1 GA quota); the simulator unpaced unless it models a quota', () => {
    const vertex = admission({
      VEO_BACKEND: 'vertex',
      GOOGLE_CLOUD_PROJECT: 'p',
      OUTPUT_BUCKET: 'veo-outputs',
    });
    assert.equal(vertex.submitsPerMinute, 50);
    const { submitsPerMinuteByModel, ...rest } = vertex;
    assert.deepEqual(submitsPerMinuteByModel, {});
    assert.deepEqual(rest, {
      submitsPerMinute: 50,
      maxQueuedPerPrincipal: 100,
      breakerFailures: 5,
      breakerWindowSeconds: 60,
      breakerOpenSeconds: 30,
    });
    assert.equal(admission({ SIMULATOR_SUBMITS_PER_MINUTE: '20' }).submitsPerMinute, 20);
    assert.equal(
      admission({ SIMULATOR_SUBMITS_PER_MINUTE: '20', VEO_SUBMITS_PER_MINUTE: '15' }).submitsPerMinute,
      15,
      'the project quota setting wins over the simulator one',
    );
  });

  test('zero, negative, fractional and non-numeric counts stop startup naming the variable', () => {
    for (const name of [
      'VEO_SUBMITS_PER_MINUTE',
      'MAX_QUEUED_OPERATIONS_PER_PRINCIPAL',
      'BREAKER_FAILURES',
    ]) {
      for (const value of ['0', '-5', '1.5', 'lots', '9999999999']) {
        const found = problems({ [name]: value });
        assert.equal(found.length, 1, `${name}=${value}: ${found.join('; ')}`);
        assert.match(found[0]!, new RegExp(`^${name}: must be an integer between 1 and \\d+$`));
      }
    }
  });

  test('breaker periods must be positive seconds within an hour', () => {
    for (const name of ['BREAKER_WINDOW_SECONDS', 'BREAKER_OPEN_SECONDS']) {
      for (const value of ['0', '-1', 'NaN', 'Infinity', '3601', 'soon']) {
        const found = problems({ [name]: value });
        assert.equal(found.length, 1, `${name}=${value}: ${found.join('; ')}`);
        assert.match(
          found[0]!,
          new RegExp(`^${name}: must be a number of seconds greater than 0 and at most 3600`),
        );
      }
    }
  });

  test('per-model rates: spaces around names and numbers are allowed; other models keep the default', () => {
    const settings = admission({
      VEO_SUBMITS_PER_MINUTE: '10',
      [BY_MODEL]: ' veo-3.1-generate-001 = 50 , veo-3.1-fast-generate-001=5 ',
    });
    assert.deepEqual(settings.submitsPerMinuteByModel, {
      'veo-3.1-generate-001': 50,
      'veo-3.1-fast-generate-001': 5,
    });
    assert.equal(rateOf(settings, 'veo-3.1-generate-001'), 50);
    assert.equal(rateOf(settings, 'veo-3.1-lite-generate-001'), 10);
  });

  test('a malformed per-model list is refused with the expected form', () => {
    for (const value of [
      'veo',
      'veo=',
      '=5',
      'veo=5,',
      'veo=5;b=6',
      'veo=-5',
      'veo=1.5',
      'a b=5',
      'veo=5=6',
      ',',
    ]) {
      assert.deepEqual(problems({ [BY_MODEL]: value }), [FORM], value);
    }
  });

  test('a model named twice, a zero rate or a huge one is refused naming the model', () => {
    assert.deepEqual(problems({ [BY_MODEL]: 'veo-3.1-lite-generate-001=5, veo-3.1-lite-generate-001=6' }), [
      `${BY_MODEL}: names "veo-3.1-lite-generate-001" twice; name each model once`,
    ]);
    assert.deepEqual(problems({ [BY_MODEL]: 'veo-3.1-lite-generate-001=0' }), [
      `${BY_MODEL}: gives "veo-3.1-lite-generate-001" 0 submits per minute; each must be an integer between 1 and 1000`,
    ]);
    assert.deepEqual(problems({ [BY_MODEL]: 'veo-3.1-lite-generate-001=99999999999999999999999' }), [
      `${BY_MODEL}: gives "veo-3.1-lite-generate-001" 99999999999999999999999 submits per minute; each must be an integer between 1 and 1000`,
    ]);
    assert.deepEqual(problems({ [BY_MODEL]: 'veo-3.1-lite-generate-001=1001' }), [
      `${BY_MODEL}: gives "veo-3.1-lite-generate-001" 1001 submits per minute; each must be an integer between 1 and 1000`,
    ]);
  });

  test('names that are Object.prototype keys are refused as unknown models and pollute nothing', () => {
    for (const name of ['__proto__', 'constructor', 'toString', 'hasOwnProperty']) {
      assert.deepEqual(
        problems({ VEO_SUBMITS_PER_MINUTE: '10', [BY_MODEL]: `${name}=3,veo-3.1-generate-001=7` }),
        [
          `${BY_MODEL}: names ${JSON.stringify(name)}: is not a model in the catalog; live models: ` +
            'veo-3.1-fast-generate-001, veo-3.1-generate-001, veo-3.1-lite-generate-001, gemini-omni-1.2-flash, ' +
            'gemini-omni-1.1-flash-preview, gemini-omni-flash-preview',
        ],
        name,
      );
      assert.equal(({} as Record<string, unknown>)['veo-3.1-generate-001'], undefined, name);
      assert.equal(({} as Record<string, unknown>)['3'], undefined, name);
    }
    // A model that does not exist is not a model anyone can ask for: the inherited keys never answer rateOf.
    const plain = admission({ VEO_SUBMITS_PER_MINUTE: '10' });
    for (const name of ['__proto__', 'constructor', 'toString']) assert.equal(rateOf(plain, name), 10, name);
  });
});
