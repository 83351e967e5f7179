// Starts a real server process (functions-framework CLI or `npm start`'s entry) and waits for its ready line.
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { once } from 'node:events';

export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as { port: number }).port;
  server.close();
  await once(server, 'close');
  return port;
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
