// AUTH_MODE=api_key, hostile cases on the key check and the keys CLI, against the memory store on a manual clock:
// every refusal is the same 401 for unknown, revoked and expired keys, malformed keys never reach the store, and a
// revocation holds within the cache's lifetime.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, test } from 'node:test';
import {
  ApiKeyCheck,
  newApiKey,
  type ApiKeyRecord,
  type ApiKeyStore,
} from '../../../functions/src/auth/api-keys.js';
import { AuthError } from '../../../functions/src/auth/challenge.js';
import { runKeysCommand } from '../../../functions/src/cli/keys.js';
import { MemoryApiKeyStore } from '../../../functions/src/store/api-keys-memory.js';
import { ManualClock } from '../../helpers/manual-clock.js';

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
const INVALID = /^Invalid API key: it is not one this server accepts \(unknown, revoked or expired\)\.$/;

/** A memory store that counts reads, to show which refusals never reach it. */
class CountingStore extends MemoryApiKeyStore {
  gets = 0;
  override async get(hash: string): Promise<ApiKeyRecord | undefined> {
    this.gets++;
    return super.get(hash);
  }
}

async function setup(options: { cacheSeconds?: number; hashes?: string[] } = {}) {
  const clock = new ManualClock();
  const store = new CountingStore();
  const check = new ApiKeyCheck({
    hashes: options.hashes ?? [],
    store,
    cacheSeconds: options.cacheSeconds ?? 0,
    clock,
  });
  const make = async (principal: string, days?: number) => {
    const made = newApiKey(principal, clock.now(), days);
    await store.create(made.record);
    return made;
  };
  return { clock, store, check, make };
}

async function refusedWith(check: ApiKeyCheck, key: string, message: RegExp): Promise<void> {
  await assert.rejects(check.principalOf(key), (err: Error) => {
    assert.ok(err instanceof AuthError, err.message);
    assert.equal(err.code, 'UNAUTHENTICATED');
    assert.match(err.message, message);
    assert.ok(!err.message.includes(key), 'the key is not echoed');
    return true;
  });
}

describe('API keys', () => {
  test('a new key is veo_ and 43 base64url characters; only its SHA-256 is stored', async () => {
    const { store, make } = await setup();
    const { key, record } = await make('alice');
    assert.match(key, /^veo_[A-Za-z0-9_-]{43}$/);
    assert.equal(record.hash, sha256(key));
    const [stored] = await store.list();
    assert.deepEqual(stored, {
      hash: sha256(key),
      principal: 'alice',
      createdAt: record.createdAt,
      revoked: false,
    });
    assert.ok(!JSON.stringify(stored).includes(key.slice(4)), 'the key itself is nowhere in the record');
  });

  test('two keys are never alike', async () => {
    const { make } = await setup();
    assert.notEqual((await make('a')).key, (await make('a')).key);
  });

  test('a stored key acts as key:PRINCIPAL', async () => {
    const { check, make } = await setup();
    assert.equal(await check.principalOf((await make('render-farm')).key), 'key:render-farm');
  });

  test('a key listed in API_KEY_HASHES acts as key:<first 12 hex of its hash>, any format', async () => {
    const { check, store } = await setup({ hashes: [sha256('legacy-key-0001')] });
    assert.equal(await check.principalOf('legacy-key-0001'), `key:${sha256('legacy-key-0001').slice(0, 12)}`);
    assert.equal(store.gets, 0, 'a listed key needs no store read');
  });

  test('unknown, revoked and expired keys get the same answer: nothing says which keys exist', async () => {
    const { check, store, clock, make } = await setup();
    const revoked = await make('bob');
    await store.revoke(revoked.record.hash, clock.now().toISOString());
    const expiring = await make('carol', 1);
    await clock.advance(86_400_000);
    const unknown = newApiKey('dave', clock.now()).key;
    for (const key of [revoked.key, expiring.key, unknown]) await refusedWith(check, key, INVALID);
  });

  test('an expiring key works until its expiry and not at it', async () => {
    const { check, clock, make } = await setup();
    const { key } = await make('erin', 2);
    await clock.advance(2 * 86_400_000 - 1);
    assert.equal(await check.principalOf(key), 'key:erin');
    await clock.advance(1);
    await refusedWith(check, key, INVALID);
  });

  const malformed: Array<[string, string]> = [
    ['the wrong prefix', `sk_${'A'.repeat(43)}`],
    ['an upper-case prefix', `VEO_${'A'.repeat(43)}`],
    ['too short', `veo_${'A'.repeat(42)}`],
    ['characters outside base64url', `veo_${'A'.repeat(42)}+`],
    ['a space inside', `veo_${'A'.repeat(20)} ${'A'.repeat(22)}`],
    ['far too long', `veo_${'A'.repeat(300)}`],
  ];
  for (const [name, key] of malformed) {
    test(`refused without a store read: ${name}`, async () => {
      const { check, store } = await setup();
      await refusedWith(check, key, /^Malformed API key: keys are veo_ followed by 43 base64url characters/);
      assert.equal(store.gets, 0);
    });
  }

  test('a key whose record lost its hash field is refused (the stored hash is compared too)', async () => {
    const clock = new ManualClock();
    const { key, record } = newApiKey('mallory', clock.now());
    const loose: ApiKeyStore = {
      ...new MemoryApiKeyStore(),
      get: async () => ({ ...record, hash: sha256('something else') }),
      create: async () => {},
      list: async () => [],
      revoke: async () => undefined,
    };
    const check = new ApiKeyCheck({ hashes: [], store: loose, cacheSeconds: 0, clock });
    await refusedWith(check, key, INVALID);
  });

  test('a revocation holds within the cache lifetime, and at once without a cache', async () => {
    const { check, store, clock, make } = await setup({ cacheSeconds: 30 });
    const { key, record } = await make('frank');
    assert.equal(await check.principalOf(key), 'key:frank');
    await store.revoke(record.hash, clock.now().toISOString());
    await clock.advance(29_999);
    assert.equal(await check.principalOf(key), 'key:frank', 'still cached: the documented window');
    await clock.advance(1);
    await refusedWith(check, key, INVALID);

    const uncached = await setup({ cacheSeconds: 0 });
    const other = await uncached.make('grace');
    assert.equal(await uncached.check.principalOf(other.key), 'key:grace');
    await uncached.store.revoke(other.record.hash, uncached.clock.now().toISOString());
    await refusedWith(uncached.check, other.key, INVALID);
  });

  test('lookups are cached, found or not, so repeated calls cost one store read per key per lifetime', async () => {
    const { check, store, make } = await setup({ cacheSeconds: 30 });
    const { key } = await make('heidi');
    const unknown = newApiKey('ivan', new Date()).key;
    for (let i = 0; i < 5; i++) {
      await check.principalOf(key);
      await check.principalOf(unknown).catch(() => {});
    }
    assert.equal(store.gets, 2);
  });

  test('principal names are checked when a key is made', () => {
    for (const name of ['', ' alice', 'a/b', 'x'.repeat(101), 'key:alice', 'ali ce']) {
      assert.throws(() => newApiKey(name, new Date()), /Invalid principal/, JSON.stringify(name));
    }
  });
});

describe('veo-mcp keys', () => {
  function io() {
    const out: string[] = [];
    const err: string[] = [];
    return {
      out,
      err,
      io: {
        out: (l: string) => out.push(l),
        err: (l: string) => err.push(l),
        now: () => new Date('2026-12-02T00:00:00Z'),
      },
    };
  }
  const config = { auth: { mode: 'api_key', cacheSeconds: 30 } } as never;

  test('create prints the key once; list never shows it nor a whole hash; revoke refuses it afterwards', async () => {
    const store = new MemoryApiKeyStore();
    const created = io();
    assert.equal(
      await runKeysCommand(
        config,
        store,
        { command: 'create', principal: 'alice', expiresInDays: '30' },
        created.io,
      ),
      0,
    );
    assert.equal(created.out.length, 1, 'stdout holds the key and nothing else');
    const key = created.out[0]!;
    assert.match(key, /^veo_[A-Za-z0-9_-]{43}$/);
    const hash = sha256(key);
    assert.match(
      created.err.join('\n'),
      new RegExp(
        `Created API key ${hash.slice(0, 12)} for principal alice \\(expires 2027-01-01T00:00:00.000Z\\)`,
      ),
    );
    assert.ok(!created.err.join('\n').includes(key));

    const listed = io();
    assert.equal(await runKeysCommand(config, store, { command: 'list' }, listed.io), 0);
    const table = listed.out.join('\n');
    assert.match(table, /^ID +PRINCIPAL +CREATED +EXPIRES +STATUS$/m);
    assert.match(
      table,
      new RegExp(
        `^${hash.slice(0, 12)} +alice +2026-12-02T00:00:00.000Z +2027-01-01T00:00:00.000Z +active$`,
        'm',
      ),
    );
    assert.ok(!table.includes(key) && !table.includes(key.slice(4)) && !table.includes(hash));

    const check = new ApiKeyCheck({
      hashes: [],
      store,
      cacheSeconds: 0,
      clock: new ManualClock('2026-12-02T00:00:01Z'),
    });
    assert.equal(await check.principalOf(key), 'key:alice');

    const revoked = io();
    assert.equal(
      await runKeysCommand(config, store, { command: 'revoke', target: hash.slice(0, 8) }, revoked.io),
      0,
    );
    assert.match(
      revoked.out.join('\n'),
      /Revoked API key [0-9a-f]{12} \(principal alice\)\. Every instance refuses it within AUTH_CACHE_SECONDS \(30 s\)/,
    );
    await refusedWith(check, key, INVALID);

    const after = io();
    await runKeysCommand(config, store, { command: 'list' }, after.io);
    assert.match(after.out.join('\n'), /alice .* revoked 2026-12-02T00:00:00.000Z$/m);
    assert.ok(!after.out.join('\n').includes(key));
  });

  const refusals: Array<[string, Parameters<typeof runKeysCommand>[2], RegExp]> = [
    ['create without a principal', { command: 'create' }, /keys create needs --principal NAME/],
    ['create with a bad principal', { command: 'create', principal: 'a/b' }, /Invalid principal "a\/b"/],
    [
      'create with 0 days',
      { command: 'create', principal: 'a', expiresInDays: '0' },
      /--expires-in-days 0: must be whole days from 1 to 3650/,
    ],
    [
      'create with fractional days',
      { command: 'create', principal: 'a', expiresInDays: '1.5' },
      /must be whole days/,
    ],
    ['revoke without an id', { command: 'revoke' }, /keys revoke needs a KEY_ID/],
    [
      'revoke with a short id',
      { command: 'revoke', target: 'abc' },
      /keys revoke needs a KEY_ID \(6 to 64 hex digits/,
    ],
    [
      'revoke of an id no key has',
      { command: 'revoke', target: 'ffffffffffff' },
      /No API key has id ffffffffffff/,
    ],
    ['an unknown subcommand', { command: 'rotate' }, /unknown keys command rotate/],
  ];
  for (const [name, args, message] of refusals) {
    test(`refused, changing nothing: ${name}`, async () => {
      const store = new MemoryApiKeyStore();
      const { record } = newApiKey('existing', new Date('2026-12-01T00:00:00Z'));
      await store.create(record);
      const run = io();
      assert.equal(await runKeysCommand(config, store, args, run.io), 2);
      assert.match(run.err.join('\n'), message);
      assert.deepEqual(run.out, []);
      assert.deepEqual(await store.list(), [record]);
    });
  }

  test('revoke refuses an ambiguous prefix and revokes nothing', async () => {
    const store = new MemoryApiKeyStore();
    const a = {
      hash: `abcdef${'0'.repeat(58)}`,
      principal: 'a',
      createdAt: '2026-12-01T00:00:00Z',
      revoked: false,
    };
    const b = { ...a, hash: `abcdef${'1'.repeat(58)}`, principal: 'b' };
    await store.create(a);
    await store.create(b);
    const run = io();
    assert.equal(await runKeysCommand(config, store, { command: 'revoke', target: 'abcdef' }, run.io), 2);
    assert.match(run.err.join('\n'), /2 API keys start with abcdef: give more digits/);
    assert.deepEqual(
      (await store.list()).map((r) => r.revoked),
      [false, false],
    );
  });
});
