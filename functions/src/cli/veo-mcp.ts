#!/usr/bin/env node
// `npx veo-mcp`: try the product by hand (commands, options and exit codes: `veo-mcp --help`, or USAGE in run.ts).
// This file only wires the CLI to the process: its streams, the configuration module (the same PORT /
// PUBLIC_BASE_URL the server reads, and the store settings for `keys`), the clock and a real pause between polls.
import { setTimeout as sleep } from 'node:timers/promises';
import { loadConfig } from '../config/index.js';
import { runCli } from './run.js';
import { runKeysOnFirestore } from './keys.js';

process.exitCode = await runCli(process.argv.slice(2), {
  out: process.stdout,
  err: process.stderr,
  config: () => loadConfig(),
  now: () => Date.now(),
  pause: (ms) => sleep(ms),
  // The keys commands talk to the store directly, configured from the environment as the functions are.
  keys: (config, args) =>
    runKeysOnFirestore(config, args, {
      out: (line) => console.log(line),
      err: (line) => console.error(line),
      now: () => new Date(),
    }),
});
