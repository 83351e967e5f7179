// The startup refusal of a configuration, as tests read it.
import assert from 'node:assert/strict';
import { ConfigError, loadConfig } from '../../../functions/src/config/index.js';

/** The problems loadConfig reports for `env`, as `NAME: reason` lines; fails the test when `env` is accepted. */
export function configProblems(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (err) {
    assert.ok(err instanceof ConfigError, String(err));
    return err.problems.map((p) => `${p.name}: ${p.reason}`);
  }
  assert.fail(`accepted: ${JSON.stringify(env)}`);
}
