// A real MCP Apps host for tests: Debian's headless chromium (driven by playwright-core) opens a page that embeds an
// app's HTML in a sandboxed iframe and connects it with ext-apps' own AppBridge (the host side of the protocol). The
// bridge's tools/call goes to the test's real MCP client, so the app talks to the real server through the host, as
// in Claude or VS Code. Tests skip with a message when chromium is not installed.
import { access, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import type { Frame, Page } from 'playwright-core';
import type { CallToolResult, Client } from '@modelcontextprotocol/client';
import { cachedForThisRun } from './run-setup.js';

export const CHROMIUM = '/usr/bin/chromium';
/**
 * Debian's chromium-headless-shell, used when installed: the headless build of the same chromium (Blink, V8, media),
 * without the browser's UI, as Playwright runs headless by default. Starting it and showing a page costs about 0.2 s of
 * CPU instead of chromium's 0.6-0.9 s.
 */
export const CHROMIUM_HEADLESS_SHELL = '/usr/bin/chromium-headless-shell';
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
/** Screenshots of the apps (gitignored). */
export const APPS_OUTPUT_DIR = path.join(ROOT, 'test-output', 'apps');

const installed = (file: string) =>
  access(file).then(
    () => file,
    () => undefined,
  );

/** The chromium the tests run: the headless shell when installed, else chromium; undefined when neither is. */
async function chromiumExecutable(): Promise<string | undefined> {
  return (await installed(CHROMIUM_HEADLESS_SHELL)) ?? (await installed(CHROMIUM));
}

/** Why the browser tests cannot run here, or undefined when they can. */
export async function chromiumMissing(): Promise<string | undefined> {
  if (await chromiumExecutable()) return undefined;
  return (
    `${CHROMIUM} not found: install it with "apt-get install -y chromium" (or the lighter ` +
    'chromium-headless-shell) to run the MCP Apps browser tests'
  );
}

/** Playwright's own --disable-features (playwright-core 1.65, chromiumSwitches.ts), less its Windows and Edge ones. */
const PLAYWRIGHT_DISABLED_FEATURES = [
  'AvoidUnnecessaryBeforeUnloadCheckSync',
  'DestroyProfileOnBrowserClose',
  'HttpsUpgrades',
  'HttpsFirstBalancedModeAutoEnable',
  'LensOverlay',
  'MediaRouter',
  'PaintHolding',
  'ThirdPartyStoragePartitioning',
  'AvoidCorsURLLoaderRestartOnRedirect',
  'OptimizationHints',
  'NetworkTimeServiceQuerying',
  'AimEnabled',
  'PreconnectToSearch',
];
/**
 * Work of chromium's that no test looks at: the full browser (not the headless shell) preloads its omnibox popups, two
 * WebUI pages in a renderer of their own (about a second of CPU), and starts a renderer for each sandboxed iframe (one
 * per app shown). The sandbox itself (an opaque origin, scripts only) is Blink's, in either process.
 */
const UNNEEDED_FEATURES = ['WebUIOmniboxPopup', 'WebUIOmniboxAimPopup', 'IsolateSandboxedIframes'];
const CHROMIUM_ARGS = [
  '--no-sandbox', // Root in a container has no user namespace for the sandbox.
  '--disable-gpu', // Headless video needs no GPU.
  '--autoplay-policy=no-user-gesture-required',
  // Chromium keeps only the last --disable-features: this one repeats Playwright's.
  `--disable-features=${[...PLAYWRIGHT_DISABLED_FEATURES, ...UNNEEDED_FEATURES].join(',')}`,
];

// The host page's script: ext-apps' AppBridge over PostMessageTransport to the app's iframe. Browser code, bundled by
// esbuild from the installed package (no CDN). It hosts one app at a time: stopHost removes the app shown.
const HOST_ENTRY = `
import { AppBridge, PostMessageTransport } from '@modelcontextprotocol/ext-apps/app-bridge';
let bridge;
window.stopHost = async () => {
  await bridge?.close();
  document.body.replaceChildren();
};
window.startHost = async (html, toolInput, toolResult) => {
  const iframe = document.createElement('iframe');
  iframe.sandbox = 'allow-scripts';
  iframe.style.cssText = 'width: 640px; height: 200px; border: 1px solid #999';
  iframe.srcdoc = html;
  document.body.append(iframe);
  bridge = new AppBridge(null, { name: 'veo-test-host', version: '1.0.0' }, { serverTools: {} });
  bridge.oncalltool = (params) => window.hostCallTool(params);
  bridge.onsizechange = ({ height }) => { if (height) iframe.style.height = height + 'px'; };
  const initialized = new Promise((resolve) => { bridge.oninitialized = resolve; });
  await bridge.connect(new PostMessageTransport(iframe.contentWindow, iframe.contentWindow));
  await initialized;
  await bridge.sendToolInput({ arguments: toolInput });
  await bridge.sendToolResult(toolResult);
};
`;

let hostScript: Promise<string> | undefined;
function hostBundle(): Promise<string> {
  // Kept for the run: the run's other MCP Apps file reads it instead of bundling again (0.3 s of esbuild's CPU).
  hostScript ??= cachedForThisRun('apps-host.js', () =>
    build({
      stdin: { contents: HOST_ENTRY, resolveDir: ROOT, loader: 'js' },
      bundle: true,
      format: 'iife',
      platform: 'browser',
      minify: true, // Half the size: the page parses it in half the time.
      write: false,
      logLevel: 'silent',
    }).then((out) => out.outputFiles[0].text),
  );
  return hostScript;
}

export interface AppsBrowser {
  /**
   * Shows `html` in the host page in place of the app before, and hands it `toolResult` (as an Apps host does after a
   * tool call); the app's tools/call requests are answered by `client` (without one, they fail). Returns the host
   * page, the app's frame, and the console errors and tool calls seen since this app started.
   */
  open(
    html: string,
    toolInput: Record<string, unknown>,
    toolResult: CallToolResult,
    client?: Client,
  ): Promise<{ page: Page; frame: Frame; consoleErrors: string[]; toolCalls: string[] }>;
  /** Removes the app shown, as a host does when it is done with it: a video it plays stops decoding frames. */
  closeApp(): Promise<void>;
  close(): Promise<void>;
}

/** What the app shown now has done; replaced when the next app starts. */
interface Shown {
  client?: Client;
  consoleErrors: string[];
  toolCalls: string[];
}

/**
 * Starts chromium with one host page (playwright-core is loaded here, not on import: a run that skips the browser
 * tests does not load it). The page loads the host bundle once (a page per app would load it each time, a second or
 * more of chromium's CPU each) and shows the apps one after another in a fresh iframe. Its clock is
 * Playwright's: real time until a test moves it past an app's poll interval (`page.clock.runFor`), instead of
 * waiting that long; it covers the timers, Date and performance.now of the page and of the apps' frames.
 */
export async function launchAppsBrowser(): Promise<AppsBrowser> {
  const executablePath = await chromiumExecutable();
  if (!executablePath) throw new Error(await chromiumMissing());
  const { chromium } = await import('playwright-core');
  const [browser, script] = await Promise.all([
    chromium.launch({ executablePath, args: CHROMIUM_ARGS }),
    hostBundle(),
    mkdir(APPS_OUTPUT_DIR, { recursive: true }),
  ]);
  const page = await browser.newPage({ viewport: { width: 680, height: 720 } });
  let shown: Shown = { consoleErrors: [], toolCalls: [] };
  page.on('console', (message) => {
    if (message.type() === 'error') shown.consoleErrors.push(message.text());
  });
  await page.exposeFunction('hostCallTool', async (params: { name: string; arguments?: object }) => {
    const { client, toolCalls } = shown;
    toolCalls.push(params.name);
    if (!client) throw new Error(`no MCP client: the app called ${params.name}`);
    return client.callTool({ name: params.name, arguments: params.arguments as Record<string, unknown> });
  });
  await page.clock.install();
  await page.setContent(`<!doctype html><html><body><script>${script}</script></body></html>`);
  const closeApp = () =>
    page.evaluate(() => (globalThis as unknown as { stopHost: () => Promise<void> }).stopHost());
  return {
    async open(html, toolInput, toolResult, client) {
      // The app before is gone before counting starts: nothing it said or asked is counted for this one.
      await closeApp();
      shown = { client, consoleErrors: [], toolCalls: [] };
      const { consoleErrors, toolCalls } = shown;
      await page.evaluate(
        ([appHtml, input, result]) =>
          (
            globalThis as unknown as { startHost: (h: string, i: unknown, r: unknown) => Promise<void> }
          ).startHost(appHtml, input, result),
        [html, toolInput, toolResult] as const,
      );
      const frame = await (await page.$('iframe'))?.contentFrame();
      if (!frame) throw new Error('the app iframe did not load');
      return { page, frame, consoleErrors, toolCalls };
    },
    closeApp,
    close: () => browser.close(),
  };
}

/** The parts of an HTMLVideoElement the tests read (the test project has no DOM lib). */
interface VideoElement {
  readyState: number;
  currentTime: number;
  duration: number;
  videoWidth: number;
  muted: boolean;
  error: { code: number; message: string } | null;
  play(): Promise<void>;
  addEventListener(type: string, listener: () => void): void;
}

export interface Playback {
  readyState: number;
  currentTime: number;
  duration: number;
  videoWidth: number;
  error?: string;
}

/**
 * Plays the first <video> matching `selector` in the frame and resolves once its currentTime has advanced (a `timeupdate` past 0),
 * or with the media error when it cannot load. Events, not sleeps.
 */
export function playVideo(frame: Frame, selector = 'video'): Promise<Playback> {
  return frame.$eval(
    selector,
    (video: VideoElement) =>
      new Promise<Playback>((resolve) => {
        const report = (error?: string) =>
          resolve({
            readyState: video.readyState,
            currentTime: video.currentTime,
            duration: video.duration,
            videoWidth: video.videoWidth,
            error,
          });
        if (video.error) return report(`media error ${video.error.code}: ${video.error.message}`);
        video.addEventListener('error', () =>
          report(`media error ${video.error?.code}: ${video.error?.message}`),
        );
        const start = video.currentTime;
        video.addEventListener('timeupdate', () => {
          if (video.currentTime > start) report();
        });
        video.muted = true;
        video.play().catch((err: Error) => report(`play() refused: ${err.message}`));
      }),
  );
}
