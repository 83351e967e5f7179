// The README's model table, made from the catalog (npm run models-table writes it; test/unit/video/models-table.test.ts
// fails when README.md differs), so the table users read is the one requests are checked against.
import {
  DEFAULT_MODELS,
  isSecondsRange,
  MODELS,
  RESOLUTIONS,
  RETIRED_MODELS,
  type ModelInfo,
  type Source,
} from './catalog.js';

export const TABLE_START =
  '<!-- models-table:start: generated from functions/src/video/catalog.ts by `npm run models-table`; do not edit -->';
export const TABLE_END = '<!-- models-table:end -->';

/** Dollars with cents, or tenths of a cent where the price has them ($0.023). */
const usd = (n: number): string => `$${n.toFixed(Number.isInteger(Math.round(n * 1e6) / 1e4) ? 2 : 3)}`;

function prices(model: ModelInfo): string {
  return RESOLUTIONS.flatMap((resolution) => {
    const price = model.pricePerSecondUsd[resolution];
    return price ? [`${resolution}: ${usd(price.audio)} · ${usd(price.silent)}`] : [];
  }).join('<br>');
}

/** "3–15" for a run of whole seconds, else the list. */
function durations(values: readonly number[]): string {
  return isSecondsRange(values) ? `${values[0]}–${values[values.length - 1]}` : values.join(', ');
}

/** What the model does besides text-to-video. */
function modes(m: ModelInfo): string {
  const step = m.extension?.stepSeconds;
  return [
    'text',
    m.imageToVideo ? 'image' : undefined,
    m.lastFrame ? 'first + last frame' : undefined,
    m.maxReferenceImages > 0 ? `≤${m.maxReferenceImages} reference images` : undefined,
    step ? `extend (+${durations(step)} s)` : undefined,
    m.edit ? 'edit' : undefined,
  ]
    .filter(Boolean)
    .join(', ');
}

/** " (default on vertex, gemini)" for a model some API uses when a call names none. */
function defaults(id: string): string {
  const apis = Object.entries(DEFAULT_MODELS)
    .filter(([, model]) => model === id)
    .map(([api]) => api);
  return apis.length > 0 ? ` (default on ${apis.join(', ')})` : '';
}

/** The markdown between the markers: live models, their ⚠ notes, retired ids, and the numbered sources. */
export function renderModelsTable(): string {
  const sources: Source[] = [];
  const ref = (source: Source): string => {
    let n = sources.findIndex((s) => s.url === source.url && s.backs === source.backs) + 1;
    if (n === 0) n = sources.push(source);
    return `[${n}]`;
  };
  const live = MODELS.map((m) =>
    [
      `\`${m.id}\`${defaults(m.id)}`,
      m.family,
      m.backends.join(', '),
      m.stage + (m.uncertain.some((u) => u.includes('Launch stage')) ? ' ⚠' : ''),
      durations(m.durations),
      m.resolutions.join(', '),
      m.aspectRatios.join(', '),
      `1–${m.maxVideos}`,
      modes(m),
      prices(m),
      `${m.sources.map(ref).join(' ')} (${m.asOf})`,
    ].join(' | '),
  );
  // One line per note, naming every model it applies to.
  const notes = new Map<string, string[]>();
  for (const m of MODELS) for (const u of m.uncertain) notes.set(u, [...(notes.get(u) ?? []), `\`${m.id}\``]);
  const retired = RETIRED_MODELS.map((m) =>
    [`\`${m.id}\``, m.backends.join(', '), m.retiredOn, `\`${m.replacement}\``, ref(m.source)].join(' | '),
  );
  return [
    `Veo is served on Vertex AI only (the Gemini API serves no Veo since 2026-10-22); Gemini Omni on both APIs, ` +
      'under the ids shown. Prices are list prices per second of video, with audio · video-only ' +
      '(`generate_audio: false`; Omni always makes audio); they size estimates and budget reservations. A request a ' +
      'model cannot do is refused before anything is created or billed; ⚠ marks a fact no primary source confirmed ' +
      '(notes below): such calls go through and Google’s own error is returned.',
    '',
    '| Model | Family | Backends | Stage | Durations (s) | Resolutions | Aspect ratios | Videos | Modes | Price / s (audio · video-only) | Sources (as of) |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
    ...live.map((row) => `| ${row} |`),
    '',
    ...[...notes].map(([note, ids]) => `- ${ids.join(', ')}: ${note}`),
    '',
    'Retired ids are refused before any spend, naming the date and the replacement (Google answers them with 404):',
    '',
    '| Retired model | Retired on the API(s) | Date | Use instead | Source |',
    '| --- | --- | --- | --- | --- |',
    ...retired.map((row) => `| ${row} |`),
    '',
    'Sources:',
    '',
    ...sources.map(
      (s, i) =>
        `${i + 1}. <${s.url.split(' ')[0]}>${s.url.includes(' ') ? ` ${s.url.slice(s.url.indexOf(' ') + 1)}` : ''}, read ${s.read}: ${s.backs}.`,
    ),
  ].join('\n');
}

/** `readme` with the text between the markers replaced by `table`; throws when the markers are missing. */
export function spliceModelsTable(readme: string, table: string): string {
  const start = readme.indexOf(TABLE_START);
  const end = readme.indexOf(TABLE_END);
  if (start < 0 || end < start) throw new Error(`README.md lacks the markers ${TABLE_START} … ${TABLE_END}`);
  return `${readme.slice(0, start + TABLE_START.length)}\n\n${table}\n\n${readme.slice(end)}`;
}
