// The local startup banner: where the endpoint is, which Veo backend is in use, and how to connect clients.
import type { Runtime } from './runtime.js';

export function printBanner(runtime: Runtime): void {
  const { config, backendLabel, veoBaseUrl } = runtime;
  const url = `${config.publicBaseUrl}/mcp`;
  const backend =
    backendLabel === 'simulator'
      ? `simulator (Vertex AI wire protocol at ${veoBaseUrl}) — test patterns, not real Veo videos, no cost`
      : `${backendLabel}${veoBaseUrl ? ` at ${veoBaseUrl}` : ''} — real Veo generations, billed per second`;
  const lines = [
    '',
    '  Veo MCP Cloud',
    `  MCP endpoint : ${url}   (Streamable HTTP, stateless)`,
    `  Veo backend  : ${backend}`,
    `  Spend limits : ${config.limits.dailySecondsPerPrincipal} s of video per principal per UTC day (${config.limits.dailySecondsTotal} s in all), ${config.limits.requestsPerMinute} tool calls/min, ${config.limits.maxRunning} running   (get_usage)`,
    `  Veo pace     : ${config.admission.submitsPerMinute} submits/min per model, up to ${config.admission.maxQueuedPerPrincipal} waiting per principal; breaker after ${config.admission.breakerFailures} failures in ${config.admission.breakerWindowSeconds} s   (list_video_models)`,
    `  Store        : ${config.store.kind}   Blobs: ${config.blobs.kind} (${config.blobs.kind === 'gcs' ? `gs://${config.blobs.bucket}` : config.blobs.dir})   Queue: ${config.queue.kind}`,
    '',
    '  Connect:',
    `    Claude Code : claude mcp add --transport http veo ${url}`,
    `    Gemini CLI  : gemini mcp add --transport http veo ${url}   (in a folder Gemini CLI trusts)`,
    `    Inspector   : npx @modelcontextprotocol/inspector --cli ${url} --transport http --method tools/list`,
    '',
  ];
  process.stdout.write(lines.join('\n') + '\n');
}
