// The arguments Gemini Omni does not take, a value a caller might send for each, and the reason the refusal must give
// (video/check.ts): asserted on the domain check (test/unit/video/check.test.ts) and over MCP
// (test/e2e/mcp-bad-input.test.ts).
import type { GenerationArgs } from '../../functions/src/video/check.js';

export const OMNI_NOT_TAKEN: Array<[keyof GenerationArgs, unknown, string]> = [
  ['negative_prompt', 'no rain', 'Omni has no negative prompt; say what to avoid in the prompt'],
  ['number_of_videos', 1, 'Omni makes one video per turn'],
  ['seed', 42, 'Omni takes no seed'],
  ['person_generation', 'allow_adult', 'Omni takes no person_generation setting'],
  ['enhance_prompt', true, 'Omni does not rewrite prompts'],
  ['generate_audio', false, 'Omni always generates audio'],
  ['fps', 24, 'Omni always renders 24 fps'],
  ['compression_quality', 'OPTIMIZED', 'compression_quality is a Veo setting'],
  ['resize_mode', 'PAD', 'resize_mode is a Veo setting'],
];
