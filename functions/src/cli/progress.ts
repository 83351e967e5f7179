// How `veo-mcp watch` and `submit --wait` show an operation in progress: on a terminal one live line (spinner,
// status, elapsed time, the queue's reason) redrawn in place; elsewhere (pipes, CI logs, tests) one plain line per
// status change, so a log holds no carriage returns or escape codes.

/** Where the CLI writes: process.stdout/stderr, or a fake in tests (isTTY chosen by the test). */
export interface Output {
  write(text: string): unknown;
  isTTY?: boolean;
}

export interface ProgressView {
  status: string;
  queue?: { reason: string; position?: number };
}

export interface Progress {
  /** Shows the latest view of the operation. */
  update(view: ProgressView): void;
  /** Ends the live line (a terminal gets its line cleared) before the result is printed. */
  stop(): void;
}

const FRAMES = '⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏';
/** Erase the whole line and return to its start (ECMA-48 EL 2, then CR). */
const CLEAR_LINE = '\r\x1b[2K';

/** `42s`, `3m05s`: elapsed time as a person reads it. */
export function formatElapsed(ms: number): string {
  const seconds = Math.max(0, Math.floor(ms / 1000));
  if (seconds < 60) return `${seconds}s`;
  return `${Math.floor(seconds / 60)}m${String(seconds % 60).padStart(2, '0')}s`;
}

function describe(view: ProgressView): string {
  if (!view.queue) return view.status;
  const place = view.queue.position === undefined ? '' : `, place ${view.queue.position + 1}`;
  return `${view.status} (waiting: ${view.queue.reason}${place})`;
}

/**
 * A progress display for one operation. `now` is the clock (ms); `tickMs` is how often a terminal's spinner and
 * elapsed time are redrawn between polls (0: only on updates, which tests use to see exactly what was drawn).
 */
export function createProgress(out: Output, operationId: string, now: () => number, tickMs = 100): Progress {
  const started = now();
  let frame = 0;
  let last: ProgressView | undefined;
  let lastLine = '';
  let timer: ReturnType<typeof setInterval> | undefined;

  const draw = () => {
    if (!last) return;
    const spinner = FRAMES[frame++ % FRAMES.length];
    out.write(`${CLEAR_LINE}${spinner} ${operationId} ${describe(last)} ${formatElapsed(now() - started)}`);
  };

  return {
    update(view) {
      last = view;
      if (out.isTTY) {
        draw();
        if (!timer && tickMs > 0) {
          timer = setInterval(draw, tickMs);
          timer.unref(); // The poll loop, not the spinner, keeps the process alive.
        }
        return;
      }
      const line = describe(view);
      if (line !== lastLine) out.write(`${operationId} ${line} after ${formatElapsed(now() - started)}\n`);
      lastLine = line;
    },
    stop() {
      if (timer) clearInterval(timer);
      timer = undefined;
      if (out.isTTY && last) out.write(CLEAR_LINE);
    },
  };
}
