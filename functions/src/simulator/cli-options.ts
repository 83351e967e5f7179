// The flags of `npm run simulator` (cli.ts), read and checked: a pure function of the arguments, so every bad value is
// a table row in the tests and the CLI only prints the message and exits 2.
import { parseArgs } from 'node:util';

const options = {
  port: { type: 'string', default: '0' },
  host: { type: 'string', default: '127.0.0.1' },
  delay: { type: 'string', default: '4' },
  'submits-per-minute': { type: 'string' },
  gcs: { type: 'boolean', default: false },
  pubsub: { type: 'boolean', default: false },
} as const;

export interface SimulatorCliOptions {
  port: number;
  host: string;
  delaySeconds: number;
  /** Accepted submits per model per minute; undefined: no quota. */
  submitsPerMinute: number | undefined;
  gcs: boolean;
  pubsub: boolean;
}

/** The options the flags ask for, or the message that says which flag is wrong and what it takes. */
export function parseSimulatorArgs(
  args: string[],
): { ok: true; options: SimulatorCliOptions } | { ok: false; message: string } {
  let values: ReturnType<typeof parseArgs<{ options: typeof options }>>['values'];
  try {
    ({ values } = parseArgs({ args, options }));
  } catch (err) {
    // An unknown flag or a flag without its value: say which, without a stack trace, like the checks below.
    return { ok: false, message: (err as Error).message };
  }
  const port = Number(values.port);
  const delaySeconds = Number(values.delay);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    return { ok: false, message: `--port ${values.port}: must be an integer between 0 and 65535` };
  }
  if (!Number.isFinite(delaySeconds) || delaySeconds < 0) {
    return { ok: false, message: `--delay ${values.delay}: must be a number of seconds >= 0` };
  }
  const perMinute = values['submits-per-minute'];
  // Digits only: Number() would take '', ' 5', '0x10' and '1e3'. Unset means unlimited, as without a quota.
  const submitsPerMinute =
    perMinute === undefined ? undefined : /^\d{1,5}$/.test(perMinute) ? Number(perMinute) : NaN;
  if (submitsPerMinute !== undefined && !(submitsPerMinute >= 1 && submitsPerMinute <= 10_000)) {
    return {
      ok: false,
      message: `--submits-per-minute ${perMinute}: must be an integer from 1 to 10000 (leave it out for no quota)`,
    };
  }
  return {
    ok: true,
    options: {
      port,
      host: values.host,
      delaySeconds,
      submitsPerMinute,
      gcs: values.gcs,
      pubsub: values.pubsub,
    },
  };
}
