// Raw 2026-07-28 JSON-RPC over HTTP for the Tasks extension tests, written as SEP-2663 shows the messages (no SDK
// client): the per-request _meta envelope with or without the extension, and the Mcp-Method / Mcp-Name headers
// (Mcp-Name mirrors params.name for tools/call and params.taskId for tasks/*).
import { createHash } from 'node:crypto';

export const MODERN = '2026-07-28';
export const TASKS_EXTENSION = 'io.modelcontextprotocol/tasks';

export interface RpcAnswer {
  status: number;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- assertions read arbitrary result fields
  result?: Record<string, any>;
  error?: { code: number; message: string; data?: unknown };
}

export interface RpcOptions {
  /** x-api-key of the caller. */
  key?: string;
  /** false: the request's client capabilities leave the extension out. */
  tasks?: boolean;
  headers?: Record<string, string>;
}

export async function tasksRpc(
  mcpUrl: string,
  method: string,
  params: Record<string, unknown> = {},
  options: RpcOptions = {},
): Promise<RpcAnswer> {
  const capabilities = options.tasks === false ? {} : { extensions: { [TASKS_EXTENSION]: {} } };
  const name = [params['name'], params['taskId']].find((v) => typeof v === 'string') as string | undefined;
  const response = await fetch(mcpUrl, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      'mcp-protocol-version': MODERN,
      'mcp-method': method,
      ...(options.key === undefined ? {} : { 'x-api-key': options.key }),
      ...(name === undefined ? {} : { 'mcp-name': name }),
      ...options.headers,
    },
    body: JSON.stringify({
      jsonrpc: '2.0',
      id: 1,
      method,
      params: {
        ...params,
        _meta: {
          'io.modelcontextprotocol/protocolVersion': MODERN,
          'io.modelcontextprotocol/clientInfo': { name: 'raw-tasks', version: '1.0.0' },
          'io.modelcontextprotocol/clientCapabilities': capabilities,
        },
      },
    }),
  });
  const body = (await response.json()) as Omit<RpcAnswer, 'status'>;
  return { status: response.status, result: body.result, error: body.error };
}

const sha256 = (key: string) => createHash('sha256').update(key).digest('hex');

/** API_KEY_HASHES for these keys (AUTH_MODE=api_key). */
export const apiKeyHashes = (...keys: string[]): string => keys.map(sha256).join(',');

/** The principal an API key listed in API_KEY_HASHES authenticates as (auth/api-keys). */
export const keyPrincipal = (key: string): string => `key:${sha256(key).slice(0, 12)}`;
