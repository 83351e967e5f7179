// Operations as MCP resources. Each of the caller's operations is `veo-mcp://operations/{id}` (a resource template);
// reading one returns the operation as JSON — the view get_video_operation returns as structuredContent — with its
// video links signed at the read, so an expired link is one resources/read away from a fresh one. resources/list pages
// through the caller's operations, newest first. An unknown id, a malformed URI and another principal's operation all
// answer the same resource-not-found error: the 2026-07-28 spec's -32602 (Invalid Params) with `data.uri` (SEP-2164,
// which the SDK's ResourceNotFoundError encodes on every revision; checked 2026-12-02 in @modelcontextprotocol/server
// 2.4.0's types and the conformance scenario sep-2164-resource-not-found).
//
// Like tools/call, every resources/read and resources/list counts against REQUESTS_PER_MINUTE_PER_PRINCIPAL: each
// costs store reads (and a read, URL signing), and an agent re-reading in a loop is what the limit is for. A read
// whose URI names no possible operation (not our template, or an id that is not an operation id) is refused before
// anything is read or counted, as a tool call refused for its arguments is. resources/templates/list reads nothing
// and, like tools/list, is not counted.
import {
  ProtocolError,
  ProtocolErrorCode,
  ResourceNotFoundError,
  ResourceTemplate,
  type ListResourcesResult,
  type McpServer,
} from '@modelcontextprotocol/server';
import { AppError, errorPolicy } from '../errors.js';
import { logWithReference } from '../log.js';
import type { Operations } from '../operations/index.js';
import { OPERATION_ID_PATTERN } from '../operations/ids.js';
import { OPERATION_URI_TEMPLATE, operationResource, viewOperation } from './operation-view.js';

/** resources/list page size: the caller's latest operations first; nextCursor pages on to older ones. */
export const RESOURCES_PER_PAGE = 50;
/** Our cursors are a few dozen characters (store/cursor.ts); anything far longer is refused unread. */
const MAX_CURSOR_LENGTH = 200;

/** What the resources need: the domain, and the per-minute call counter (Operations.admitCall for the caller). */
export interface OperationResourceDeps {
  operations: Operations;
  admit: () => Promise<void>;
}

/**
 * Declares the resources capability (no subscribe: a stateless server sends no notifications; no listChanged for the
 * same reason — the list changes with every generation, and clients re-list) and registers the operation template,
 * with resources/list answered here so it can page (the SDK's list callback gets no cursor).
 */
export function registerOperationResources(
  server: McpServer,
  { operations, admit }: OperationResourceDeps,
  principal: string,
): void {
  server.server.registerCapabilities({ resources: { listChanged: false } });
  server.registerResource(
    'video-operation',
    new ResourceTemplate(OPERATION_URI_TEMPLATE, { list: undefined }),
    {
      title: 'Video operation',
      description:
        'One of your video generations as JSON (the view get_video_operation returns), with download links ' +
        'signed at each read: read it again when a link has expired. resources/list lists yours, newest first.',
      mimeType: 'application/json',
      // Per caller, and its links are signed at the read: never shared, never reused.
      cacheHint: { ttlMs: 0, cacheScope: 'private' },
    },
    async (uri, variables) => {
      const id = variables['id'];
      // Only an operation id can name an operation: anything else is a miss before any read (and is not counted).
      if (typeof id !== 'string' || !OPERATION_ID_PATTERN.test(id)) throw notFound(uri.href);
      await asProtocolError('resources/read', admit);
      const record = await operations.get(principal, id).catch((err: unknown) => {
        // Missing and another principal's are one answer (Operations.get does not tell them apart either).
        if (err instanceof AppError && err.code === 'NOT_FOUND') throw notFound(uri.href);
        throw protocolError('resources/read', err);
      });
      const view = await asProtocolError('resources/read', async () =>
        viewOperation(record, await operations.links(record)),
      );
      return {
        contents: [{ uri: uri.href, mimeType: 'application/json', text: JSON.stringify(view, null, 2) }],
      };
    },
  );

  server.server.setRequestHandler('resources/list', async (request): Promise<ListResourcesResult> => {
    const cursor = request.params?.cursor;
    if (cursor !== undefined && cursor.length > MAX_CURSOR_LENGTH) throw invalidCursor(cursor);
    await asProtocolError('resources/list', admit);
    const page = await operations
      .list({ principal, limit: RESOURCES_PER_PAGE, cursor })
      .catch((err: unknown) => {
        if (err instanceof AppError && err.code === 'INVALID_ARGUMENT' && cursor !== undefined) {
          throw invalidCursor(cursor);
        }
        throw protocolError('resources/list', err);
      });
    return {
      resources: page.records.map((record) => ({
        ...operationResource(viewOperation(record, [])),
        annotations: { lastModified: record.updatedAt },
      })),
      ...(page.nextCursor ? { nextCursor: page.nextCursor } : {}),
    };
  });
}

function notFound(uri: string): ResourceNotFoundError {
  return new ResourceNotFoundError(
    uri,
    `Resource not found: ${uri} is not one of your operations. Operation resources are ` +
      `${OPERATION_URI_TEMPLATE} with an operation_id of yours; resources/list lists them.`,
  );
}

function invalidCursor(cursor: string): ProtocolError {
  const shown = cursor.length > 40 ? `${cursor.slice(0, 37)}...` : cursor;
  return new ProtocolError(
    ProtocolErrorCode.InvalidParams,
    `Invalid cursor ${JSON.stringify(shown)}: pass the nextCursor of a previous resources/list result.`,
  );
}

/**
 * What a resource request throws, as a JSON-RPC error the error-policy table (errors.ts) describes: its code, and its
 * message when written for the caller (a spend limit), else a reference to the logged details.
 */
function protocolError(method: string, err: unknown): ProtocolError {
  if (err instanceof ProtocolError) return err;
  const policy = errorPolicy(err);
  if (policy.showMessage && err instanceof AppError) {
    const hint = err.retryable ? ' (temporary: retrying later may succeed)' : '';
    return new ProtocolError(policy.jsonRpcCode, `${policy.code}: ${err.message}${hint}`);
  }
  const reference = logWithReference('Resource request failed unexpectedly', err, { method });
  return new ProtocolError(
    policy.jsonRpcCode,
    `INTERNAL: ${method} failed unexpectedly (reference ${reference}).`,
  );
}

async function asProtocolError<T>(method: string, body: () => Promise<T>): Promise<T> {
  try {
    return await body();
  } catch (err) {
    throw protocolError(method, err);
  }
}
