// The README's model table, made from the catalog (npm run models-table writes it; test/unit/video/models-table.test.ts
// fails when README.md differs), so the table users read is the one requests are checked against.
import { EnvSchema } from '../config/schema.js';
import { MODELS, RESOLUTIONS, RETIRED_MODELS, type ModelInfo, type Source } from './catalog.js';

export const TABLE_START =
  '<!-- models-table:start: generated from functions/src/video/catalog.ts by `npm run models-table`; do not edit -->';
export const TABLE_END = '<!-- models-table:end -->';

const usd = (n: number): string => `$${n.toFixed(2)}`;

function prices(model: ModelInfo): string {
  return RESOLUTIONS.flatMap((resolution) => {
    const price = model.pricePerSecondUsd[resolution];
    return price ? [`${resolution}: ${usd(price.audio)} · ${usd(price.silent)}`] : [];
  }).join('<br>');
}

/** The markdown between the markers: live models, their ⚠ notes, retired ids, and the numbered sources. */
export function renderModelsTable(): string {
  const defaultModel = EnvSchema.shape.VEO_DEFAULT_MODEL.parse(undefined);
  const sources: Source[] = [];
  const ref = (source: Source): string => {
    let n = sources.findIndex((s) => s.url === source.url && s.backs === source.backs) + 1;
    if (n === 0) n = sources.push(source);
    return `[${n}]`;
  };
  const live = MODELS.map((m) =>
    [
      `\`${m.id}\`${m.id === defaultModel ? ' (default)' : ''}`,
      m.backends.join(', '),
      m.stage + (m.uncertain.some((u) => u.includes('Launch stage')) ? ' ⚠' : ''),
      m.durations.join(', '),
      m.resolutions.join(', '),
      m.aspectRatios.join(', '),
      `1–${m.maxVideos}`,
      prices(m),
      `${m.sources.map(ref).join(' ')} (${m.asOf})`,
    ].join(' | '),
  );
  // One line per note, naming every model it applies to.
  const notes = new Map<string, string[]>();
  for (const m of MODELS) for (const u of m.uncertain) notes.set(u, [...(notes.get(u) ?? []), `\`${m.id}\``]);
  const retired = RETIRED_MODELS.map((m) =>
    [`\`${m.id}\``, m.retiredOn, `\`${m.replacement}\``, ref(m.source)].join(' | '),
  );
  return [
    `Every live model is served on Vertex AI only (the Gemini API serves no Veo since 2026-10-22). Prices are list ` +
      'prices per second of video, with audio · video-only (`generate_audio: false`); they size estimates and budget ' +
      'reservations. A request a model cannot do is refused before anything is created or billed; ⚠ marks a fact no ' +
      'primary source confirmed (notes below): such calls go through and Google’s own error is returned.',
    '',
    '| Model | Backend | Stage | Durations (s) | Resolutions | Aspect ratios | Videos | Price / s (audio · video-only) | Sources (as of) |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- |',
    ...live.map((row) => `| ${row} |`),
    '',
    ...[...notes].map(([note, ids]) => `- ${ids.join(', ')}: ${note}`),
    '',
    'Retired ids are refused before any spend, naming the date and the replacement (Google answers them with 404):',
    '',
    '| Retired model | Retired on (Vertex AI) | Use instead | Source |',
    '| --- | --- | --- | --- |',
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
