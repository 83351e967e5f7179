// `npm run simulator -- --port N [--delay SECONDS] [--host H] [--gcs] [--pubsub]`: a standalone Veo simulator that
// several processes can share through VEO_BASE_URL. --gcs writes Vertex outputs to outputGcsUri and --pubsub
// publishes Vertex completion notices, through the Google client libraries (emulators via *_EMULATOR_HOST).
import { parseArgs } from 'node:util';
import { gcsWriter, pubsubNotifier } from './gcp-hooks.js';
import { VeoSimulator } from './server.js';

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '0' },
    host: { type: 'string', default: '127.0.0.1' },
    delay: { type: 'string', default: '4' },
    gcs: { type: 'boolean', default: false },
    pubsub: { type: 'boolean', default: false },
  },
});
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
const simulator = new VeoSimulator({
  delaySeconds,
  writeObject: values.gcs ? await gcsWriter() : undefined,
  notify: values.pubsub ? await pubsubNotifier() : undefined,
});
const url = await simulator.listen(port, values.host);
console.log(`Veo simulator (Vertex AI wire protocol) listening on ${url}`);
console.log(`Point the server at it: VEO_BASE_URL=${url} VEO_BACKEND=simulator`);
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => void simulator.close().then(() => process.exit(0)));
}
