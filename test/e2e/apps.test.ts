// MCP Apps: the tools point at the player and gallery `ui://` resources, the resources are mcp-app HTML whose CSP
// allows media from exactly the origin of the signed links, and — in Debian's chromium, hosted by ext-apps' AppBridge
// against a real server with simulator videos — the player plays a video and the gallery lists operations live.
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { CallToolResult, Client } from '@modelcontextprotocol/client';
import { RESOURCE_MIME_TYPE } from '@modelcontextprotocol/ext-apps/server';
import { APP_OF_TOOL, GALLERY_URI, PLAYER_URI } from '../../functions/src/mcp/apps/index.js';
import { GALLERY_POLL_MS } from '../../functions/src/mcp/apps/gallery.js';
import { PLAYER_POLL_MS } from '../../functions/src/mcp/apps/player.js';
import {
  APPS_OUTPUT_DIR,
  chromiumMissing,
  launchAppsBrowser,
  playVideo,
  type AppsBrowser,
} from '../helpers/apps-browser.js';
import { finished, startTestServer, textOf, type TestServer, type View } from '../helpers/server.js';
import { ShiftedClock } from '../helpers/shifted-clock.js';

const appHtml = async (client: Client, uri: string): Promise<string> => {
  const read = await client.readResource({ uri });
  const content = read.contents[0];
  assert.ok(content && 'text' in content, `${uri} has no text`);
  return content.text;
};

const cspOf = (html: string): string => {
  const match = /<meta http-equiv="Content-Security-Policy" content="([^"]+)">/.exec(html);
  assert.ok(match, 'the page declares its CSP');
  return match[1];
};

const missing = await chromiumMissing();
if (missing) console.log(`# skipping the MCP Apps browser tests: ${missing}`);

/**
 * The simulator's time: an operation started with HELD in its prompt runs until release() moves this time past its
 * end, so a test sees it running for as long as it needs and then finishing at once, whatever the machine's load.
 */
const simulatorTime = new ShiftedClock();
const HELD = '[sim:delay=600]';
const release = () => {
  simulatorTime.advance(600_000);
  simulatorTime.resume();
};

// One suite around the file's tests, so the hooks below are its own when the file shares a lane (test/lanes/).
describe('MCP Apps', () => {
  // One server for the file. Chromium starts with it and loads while the resource tests run; the browser tests await it.
  let server: TestServer;
  let client: Client;
  let browserStarted: Promise<AppsBrowser> | undefined;
  before(async () => {
    if (!missing) {
      browserStarted = launchAppsBrowser();
      browserStarted.catch(() => {}); // Reported by the browser tests' hook.
    }
    server = await startTestServer({ simulator: { now: () => simulatorTime.now().getTime() } });
    client = await server.connect();
  });
  after(async () => {
    await (await browserStarted?.catch(() => undefined))?.close();
    await server?.close();
  });

  describe('MCP Apps resources and tool metadata', () => {
    test('video tools name the player, list_video_operations the gallery; other tools no app', async () => {
      const { tools } = await client.listTools();
      for (const tool of tools) {
        const uri = APP_OF_TOOL[tool.name];
        if (uri === undefined) {
          assert.equal(tool._meta?.ui, undefined, `${tool.name} has no app`);
          continue;
        }
        assert.deepEqual(tool._meta?.ui, { resourceUri: uri }, tool.name);
        assert.equal(tool._meta?.['ui/resourceUri'], uri, `${tool.name} legacy key`);
      }
      for (const name of ['generate_video', 'extend_video', 'edit_video', 'get_video_operation'])
        assert.equal(APP_OF_TOOL[name], PLAYER_URI);
      assert.equal(APP_OF_TOOL.list_video_operations, GALLERY_URI);
    });

    test("with COMPAT_TOOLS the peers' video tools name the player too", async () => {
      const compat = await startTestServer({ env: { COMPAT_TOOLS: 'genmedia,media-gen' } });
      try {
        const { tools } = await (await compat.connect()).listTools();
        const withApp = tools.filter((t) => t._meta?.ui).map((t) => t.name);
        for (const name of [
          'veo_t2v',
          'veo_extend_video',
          'google-videos-generate',
          'google-videos-retrieve-operation',
        ])
          assert.ok(withApp.includes(name), `${name} in ${withApp.join(', ')}`);
        assert.ok(
          !withApp.includes('google-videos-retrieve-content'),
          'a single link, not an operation view',
        );
        for (const tool of tools.filter((t) => t._meta?.ui))
          assert.deepEqual(tool._meta?.ui, { resourceUri: APP_OF_TOOL[tool.name] }, tool.name);
      } finally {
        await compat.close();
      }
    });

    test('both apps read as text/html;profile=mcp-app with a CSP of exactly the blob origin', async () => {
      const origin = new URL(server.url).origin;
      for (const uri of [PLAYER_URI, GALLERY_URI]) {
        const read = await client.readResource({ uri });
        assert.equal(read.contents.length, 1);
        const [content] = read.contents;
        assert.equal(content.mimeType, RESOURCE_MIME_TYPE);
        assert.equal(content.mimeType, 'text/html;profile=mcp-app');
        const ui = { csp: { resourceDomains: [origin], connectDomains: [] }, prefersBorder: true };
        assert.deepEqual(content._meta?.ui, ui, `${uri} read _meta.ui`);
        const html = await appHtml(client, uri);
        assert.doesNotMatch(
          html,
          /<script[^>]+src=|<link[^>]+href=|https?:\/\/(?!127\.0\.0\.1)/,
          'self-contained',
        );
        const csp = cspOf(html);
        assert.match(csp, new RegExp(`media-src ${origin};`));
        assert.doesNotMatch(csp, /img-src/, 'no images: default-src none');
        assert.equal(csp.split(origin).length - 1, 1, 'the blob origin appears once, for media-src');
        assert.match(csp, /connect-src 'none'/);
        assert.match(csp, /script-src 'sha256-[A-Za-z0-9+/=]+';/, 'inline script allowed by hash only');
        assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval|\*/);
      }
    });

    test('hostile: reading an app that does not exist is a clear error and creates nothing', async () => {
      const before = await server.runtime.operations.list({ principal: 'local', limit: 100 });
      for (const uri of [
        'ui://veo-mcp-cloud/admin.html',
        'ui://veo-mcp-cloud/player.html?x=1',
        'file:///etc/passwd',
      ]) {
        await assert.rejects(client.readResource({ uri }), (err: Error) => {
          assert.match(err.message, /not found/i, uri);
          assert.ok(err.message.includes(uri), err.message);
          return true;
        });
      }
      // The SDK reads URIs as WHATWG URLs, which resolve dot segments: this names the gallery, and only it.
      const dotted = await client.readResource({ uri: 'ui://veo-mcp-cloud/player.html/../gallery.html' });
      assert.deepEqual(
        dotted.contents.map((c) => c.uri),
        [GALLERY_URI],
      );
      const after = await server.runtime.operations.list({ principal: 'local', limit: 100 });
      assert.equal(after.records.length, before.records.length);
    });

    test('tool results are unchanged for clients without MCP Apps: text, resource_links, structuredContent', async () => {
      const started = (await client.callTool({
        name: 'generate_video',
        arguments: { prompt: 'a lighthouse at dusk', idempotency_key: 'apps-plain-1' },
      })) as CallToolResult;
      const id = (started.structuredContent as View).operation_id as string;
      await finished(server, id);
      const done = (await client.callTool({
        name: 'get_video_operation',
        arguments: { operation_id: id },
      })) as CallToolResult;
      // The 2026-07-28 result _meta carries serverInfo only; nothing in a result names an app.
      assert.deepEqual(Object.keys(done).sort(), ['_meta', 'content', 'structuredContent']);
      assert.deepEqual(Object.keys(done._meta ?? {}), ['io.modelcontextprotocol/serverInfo']);
      assert.doesNotMatch(JSON.stringify(done), /ui:\/\//);
      assert.equal(done.content[0]?.type, 'text');
      const links = done.content.slice(1);
      assert.ok(links.length >= 1 && links.every((c) => c.type === 'resource_link'), JSON.stringify(links));
      assert.ok(links.some((c) => c.type === 'resource_link' && c.mimeType === 'video/mp4'));
      assert.match(textOf(done), /status: SUCCEEDED/);
      assert.equal((done.structuredContent as View).videos.length, 1);
    });
  });

  describe('MCP Apps in headless chromium', { skip: missing }, () => {
    let browser: AppsBrowser;
    before(async () => {
      browser = await browserStarted!;
    });

    const start = async (prompt: string, key: string) => {
      const args = { prompt, idempotency_key: key };
      const result = (await client.callTool({ name: 'generate_video', arguments: args })) as CallToolResult;
      assert.equal(result.isError, undefined, textOf(result));
      return { args, result, id: (result.structuredContent as View).operation_id as string };
    };

    test(
      'the player turns a running generate_video result into a playing video',
      { timeout: 60_000 },
      async () => {
        const prompt = `A red kite over a windy beach ${HELD}`;
        const { args, result, id } = await start(prompt, 'apps-player-1');
        assert.notEqual(
          (result.structuredContent as View).status,
          'SUCCEEDED',
          'the result is still in progress',
        );
        const { page, frame, consoleErrors, toolCalls } = await browser.open(
          await appHtml(client, PLAYER_URI),
          args,
          result,
          client,
        );
        // The player shows the running operation and asks get_video_operation through the host every PLAYER_POLL_MS
        // until it is done, then shows the video: the operation ends, and the page's clock moves on by one interval.
        assert.notEqual(await (await frame.waitForSelector('#status')).textContent(), 'SUCCEEDED');
        assert.equal((await frame.$$('video')).length, 0, 'no video while it runs');
        release();
        assert.equal(await finished(server, id), 'SUCCEEDED');
        await page.clock.runFor(PLAYER_POLL_MS);
        await frame.waitForSelector('video');
        assert.ok(toolCalls.includes('get_video_operation'), `the app called ${toolCalls.join(', ')}`);
        const playback = await playVideo(frame);
        assert.equal(playback.error, undefined);
        assert.ok(playback.currentTime > 0, `currentTime ${playback.currentTime}`);
        assert.ok(playback.readyState >= 2, `readyState ${playback.readyState}`);
        assert.ok(playback.videoWidth > 0, `videoWidth ${playback.videoWidth}`);
        assert.equal(await frame.textContent('#status'), 'SUCCEEDED');
        assert.equal(await frame.textContent('#prompt'), prompt);
        assert.match((await frame.textContent('#duration')) ?? '', /^0:0\d \(\d+ s requested\)$/);
        const text = (await frame.textContent('main')) ?? '';
        assert.match(text, new RegExp(id));
        assert.match(text, /\$0\.00 estimated at list price/);
        assert.match(text, /on simulator \(test pattern\)/);
        assert.deepEqual(
          consoleErrors.filter((e) => /Content Security Policy/i.test(e)),
          [],
        );
        const shot = path.join(APPS_OUTPUT_DIR, 'player.png');
        await page.screenshot({ path: shot });
        console.log(`# player screenshot: ${shot}`);
        await browser.closeApp(); // Its video would play on, a frame decoded every 40 ms, while the next test prepares.
      },
    );

    test('hostile: a link to another origin is refused by the CSP; markup in a prompt stays text', async () => {
      const prompt = 'A cat <img src=x onerror="document.title=1"> <script>parent.postMessage(1)</script>';
      const { id } = await start(prompt, 'apps-hostile-1');
      await finished(server, id);
      const done = (await client.callTool({
        name: 'get_video_operation',
        arguments: { operation_id: id },
      })) as CallToolResult;
      const view = structuredClone(done.structuredContent) as View;
      // Same server and path, other origin (localhost instead of 127.0.0.1): not in the CSP.
      view.videos[0].url = view.videos[0].url.replace('127.0.0.1', 'localhost');
      const { frame, consoleErrors } = await browser.open(
        await appHtml(client, PLAYER_URI),
        { operation_id: id },
        { ...done, structuredContent: view },
        client,
      );
      await frame.waitForSelector('video');
      const playback = await playVideo(frame);
      assert.match(playback.error ?? '', /^media error 4/, 'the blocked source cannot play');
      assert.ok(
        consoleErrors.some((e) => /Content Security Policy/i.test(e) && e.includes('localhost')),
        consoleErrors.join('\n'),
      );
      assert.equal(await frame.textContent('#prompt'), prompt);
      assert.equal((await frame.$$('img')).length, 0, 'no element from the prompt');
      assert.equal((await frame.$$('script')).length, 1, 'only the page script');
    });

    test('hostile: an error result (unknown operation) is shown as its text, and nothing is called', async () => {
      const missingId = 'no-such-operation-0000';
      const args = { operation_id: missingId };
      const result = (await client.callTool({
        name: 'get_video_operation',
        arguments: args,
      })) as CallToolResult;
      assert.equal(result.isError, true);
      const { frame, toolCalls } = await browser.open(
        await appHtml(client, PLAYER_URI),
        args,
        result,
        client,
      );
      await frame.waitForSelector('p.error');
      assert.equal(await frame.textContent('p.error'), textOf(result));
      assert.match(textOf(result), new RegExp(missingId));
      assert.equal((await frame.$$('video')).length, 0);
      assert.deepEqual(toolCalls, [], 'a failed result is not polled');
    });

    test(
      'the gallery lists the operations with live status and plays a finished one',
      { timeout: 60_000 },
      async () => {
        // Held at the simulator: still running when listed below, until release().
        const running = await start(`A slow tide at night ${HELD}`, 'apps-gallery-1');
        const list = (await client.callTool({
          name: 'list_video_operations',
          arguments: {},
        })) as CallToolResult;
        const listed = (list.structuredContent as View).operations as View[];
        assert.ok(listed.length >= 3, `listed ${listed.length}`);
        assert.notEqual(listed.find((o) => o.operation_id === running.id)?.status, 'SUCCEEDED');
        const { page, frame } = await browser.open(await appHtml(client, GALLERY_URI), {}, list, client);
        await frame.waitForSelector('li');
        assert.equal((await frame.$$('li')).length, listed.length);
        // Live: the gallery asks list_video_operations again every GALLERY_POLL_MS while one is running, until it
        // shows SUCCEEDED: the operation ends, and the page's clock moves on by one interval.
        release();
        assert.equal(await finished(server, running.id), 'SUCCEEDED');
        await page.clock.runFor(GALLERY_POLL_MS);
        await frame.waitForSelector(`li[data-operation-id="${running.id}"][data-status="SUCCEEDED"]`);
        await frame.click(`li[data-operation-id="${running.id}"] button.play`);
        const video = `li[data-operation-id="${running.id}"] video`;
        await frame.waitForSelector(video);
        const playback = await playVideo(frame, video);
        assert.equal(playback.error, undefined);
        assert.ok(playback.currentTime > 0 && playback.readyState >= 2, JSON.stringify(playback));
        assert.match((await frame.textContent('h1')) ?? '', new RegExp(`Your videos \\(${listed.length}\\)`));
        const shot = path.join(APPS_OUTPUT_DIR, 'gallery.png');
        await page.screenshot({ path: shot, fullPage: true });
        console.log(`# gallery screenshot: ${shot}`);
      },
    );
  });
});
