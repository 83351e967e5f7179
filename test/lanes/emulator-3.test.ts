// One lane of npm test: its share of the tier's files, in one process (test/lanes/lanes.ts).
import { runLane } from './lanes.js';

await runLane(import.meta.url);
