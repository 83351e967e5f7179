// Starts a real server process (functions-framework CLI or `npm start`'s entry) and waits for its ready line.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { once } from 'node:events';

/** Lowest port the kernel hands out for outgoing connections and port 0 (Linux's default when unreadable). */
function ephemeralLow(): number {
  try {
    return (
      Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]) || 32768
    );
  } catch {
    return 32768;
  }
}

/** The port bound on 127.0.0.1, or undefined if it is taken (EADDRINUSE is an answer here, not an error). */
async function listens(port: number): Promise<number | undefined> {
  const server = createServer();
  // Not once(server, 'listening') raced against once(server, 'error'): the first rejects on the very 'error' event the
  // second resolves on, and won the race, so a taken port threw instead of moving on to another pick.
  const bound = await new Promise<number | undefined>((resolve) => {
    server.once('error', () => resolve(undefined));
    server.once('listening', () => resolve((server.address() as { port: number }).port));
    server.listen(port, '127.0.0.1');
  });
  if (bound === undefined) return undefined;
  server.close();
  await once(server, 'close');
  return bound;
}

/**
 * A port free on 127.0.0.1 for a server started next. It is picked at random below the ephemeral range: a port the
 * kernel chose for us (port 0) could be taken by one of the many outgoing connections parallel test files open before
 * our server binds it, and random picks keep parallel files apart.
 */
export async function freePort(): Promise<number> {
  const low = ephemeralLow();
  for (let attempt = 0; attempt < 20 && low > 11_000; attempt++) {
    const port = await listens(10_000 + Math.floor(Math.random() * (low - 10_000)));
    if (port !== undefined) return port;
  }
  return (await listens(0))!;
}

export interface RunningProcess {
  child: ChildProcess;
  output: () => string;
  stop(): Promise<void>;
}

/**
 * Spawns `command` and resolves once its output matches `ready`; rejects if it exits first.
 * `detached` puts it in its own process group, stopped as a whole (wrappers such as gcloud start children).
 */
export async function startProcess(
  command: string,
  args: string[],
  env: Record<string, string>,
  ready: RegExp,
  options: { detached?: boolean } = {},
): Promise<RunningProcess> {
  const child = spawn(command, args, {
    cwd: new URL('../..', import.meta.url).pathname,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: options.detached,
  });
  let output = '';
  await new Promise<void>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (ready.test(output)) resolve();
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) =>
      reject(new Error(`${command} exited with ${code} before ready:\n${output}`)),
    );
  });
  return {
    child,
    output: () => output,
    async stop() {
      if (child.exitCode !== null || child.pid === undefined) return;
      const exited = once(child, 'exit');
      const signal = (name: NodeJS.Signals) => {
        try {
          if (options.detached) process.kill(-child.pid!, name);
          else child.kill(name);
        } catch {
          // Already gone.
        }
      };
      signal('SIGTERM');
      const timer = setTimeout(() => signal('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    },
  };
}
