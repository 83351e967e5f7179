// The admission gate of one model on one backend, as pure rules: how fast submissions may go to Veo (a sliding
// one-minute window, as Google counts its per-minute quota), who goes next (a line, first come first served per
// principal and round-robin across principals), and whether Veo is up at all (a circuit breaker). The state is one
// small document per model, read and written in the store's transactions, so every instance obeys one pace and one
// breaker (DESIGN.md "Bursts and outages" says why it is shared rather than per instance).
import type { OperationRecord } from './record.js';

/** Pacing and breaker settings (config: VEO_SUBMITS_PER_MINUTE*, MAX_QUEUED_*, BREAKER_*). */
export interface AdmissionSettings {
  /** Submits per minute per model unless `submitsPerMinuteByModel` names the model. */
  submitsPerMinute: number;
  submitsPerMinuteByModel: Readonly<Record<string, number>>;
  /** Operations one principal may have waiting in one model's line. */
  maxQueuedPerPrincipal: number;
  /** Upstream failures within `breakerWindowSeconds` that open the breaker. */
  breakerFailures: number;
  breakerWindowSeconds: number;
  /** How long an open breaker waits before one probe submit; doubles after a failed probe, up to 16×. */
  breakerOpenSeconds: number;
}

export interface LineEntry {
  id: string;
  principal: string;
  /** When the operation joined the line (epoch ms): its place, kept when a refused submit re-joins. */
  at: number;
  /** Not eligible before this (epoch ms): the principal was at its running limit when its turn came. */
  heldUntil?: number;
}

export interface Breaker {
  /** Epoch ms of recent upstream failures (the window's worth). */
  failures: number[];
  /** Set while open: since when, and when a probe may go. */
  openedAt?: number;
  openUntil?: number;
  /** Consecutive openings without a success in between (the open period doubles with each). */
  openings: number;
  /** A half-open probe in flight: its operation and until when it holds the probe. */
  probe?: { id: string; until: number };
  /** The last failure's message, for callers and logs. */
  lastError?: string;
}

export interface GateState {
  /** Epoch ms of the submits granted in the last minute, oldest first. */
  granted: number[];
  line: LineEntry[];
  breaker: Breaker;
  /** When each principal with operations in line was last granted a submit: the least recently served goes first. */
  served?: Array<{ principal: string; at: number }>;
}

export const emptyGate = (): GateState => ({ granted: [], line: [], breaker: { failures: [], openings: 0 } });

const MINUTE_MS = 60_000;
/**
 * A grant is spaced this much beyond the minute: the submit it allows reaches Veo a little after the grant, and a
 * submit that arrived late must not put the next minute's first one inside Google's window.
 */
export const PACING_MARGIN_MS = 2_000;
/** Longest line per model: keeps the gate document small (Firestore documents hold at most 1 MiB). */
export const MAX_LINE = 2_000;
const MAX_OPEN_FACTOR = 16;
/** While the breaker is open, waiting entries are due at least this far apart. */
const OPEN_SPACING_MS = 1_000;

/** The gate document's key: one per wire API and model (a simulator speaks Vertex's, with its own quota). */
export const gateKeyOf = (record: Pick<OperationRecord, 'backend' | 'model'>): string =>
  `${record.backend}:${record.model}`;

/** A model's admission state as callers see it (list_video_models). */
export interface AdmissionView {
  submitsPerMinute: number;
  /** Generations of all callers waiting in the model's line. */
  waiting: number;
  /** Submits granted in the last minute. */
  submitsLastMinute: number;
  breaker: BreakerView;
}

export function admissionView(gate: GateState, rate: number, now: number): AdmissionView {
  return {
    submitsPerMinute: rate,
    waiting: gate.line.length,
    submitsLastMinute: gate.granted.filter((t) => t > now - MINUTE_MS).length,
    breaker: breakerView(gate, now),
  };
}

export const rateOf = (settings: AdmissionSettings, model: string): number =>
  Object.hasOwn(settings.submitsPerMinuteByModel, model)
    ? settings.submitsPerMinuteByModel[model]!
    : settings.submitsPerMinute;

/** The breaker as callers see it. */
export type BreakerView =
  | { state: 'closed'; recentFailures: number }
  | { state: 'open'; since: Date; probeAt: Date; lastError?: string }
  | { state: 'half-open'; since: Date; lastError?: string };

export function breakerView(gate: GateState, now: number): BreakerView {
  const { breaker } = gate;
  if (breaker.openedAt === undefined) {
    return {
      state: 'closed',
      recentFailures: breaker.failures.filter((t) => t > now - MINUTE_MS * 60).length,
    };
  }
  if (breaker.openUntil !== undefined && now < breaker.openUntil) {
    return {
      state: 'open',
      since: new Date(breaker.openedAt),
      probeAt: new Date(breaker.openUntil),
      lastError: breaker.lastError,
    };
  }
  return { state: 'half-open', since: new Date(breaker.openedAt), lastError: breaker.lastError };
}

/**
 * The line in the order it is served: each principal's operations in arrival order, principals taking turns
 * (round-robin), the one served least recently first (then the one that arrived first), so one principal's burst
 * does not hold everyone else back.
 */
export function fairOrder(
  line: readonly LineEntry[],
  now: number,
  served: GateState['served'] = [],
): LineEntry[] {
  const byPrincipal = new Map<string, LineEntry[]>();
  // A stable sort: entries that arrived in the same millisecond keep the order they joined in.
  for (const entry of [...line].sort((a, b) => a.at - b.at)) {
    if (entry.heldUntil !== undefined && entry.heldUntil > now) continue;
    const queue = byPrincipal.get(entry.principal) ?? [];
    queue.push(entry);
    byPrincipal.set(entry.principal, queue);
  }
  const lastServed = new Map(served.map((s) => [s.principal, s.at]));
  const queues = [...byPrincipal.entries()]
    .sort(([a], [b]) => (lastServed.get(a) ?? -Infinity) - (lastServed.get(b) ?? -Infinity))
    .map(([, queue]) => queue);
  const order: LineEntry[] = [];
  for (let round = 0; order.length < line.length; round++) {
    let took = false;
    for (const queue of queues) {
      if (round < queue.length) {
        order.push(queue[round]!);
        took = true;
      }
    }
    if (!took) break;
  }
  return order;
}

/** Joins the line (once): the gate with the entry. */
export function joinLine(gate: GateState, entry: LineEntry): GateState {
  if (gate.line.some((e) => e.id === entry.id)) return gate;
  return { ...gate, line: [...gate.line, entry] };
}

/** The gate without the entry `id` (undefined: it was not in line, nothing to write). */
export function leaveLine(gate: GateState, id: string): GateState | undefined {
  if (!gate.line.some((e) => e.id === id)) return undefined;
  return { ...gate, line: gate.line.filter((e) => e.id !== id) };
}

export const waitingOf = (gate: GateState, principal: string): number =>
  gate.line.filter((e) => e.principal === principal).length;

/** What the gate says to one waiting operation. */
export type Turn =
  | { go: true; gate: GateState; probe: boolean }
  | {
      go: false;
      /** 0-based place in the served order (0: next). */
      position: number;
      /** When it may go, as far as the gate can tell now. */
      estimatedStartAt: Date;
      reason: 'paced' | 'unavailable';
    };

/**
 * Whether the operation `id` may be submitted now: the breaker is closed (or this is the half-open probe), the
 * minute's window has room, and it is within the room in the served order. Going takes the grant: the entry leaves
 * the line and the grant joins the window. Entries older than `maxAgeMs` are dropped (their operations expired).
 */
export function takeTurn(gate: GateState, id: string, rate: number, now: number, maxAgeMs: number): Turn {
  const granted = gate.granted.filter((t) => t > now - MINUTE_MS - PACING_MARGIN_MS);
  const line = gate.line.filter((e) => e.at > now - maxAgeMs || e.id === id);
  const order = fairOrder(line, now, gate.served);
  let position = order.findIndex((e) => e.id === id);
  if (position < 0) position = order.length;
  const room = Math.max(0, rate - granted.length);
  const { breaker } = gate;

  if (breaker.openedAt !== undefined) {
    const probing = breaker.probe !== undefined && breaker.probe.until > now;
    if ((breaker.openUntil ?? 0) > now || probing || position > 0 || room === 0) {
      // The head of the line probes; the rest are spaced out behind it at the pace (at least a second apart), so
      // the end of an open period does not bring the whole line to the gate at once. A probe that succeeds wakes
      // the next ones itself (submit.ts).
      const base = Math.max(
        breaker.openUntil ?? now,
        probing ? breaker.probe!.until : now,
        // The submits that failed still hold their grants: no slot before the window has room.
        room === 0 ? slotTime(granted, rate, 0, now) : now,
      );
      const at = base + position * Math.max(MINUTE_MS / rate, OPEN_SPACING_MS);
      return { go: false, position, estimatedStartAt: new Date(at), reason: 'unavailable' };
    }
    const next = grant({ ...gate, granted, line }, id, now);
    return {
      go: true,
      probe: true,
      gate: { ...next, breaker: { ...breaker, probe: { id, until: now + MINUTE_MS } } },
    };
  }
  if (position < room) return { go: true, probe: false, gate: grant({ ...gate, granted, line }, id, now) };
  return {
    go: false,
    position,
    estimatedStartAt: new Date(slotTime(granted, rate, position, now)),
    reason: 'paced',
  };
}

/** When the place `position` in the served order gets a grant, if everyone ahead takes theirs on time. */
function slotTime(granted: readonly number[], rate: number, position: number, now: number): number {
  const room = rate - granted.length;
  if (position < room) return now;
  const ahead = position - room;
  const minutes = Math.floor(ahead / rate);
  const base = ahead % rate < granted.length ? granted[ahead % rate]! : now;
  return Math.max(now, base + (minutes + 1) * (MINUTE_MS + PACING_MARGIN_MS));
}

function grant(gate: GateState, id: string, now: number): GateState {
  const principal = gate.line.find((e) => e.id === id)?.principal;
  const line = gate.line.filter((e) => e.id !== id);
  // Only principals still in line need remembering.
  const waiting = new Set(line.map((e) => e.principal));
  const served = (gate.served ?? []).filter((s) => s.principal !== principal && waiting.has(s.principal));
  if (principal !== undefined && waiting.has(principal)) served.push({ principal, at: now });
  return { ...gate, granted: [...gate.granted, now], line, served };
}

/** A principal at its running limit when its turn came: its entries step aside until `until`. */
export function holdPrincipal(gate: GateState, principal: string, until: number): GateState {
  return {
    ...gate,
    line: gate.line.map((e) => (e.principal === principal ? { ...e, heldUntil: until } : e)),
  };
}

/** Veo answered a submit: a success closes the breaker; undefined when nothing changes. */
export function recordSuccess(gate: GateState): GateState | undefined {
  const { breaker } = gate;
  if (breaker.openedAt === undefined && breaker.failures.length === 0) return undefined;
  return { ...gate, breaker: { failures: [], openings: 0 } };
}

/**
 * Veo failed a submit as if it were down (5xx, timeout, unreachable): counted in the window; enough of them, or a
 * failed probe, open the breaker.
 */
export function recordFailure(
  gate: GateState,
  settings: AdmissionSettings,
  message: string,
  now: number,
  /** The operation whose submit failed: once the open period is over, only the probe's failure reopens it. */
  id?: string,
): GateState {
  const windowMs = settings.breakerWindowSeconds * 1000;
  const failures = [...gate.breaker.failures.filter((t) => t > now - windowMs), now].slice(-100);
  const breaker: Breaker = { ...gate.breaker, failures, lastError: message.slice(0, 300) };
  // Already open and not yet probing: a submit sent before it opened failed late. It says nothing new, so the open
  // period stays (only a failed probe, once the open period is over, doubles it).
  if (breaker.openUntil !== undefined && breaker.openUntil > now) return { ...gate, breaker };
  const halfOpen = breaker.openedAt !== undefined;
  // Half-open, a late failure of a submit sent before it opened is not the probe's answer.
  if (halfOpen && id !== undefined && breaker.probe !== undefined && breaker.probe.id !== id) {
    return { ...gate, breaker };
  }
  if (halfOpen || failures.length >= settings.breakerFailures) {
    const openings = breaker.openings + 1;
    const factor = Math.min(MAX_OPEN_FACTOR, 2 ** (openings - 1));
    breaker.openedAt ??= now;
    breaker.openUntil = now + settings.breakerOpenSeconds * 1000 * factor;
    breaker.openings = openings;
    delete breaker.probe;
  }
  return { ...gate, breaker };
}

/**
 * The probe `id` ended without telling whether Veo is down (Veo refused that request itself): its slot is free for
 * the next in line now rather than when it lapses. Undefined when `id` does not hold the probe.
 */
export function releaseProbe(gate: GateState, id: string): GateState | undefined {
  if (gate.breaker.probe?.id !== id) return undefined;
  const breaker = { ...gate.breaker };
  delete breaker.probe;
  return { ...gate, breaker };
}

/** Whether a change opened the breaker (for the log line that says so). */
export const opened = (before: GateState, after: GateState): boolean =>
  before.breaker.openUntil !== after.breaker.openUntil && after.breaker.openUntil !== undefined;
