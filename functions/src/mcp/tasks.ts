// The MCP Tasks extension (`io.modelcontextprotocol/tasks`, SEP-2663, status Final; read 2026-12-02 in
// modelcontextprotocol/modelcontextprotocol seps/2663-tasks-extension.md) for generate_video, extend_video and
// edit_video. A client that declares the extension in a 2026-07-28 request's per-request capabilities gets a task
// handle (CreateTaskResult, `resultType: "task"`) instead of the operation, and follows it with tasks/get,
// tasks/update and tasks/cancel. The task IS the operation: the task id is the operation id, and status, status
// message, poll interval and TTL are read from the operation record on every call, so any instance answers for any
// task, after a restart too, and only to its principal (another principal's task answers like a missing one).
//
// SDK v2 (2.4) does not ship this extension; its draft (typescript-sdk PR #2782, `@modelcontextprotocol/server/
// ext/tasks`, read 2026-12-02) is a `TasksExtension` that advertises the capability, serves the three methods as
// explicit-schema custom methods, refuses requests that did not declare the extension (-32021) and binds tasks to
// the request principal. This module keeps those names and that shape so the SDK's version can replace it.
//
// Not applicable here, by the spec's own terms: `input_required` (our generations never ask the client anything, so
// tasks/update acknowledges and ignores every response, as the spec says of keys not outstanding), `failed` (a video
// that fails is a tool result, `completed`; `failed` is for JSON-RPC errors during execution, and ours happen before
// the task exists), and notifications/tasks (our endpoint is stateless and keeps no subscriptions).
import { z } from 'zod';
import {
  CLIENT_CAPABILITIES_META_KEY,
  MissingRequiredClientCapabilityError,
  ProtocolError,
  ProtocolErrorCode,
  type CallToolResult,
  type McpServer,
  type RegisteredTool,
  type ServerContext,
} from '@modelcontextprotocol/server';
import { AppError, errorPolicy } from '../errors.js';
import { errorFields, log, logWithReference } from '../log.js';
import type { Clock } from '../operations/clock.js';
import type { Operations } from '../operations/index.js';
import { isTerminal, type OperationRecord, type OperationStatus } from '../operations/record.js';
import { viewOperation } from './operation-view.js';
import { startResult } from './start-generation.js';

export const TASKS_EXTENSION_ID = 'io.modelcontextprotocol/tasks';

/** The tools whose calls may become tasks: the three that start a generation. */
export const TASK_TOOLS: ReadonlySet<string> = new Set(['generate_video', 'extend_video', 'edit_video']);

/** SEP-2663 "Task Status". */
export type TaskStatus = 'working' | 'input_required' | 'completed' | 'cancelled' | 'failed';

/** SEP-2663 `Task`: operational metadata (integer milliseconds, ISO 8601 times). */
export interface Task {
  taskId: string;
  status: TaskStatus;
  statusMessage?: string;
  createdAt: string;
  lastUpdatedAt: string;
  /** Time to live from creation; null for unlimited. */
  ttlMs: number | null;
  pollIntervalMs?: number;
}

/** SEP-2663 `CreateTaskResult = Result & Task`, flat, with `resultType: "task"`. */
export type CreateTaskResult = Task & { resultType: 'task' };

/** SEP-2663 `DetailedTask` as tasks/get answers it: a completed task inlines the tool result. */
export type DetailedTask = Task & { result?: CallToolResult };

/** When to suggest the next tasks/get: when the record says news can come, within these bounds. */
const POLL_INTERVAL_MS = { floor: 1000, ceiling: 60_000, fallback: 5000 } as const;

const TaskIdParams = z
  .object({ taskId: z.string().describe('The task id (the operation_id).') })
  .passthrough();

/** Whether this request declared the extension in its per-request client capabilities (2026-07-28 envelope). */
export function tasksDeclared(ctx: ServerContext): boolean {
  const envelope: Record<string, unknown> | undefined = ctx.mcpReq.envelope;
  const capabilities = envelope?.[CLIENT_CAPABILITIES_META_KEY];
  if (!capabilities || typeof capabilities !== 'object') return false;
  const extensions = (capabilities as { extensions?: unknown }).extensions;
  if (!extensions || typeof extensions !== 'object') return false;
  const declared: unknown = (extensions as Record<string, unknown>)[TASKS_EXTENSION_ID];
  return typeof declared === 'object' && declared !== null;
}

/** SEP-2663 status of an operation: in progress is `working`; every other end is a completed tool call. */
export function taskStatusOf(status: OperationStatus): TaskStatus {
  if (!isTerminal(status)) return 'working';
  return status === 'CANCELLED' ? 'cancelled' : 'completed';
}

/** The task an operation record is, at `now`. */
export function taskOf(record: OperationRecord, now: Date): Task {
  const status = taskStatusOf(record.status);
  return {
    taskId: record.id,
    status,
    statusMessage: statusMessageOf(record, now),
    createdAt: record.createdAt,
    lastUpdatedAt: record.updatedAt,
    // The record is kept (Firestore TTL) until expireAt: that is how long tasks/get can answer.
    ttlMs: Math.max(0, Date.parse(record.expireAt) - Date.parse(record.createdAt)),
    ...(status === 'working' ? { pollIntervalMs: pollIntervalOf(record, now) } : {}),
  };
}

/**
 * Until the record can next change: a generation waiting in line until its estimated start, one at the model
 * until its next scheduled poll (the poller notices completion then). Integer milliseconds, within bounds.
 */
function pollIntervalOf(record: OperationRecord, now: Date): number {
  const next = record.waiting?.estimatedStartAt ?? record.nextPollAt;
  const until = next === undefined ? NaN : Date.parse(next) - now.getTime();
  const wanted = Number.isFinite(until) ? until : POLL_INTERVAL_MS.fallback;
  return Math.ceil(Math.min(POLL_INTERVAL_MS.ceiling, Math.max(POLL_INTERVAL_MS.floor, wanted)));
}

/** Progress in words (tasks carry no progress numbers): where the generation is and for how long. */
function statusMessageOf(record: OperationRecord, now: Date): string {
  const since = (iso: string) => Math.max(0, Math.round((now.getTime() - Date.parse(iso)) / 1000));
  switch (record.status) {
    case 'QUEUED': {
      const queue = viewOperation(record, []).queue;
      return queue
        ? `QUEUED for ${since(record.createdAt)}s. ${queue.message}`
        : `QUEUED for ${since(record.createdAt)}s: being sent to ${record.model}.`;
    }
    case 'RUNNING':
      return `RUNNING at ${record.model} for ${since(record.submittedAt ?? record.createdAt)}s (${record.request.durationSeconds}s of video).`;
    case 'SUCCEEDED':
      return `SUCCEEDED: ${record.outputs.length} video(s); signed links in result.`;
    default:
      return `${record.status}${record.error ? `: ${record.error.message}` : '.'}`;
  }
}

/** The tools/call answer that hands the caller a task instead of the operation. */
export function createTaskResult(record: OperationRecord, now: Date): CreateTaskResult {
  return { resultType: 'task', ...taskOf(record, now) };
}

const isCreateTaskResult = (result: unknown): boolean =>
  typeof result === 'object' && result !== null && (result as { resultType?: unknown }).resultType === 'task';

export interface TasksDeps {
  operations: Operations;
  clock: Clock;
  /** The verified caller of this request: every task call is answered for this principal only. */
  principal: string;
}

/**
 * The extension for one request's server. `attach` before connecting; `wrap` each registered tool (only the
 * TASK_TOOLS are changed).
 */
export class TasksExtension {
  readonly id = TASKS_EXTENSION_ID;
  private readonly deps: TasksDeps;

  constructor(deps: TasksDeps) {
    this.deps = deps;
  }

  /** Declares the capability and serves tasks/get, tasks/update and tasks/cancel on `mcp`. */
  attach(mcp: McpServer): void {
    const server = mcp.server;
    server.registerCapabilities({ extensions: { [TASKS_EXTENSION_ID]: {} } });
    // Explicit-schema handlers: the SDK's era gate lets tasks/get and tasks/cancel (2025-11-25 core names)
    // through on 2026-07-28 only when registered this way (isExtensionReusedRequestMethod).
    server.setRequestHandler('tasks/get', { params: TaskIdParams }, (params, ctx) =>
      this.answer(ctx, async () => this.get(params.taskId)),
    );
    server.setRequestHandler('tasks/update', { params: TaskIdParams }, (params, ctx) =>
      this.answer(ctx, async () => {
        // The SDK lifts `inputResponses` out of params (SEP-2322 retry material) into ctx.mcpReq.inputResponses.
        if (ctx.mcpReq.inputResponses === undefined) {
          throw new ProtocolError(
            ProtocolErrorCode.InvalidParams,
            'Invalid params for tasks/update: inputResponses is required (an object of responses keyed by the ' +
              "task's inputRequests keys).",
          );
        }
        // Our generations never ask for input: no key is ever outstanding, so every response is ignored (SEP-2663
        // "Task Update Requests": a server SHOULD ignore responses for keys not currently outstanding). The task
        // must still be the caller's: an unknown one is an error.
        await this.deps.operations.get(this.deps.principal, params.taskId);
        return {};
      }),
    );
    server.setRequestHandler('tasks/cancel', { params: TaskIdParams }, (params, ctx) =>
      this.answer(ctx, async () => {
        // The same domain call as cancel_video_operation; an ended operation is left as it is (an idempotent ack).
        await this.deps.operations.cancel(this.deps.principal, params.taskId);
        return {};
      }),
    );
    // SDK 2.4 checks every tools/call result against the tool's outputSchema and turns a result without
    // structuredContent into a tool error. A CreateTaskResult is not the tool's output (SEP-2663: the output comes
    // inlined in tasks/get), so it passes untouched. The SDK keeps this check in a TypeScript-private method; this
    // is the one place we reach into it, and the task tests fail if a new SDK changes it.
    const internals = mcp as unknown as {
      validateToolOutput: (tool: unknown, result: unknown, name: string) => Promise<void>;
    };
    const validate = internals.validateToolOutput.bind(mcp);
    internals.validateToolOutput = (tool, result, name) =>
      isCreateTaskResult(result) ? Promise.resolve() : validate(tool, result, name);
  }

  /**
   * Makes a starting tool answer with a task when the request declared the extension and the operation is still in
   * progress once the tool returns (an ended one, e.g. an idempotent replay, is answered in full at once, as the
   * spec allows). The record is read back before answering: SEP-2663 "Task Creation" wants tasks/get to resolve
   * the moment the handle is out, and the read proves it.
   */
  wrap(name: string, tool: RegisteredTool): void {
    if (!TASK_TOOLS.has(name)) return;
    const run = tool.executor;
    tool.executor = async (args, ctx) => {
      const result = (await run(args, ctx)) as CallToolResult;
      const view = result.structuredContent as Record<string, unknown> | undefined;
      if (!tasksDeclared(ctx) || result.isError || !view || view['done'] !== false) return result;
      const id = String(view['operation_id']);
      try {
        const record = await this.deps.operations.get(this.deps.principal, id);
        if (isTerminal(record.status)) return result;
        return createTaskResult(record, this.deps.clock.now()) as unknown as CallToolResult;
      } catch (err) {
        // The operation exists (the tool just started it): answering with it is still right, only not as a task.
        log.warn('Could not read back a new task; answered with the operation', {
          operationId: id,
          ...errorFields(err),
        });
        return result;
      }
    };
  }

  /** tasks/get: the task now; a completed one inlines its final tool result. */
  private async get(taskId: string): Promise<DetailedTask> {
    const record = await this.deps.operations.get(this.deps.principal, taskId);
    const task = taskOf(record, this.deps.clock.now());
    if (task.status !== 'completed') return task;
    // What the starting tool returns for an ended operation (as with wait_seconds), with fresh signed links.
    const view = viewOperation(record, await this.deps.operations.links(record));
    return { ...task, result: startResult(view, `Operation ${view.status}.`, { replay: false, waited: 0 }) };
  }

  /**
   * The frame every task method shares: the request must have declared the extension (SEP-2663 "Protocol Errors":
   * -32021 otherwise), counts against the caller's per-minute limit like the tools it replaces (polling is what
   * the limit is for), and domain errors become JSON-RPC errors — an unknown task (or another principal's) is
   * -32602, as the spec requires.
   */
  private async answer(ctx: ServerContext, body: () => Promise<object>): Promise<Record<string, unknown>> {
    if (!tasksDeclared(ctx)) {
      throw new MissingRequiredClientCapabilityError(
        { requiredCapabilities: { extensions: { [TASKS_EXTENSION_ID]: {} } } },
        `Missing required client capability: declare the ${TASKS_EXTENSION_ID} extension in this request's ` +
          '_meta["io.modelcontextprotocol/clientCapabilities"].extensions to use tasks/* methods.',
      );
    }
    try {
      await this.deps.operations.admitCall(this.deps.principal);
      // Result shapes are spec-typed above; the SDK's handler type is an open record.
      return (await body()) as Record<string, unknown>;
    } catch (err) {
      throw asProtocolError(err);
    }
  }
}

/** A domain error as the JSON-RPC error a task method answers with (errors.ts says what callers may read). */
function asProtocolError(err: unknown): Error {
  if (err instanceof ProtocolError) return err;
  if (err instanceof AppError && err.code === 'NOT_FOUND') {
    return new ProtocolError(ProtocolErrorCode.InvalidParams, `Failed to retrieve task: ${err.message}`);
  }
  const policy = errorPolicy(err);
  if (policy.showMessage && err instanceof AppError) {
    return new ProtocolError(policy.jsonRpcCode, `${policy.code}: ${err.message}`);
  }
  const reference = logWithReference('Task method failed unexpectedly', err);
  return new ProtocolError(ProtocolErrorCode.InternalError, `Internal error (reference ${reference}).`);
}
