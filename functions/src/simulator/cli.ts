// `npm run simulator -- --port N [--delay SECONDS] [--submits-per-minute N] [--host H] [--gcs] [--pubsub]`: a
// standalone Veo simulator that several processes can share through VEO_BASE_URL. --submits-per-minute answers 429
// RESOURCE_EXHAUSTED beyond N accepted submits per model per minute, as Vertex's quota does. --gcs writes Vertex
// outputs to outputGcsUri and reads extension inputs from gs://, --pubsub publishes Vertex completion notices,
// through the Google client libraries (emulators via *_EMULATOR_HOST). POST /simulator/outage {"seconds": N, "status": 503|500} makes it fail for a while.
import { parseSimulatorArgs } from './cli-options.js';
import { gcsReader, gcsWriter, pubsubNotifier } from './gcp-hooks.js';
import { VeoSimulator } from './server.js';

const parsed = parseSimulatorArgs(process.argv.slice(2));
if (!parsed.ok) {
  console.error(parsed.message);
  process.exit(2);
}
const { port, host, delaySeconds, submitsPerMinute, gcs, pubsub } = parsed.options;
const simulator = new VeoSimulator({
  delaySeconds,
  submitsPerMinute,
  writeObject: gcs ? await gcsWriter() : undefined,
  readObject: gcs ? await gcsReader() : undefined,
  notify: pubsub ? await pubsubNotifier() : undefined,
});
const url = await simulator.listen(port, host);
if (submitsPerMinute) console.log(`Quota: ${submitsPerMinute} submits per minute per model`);
console.log(`Veo simulator (Vertex AI wire protocol) listening on ${url}`);
console.log(`Point the server at it: VEO_BASE_URL=${url} VEO_BACKEND=simulator`);
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => void simulator.close().then(() => process.exit(0)));
}
