// The gallery app: the caller's operations from list_video_operations, newest first, with their status kept live
// (list_video_operations again through the host while any is QUEUED or RUNNING) and a Play button on each finished
// one that fetches fresh signed links with get_video_operation and plays the video inline. Data goes in as text only.
import { appPage } from './page.js';

/** How often the list is asked again while something is in progress. */
export const GALLERY_POLL_MS = 5000;

const GALLERY = `
const root = document.getElementById('app');
let timer;
let args = {};
function render(result) {
  const page = result.structuredContent;
  if (result.isError || !page || !Array.isArray(page.operations)) {
    root.replaceChildren(el('p', { className: 'error', textContent: textOf(result) || 'No operations in this result.' }));
    return;
  }
  const items = page.operations.map((op) => {
    const slot = el('div');
    const play = op.status === 'SUCCEEDED' && op.video_count > 0
      ? el('button', { textContent: 'Play', className: 'play', onclick: () => show(op.operation_id, slot, play) })
      : undefined;
    const item = el('li', {},
      el('div', { className: 'row' },
        el('span', { className: 'status ' + op.status, textContent: op.status }),
        el('code', { textContent: op.operation_id }),
        el('span', { textContent: op.model + ' · ' + money(op.estimated_cost_usd) + ' · ' + op.created_at }),
        play),
      el('div', { className: 'prompt', textContent: op.prompt || '' }),
      slot);
    item.dataset.operationId = op.operation_id;
    item.dataset.status = op.status;
    return item;
  });
  root.replaceChildren(
    el('h1', { textContent: 'Your videos (' + page.operations.length + (page.next_cursor ? '+' : '') + ')' }),
    items.length ? el('ul', {}, ...items) : el('p', { textContent: 'No operations yet.' }),
  );
  clearTimeout(timer);
  if (page.operations.some((op) => !FINAL.includes(op.status))) timer = setTimeout(refresh, ${GALLERY_POLL_MS});
}
async function refresh() {
  try {
    render(await mcpHost.callTool('list_video_operations', args));
  } catch (err) {
    root.append(el('p', { className: 'error', textContent: 'Could not refresh: ' + err.message }));
  }
}
async function show(id, slot, button) {
  button.disabled = true;
  try {
    const result = await mcpHost.callTool('get_video_operation', { operation_id: id });
    const view = result.structuredContent;
    if (result.isError || !view) throw new Error(textOf(result));
    slot.replaceChildren(...view.videos.map((v) =>
      el('video', { controls: true, autoplay: true, muted: true, playsInline: true, preload: 'metadata', src: v.url })));
  } catch (err) {
    slot.replaceChildren(el('p', { className: 'error', textContent: err.message }));
  } finally {
    button.disabled = false;
  }
}
mcpHost.on('ui/notifications/tool-input', (params) => { args = params.arguments || {}; });
mcpHost.on('ui/notifications/tool-result', render);
mcpHost.connect('veo-gallery');
`;

export const galleryHtml = (mediaOrigins: readonly string[]): string =>
  appPage('Your Veo videos', GALLERY, mediaOrigins);
