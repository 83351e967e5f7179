// get_usage: the caller's usage and what is left of each spend limit (operations/budget.ts), with when it resets.
import { z } from 'zod';
import type { McpServer, RegisteredTool } from '@modelcontextprotocol/server';
import { LIMIT_SETTINGS, type Operations } from '../../operations/index.js';
import { dailyLimitOf, dayResetsAt, minuteResetsAt } from '../../operations/budget.js';
import { strictFields } from '../../video/input-rules.js';
import { guarded } from '../tool-errors.js';

const LimitSchema = z.object({
  setting: z.string().describe('The setting that sets this limit (the name refusals use).'),
  description: z.string(),
  limit: z.number(),
  used: z.number(),
  remaining: z.number().describe('limit - used, at least 0.'),
  resets_at: z
    .string()
    .optional()
    .describe('When the window ends (ISO 8601, UTC); absent for running operations, freed as they end.'),
});

const inputSchema = strictFields(z.object({}), 'get_usage arguments');

const outputSchema = z.object({
  principal: z.string().describe('Who the limits apply to: you, as this server identifies you.'),
  limits: z.array(LimitSchema),
  as_of: z.string().describe('When the usage was read (ISO 8601).'),
});

export function registerGetUsageTool(
  server: McpServer,
  operations: Operations,
  principal: string,
): RegisteredTool {
  return server.registerTool(
    'get_usage',
    {
      title: 'Get usage',
      description:
        'Your spend limits and what is left of each: seconds of video started today (UTC) for you and for the ' +
        'whole server, operations still running, and tool calls this minute, each with when it resets. ' +
        'generate_video is refused when a request would go over one of them.',
      inputSchema,
      outputSchema,
      annotations: { readOnlyHint: true, idempotentHint: true, openWorldHint: false },
    },
    guarded('get_usage', async () => {
      const { usage, limits, at } = await operations.usage(principal);
      const day = dayResetsAt(at).toISOString();
      const entry = (
        setting: string,
        description: string,
        limit: number,
        used: number,
        resetsAt?: string,
      ) => ({ setting, description, limit, used, remaining: Math.max(0, limit - used), resets_at: resetsAt });
      const rows = [
        entry(
          LIMIT_SETTINGS.principalDay,
          'Seconds of video you may start per UTC day (duration × number of videos).',
          dailyLimitOf(limits, principal),
          usage.principalDaySeconds,
          day,
        ),
        entry(
          LIMIT_SETTINGS.totalDay,
          'Seconds of video all callers together may start per UTC day.',
          limits.dailySecondsTotal,
          usage.totalDaySeconds,
          day,
        ),
        entry(LIMIT_SETTINGS.running, 'Your operations not yet finished.', limits.maxRunning, usage.running),
        entry(
          LIMIT_SETTINGS.perMinute,
          'Your tool calls in the current UTC minute (this one included).',
          limits.requestsPerMinute,
          usage.callsThisMinute,
          minuteResetsAt(at).toISOString(),
        ),
      ];
      const text = rows
        .map(
          (r) =>
            `${r.setting}: ${r.used} of ${r.limit} used, ${r.remaining} left` +
            (r.resets_at ? ` (resets ${r.resets_at})` : ' (frees up as operations finish)'),
        )
        .join('\n');
      return {
        content: [{ type: 'text', text }],
        structuredContent: { principal, limits: rows, as_of: at.toISOString() },
      };
    }),
  );
}
