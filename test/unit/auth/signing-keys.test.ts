// What a key server's answer must be before it is cached (signing-keys.ts), and for how long it is kept. The fetch,
// its timeout, sharing and fallback are exercised through the checks that use it (iap.test.ts, id-token.test.ts).
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { describe, test } from 'node:test';
import { cacheSecondsOf, publicKeysOf } from '../../../functions/src/auth/signing-keys.js';

const ecPem = generateKeyPairSync('ec', { namedCurve: 'P-256' })
  .publicKey.export({ type: 'spki', format: 'pem' })
  .toString();

describe('signing keys', () => {
  test('the max-age directive, exactly, held to a minute..an hour; a minute when there is none', () => {
    const cases: Array<[string | null, number]> = [
      ['public, max-age=300', 300],
      ['max-age=300, public', 300],
      ['MAX-AGE=300', 300],
      ['max-age="300"', 300],
      ['public, s-maxage=7200', 60],
      ['public, s-maxage=7200, max-age=120', 120],
      ['x-max-age=7200', 60],
      ['max-age=300abc', 60],
      ['max-age=100, max-age=200', 60],
      ['max-age=86400', 3600],
      ['max-age=99999999999999', 3600],
      ['max-age=0', 60],
      ['no-cache', 60],
      ['', 60],
      [null, 60],
    ];
    for (const [header, seconds] of cases) assert.equal(cacheSecondsOf(header), seconds, String(header));
  });

  test('a JSON object of key ids to PEM public keys or certificates is the keys', () => {
    const keys = publicKeysOf({ a: ecPem, b: ecPem.replace(/\n/g, '\r\n') });
    assert.deepEqual(Object.keys(keys), ['a', 'b']);
    assert.equal(Object.getPrototypeOf(keys), null, 'no inherited names can pass for key ids');
  });

  test('anything else is refused', () => {
    const body = ecPem.split('\n').slice(1, -2).join('\n');
    const cases: Array<[string, unknown]> = [
      ['a web page', '<html>sign in</html>'],
      ['null', null],
      ['an array', [ecPem]],
      ['no keys', {}],
      ['a key that is not a string', { a: 42 }],
      ['a key that is not PEM', { a: body }],
      ['a private key', { a: `-----BEGIN PRIVATE KEY-----\n${body}\n-----END PRIVATE KEY-----\n` }],
      ['PEM around garbage', { a: '-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n' }],
      ['mismatched armour', { a: ecPem.replace('END PUBLIC KEY', 'END CERTIFICATE') }],
      ['one good key beside a bad one', { a: ecPem, b: 'x' }],
    ];
    for (const [name, data] of cases) assert.throws(() => publicKeysOf(data), Error, name);
  });
});
