// Refuses to start on a Node release the project does not support (package.json "engines"), with the one-line way
// to run on the right one. Imported first by `npm start`, so it runs before anything that needs the newer Node.
import { readFileSync } from 'node:fs';

// Compiled to dist/functions/src/, three levels below package.json.
const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as {
  engines: { node: string };
};
const supported = [...pkg.engines.node.matchAll(/\^(\d+)\./g)].map((m) => Number(m[1]));
const major = Number(process.versions.node.split('.')[0]);
if (!supported.includes(major)) {
  console.error(
    `Veo MCP Cloud runs on Node ${supported.join(' or ')}; this is Node ${process.versions.node}.\n` +
      `Run it on Node ${supported[0]} without installing anything: npx -y -p node@${supported[0]} -- sh -c 'npm install && npm start'`,
  );
  process.exit(1);
}
