// Runs several command lines of the MCP conformance CLI (the suite's own dist/index.js, unchanged) in one Node process,
// one after another, for test/e2e/conformance.test.ts. A CLI process spends about 0.8 s of CPU loading the suite and its
// dependencies before it runs a scenario: one process per leg (4 revisions + extensions) spent more on that than on the
// scenarios. Here each leg imports the CLI afresh (a query string makes it a new module instance, with the CLI's own
// state; the packages it imports load once) while process.argv holds the leg's command line, as `node index.js ...`
// would. The CLI ends a run with process.exit(code): here that ends the leg, and the next one starts.
//
//   node legs.mjs <path of the CLI> <leg JSON>...   a leg: {"name": "2025-11-25", "args": ["server", "--url", ...]}
//
// Prints "### leg <name>" before each leg's output. Exits 0 when every leg exited 0 or 1 (1: some check failed, which
// the test judges from the results on disk), else 1 naming the leg. A CLI that stopped calling process.exit at the end
// of a run would leave its leg unsettled: Node then exits 13 (unsettled top-level await), which fails the test too.
import console from 'node:console';
import process from 'node:process';
import { pathToFileURL } from 'node:url';

const [cli, ...legArgs] = process.argv.slice(2);
if (!cli || legArgs.length === 0) {
  console.error('usage: node legs.mjs <path of the conformance CLI> <leg JSON>...');
  process.exit(2);
}
const legs = legArgs.map((arg) => JSON.parse(arg));
const exit = process.exit.bind(process);
const nodeArgv = process.argv.slice(0, 1);

let endLeg; // Resolves the running leg with its exit code.
process.exit = (code) => {
  // Only a running leg may end; anything else calling exit ends the process as it asked.
  if (!endLeg) return exit(code);
  endLeg(Number(code ?? process.exitCode ?? 0));
  endLeg = undefined;
};

for (const [i, leg] of legs.entries()) {
  console.log(`### leg ${leg.name}`);
  const ended = new Promise((resolve) => (endLeg = resolve));
  process.argv = [...nodeArgv, cli, ...leg.args];
  await import(`${pathToFileURL(cli).href}?leg=${i}`);
  const code = await ended;
  if (code !== 0 && code !== 1) {
    console.error(`conformance ${leg.args.join(' ')} exited with ${code}`);
    exit(1);
  }
}
// Ends what the legs left open (their clients' connections), as the end of each CLI process did.
exit(0);
