// Checks over terraform/monitoring.tf. The log-based metrics are checked against log lines the code really writes:
// each line is turned into the LogEntry Cloud Run makes of it, each metric's filter is evaluated on it (the subset of
// the Logging query language the module uses; anything else throws, so nothing is silently skipped), and every field
// an extractor reads must be on every line the filter matches. Violations come back as "NAME: problem" lines.
import type { LogLine } from './logs.js';
import type { TerraformModule } from './terraform-policy.js';

export interface LogEntry {
  resource: { type: string; labels: Record<string, string> };
  severity: string;
  jsonPayload: Record<string, unknown>;
}

/**
 * The LogEntry Cloud Run makes of a structured line: `severity` and `time` become the entry's own fields and
 * `logging.googleapis.com/*` fields its trace fields; everything else, `message` included, stays in jsonPayload.
 */
export function toLogEntry(line: LogLine, service: string): LogEntry {
  const jsonPayload: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(line)) {
    if (key === 'severity' || key === 'time' || key.startsWith('logging.googleapis.com/')) continue;
    jsonPayload[key] = value;
  }
  return {
    resource: { type: 'cloud_run_revision', labels: { service_name: service } },
    severity: String(line.severity),
    jsonPayload,
  };
}

export interface LogMetric {
  name: string;
  /** The full filter, resource part included, with Terraform expressions resolved. */
  filter: string;
  valueExtractor?: string;
  labelExtractors: Record<string, string>;
  /** Labels whose field some matched lines lack (`optional = true` in local.log_metrics): empty there. */
  optionalLabels?: string[];
}

type Local = Record<string, unknown>;

/**
 * Resolves the `${...}` expressions the module's filters use: `var.X` (its default), `local.X` (a string local,
 * itself resolved) and `join("SEP", local.X)` (a literal list). Anything else throws.
 */
export function resolveExpressions(module: TerraformModule, text: string): string {
  return text.replace(/\$\{(.*?)\}/g, (_, expression: string) => {
    let m: RegExpExecArray | null;
    if ((m = /^var\.(\w+)$/.exec(expression))) {
      const body = module.variables.get(m[1]!);
      if (!body || !('default' in body)) throw new Error(`var.${m[1]} has no default`);
      return String(body.default);
    }
    if ((m = /^local\.(\w+)$/.exec(expression))) {
      const value = module.locals.get(m[1]!);
      if (typeof value !== 'string') throw new Error(`local.${m[1]} is not a string`);
      return resolveExpressions(module, value);
    }
    if ((m = /^join\("([^"]*)", local\.(\w+)\)$/.exec(expression))) {
      const value = module.locals.get(m[2]!);
      if (!Array.isArray(value)) throw new Error(`local.${m[2]} is not a literal list`);
      return value.map(String).join(m[1]!);
    }
    throw new Error(`no resolution for the expression \${${expression}}`);
  });
}

/**
 * The metrics as google_logging_metric.this creates them from local.log_metrics: with var.monitoring_principal_label
 * off (`principalLabel: false`), the principal label's extractor is local.principal_label_off_extractor.
 */
export function logMetrics(
  module: TerraformModule,
  { principalLabel = true }: { principalLabel?: boolean } = {},
): LogMetric[] {
  const resourceFilter = module.locals.get('log_metric_resource_filter');
  const metrics = module.locals.get('log_metrics');
  const offExtractor = module.locals.get('principal_label_off_extractor');
  if (typeof resourceFilter !== 'string') throw new Error('local.log_metric_resource_filter is not a string');
  if (!metrics || typeof metrics !== 'object') throw new Error('local.log_metrics is not a literal map');
  if (typeof offExtractor !== 'string')
    throw new Error('local.principal_label_off_extractor is not a string');
  return Object.entries(metrics as Record<string, Local>).map(([name, metric]) => {
    const labels = Object.entries((metric.labels ?? {}) as Record<string, Local>);
    const optional = labels.filter(([, label]) => label.optional === true).map(([key]) => key);
    return {
      name,
      filter: resolveExpressions(module, `${resourceFilter} AND ${String(metric.filter)}`),
      ...(typeof metric.value_extractor === 'string' ? { valueExtractor: metric.value_extractor } : {}),
      labelExtractors: Object.fromEntries(
        labels.map(([key, label]) => [
          key,
          key === 'principal' && !principalLabel ? offExtractor : String(label.extractor),
        ]),
      ),
      ...(optional.length > 0 ? { optionalLabels: optional } : {}),
    };
  });
}

interface Clause {
  path: string;
  op: '=' | '!=' | '=~' | ':';
  /** Undefined for `:*` (the field exists). */
  value?: string;
}

/** A conjunction of `PATH OP "VALUE"` clauses (OP one of = != =~ :) and `PATH:*`. Anything else throws. */
export function parseFilter(filter: string): Clause[] {
  return filter.split(/\s+AND\s+/).map((text) => {
    const m = /^([\w.]+)\s*(=~|!=|=|:)\s*(?:"((?:[^"\\]|\\.)*)"|(\*))$/.exec(text.trim());
    if (!m || (m[4] && m[2] !== ':')) throw new Error(`unsupported filter clause: ${text}`);
    return {
      path: m[1]!,
      op: m[2] as Clause['op'],
      ...(m[3] !== undefined ? { value: m[3].replace(/\\(.)/g, '$1') } : {}),
    };
  });
}

function fieldAt(entry: LogEntry, path: string): unknown {
  let value: unknown = entry;
  for (const part of path.split('.')) {
    if (!value || typeof value !== 'object') return undefined;
    value = (value as Record<string, unknown>)[part];
  }
  return value;
}

export function matchesFilter(filter: string, entry: LogEntry): boolean {
  return parseFilter(filter).every(({ path, op, value }) => {
    const field = fieldAt(entry, path);
    if (value === undefined) return field !== undefined;
    if (field === undefined || field === null || typeof field === 'object') return op === '!=';
    const text = String(field);
    if (op === '=') return text === value;
    if (op === '!=') return text !== value;
    if (op === '=~') return new RegExp(value).test(text);
    return text.toLowerCase().includes(value.toLowerCase());
  });
}

/** An extractor: `EXTRACT(PATH)` or `REGEXP_EXTRACT(PATH, "REGEX")` (one capture group). Anything else throws. */
export function parseExtractor(extractor: string): { path: string; regex?: RegExp } {
  let m = /^EXTRACT\((jsonPayload\.[\w.]+)\)$/.exec(extractor);
  if (m) return { path: m[1]! };
  m = /^REGEXP_EXTRACT\((jsonPayload\.[\w.]+),\s*"((?:[^"\\]|\\.)*)"\)$/.exec(extractor);
  if (m) {
    const regex = new RegExp(m[2]!.replace(/\\(.)/g, '$1'));
    // Google requires exactly one capture group.
    if (new RegExp(`${regex.source}|`).exec('')!.length !== 2) {
      throw new Error(`REGEXP_EXTRACT needs one capture group: ${extractor}`);
    }
    return { path: m[1]!, regex };
  }
  throw new Error(`unsupported extractor: ${extractor}`);
}

/** The jsonPayload path an extractor reads. */
export const extractedPath = (extractor: string): string => parseExtractor(extractor).path;

/**
 * What an extractor gives for an entry: the field's text (EXTRACT), or the regex's capture group, or '' where the
 * regex does not match (REGEXP_EXTRACT); undefined where the field is absent or not a scalar.
 */
export function extractValue(extractor: string, entry: LogEntry): string | undefined {
  const { path, regex } = parseExtractor(extractor);
  const value = fieldAt(entry, path);
  if (value === undefined || value === null || typeof value === 'object') return undefined;
  if (!regex) return String(value);
  return regex.exec(String(value))?.[1] ?? '';
}

/**
 * What is wrong with the metrics given the entries the code writes: a filter that matches none of them, a label
 * extractor reading a field absent from a matched entry, a value extractor reading anything but a number.
 */
export function metricViolations(metrics: LogMetric[], entries: LogEntry[]): string[] {
  return metrics.flatMap((metric) => {
    const matched = entries.filter((entry) => matchesFilter(metric.filter, entry));
    if (matched.length === 0) return [`${metric.name}: its filter matches no line the code logs`];
    const problems = new Set<string>();
    for (const [label, extractor] of Object.entries(metric.labelExtractors)) {
      // Even an optional label must read a field some matched line carries.
      const path = extractedPath(extractor);
      if (!matched.some((entry) => typeof fieldAt(entry, path) === 'string')) {
        problems.add(`${metric.name}: label ${label} reads ${path}, which no line it matches carries`);
      }
    }
    for (const entry of matched) {
      const message = JSON.stringify(entry.jsonPayload.message);
      for (const [label, extractor] of Object.entries(metric.labelExtractors)) {
        if (metric.optionalLabels?.includes(label)) continue;
        const path = extractedPath(extractor);
        const value = fieldAt(entry, path);
        // A REGEXP_EXTRACT may yield '' on purpose; the field it reads must still be there.
        if (typeof value !== 'string' || (value === '' && !parseExtractor(extractor).regex)) {
          problems.add(
            `${metric.name}: label ${label} reads ${path}, which the line ${message} does not carry`,
          );
        }
      }
      if (metric.valueExtractor) {
        const path = extractedPath(metric.valueExtractor);
        const value = fieldAt(entry, path);
        if (typeof value !== 'number' || !Number.isFinite(value)) {
          problems.add(
            `${metric.name}: its value reads ${path}, which is not a number on the line ${message}`,
          );
        }
      }
    }
    return [...problems];
  });
}

type Body = Record<string, unknown>;

/** The first nested block of that name (hcl2json represents blocks as arrays of bodies). */
const nested = (body: Body, name: string): Body | undefined =>
  Array.isArray(body[name]) ? (body[name] as Body[])[0] : undefined;

/** google_monitoring_alert_policy.severity's values (google provider 6.50). */
const SEVERITIES = ['CRITICAL', 'ERROR', 'WARNING'];

/**
 * Every alert policy: has a severity, is switched by var.alerts_enabled (its count, directly or through a local), notifies
 * var.alert_notification_channels, names each condition, and tells the operator what to do in markdown documentation.
 */
export function alertPolicyViolations(module: TerraformModule): string[] {
  const gated = (count: unknown): boolean => {
    const text = String(count ?? '');
    if (text.includes('var.alerts_enabled')) return true;
    const local = /^\$\{local\.(\w+)\}$/.exec(text);
    return Boolean(local && String(module.locals.get(local[1]!) ?? '').includes('var.alerts_enabled'));
  };
  return module.resources
    .filter((r) => r.type === 'google_monitoring_alert_policy')
    .flatMap((policy) => {
      const problems: string[] = [];
      if (!gated(policy.body.count)) problems.push('its count does not depend on var.alerts_enabled');
      if (policy.body.notification_channels !== '${var.alert_notification_channels}') {
        problems.push('notification_channels is not var.alert_notification_channels');
      }
      if (!SEVERITIES.includes(String(policy.body.severity))) {
        problems.push(`severity is not one of ${SEVERITIES.join(', ')}`);
      }
      const conditions = (policy.body.conditions ?? []) as Body[];
      if (conditions.length === 0) problems.push('no condition');
      if (conditions.some((c) => typeof c.display_name !== 'string' || !c.display_name.trim())) {
        problems.push('a condition has no display_name');
      }
      const documentation = nested(policy.body, 'documentation');
      if (!documentation) problems.push('no documentation');
      else {
        if (documentation.mime_type !== 'text/markdown') problems.push('documentation is not text/markdown');
        if (typeof documentation.content !== 'string' || !/What to do:/.test(documentation.content)) {
          problems.push('documentation does not say what to do ("What to do:")');
        }
      }
      return problems.map((problem) => `${policy.address}: ${problem}`);
    });
}

/** Every `local.promql.NAME` the alert policies and the dashboard refer to names a log-based metric. */
export function promqlReferenceViolations(module: TerraformModule): string[] {
  const metrics = new Set(Object.keys((module.locals.get('log_metrics') ?? {}) as Body));
  const sources: { address: string; value: unknown }[] = [
    ...module.resources
      .filter((r) => r.type === 'google_monitoring_alert_policy' || r.type === 'google_monitoring_dashboard')
      .map((r) => ({ address: r.address, value: r.body })),
    ...[...module.locals].map(([name, value]) => ({ address: `local.${name}`, value })),
  ];
  return sources.flatMap(({ address, value }) =>
    [...new Set([...JSON.stringify(value).matchAll(/local\.promql\.(\w+)/g)].map((m) => m[1]!))]
      .filter((name) => !metrics.has(name))
      .map((name) => `${address}: local.promql.${name} names no log-based metric`),
  );
}

/** One label matcher of a PromQL selector: `label="v"`, `!=`, `=~` or `!~` (regexes anchored, as in PromQL). */
interface Matcher {
  label: string;
  op: '=' | '!=' | '=~' | '!~';
  value: string;
}

/** The matchers of a selector's braces: `a="x",b=~"y|z"`. Anything else throws. */
export function parseSelector(selector: string): Matcher[] {
  return [...selector.matchAll(/\s*([a-zA-Z_]\w*)\s*(=~|!~|!=|=)\s*"((?:[^"\\]|\\.)*)"\s*(,|$)/g)].map(
    (m) => ({
      label: m[1]!,
      op: m[2] as Matcher['op'],
      value: m[3]!.replace(/\\(.)/g, '$1'),
    }),
  );
}

/** Whether series labels match a selector; a label absent from the series is the empty string, as in PromQL. */
export function matchesSelector(selector: string, labels: Record<string, string>): boolean {
  const matchers = parseSelector(selector);
  if (matchers.length === 0 && selector.trim()) throw new Error(`unsupported selector: ${selector}`);
  return matchers.every(({ label, op, value }) => {
    const actual = labels[label] ?? '';
    if (op === '=') return actual === value;
    if (op === '!=') return actual !== value;
    const matches = new RegExp(`^(?:${value})$`).test(actual);
    return op === '=~' ? matches : !matches;
  });
}

/** The labels a log-based metric gives an entry (and `monitored_resource`, as PromQL names the resource type). */
export function seriesLabels(metric: LogMetric, entry: LogEntry): Record<string, string> {
  return {
    monitored_resource: entry.resource.type,
    ...Object.fromEntries(
      Object.entries(metric.labelExtractors).map(([label, extractor]) => [
        label,
        extractValue(extractor, entry) ?? '',
      ]),
    ),
  };
}
