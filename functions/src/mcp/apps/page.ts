// One self-contained MCP Apps View page: inline style and script (no CDN, nothing fetched but the videos), a
// Content-Security-Policy that allows the inline code by hash and media from exactly the given origins, and the small
// View side of the MCP Apps protocol that both apps share.
//
// Protocol: MCP Apps 2026-01-26 (github.com/modelcontextprotocol/ext-apps specification/2026-01-26/apps.mdx, read
// 2026-12-02): the View speaks JSON-RPC 2.0 over postMessage with its parent (the host): `ui/initialize` (appInfo,
// appCapabilities, protocolVersion) then `ui/notifications/initialized`; the host sends
// `ui/notifications/tool-result` with the CallToolResult, answers `tools/call` by proxying it to this server, and
// asks `ui/resource-teardown` before removing the View. The View reports its size with
// `ui/notifications/size-changed`. ext-apps' own App class would add ~150 kB of bundled zod and SDK to every page;
// these ~40 lines speak the same messages, and the browser test drives them with ext-apps' AppBridge (the host side).
import { createHash } from 'node:crypto';

/** The MCP Apps protocol version this View speaks (ext-apps 2.0.4 LATEST_PROTOCOL_VERSION). */
export const APPS_PROTOCOL_VERSION = '2026-01-26';

/**
 * The View side of the protocol, as browser JavaScript: `mcpHost.connect(name)`, `mcpHost.callTool(name, args)`,
 * `mcpHost.on(method, handler)`. Only messages from the parent window are read.
 */
const BRIDGE = `
const mcpHost = (() => {
  let nextId = 1;
  const pending = new Map();
  const handlers = { ping: () => ({}), 'ui/resource-teardown': () => ({}) };
  const send = (message) => parent.postMessage({ jsonrpc: '2.0', ...message }, '*');
  addEventListener('message', (event) => {
    const m = event.data;
    if (event.source !== parent || !m || m.jsonrpc !== '2.0') return;
    if (m.method === undefined) {
      const p = pending.get(m.id);
      if (!p) return;
      pending.delete(m.id);
      if (m.error) p.reject(new Error(m.error.message));
      else p.resolve(m.result);
      return;
    }
    const handler = handlers[m.method];
    if (m.id === undefined) {
      if (handler) handler(m.params || {});
      return;
    }
    if (!handler) return send({ id: m.id, error: { code: -32601, message: 'Method not found: ' + m.method } });
    Promise.resolve()
      .then(() => handler(m.params || {}))
      .then(
        (result) => send({ id: m.id, result: result || {} }),
        (err) => send({ id: m.id, error: { code: -32603, message: String(err && err.message) } }),
      );
  });
  const request = (method, params) =>
    new Promise((resolve, reject) => {
      const id = nextId++;
      pending.set(id, { resolve, reject });
      send({ id, method, params });
    });
  const notify = (method, params) => send({ method, params });
  return {
    on(method, handler) { handlers[method] = handler; },
    async connect(name) {
      const init = await request('ui/initialize', {
        appInfo: { name, version: '1.0.0' },
        appCapabilities: {},
        protocolVersion: '${APPS_PROTOCOL_VERSION}',
      });
      notify('ui/notifications/initialized', {});
      new ResizeObserver(() => {
        const el = document.documentElement;
        notify('ui/notifications/size-changed', { width: el.scrollWidth, height: el.scrollHeight });
      }).observe(document.documentElement);
      return init;
    },
    callTool: (name, args) => request('tools/call', { name, arguments: args }),
  };
})();
const el = (tag, props, ...children) => {
  const node = Object.assign(document.createElement(tag), props);
  for (const child of children) if (child !== undefined && child !== null) node.append(child);
  return node;
};
const FINAL = ['SUCCEEDED', 'FAILED', 'FILTERED', 'CANCELLED', 'EXPIRED'];
const money = (usd) => '$' + Number(usd || 0).toFixed(2);
const clock = (s) => Math.floor(s / 60) + ':' + String(Math.floor(s % 60)).padStart(2, '0');
const textOf = (result) => (result.content || []).filter((c) => c.type === 'text').map((c) => c.text).join('\\n');
`;

const STYLE = `
:root { color-scheme: light dark; font: 14px/1.4 system-ui, sans-serif; }
body { margin: 0; padding: 12px; }
h1 { font-size: 15px; margin: 0 0 8px; }
video { width: 100%; max-height: 70vh; background: #000; border-radius: 6px; display: block; }
dl { display: grid; grid-template-columns: max-content 1fr; gap: 2px 12px; margin: 8px 0 0; }
dt { opacity: 0.7; } dd { margin: 0; overflow-wrap: anywhere; }
.status { font-weight: 600; padding: 1px 6px; border-radius: 4px; background: #8884; }
.SUCCEEDED { background: #2a74; } .FAILED, .FILTERED, .EXPIRED { background: #c334; } .CANCELLED { background: #8886; }
.error { color: #c33; }
ul { list-style: none; padding: 0; margin: 0; }
li { border-top: 1px solid #8884; padding: 8px 0; }
li .row { display: flex; gap: 8px; align-items: baseline; flex-wrap: wrap; }
li .prompt { opacity: 0.85; }
button { font: inherit; }
`;

const sha256 = (text: string): string => `'sha256-${createHash('sha256').update(text).digest('base64')}'`;

/**
 * The page's own CSP, enforced together with the host's (a document obeys every policy it is given): inline code
 * only by hash, media only from `mediaOrigins`, no images, connections (tools are called through the host), frames,
 * forms or base URL. The host builds its policy from the resource's `_meta.ui.csp.resourceDomains`, which the spec
 * maps to script-src and style-src as well as media-src; this one keeps scripts to our own even so.
 */
export function pagePolicy(script: string, mediaOrigins: readonly string[]): string {
  const media = mediaOrigins.length ? mediaOrigins.join(' ') : "'none'";
  return [
    "default-src 'none'",
    `script-src ${sha256(script)}`,
    `style-src ${sha256(STYLE)}`,
    `media-src ${media}`,
    "connect-src 'none'",
    "frame-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
  ].join('; ');
}

/** The complete HTML of one app: `app` is its own script, run after the shared bridge. */
export function appPage(title: string, app: string, mediaOrigins: readonly string[]): string {
  const script = `${BRIDGE}\n${app}`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="${pagePolicy(script, mediaOrigins)}">
<title>${title}</title>
<style>${STYLE}</style>
</head>
<body>
<main id="app"><p>Loading…</p></main>
<script>${script}</script>
</body>
</html>
`;
}
