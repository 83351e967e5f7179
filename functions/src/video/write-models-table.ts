// `npm run models-table`: rewrites the model table in README.md from the catalog (then prettier formats it).
import { readFileSync, writeFileSync } from 'node:fs';
import { renderModelsTable, spliceModelsTable } from './models-table.js';

const file = new URL('../../../README.md', import.meta.url);
writeFileSync(file, spliceModelsTable(readFileSync(file, 'utf8'), renderModelsTable()));
console.log(`Wrote the model table in ${file.pathname}`);
