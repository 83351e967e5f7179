// Google's refusals as callers read them: a 400 the server's own checks could not foresee names the argument its
// message points at, and an operation Google ends with INVALID_ARGUMENT does too and says nothing is billed. The
// errors are the SDK's own ApiError, with bodies Google sends (sources in genai.ts).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ApiError } from '@google/genai';
import { SubmitFailure } from '../../../functions/src/operations/ports.js';
import { callFailure, operationError } from '../../../functions/src/video/genai.js';

const googleError = (status: number, message: string, code = 'INVALID_ARGUMENT') =>
  new ApiError({ status, message: JSON.stringify({ error: { code: status, message, status: code } }) });

const notFound = (detail: string) => `no such model: ${detail}`;

describe("Google's 400 refusals name our argument", () => {
  const cases: Array<[string, string | undefined]> = [
    [
      "`numberOfVideos` isn't supported by this model. Please remove it or refer to the documentation.",
      'number_of_videos',
    ],
    ['allow_adult for personGeneration is currently not supported.', 'person_generation'],
    ["durationSeconds isn't supported by this model.", 'duration_seconds'],
    ['Unsupported resolution "4k" for veo-3.1-lite-generate-001.', 'resolution'],
    ['The compressionQuality value is invalid.', 'compression_quality'],
    ['Request contains an invalid argument.', undefined],
  ];
  for (const [said, field] of cases) {
    test(`${field ?? 'no field'}: ${said}`, () => {
      const err = callFailure('submit', googleError(400, said), 'Veo', notFound);
      assert.ok(err instanceof SubmitFailure);
      assert.equal(err.code, 'INVALID_ARGUMENT');
      assert.equal(err.kind, 'refused', 'a 400 started nothing and sending it again changes nothing');
      assert.equal(err.retryable, false);
      assert.equal(
        err.message,
        field
          ? `Invalid ${field}: Veo refused the request (HTTP 400), nothing was started. Google said: ${said}`
          : `Veo rejected the request (HTTP 400), nothing was started. Google said: ${said}`,
      );
    });
  }

  test('an operation Google ends with code 3 names the argument and says it is not billed', () => {
    assert.deepEqual(
      operationError(
        'Veo',
        3,
        'Unsupported output video duration 4 seconds, supported durations are [8] for feature reference_to_video.',
      ),
      {
        code: 'INVALID_ARGUMENT',
        message:
          'Invalid duration_seconds: Veo refused the arguments after accepting the job; no video was made and nothing ' +
          'is billed. Google said: Unsupported output video duration 4 seconds, supported durations are [8] for ' +
          'feature reference_to_video.',
      },
    );
    assert.deepEqual(operationError('Veo', 13, 'Internal error.'), {
      code: 'INTERNAL',
      message: 'Veo reported an error: Internal error.',
    });
  });
});
