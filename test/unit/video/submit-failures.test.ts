// How the Veo adapter classes a failed submit: whether anything may have started decides between retrying in line,
// reconciling, and failing. The errors are the real SDK's (ApiError from @google/genai) and Node's own.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ApiError } from '@google/genai';
import { SubmitFailure } from '../../../functions/src/operations/ports.js';
import { toAppError } from '../../../functions/src/video/veo.js';

const apiError = (status: number, message = `HTTP ${status} from Veo`) => new ApiError({ message, status });
const connectionError = (code: string) =>
  Object.assign(new TypeError('fetch failed'), { cause: Object.assign(new Error(code), { code }) });

describe('submit failures', () => {
  const cases: Array<[string, unknown, { kind: string; outage: boolean; code: string; retryable: boolean }]> =
    [
      [
        '429 quota',
        apiError(429),
        { kind: 'not-started', outage: false, code: 'RESOURCE_EXHAUSTED', retryable: true },
      ],
      [
        '503 unavailable',
        apiError(503),
        { kind: 'not-started', outage: true, code: 'UPSTREAM', retryable: true },
      ],
      [
        'connection refused',
        connectionError('ECONNREFUSED'),
        { kind: 'not-started', outage: true, code: 'UPSTREAM', retryable: true },
      ],
      [
        'name not resolved',
        connectionError('ENOTFOUND'),
        { kind: 'not-started', outage: true, code: 'UPSTREAM', retryable: true },
      ],
      ['500 internal', apiError(500), { kind: 'unknown', outage: true, code: 'UPSTREAM', retryable: false }],
      [
        '504 gateway timeout',
        apiError(504),
        { kind: 'unknown', outage: true, code: 'UPSTREAM', retryable: false },
      ],
      [
        'timeout after sending',
        Object.assign(new Error('The operation was aborted due to timeout'), { name: 'TimeoutError' }),
        { kind: 'unknown', outage: true, code: 'DEADLINE_EXCEEDED', retryable: false },
      ],
      [
        'connection reset mid-request',
        connectionError('ECONNRESET'),
        { kind: 'unknown', outage: true, code: 'UPSTREAM', retryable: false },
      ],
      [
        'malformed answer',
        new SyntaxError('Unexpected end of JSON input'),
        { kind: 'unknown', outage: true, code: 'UPSTREAM', retryable: false },
      ],
      [
        '400 bad request',
        apiError(400),
        { kind: 'refused', outage: false, code: 'INVALID_ARGUMENT', retryable: false },
      ],
      [
        '403 permission',
        apiError(403),
        { kind: 'refused', outage: false, code: 'PERMISSION_DENIED', retryable: false },
      ],
      [
        '404 unknown model',
        apiError(404),
        { kind: 'refused', outage: false, code: 'NOT_FOUND', retryable: false },
      ],
    ];
  for (const [name, err, expected] of cases) {
    test(`${name}: ${expected.kind}${expected.outage ? ', counts toward the breaker' : ''}`, () => {
      const failure = toAppError('submit', err);
      assert.ok(failure instanceof SubmitFailure, String(failure));
      assert.deepEqual(
        { kind: failure.kind, outage: failure.outage, code: failure.code, retryable: failure.retryable },
        expected,
      );
    });
  }

  test('a failed poll is a plain error, retryable unless Veo refused it', () => {
    const poll503 = toAppError('poll', apiError(503));
    assert.equal(poll503 instanceof SubmitFailure, false);
    assert.equal(poll503.retryable, true);
    assert.equal(toAppError('poll', apiError(500)).retryable, true);
    assert.equal(toAppError('poll', apiError(404)).retryable, false);
  });

  test('messages say what may have happened', () => {
    assert.match(
      toAppError('submit', apiError(500)).message,
      /may still have started the generation; not sent again/,
    );
    assert.match(toAppError('submit', apiError(503)).message, /^Veo is unavailable \(HTTP 503\)/);
    assert.match(toAppError('submit', apiError(429)).message, /^Veo is rate limiting requests \(HTTP 429\)/);
  });

  test('a 404 on submit names the model and what to use instead, whether or not the catalog knows it', () => {
    const notFound = (model: string) =>
      toAppError('submit', apiError(404, 'Publisher Model … was not found'), model);
    assert.match(
      notFound('veo-3.1-generate-001').message,
      /^Veo has no model veo-3\.1-generate-001 for this project \(HTTP 404\)\. veo-3\.1-generate-001 is in this server's catalog, so Google may have retired it since, or this project or region \(GOOGLE_CLOUD_LOCATION\) has no access to it; list_video_models shows the others: veo-3\.1-fast-generate-001, veo-3\.1-generate-001, veo-3\.1-lite-generate-001, gemini-omni-1\.2-flash, gemini-omni-1\.1-flash-preview, gemini-omni-flash-preview\. Google said: Publisher Model … was not found$/,
    );
    assert.match(
      notFound('veo-9').message,
      /^Veo has no model veo-9 for this project \(HTTP 404\)\. Use one of: veo-3\.1-fast-generate-001, /,
    );
    // A tombstoned id (a record made before its retirement) gets the retirement and the replacement.
    assert.match(
      notFound('veo-3.0-fast-generate-001').message,
      /^Veo has no model veo-3\.0-fast-generate-001 for this project \(HTTP 404\)\. veo-3\.0-fast-generate-001 was retired on 2026-06-30 \(Google no longer serves it\); use veo-3\.1-fast-generate-001 instead\. Google said: /,
    );
    assert.equal((notFound('veo-3.0-fast-generate-001') as SubmitFailure).kind, 'refused');
    assert.equal((notFound('veo-9') as SubmitFailure).kind, 'refused');
    assert.equal(notFound('veo-9').code, 'NOT_FOUND');
  });
});
