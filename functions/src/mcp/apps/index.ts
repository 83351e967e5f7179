// MCP Apps (@modelcontextprotocol/ext-apps, spec 2026-01-26: github.com/modelcontextprotocol/ext-apps
// specification/2026-01-26/apps.mdx, read 2026-12-02): two `ui://` resources — a player for one operation and a
// gallery of the caller's operations — and the tool `_meta.ui.resourceUri` that tells an Apps host which one to
// render with a tool's result. The host reads the resource (mimeType text/html;profile=mcp-app), renders it in a
// sandboxed iframe with the CSP the resource declares, and hands it the tool result. Clients without MCP Apps ignore
// `_meta`: their text, resource_links and structuredContent are the same as before.
import {
  RESOURCE_MIME_TYPE,
  RESOURCE_URI_META_KEY,
  registerAppResource,
  type McpUiAppResourceConfig,
} from '@modelcontextprotocol/ext-apps/server';
import type { McpServer, RegisteredTool } from '@modelcontextprotocol/server';
import type { Config } from '../../config/index.js';
import { galleryHtml } from './gallery.js';
import { playerHtml } from './player.js';

export const PLAYER_URI = 'ui://veo-mcp-cloud/player.html';
export const GALLERY_URI = 'ui://veo-mcp-cloud/gallery.html';

/** Which tools' results each app renders. */
export const APP_OF_TOOL: Readonly<Record<string, string>> = {
  generate_video: PLAYER_URI,
  extend_video: PLAYER_URI,
  edit_video: PLAYER_URI,
  get_video_operation: PLAYER_URI,
  list_video_operations: GALLERY_URI,
  // COMPAT_TOOLS: the peers' names answer with the same operation view (mcp/compat.ts), so the player shows them too.
  veo_t2v: PLAYER_URI,
  veo_i2v: PLAYER_URI,
  veo_first_last_to_video: PLAYER_URI,
  veo_reference_to_video: PLAYER_URI,
  veo_ingredients_to_video: PLAYER_URI,
  veo_extend_video: PLAYER_URI,
  'google-videos-generate': PLAYER_URI,
  'google-videos-retrieve-operation': PLAYER_URI,
};

/** Where GCS v4 signed URLs point (@google-cloud/storage getSignedUrl, no custom cname). */
export const GCS_ORIGIN = 'https://storage.googleapis.com';

/**
 * The origins the signed video links use, and so the only ones the apps may load media from: GCS (or the storage
 * emulator's origin when STORAGE_EMULATOR_HOST is set), or the local blob server at PUBLIC_BASE_URL.
 */
export function mediaOrigins(config: Pick<Config, 'blobs' | 'publicBaseUrl'>): string[] {
  if (config.blobs.kind === 'gcs') {
    return [config.blobs.emulatorHost ? new URL(config.blobs.emulatorHost).origin : GCS_ORIGIN];
  }
  return [new URL(config.publicBaseUrl).origin];
}

type McpUiResourceMeta = NonNullable<NonNullable<McpUiAppResourceConfig['_meta']>['ui']>;

/** The `_meta.ui` of both resources (listed and read): the CSP and a border. */
export function resourceUiMeta(origins: readonly string[]): McpUiResourceMeta {
  // resourceDomains maps to img-src/media-src (and script/style/font, which the pages do not load from anywhere);
  // no connectDomains: the apps call tools through the host, never the network.
  return { csp: { resourceDomains: [...origins], connectDomains: [] }, prefersBorder: true };
}

/** Both app pages, built once per configuration (the HTML depends only on the media origins). */
const pages = new Map<string, { player: string; gallery: string }>();

function pagesFor(origins: readonly string[]): { player: string; gallery: string } {
  const key = origins.join(' ');
  let built = pages.get(key);
  if (!built) {
    built = { player: playerHtml(origins), gallery: galleryHtml(origins) };
    pages.set(key, built);
  }
  return built;
}

/** Registers the player and gallery resources on `server`. */
export function registerAppResources(
  server: McpServer,
  config: Pick<Config, 'blobs' | 'publicBaseUrl'>,
): void {
  // The resource list never changes while an instance runs; the SDK would declare listChanged: true otherwise.
  server.server.registerCapabilities({ resources: { listChanged: false } });
  const origins = mediaOrigins(config);
  const ui = resourceUiMeta(origins);
  const apps = [
    { name: 'video-player', uri: PLAYER_URI, title: 'Video player', html: () => pagesFor(origins).player },
    {
      name: 'video-gallery',
      uri: GALLERY_URI,
      title: 'Video gallery',
      html: () => pagesFor(origins).gallery,
    },
  ];
  for (const app of apps) {
    registerAppResource(
      server,
      app.name,
      app.uri,
      {
        title: app.title,
        description: `MCP Apps view: ${app.title.toLowerCase()} for this server's tool results.`,
        _meta: { ui },
      },
      async () => ({
        contents: [{ uri: app.uri, mimeType: RESOURCE_MIME_TYPE, text: app.html(), _meta: { ui } }],
      }),
    );
  }
}

/**
 * Points each tool in APP_OF_TOOL at its app: `_meta.ui.resourceUri`, plus the flat `ui/resourceUri` key that
 * ext-apps' registerAppTool also sets for hosts of the first drafts.
 */
export function attachAppUi(tools: Readonly<Record<string, RegisteredTool>>): void {
  for (const [name, uri] of Object.entries(APP_OF_TOOL)) {
    const tool = tools[name];
    if (!tool) continue;
    tool._meta = { ...tool._meta, ui: { resourceUri: uri }, [RESOURCE_URI_META_KEY]: uri };
  }
}
