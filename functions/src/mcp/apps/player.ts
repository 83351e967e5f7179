// The player app: shows one operation (the structuredContent of generate_video, extend_video, edit_video or
// get_video_operation) and plays its videos inline from their signed links. While the operation runs it asks
// get_video_operation again through the host every few seconds, so the View turns into a player when the video is
// ready. All data is inserted as text (textContent), never as HTML: a prompt cannot inject markup.
import { appPage } from './page.js';

/** How often a running operation is looked at again; Veo takes one to several minutes. */
export const PLAYER_POLL_MS = 5000;

const PLAYER = `
const root = document.getElementById('app');
let timer;
function render(result) {
  const view = result.structuredContent;
  if (result.isError || !view || !view.operation_id) {
    root.replaceChildren(el('p', { className: 'error', textContent: textOf(result) || 'No operation in this result.' }));
    return;
  }
  const details = el('dl');
  const row = (label, value, id) => {
    if (value === undefined || value === null || value === '') return;
    const dd = el('dd', { textContent: String(value) });
    if (id) dd.id = id;
    details.append(el('dt', { textContent: label }), dd);
  };
  row('Model', view.model + ' on ' + view.backend + (view.backend === 'simulator' ? ' (test pattern)' : ''));
  row('Duration', view.duration_seconds + ' s requested', 'duration');
  row('Format', view.aspect_ratio + (view.resolution ? ' ' + view.resolution : ''));
  row('Cost', money(view.estimated_cost_usd) + ' estimated at list price');
  row('Prompt', view.prompt, 'prompt');
  if (view.lineage) row('Continues', view.lineage.parent_operation_id + ' (step ' + view.lineage.step + ')');
  if (view.queue) row('Queue', view.queue.message);
  if (view.error) row('Error', view.error.code + ': ' + view.error.message);
  // A media fragment makes the browser fetch the start of the file and show its first frame as the poster: no
  // separate thumbnail to store or sign.
  const videos = (view.videos || []).map((v, i) => {
    const video = el('video', { controls: true, preload: 'metadata', playsInline: true, src: v.url + '#t=0.001' });
    video.dataset.index = String(i);
    video.addEventListener('loadedmetadata', () => {
      const d = document.getElementById('duration');
      if (d && Number.isFinite(video.duration)) d.textContent = clock(video.duration) + ' (' + view.duration_seconds + ' s requested)';
    });
    return video;
  });
  if (videos.length) row('Link expires', view.videos[0].expires_at);
  root.replaceChildren(
    el('h1', {}, el('span', { className: 'status ' + view.status, id: 'status', textContent: view.status }), ' ', view.operation_id),
    ...videos,
    details,
  );
  clearTimeout(timer);
  if (!FINAL.includes(view.status)) timer = setTimeout(() => refresh(view.operation_id), ${PLAYER_POLL_MS});
}
async function refresh(id) {
  try {
    render(await mcpHost.callTool('get_video_operation', { operation_id: id }));
  } catch (err) {
    root.append(el('p', { className: 'error', textContent: 'Could not refresh: ' + err.message }));
  }
}
mcpHost.on('ui/notifications/tool-result', render);
mcpHost.connect('veo-player');
`;

export const playerHtml = (mediaOrigins: readonly string[]): string =>
  appPage('Veo video', PLAYER, mediaOrigins);
