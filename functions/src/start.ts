// `npm start`: the whole product in one process on localhost — the `mcp` function served by the real
// functions-framework, with the in-process poller, local blob links and (without credentials) the Veo simulator.
// It listens on HOST, 127.0.0.1 by default; another interface needs an AUTH_MODE (config/loader.ts refuses it
// otherwise), since without one every caller is the unauthenticated local principal.
import './node-version.js';
import { getTestServer } from '@google-cloud/functions-framework/testing';
import { loadConfig } from './config/index.js';
import { shutdown } from './index.js';
import { installJsonRpcBodyErrorsOnServer } from './mcp/http.js';

const { port, host } = loadConfig();
const server = getTestServer('mcp');
installJsonRpcBodyErrorsOnServer(server);
server.listen(port, host);
server.on('error', (err) => {
  console.error(`Could not listen on ${host}:${port}: ${err.message}. Set PORT to a free port.`);
  process.exit(1);
});
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    server.closeAllConnections();
    server.close(() => void shutdown().then(() => process.exit(0)));
  });
}
