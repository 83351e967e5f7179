// `npm run simulator -- --port N [--delay SECONDS] [--submits-per-minute N] [--host H] [--gcs] [--pubsub]`: a
// standalone Veo simulator that several processes can share through VEO_BASE_URL. --submits-per-minute answers 429
// RESOURCE_EXHAUSTED beyond N accepted submits per model per minute, as Vertex's quota does. --gcs writes Vertex
// outputs to outputGcsUri and reads extension inputs from gs://, --pubsub publishes Vertex completion notices,
// through the Google client libraries (emulators via *_EMULATOR_HOST). POST /simulator/outage {"seconds": N, "status": 503|500} makes it fail for a while.
import { parseArgs } from 'node:util';
import { gcsReader, gcsWriter, pubsubNotifier } from './gcp-hooks.js';
import { VeoSimulator } from './server.js';

const options = {
  port: { type: 'string', default: '0' },
  host: { type: 'string', default: '127.0.0.1' },
  delay: { type: 'string', default: '4' },
  'submits-per-minute': { type: 'string' },
  gcs: { type: 'boolean', default: false },
  pubsub: { type: 'boolean', default: false },
} as const;
let values: ReturnType<typeof parseArgs<{ options: typeof options }>>['values'];
try {
  ({ values } = parseArgs({ options }));
} catch (err) {
  // An unknown flag or a flag without its value: say which, without a stack trace, like the checks below.
  console.error((err as Error).message);
  process.exit(2);
}
const port = Number(values.port);
const delaySeconds = Number(values.delay);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`--port ${values.port}: must be an integer between 0 and 65535`);
  process.exit(2);
}
if (!Number.isFinite(delaySeconds) || delaySeconds < 0) {
  console.error(`--delay ${values.delay}: must be a number of seconds >= 0`);
  process.exit(2);
}
const perMinute = values['submits-per-minute'];
// Digits only: Number() would take '', ' 5', '0x10' and '1e3'. Unset means unlimited, as without a quota.
const submitsPerMinute =
  perMinute === undefined ? undefined : /^\d{1,5}$/.test(perMinute) ? Number(perMinute) : NaN;
if (submitsPerMinute !== undefined && !(submitsPerMinute >= 1 && submitsPerMinute <= 10_000)) {
  console.error(
    `--submits-per-minute ${perMinute}: must be an integer from 1 to 10000 (leave it out for no quota)`,
  );
  process.exit(2);
}
const simulator = new VeoSimulator({
  delaySeconds,
  submitsPerMinute,
  writeObject: values.gcs ? await gcsWriter() : undefined,
  readObject: values.gcs ? await gcsReader() : undefined,
  notify: values.pubsub ? await pubsubNotifier() : undefined,
});
const url = await simulator.listen(port, values.host);
if (submitsPerMinute) console.log(`Quota: ${submitsPerMinute} submits per minute per model`);
console.log(`Veo simulator (Vertex AI wire protocol) listening on ${url}`);
console.log(`Point the server at it: VEO_BASE_URL=${url} VEO_BACKEND=simulator`);
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => void simulator.close().then(() => process.exit(0)));
}
