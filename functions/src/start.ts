// `npm start`: the whole product in one process on localhost — the `mcp` function served by the real
// functions-framework, with the in-process poller, local blob links and (without credentials) the Veo simulator.
import './node-version.js';
import { getTestServer } from '@google-cloud/functions-framework/testing';
import { loadConfig } from './config/index.js';
import { shutdown } from './index.js';

const { port } = loadConfig();
const server = getTestServer('mcp');
server.listen(port, '127.0.0.1');
server.on('error', (err) => {
  console.error(`Could not listen on 127.0.0.1:${port}: ${err.message}. Set PORT to a free port.`);
  process.exit(1);
});
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    server.closeAllConnections();
    server.close(() => void shutdown().then(() => process.exit(0)));
  });
}
