// Entry point for functions-framework (package.json "main"): registers the `mcp` HTTP function and the
// Pub/Sub-triggered `poller` and `requests` CloudEvent functions. Each instance builds its adapters once, on first use.
// Configuration is parsed at import, so a bad setting stops the instance at startup with a message naming it.
import { cloudEvent, http, type CloudEvent } from '@google-cloud/functions-framework';
import { printBanner } from './banner.js';
import { ConfigError, loadConfig, type Config } from './config/index.js';
import { createMcpHttpHandler } from './mcp/http.js';
import { createPollerHandler, type PubSubMessageData } from './poller/handler.js';
import { createRequestsHandler } from './requests/handler.js';
import { createRuntime, type Runtime } from './runtime.js';

let config: Config;
try {
  config = loadConfig();
} catch (err) {
  if (err instanceof ConfigError) {
    console.error(err.message);
    process.exit(1);
  }
  throw err;
}

let runtime: Promise<Runtime> | undefined;
const getRuntime = (): Promise<Runtime> => (runtime ??= createRuntime(config));

/** Closes this instance's clients (Firestore, Pub/Sub, the embedded simulator); safe to call more than once. */
export async function shutdown(): Promise<void> {
  const current = runtime;
  runtime = undefined;
  if (current) await (await current).close();
}
// The platform sends SIGTERM before stopping an instance: flush and close clients while it waits.
process.once('SIGTERM', () => void shutdown());

// Build the adapters while functions-framework starts listening, so the first request does not wait for them
// (on the platform that is instance start-up, with its CPU boost). On a laptop, say how to connect; the banner is for
// the MCP endpoint, so a poller process (QUEUE=pubsub) stays quiet, and `npm start` fails loudly if it cannot start.
// Elsewhere a failure here is dropped and retried by the first request, which reports it.
const warming = getRuntime();
if (!config.onCloud && config.queue.kind === 'inprocess') void warming.then(printBanner);
else
  warming.catch(() => {
    runtime = undefined;
  });

http('mcp', createMcpHttpHandler(getRuntime));
const poll = createPollerHandler(getRuntime);
cloudEvent<PubSubMessageData>('poller', async (event: CloudEvent<PubSubMessageData>) => {
  await poll(event);
});
const request = createRequestsHandler(getRuntime);
cloudEvent<PubSubMessageData>('requests', async (event: CloudEvent<PubSubMessageData>) => {
  await request(event);
});
