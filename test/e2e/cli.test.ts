// The veo-mcp CLI tells the truth: every exit code (exit-codes.ts) and every error line, against a real server over
// MCP with the SDK client. Most cases run the CLI in this process (runCli) with fake streams, so a test chooses
// whether stdout is a terminal and replaces the 2 s pause between polls with the operation's own events; a few run
// the built binary to check what the process itself prints and which settings it reads.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import type { Client } from '@modelcontextprotocol/client';
import { loadConfig } from '../../functions/src/config/index.js';
import { EXIT, EXIT_CODES_HELP } from '../../functions/src/cli/exit-codes.js';
import { runCli, type CliIo } from '../../functions/src/cli/run.js';
import { readMp4 } from '../helpers/mp4.js';
import { freePort } from '../helpers/process.js';
import { finished, startTestServer, type TestServer } from '../helpers/server.js';

interface Sink {
  isTTY: boolean;
  text: string;
  write(text: string): boolean;
}
const sink = (isTTY = false): Sink => ({
  isTTY,
  text: '',
  write(text: string) {
    this.text += text;
    return true;
  },
});

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** stderr holds exactly one line, `veo-mcp: …`, and no stack trace. */
function oneErrorLine(run: Run, pattern: RegExp): void {
  assert.match(run.stderr, /^veo-mcp: [^\n]+\n$/, `one line on stderr, got:\n${run.stderr}`);
  assert.match(run.stderr.slice(0, -1), pattern);
  assert.doesNotMatch(run.stderr, /\n\s+at |node:internal/);
}

const idOf = (run: Run) => /^started (\S+) /m.exec(run.stdout)?.[1] ?? assert.fail(run.stdout + run.stderr);

describe('veo-mcp CLI against a real server', () => {
  let server: TestServer;
  let client: Client;
  let dir: string;

  before(async () => {
    server = await startTestServer();
    client = await server.connect();
    dir = await mkdtemp(path.join(tmpdir(), 'veo-cli-'));
  });
  after(async () => {
    await server.close();
    await rm(dir, { recursive: true, force: true });
  });

  /** Between polls: the operation's completion event, never a timer. */
  const untilDone = async (_ms: number, id: string) => {
    await finished(server, id);
  };
  /** Between polls: cancel the operation through the server, then wait for its end (for [sim:never]). */
  const cancelOnFirstPause = async (_ms: number, id: string) => {
    await client.callTool({ name: 'cancel_video_operation', arguments: { operation_id: id } });
    await finished(server, id);
  };

  async function cli(
    argv: string[],
    io: Partial<CliIo> & { tty?: boolean; url?: boolean } = {},
  ): Promise<Run> {
    const out = sink(io.tty);
    const err = sink();
    const code = await runCli(io.url === false ? argv : [...argv, '--url', server.mcpUrl], {
      config: () => assert.fail('the CLI read the configuration although --url was given'),
      now: () => 0,
      pause: untilDone,
      spinnerMs: 0,
      ...io,
      out,
      err,
    });
    return { code, stdout: out.text, stderr: err.text };
  }

  /** What a refused command must leave untouched: Veo got no submit, and the caller has no new operation. */
  async function nothingCreated<T>(body: () => Promise<T>): Promise<T> {
    const count = async () =>
      (
        (await client.callTool({ name: 'list_video_operations', arguments: { limit: 100 } }))
          .structuredContent as { operations: unknown[] }
      ).operations.length;
    const [submits, operations] = [server.simulator.stats.submits, await count()];
    const result = await body();
    assert.equal(server.simulator.stats.submits, submits, 'Veo got no submit');
    assert.equal(await count(), operations, 'no operation was recorded');
    return result;
  }

  test('0: submit --wait --download of a SUCCEEDED video saves it under the name its link has', async () => {
    const out = path.join(dir, 'ok');
    const run = await cli([
      'submit',
      '--prompt',
      'A paper plane',
      '--duration',
      '4',
      '--wait',
      '--download',
      out,
    ]);
    assert.equal(run.code, EXIT.SUCCEEDED, run.stderr);
    assert.equal(run.stderr, '');
    const id = idOf(run);
    assert.match(run.stdout, new RegExp(`^${id} SUCCEEDED \\(simulator test pattern\\)$`, 'm'));
    // The label, the link's object name and the saved file all say video-0.
    const link = new RegExp(
      `^  video-0\\.mp4: (http://127\\.0\\.0\\.1:\\d+/blobs/videos/${id}/video-0\\.mp4\\?\\S+)$`,
      'm',
    );
    const url = link.exec(run.stdout)?.[1];
    assert.ok(url, run.stdout);
    assert.deepEqual(await readdir(out), [`${id}-video-0.mp4`]);
    const saved = await readFile(path.join(out, `${id}-video-0.mp4`));
    assert.deepEqual(saved, Buffer.from(await (await fetch(url)).arrayBuffer()));
    assert.equal(readMp4(saved).durationSeconds, 4);
    // Not a terminal: plain lines, no carriage returns or escape codes.
    assert.match(run.stdout, new RegExp(`^${id} SUCCEEDED after 0s$`, 'm'));
    assert.ok(!run.stdout.includes('\r') && !run.stdout.includes('\u001b'));
  });

  test('4: a FILTERED operation exits 4 with its reason on one line', async () => {
    const run = await cli(['submit', '--prompt', 'A fox [sim:rai]', '--duration', '4', '--wait']);
    assert.equal(run.code, EXIT.FILTERED);
    oneErrorLine(
      run,
      new RegExp(
        `^veo-mcp: operation ${idOf(run)} FILTERED by the model's safety filters \\(not billed\\): Veo could not generate`,
      ),
    );
    assert.match(run.stdout, /^ {2}filtered: .*Support codes: \d{8}$/m);
  });

  test('3: a FAILED operation exits 3 with its error code and message on one line', async () => {
    const run = await cli(['submit', '--prompt', 'A fox [sim:error]', '--duration', '4', '--wait']);
    assert.equal(run.code, EXIT.FAILED);
    oneErrorLine(
      run,
      new RegExp(
        `^veo-mcp: operation ${idOf(run)} FAILED: INTERNAL: Veo reported an error: Simulated generation failure`,
      ),
    );
  });

  test('5: an operation cancelled while the CLI waits exits 5; on a terminal the progress is one live line', async () => {
    let t = -65_000;
    const run = await cli(['submit', '--prompt', 'A fox [sim:never]', '--duration', '4', '--wait'], {
      tty: true,
      now: () => (t += 65_000),
      pause: cancelOnFirstPause,
    });
    assert.equal(run.code, EXIT.CANCELLED, run.stderr);
    const id = idOf(run);
    oneErrorLine(run, new RegExp(`^veo-mcp: operation ${id} CANCELLED`));
    // Spinner, id, status and elapsed time, redrawn in place; the line is cleared before the result.
    assert.match(
      run.stdout,
      new RegExp(`\\r\\x1b\\[2K⠋ ${id} (QUEUED|RUNNING)[^\\n\\r]* 1m05s\\r\\x1b\\[2K⠙ ${id} CANCELLED 2m10s`),
    );
    assert.match(run.stdout, new RegExp(`\\r\\x1b\\[2K${id} CANCELLED \\(simulator test pattern\\)\\n`));
    assert.doesNotMatch(run.stdout, /after \d/, 'no plain status lines on a terminal');
  });

  test('5: the same wait without a terminal prints one plain line per status', async () => {
    let t = -65_000;
    const run = await cli(['submit', '--prompt', 'A hare [sim:never]', '--duration', '4', '--wait'], {
      now: () => (t += 65_000),
      pause: cancelOnFirstPause,
    });
    assert.equal(run.code, EXIT.CANCELLED);
    const id = idOf(run);
    assert.match(
      run.stdout,
      new RegExp(`^${id} (QUEUED|RUNNING)[^\\n]* after 1m05s\\n${id} CANCELLED after 2m10s$`, 'm'),
    );
    assert.ok(!run.stdout.includes('\r') && !run.stdout.includes('\u001b') && !run.stdout.includes('⠋'));
  });

  test('5: an EXPIRED operation exits 5 with the deadline message', async () => {
    const short = await startTestServer({ env: { VEO_OPERATION_DEADLINE_SECONDS: '0.5' } });
    try {
      const run = await cli(
        ['submit', '--prompt', 'A fox [sim:never]', '--duration', '4', '--wait', '--url', short.mcpUrl],
        {
          url: false,
          pause: async (_ms, id) => void (await finished(short, id)),
        },
      );
      assert.equal(run.code, EXIT.CANCELLED, run.stderr);
      oneErrorLine(
        run,
        new RegExp(`^veo-mcp: operation ${idOf(run)} EXPIRED: DEADLINE_EXCEEDED: .*did not finish`),
      );
    } finally {
      await short.close();
    }
  });

  test('6: submit without --wait and get of a RUNNING operation exit 6; get --download creates nothing', async () => {
    const submitted = await cli(['submit', '--prompt', 'A slow fox [sim:never]', '--duration', '4']);
    assert.equal(submitted.code, EXIT.UNFINISHED);
    const id = idOf(submitted);
    oneErrorLine(
      submitted,
      new RegExp(
        `^veo-mcp: operation ${id} is (QUEUED|RUNNING), not finished: veo-mcp watch ${id} follows it$`,
      ),
    );

    const target = path.join(dir, 'never', 'nested');
    const got = await cli(['get', id, '--download', target]);
    assert.equal(got.code, EXIT.UNFINISHED);
    oneErrorLine(
      got,
      new RegExp(`^veo-mcp: operation ${id} is (QUEUED|RUNNING), not finished: nothing downloaded`),
    );
    assert.equal(existsSync(path.join(dir, 'never')), false, 'no folder was created');
    await client.callTool({ name: 'cancel_video_operation', arguments: { operation_id: id } });

    // A finished operation without videos: its own code, and still nothing on disk.
    await finished(server, id);
    const cancelled = await cli(['get', id, '--download', target]);
    assert.equal(cancelled.code, EXIT.CANCELLED);
    oneErrorLine(cancelled, new RegExp(`^veo-mcp: operation ${id} CANCELLED.*\\(nothing to download\\)$`));
    assert.equal(existsSync(path.join(dir, 'never')), false);
  });

  test('9: a download the blob server refuses leaves no partial file and no new folder', async () => {
    const done = await cli(['submit', '--prompt', 'A lost kite', '--duration', '4', '--wait']);
    assert.equal(done.code, EXIT.SUCCEEDED, done.stderr);
    const id = idOf(done);
    // The video's object is gone from the local blob store: its link answers 404.
    await rm(path.join(server.runtime.config.blobs.dir, 'videos', id), { recursive: true });
    const target = path.join(dir, 'lost', 'videos');
    const run = await cli(['get', id, '--download', target]);
    assert.equal(run.code, EXIT.REFUSED);
    oneErrorLine(run, /^veo-mcp: download of video-0\.mp4 answered HTTP 404$/);
    assert.equal(existsSync(path.join(dir, 'lost')), false, 'the folder it made is removed again');
  });

  const usage: Array<[string[], RegExp]> = [
    [['--bogus'], /^veo-mcp: unknown option --bogus \(veo-mcp --help\)$/],
    [['submit', '--prompt'], /^veo-mcp: --prompt needs a value/],
    [['submit', '--wait=yes', '--prompt', 'x'], /^veo-mcp: --wait takes no value/],
    [['fly'], /^veo-mcp: unknown command fly/],
    [['get'], /^veo-mcp: get needs OPERATION_ID/],
    [['watch', 'a', 'b'], /^veo-mcp: watch takes no argument b/],
    [['submit'], /^veo-mcp: submit needs --prompt TEXT \(or --image\)/],
    [['submit', '--prompt', 'x', '--duration', '4.5'], /^veo-mcp: --duration "4\.5": must be whole seconds/],
    [['submit', '--prompt', 'x', '--download', 'd'], /^veo-mcp: --download needs --wait with submit/],
    [['get', 'x', '--prompt', 'p'], /^veo-mcp: --prompt does not apply to get/],
    [['extend', 'x'], /^veo-mcp: extend needs --prompt TEXT/],
    [['edit', 'x', '--duration', '4', '--prompt', 'p'], /^veo-mcp: --duration does not apply to edit/],
    [['submit', '--prompt', 'x', '--topic', 'veo-requests'], /^veo-mcp: --topic needs --project/],
    [
      ['submit', '--prompt', 'x', '--topic', 'veo-requests', '--project', 'p', '--wait'],
      /^veo-mcp: --wait does not apply with --topic/,
    ],
  ];
  for (const [argv, line] of usage) {
    test(`2: ${argv.join(' ')} is a usage error on one line, and nothing is sent`, async () => {
      const run = await nothingCreated(() => cli(argv));
      assert.equal(run.code, EXIT.USAGE);
      oneErrorLine(run, line);
      assert.equal(run.stdout, '');
    });
  }

  test('2: a bad --url and a bad PORT setting are usage errors naming the value', async () => {
    const url = await cli(['get', 'x', '--url', 'ftp://host/mcp'], { url: false });
    assert.equal(url.code, EXIT.USAGE);
    oneErrorLine(url, /^veo-mcp: --url "ftp:\/\/host\/mcp": must be an http\(s\) URL/);
    const withPassword = await cli(['get', 'x', '--url', server.mcpUrl.replace('//', '//user:s3cret@')], {
      url: false,
    });
    assert.equal(withPassword.code, EXIT.USAGE);
    oneErrorLine(
      withPassword,
      /^veo-mcp: --url must not carry user:password \(send a credential with --token\)/,
    );
    assert.ok(!withPassword.stderr.includes('s3cret'));
    const port = await cli(['get', 'x'], { url: false, config: () => loadConfig({ PORT: '80a' }) });
    assert.equal(port.code, EXIT.USAGE);
    oneErrorLine(port, /^veo-mcp: configuration: PORT="80a": must be an integer between 1 and 65535$/);
  });

  test('without --url the CLI reaches the server at the PORT, or the PUBLIC_BASE_URL, the server reads', async () => {
    const done = await cli(['submit', '--prompt', 'A kite', '--duration', '4', '--wait']);
    const id = idOf(done);
    const port = new URL(server.url).port;
    for (const env of [{ PORT: port }, { PUBLIC_BASE_URL: server.url }]) {
      const run = await cli(['get', id], { url: false, config: () => loadConfig(env) });
      assert.equal(run.code, EXIT.SUCCEEDED, run.stderr);
      assert.match(run.stdout, new RegExp(`^${id} SUCCEEDED`));
    }
  });

  test('7: a closed port is a connection error on one line naming the URL', async () => {
    const port = await freePort(); // Free: nothing listens there.
    const run = await cli(['get', 'x'], { url: false, config: () => loadConfig({ PORT: String(port) }) });
    assert.equal(run.code, EXIT.UNREACHABLE);
    oneErrorLine(
      run,
      new RegExp(
        `^veo-mcp: cannot reach http://127\\.0\\.0\\.1:${port}/mcp: connection refused \\(is the server running\\?`,
      ),
    );
  });

  test('7: a URL that is not an MCP endpoint says what answered', async () => {
    const run = await cli(['get', 'x', '--url', `${server.url}/nope`], { url: false });
    assert.equal(run.code, EXIT.UNREACHABLE);
    oneErrorLine(
      run,
      /^veo-mcp: no MCP endpoint at http:\/\/127\.0\.0\.1:\d+\/nope: HTTP 404: Not found: \/nope\./,
    );
  });

  test('9: the server refusing a request exits 9 with its reason, and nothing is created', async () => {
    const unknown = await nothingCreated(() => cli(['get', 'no-such-operation']));
    assert.equal(unknown.code, EXIT.REFUSED);
    oneErrorLine(
      unknown,
      /^veo-mcp: get_video_operation refused: NOT_FOUND: Invalid operation_id: "no-such-operation"/,
    );
    const bad = await nothingCreated(() => cli(['submit', '--prompt', 'A fox', '--duration', '5', '--wait']));
    assert.equal(bad.code, EXIT.REFUSED);
    oneErrorLine(bad, /^veo-mcp: generate_video refused: INVALID_ARGUMENT: .*duration/);
  });

  test('extend and edit call extend_video and edit_video', async () => {
    const original = await cli(['submit', '--prompt', 'A river', '--duration', '8', '--wait']);
    assert.equal(original.code, EXIT.SUCCEEDED, original.stderr);
    const id = idOf(original);
    const extended = await cli(['extend', id, '--prompt', 'A boat appears', '--wait']);
    assert.equal(extended.code, EXIT.SUCCEEDED, extended.stderr);
    assert.match(extended.stdout, new RegExp(`^${idOf(extended)} SUCCEEDED`, 'm'));
    assert.notEqual(idOf(extended), id);
    // Veo results cannot be edited: the server's refusal, exit 9, nothing started.
    const edited = await nothingCreated(() => cli(['edit', id, '--prompt', 'Make it night', '--wait']));
    assert.equal(edited.code, EXIT.REFUSED);
    oneErrorLine(edited, /^veo-mcp: edit_video refused: /);
  });

  test('1: an unexpected error is one line, and its stack only with --debug', async () => {
    const keys = async () => {
      throw new Error('store exploded');
    };
    const config = () => loadConfig({});
    const plain = await cli(['keys', 'list'], { url: false, config, keys });
    assert.equal(plain.code, EXIT.INTERNAL);
    oneErrorLine(plain, /^veo-mcp: internal error: store exploded \(--debug prints the stack\)$/);
    const debug = await cli(['keys', 'list', '--debug'], { url: false, config, keys });
    assert.equal(debug.code, EXIT.INTERNAL);
    assert.match(debug.stderr, /^veo-mcp: internal error: store exploded\nError: store exploded\n\s+at /);
  });

  test('--help prints the usage and the exit codes, which the README documents line for line', async () => {
    const run = await cli(['--help'], { url: false });
    assert.equal(run.code, EXIT.SUCCEEDED);
    assert.ok(run.stdout.includes(EXIT_CODES_HELP));
    const readme = await readFile(new URL('../../README.md', import.meta.url), 'utf8');
    for (const line of EXIT_CODES_HELP.split('\n').slice(1)) {
      const [code, meaning] = [line.trim().slice(0, 1), line.trim().slice(1).trim()];
      const escaped = meaning.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      assert.match(
        readme,
        new RegExp(`^\\| ${code} +\\| ${escaped} +\\|$`, 'm'),
        `README documents exit code ${code}`,
      );
    }
  });
});

describe('veo-mcp CLI auth refusals', () => {
  const key = `veo_${'A'.repeat(43)}`;
  let server: TestServer;
  before(async () => {
    server = await startTestServer({
      env: { AUTH_MODE: 'api_key', API_KEY_HASHES: createHash('sha256').update(key).digest('hex') },
    });
  });
  after(() => server.close());

  const cli = async (argv: string[]) => {
    const [out, err] = [sink(), sink()];
    const code = await runCli([...argv, '--url', server.mcpUrl], {
      out,
      err,
      config: () => assert.fail('config read'),
      now: () => 0,
      pause: async (_ms, id) => void (await finished(server, id)),
    });
    return { code, stdout: out.text, stderr: err.text };
  };

  test('8: no token, or a wrong one, exits 8 with the server reason; the right one gets through', async () => {
    const none = await cli(['get', 'x']);
    assert.equal(none.code, EXIT.AUTH);
    oneErrorLine(none, /refused the credentials: HTTP 401: Missing API key: .*\(--token sends one\)$/);
    const wrong = await cli(['get', 'x', '--token', `veo_${'B'.repeat(43)}`]);
    assert.equal(wrong.code, EXIT.AUTH);
    oneErrorLine(wrong, /refused the credentials: HTTP 401: /);
    assert.ok(!wrong.stderr.includes('B'.repeat(43)), 'the token is not echoed');
    const right = await cli(['get', 'x', '--token', key]);
    assert.equal(right.code, EXIT.REFUSED, 'authenticated: the unknown operation is the refusal');
  });
});

// What only the process shows: that its exit code is runCli's and its streams carry no Node stack trace, that it reads
// PORT from its environment, and that --debug prints the stack. (The binary's exit 0 for a SUCCEEDED operation, read
// through PORT with nothing on stderr, is processes.test.ts's, against `npm start`; every message is checked above,
// in this process.) Each test runs its own binary process: they run at once.
describe('the veo-mcp binary', { concurrency: true }, () => {
  const bin = (args: string[], env: Record<string, string>) =>
    promisify(execFile)(process.execPath, ['dist/functions/src/cli/veo-mcp.js', ...args], {
      cwd: new URL('../..', import.meta.url).pathname,
      env: { PATH: process.env['PATH'], ...env },
    }).then(
      ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
      (err: { code: number; stdout: string; stderr: string }) => ({
        code: err.code,
        stdout: err.stdout,
        stderr: err.stderr,
      }),
    );

  test('an unknown option: exit 2 and one line, no Node stack trace', async () => {
    const run = await bin(['submit', '--bogus'], {});
    assert.equal(run.code, EXIT.USAGE);
    assert.equal(run.stderr, 'veo-mcp: unknown option --bogus (veo-mcp --help)\n');
  });

  test('an unreachable server at PORT with --debug: exit 7, the one line, then the stack', async () => {
    const port = String(await freePort());
    const run = await bin(['get', 'x', '--debug'], { PORT: port });
    assert.equal(run.code, EXIT.UNREACHABLE);
    assert.match(
      run.stderr,
      new RegExp(
        `^veo-mcp: cannot reach http://127\\.0\\.0\\.1:${port}/mcp: connection refused[^\\n]*\\n[\\s\\S]*ECONNREFUSED[\\s\\S]*\\n\\s+at `,
      ),
    );
  });
});
