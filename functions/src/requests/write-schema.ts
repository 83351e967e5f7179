// `npm run schemas`: regenerates request-message.schema.json from the zod contract.
import { writeFileSync } from 'node:fs';
import { requestMessageJsonSchema } from './message.js';

const file = new URL('./request-message.schema.json', import.meta.url);
writeFileSync(file, JSON.stringify(requestMessageJsonSchema(), null, 2) + '\n');
console.log(`Wrote ${file.pathname}`);
