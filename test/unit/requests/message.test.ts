// The pipeline contract: the committed JSON Schema is generated from the zod contract, and the request message refuses
// what a pipeline must not send.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { RequestMessageSchema, requestMessageJsonSchema } from '../../../functions/src/requests/message.js';

describe('pipeline contract', () => {
  test('request-message.schema.json is exactly what the zod contract generates', () => {
    const committed = JSON.parse(
      readFileSync(
        new URL('../../../functions/src/requests/request-message.schema.json', import.meta.url),
        'utf8',
      ),
    );
    assert.deepEqual(
      committed,
      JSON.parse(JSON.stringify(requestMessageJsonSchema())),
      'run npm run schemas',
    );
  });

  test('request_id is required and unknown fields are refused', () => {
    assert.equal(RequestMessageSchema.safeParse({ prompt: 'x' }).success, false);
    assert.equal(
      RequestMessageSchema.safeParse({ request_id: 'a', prompt: 'x', colour: 'red' }).success,
      false,
    );
    assert.equal(RequestMessageSchema.safeParse({ request_id: 'a', prompt: 'x' }).success, true);
  });

  test('correlation may not shadow the event attributes', () => {
    const parsed = RequestMessageSchema.safeParse({
      request_id: 'a',
      prompt: 'x',
      correlation: { status: 'ok' },
    });
    assert.equal(parsed.success, false);
    assert.match(JSON.stringify(parsed.error?.issues), /correlation keys may not be/);
  });
});
