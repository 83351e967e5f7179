// API keys (AUTH_MODE=api_key): what a key looks like, the store port its records live behind, and the check of a
// presented key. A key is `veo_` + 32 random bytes (base64url); only its SHA-256 is ever kept, as the id of its
// record, so a leaked store or log holds nothing a caller can present. Keys listed in API_KEY_HASHES (any format,
// for simple setups) are checked first, in constant time; then the store is read by hash (a direct document get).
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Clock } from '../operations/clock.js';
import { AuthError } from './challenge.js';

export const API_KEY_PREFIX = 'veo_';
/** 32 random bytes are 43 base64url characters; longer keys are allowed (a future format), shorter ones are not. */
export const API_KEY_PATTERN = /^veo_[A-Za-z0-9_-]{43,256}$/;
/** What list and revoke show of a key: the first 12 hex digits of its hash, never the key nor the whole hash. */
export const KEY_ID_LENGTH = 12;
/** Principal names given to stored keys: the tenant their operations belong to (`key:NAME`). */
export const PRINCIPAL_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._@+-]{0,99}$/;

/** One stored key. Dates are ISO strings, as the operation record keeps them. */
export interface ApiKeyRecord {
  /** SHA-256 of the key, lowercase hex: the document id. */
  hash: string;
  /** The principal the key acts as, without the `key:` prefix. */
  principal: string;
  createdAt: string;
  expiresAt?: string;
  revoked: boolean;
  revokedAt?: string;
}

/** Where API-key records live: Firestore in the cloud (store/api-keys-firestore.ts), memory on a laptop. */
export interface ApiKeyStore {
  get(hash: string): Promise<ApiKeyRecord | undefined>;
  /** Fails if a record with this hash exists (it cannot, for a fresh random key). */
  create(record: ApiKeyRecord): Promise<void>;
  list(): Promise<ApiKeyRecord[]>;
  /** Marks the key revoked; returns the record as it is now, or undefined when there is none. */
  revoke(hash: string, at: string): Promise<ApiKeyRecord | undefined>;
}

export const sha256Hex = (text: string): string => createHash('sha256').update(text).digest('hex');
export const keyIdOf = (hash: string): string => hash.slice(0, KEY_ID_LENGTH);

/** A new key and the record to store for it. The key is returned once and never kept. */
export function newApiKey(
  principal: string,
  now: Date,
  expiresInDays?: number,
): { key: string; record: ApiKeyRecord } {
  if (!PRINCIPAL_NAME_PATTERN.test(principal)) {
    throw new Error(
      `Invalid principal ${JSON.stringify(principal)}: 1-100 letters, digits and . _ @ + -, starting with a letter or digit.`,
    );
  }
  const key = API_KEY_PREFIX + randomBytes(32).toString('base64url');
  const record: ApiKeyRecord = {
    hash: sha256Hex(key),
    principal,
    createdAt: now.toISOString(),
    revoked: false,
    ...(expiresInDays === undefined
      ? {}
      : { expiresAt: new Date(now.getTime() + expiresInDays * 86_400_000).toISOString() }),
  };
  return { key, record };
}

/** Why a record does not authenticate now, or undefined when it does. */
export function keyRefusal(record: ApiKeyRecord | undefined, now: Date): string | undefined {
  if (!record) return 'unknown';
  if (record.revoked) return 'revoked';
  if (record.expiresAt && new Date(record.expiresAt).getTime() <= now.getTime()) return 'expired';
  return undefined;
}

// One answer for unknown, revoked and expired keys: a caller learns nothing about which keys exist or existed.
const INVALID_KEY = 'Invalid API key: it is not one this server accepts (unknown, revoked or expired).';

interface CacheEntry {
  record: ApiKeyRecord | undefined;
  until: number;
}

export interface ApiKeyCheckOptions {
  /** SHA-256 hex digests from API_KEY_HASHES. */
  hashes: string[];
  store?: ApiKeyStore;
  /**
   * How long a store lookup (found or not) is reused by this instance. Every MCP request carries the key, and the
   * stateless protocol makes each tool call its own request: without a cache each one costs a Firestore read and its
   * latency. The price is that a revocation takes effect on an instance at most this long after it is written.
   */
  cacheSeconds: number;
  clock: Clock;
}

/** Bounds the cache so a stream of random keys cannot grow it without limit. */
const MAX_CACHE_ENTRIES = 10_000;

export class ApiKeyCheck {
  private readonly hashes: Buffer[];
  private readonly options: ApiKeyCheckOptions;
  private readonly cache = new Map<string, CacheEntry>();

  constructor(options: ApiKeyCheckOptions) {
    this.options = options;
    this.hashes = options.hashes.map((hex) => Buffer.from(hex, 'hex'));
  }

  /** The principal a presented key acts as; throws AuthError (401) for anything else. */
  async principalOf(key: string): Promise<string> {
    const digest = createHash('sha256').update(key).digest();
    // Every listed hash is compared, in constant time, whether or not an earlier one matched.
    let listed: Buffer | undefined;
    for (const hash of this.hashes) {
      if (hash.length === digest.length && timingSafeEqual(hash, digest)) listed ??= hash;
    }
    if (listed) return `key:${keyIdOf(listed.toString('hex'))}`;

    if (!API_KEY_PATTERN.test(key)) {
      throw new AuthError(
        `Malformed API key: keys are ${API_KEY_PREFIX} followed by 43 base64url characters (veo-mcp keys create).`,
        { error: 'invalid_token' },
      );
    }
    if (!this.options.store) throw new AuthError(INVALID_KEY, { error: 'invalid_token' });
    const hex = digest.toString('hex');
    const record = await this.lookup(hex);
    // The store answered for this document id; compare the hash it holds anyway, in constant time, so a store that
    // matched loosely (a case-folded id, say) cannot let another key through.
    const stored = record ? Buffer.from(record.hash, 'hex') : undefined;
    const same = stored !== undefined && stored.length === digest.length && timingSafeEqual(stored, digest);
    if (!same || keyRefusal(record, this.options.clock.now())) {
      throw new AuthError(INVALID_KEY, { error: 'invalid_token' });
    }
    return `key:${record!.principal}`;
  }

  private async lookup(hash: string): Promise<ApiKeyRecord | undefined> {
    const now = this.options.clock.now().getTime();
    const cached = this.cache.get(hash);
    if (cached && cached.until > now) return cached.record;
    const record = await this.options.store!.get(hash);
    if (this.options.cacheSeconds > 0) {
      if (this.cache.size >= MAX_CACHE_ENTRIES) this.cache.delete(this.cache.keys().next().value!);
      this.cache.delete(hash);
      this.cache.set(hash, { record, until: now + this.options.cacheSeconds * 1000 });
    }
    return record;
  }
}
