// The pipelines under load on the emulators: N catalog requests, each delivered 1-5 times at once and a fifth of them
// again after they finished, must start exactly N Veo jobs and publish exactly N completion events (the suite checks
// the same with 10 requests: test/emulator/pipelines.test.ts). Reports how long it took and whether it held.
// Usage: npm run bench:pipelines -- [--requests 100]   (`npm run bench` runs it with 100.)
import { parseArgs } from 'node:util';
import { useEmulators, type Emulators } from '../helpers/emulators.js';
import { runCatalog, startPipelines } from '../helpers/pipelines.js';

export interface PipelineLoadMetrics {
  requests: number;
  deliveries: number;
  veoSubmits: number;
  completionEventsPublished: number;
  completionEventsReceived: number;
  /** Distinct requests among the completion events received. */
  distinctRequests: number;
  duplicateDeliveries: number;
  /** First publish → every request's completion event received, and → every delivery handled (ms). */
  allCompletedMs: number;
  allDeliveredMs: number;
  /** Every count is exactly what exactly-once processing gives. */
  exactlyOnce: boolean;
}

export async function measurePipelineLoad(
  emulators: Emulators,
  requests: number,
): Promise<PipelineLoadMetrics> {
  const pipelines = await startPipelines(emulators, { bucket: 'veo-bench-pipelines' });
  try {
    const run = await runCatalog(pipelines, requests);
    const distinctRequests = new Set(run.completed.map((e) => e.request_id)).size;
    return {
      requests,
      deliveries: run.published,
      veoSubmits: run.submits,
      completionEventsPublished: run.completionPublishes,
      completionEventsReceived: run.completed.length,
      distinctRequests,
      duplicateDeliveries: run.duplicate,
      allCompletedMs: Math.round(run.completedMs),
      allDeliveredMs: Math.round(run.deliveredMs),
      exactlyOnce:
        run.submits === requests &&
        run.started === requests &&
        run.duplicate === run.published - requests &&
        run.completionPublishes === requests &&
        run.completed.length === requests &&
        distinctRequests === requests &&
        run.completed.every((e) => e.status === 'SUCCEEDED'),
    };
  } finally {
    await pipelines.close();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({ options: { requests: { type: 'string', default: '100' } } });
  const emulators = await useEmulators();
  try {
    const metrics = await measurePipelineLoad(emulators, Number(values.requests));
    console.log(JSON.stringify(metrics, null, 2));
    process.exitCode = metrics.exactlyOnce ? 0 : 1;
  } finally {
    await emulators.stop();
  }
  process.exit();
}
