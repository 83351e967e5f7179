// check.ts, the one place a caller's arguments meet the catalog before anything is created or billed: every refusal
// (per family, per model, per mode), each naming the field, the value and what is allowed, and the request and the
// estimated cost that come out of an accepted call. Pure: checkRequest throws or returns; the MCP tests
// (test/e2e/mcp-bad-input.test.ts) show that a refusal creates, reserves and submits nothing.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { AppError } from '../../../functions/src/errors.js';
import { DEFAULT_MODELS } from '../../../functions/src/video/catalog.js';
import {
  checkRequest,
  type GenerationArgs,
  type MediaGiven,
  type ModeInput,
} from '../../../functions/src/video/check.js';
import { OMNI_NOT_TAKEN } from '../../helpers/omni-not-taken.js';

type Api = 'vertex' | 'gemini';

const check = (
  args: GenerationArgs,
  api: Api = 'vertex',
  media: MediaGiven = {},
  mode: ModeInput = { mode: 'generate' },
) => checkRequest(args, api, DEFAULT_MODELS[api], media, mode);

/** Asserts the exact refusal: INVALID_ARGUMENT, not retryable, this message. */
function refuses(
  message: string,
  args: GenerationArgs,
  api: Api = 'vertex',
  media: MediaGiven = {},
  mode: ModeInput = { mode: 'generate' },
): void {
  assert.throws(
    () => check(args, api, media, mode),
    (err: unknown) => {
      assert.ok(err instanceof AppError, String(err));
      assert.equal(err.code, 'INVALID_ARGUMENT');
      assert.equal(err.retryable, false);
      assert.equal(err.message, message);
      return true;
    },
  );
}

const VERTEX_LIVE =
  '"veo-3.1-fast-generate-001", "veo-3.1-generate-001", "veo-3.1-lite-generate-001", "gemini-omni-1.2-flash", ' +
  '"gemini-omni-1.1-flash-preview", "gemini-omni-flash-preview"';
const OMNI_12 = 'gemini-omni-1.2-flash';
const FAST = 'veo-3.1-fast-generate-001';

describe('request checks (check.ts)', () => {
  describe('arguments a family does not take', () => {
    test('Omni refuses each Veo-only argument by name, on both APIs, even with a value Veo would accept', () => {
      for (const api of ['vertex', 'gemini'] as const) {
        for (const [field, value, why] of OMNI_NOT_TAKEN) {
          const shown = JSON.stringify(value);
          refuses(
            `Invalid ${field}: ${shown}. The omni family (${OMNI_12}) does not take ${field}: ${why}. Omit it.`,
            { prompt: 'a fox', model: OMNI_12, [field]: value },
            api,
            { image: true },
          );
        }
      }
      // The Gemini API's default is Omni: the refusal names the model the call fell back to.
      refuses(
        'Invalid seed: 7. The omni family (gemini-omni-1.2-flash) does not take seed: Omni takes no seed. Omit it.',
        { prompt: 'a fox', seed: 7 },
        'gemini',
      );
      refuses(
        'Invalid generate_audio: true. The omni family (gemini-omni-1.1-flash-preview) does not take ' +
          'generate_audio: Omni always generates audio. Omit it.',
        { prompt: 'a fox', model: 'gemini-omni-1.1-flash-preview', generate_audio: true },
      );
    });

    test('Veo takes every one of them', () => {
      const { request } = check(
        {
          prompt: 'a fox',
          negative_prompt: 'no rain',
          number_of_videos: 2,
          seed: 42,
          person_generation: 'allow_adult',
          enhance_prompt: true,
          generate_audio: false,
          fps: 24,
          compression_quality: 'OPTIMIZED',
          resize_mode: 'PAD',
        },
        'vertex',
        { image: true },
      );
      assert.deepEqual(
        [request.negativePrompt, request.numberOfVideos, request.seed, request.personGeneration],
        ['no rain', 2, 42, 'allow_adult'],
      );
      assert.deepEqual(
        [
          request.enhancePrompt,
          request.generateAudio,
          request.fps,
          request.compressionQuality,
          request.resizeMode,
        ],
        [true, false, 24, 'OPTIMIZED', 'PAD'],
      );
    });
  });

  describe('first + last frame', () => {
    test('last_frame needs image, on every model that takes one', () => {
      for (const [api, model] of [
        ['vertex', FAST],
        ['vertex', 'veo-3.1-lite-generate-001'],
        ['vertex', OMNI_12],
        ['gemini', 'gemini-omni-1.1-flash'],
      ] as const) {
        refuses(
          'Invalid last_frame: a last frame needs a first frame: give image too (first + last frame).',
          { prompt: 'a fox', model },
          api,
          { lastFrame: true },
        );
        assert.equal(
          check({ prompt: 'a fox', model }, api, { image: true, lastFrame: true }).model.id,
          model,
        );
      }
    });

    test('a model without last frames refuses one, naming the models on this API that take it', () => {
      refuses(
        'Invalid last_frame: gemini-omni-flash-preview does not take a last frame. Models that do: ' +
          '"veo-3.1-fast-generate-001", "veo-3.1-generate-001", "veo-3.1-lite-generate-001", ' +
          '"gemini-omni-1.2-flash", "gemini-omni-1.1-flash-preview".',
        { prompt: 'a fox', model: 'gemini-omni-flash-preview' },
        'vertex',
        { image: true, lastFrame: true },
      );
      // The first frame alone is fine there.
      assert.equal(
        check({ prompt: 'a fox', model: 'gemini-omni-flash-preview' }, 'vertex', { image: true }).request
          .model,
        'gemini-omni-flash-preview',
      );
    });
  });

  describe('reference images', () => {
    test('Lite takes none; the message names the models on this API that do', () => {
      refuses(
        'Invalid reference_images: "1 images". veo-3.1-lite-generate-001 takes no reference images. Models that ' +
          'do: "veo-3.1-fast-generate-001", "veo-3.1-generate-001", "gemini-omni-1.2-flash", ' +
          '"gemini-omni-1.1-flash-preview", "gemini-omni-flash-preview".',
        { prompt: 'a fox', model: 'veo-3.1-lite-generate-001' },
        'vertex',
        { referenceImages: 1 },
      );
    });

    test('each model takes up to its own limit: Veo 3.1 3, Omni 1.2 6, Omni 1.1 and the preview 3', () => {
      for (const [api, model, most] of [
        ['vertex', FAST, 3],
        ['vertex', 'veo-3.1-generate-001', 3],
        ['vertex', OMNI_12, 6],
        ['gemini', OMNI_12, 6],
        ['gemini', 'gemini-omni-1.1-flash', 3],
        ['vertex', 'gemini-omni-1.1-flash-preview', 3],
        ['vertex', 'gemini-omni-flash-preview', 3],
      ] as const) {
        assert.equal(check({ prompt: 'a fox', model }, api, { referenceImages: most }).model.id, model);
        refuses(
          `Invalid reference_images: "${most + 1} images". ${model} takes at most ${most} reference images.`,
          { prompt: 'a fox', model },
          api,
          { referenceImages: most + 1 },
        );
      }
    });

    test('reference images alone stand in for a prompt; nothing at all does not', () => {
      assert.equal(check({}, 'vertex', { referenceImages: 2 }).request.prompt, undefined);
      assert.equal(check({ prompt: '  ' }, 'vertex', { image: true }).request.prompt, undefined);
      refuses(
        'Invalid prompt: "  ". A prompt is required unless an image (image-to-video) or reference images are given.',
        { prompt: '  ' },
      );
      refuses(
        'Invalid prompt: "". A prompt is required unless an image (image-to-video) or reference images are given.',
        {},
        'gemini',
      );
      refuses('Invalid prompt: "4001 characters". At most 4000 characters are allowed.', {
        prompt: 'x'.repeat(4001),
      });
    });
  });

  describe('Veo settings', () => {
    test('resize_mode fits an input image: without image it is refused', () => {
      refuses(
        'Invalid resize_mode: "pad". resize_mode says how the input image is fitted to the video; give image, or ' +
          'omit resize_mode.',
        { prompt: 'a fox', resize_mode: 'pad' },
      );
    });

    test('enums are matched without regard to case and sent as Google spells them (upper case)', () => {
      for (const [given, sent] of [
        ['optimized', 'OPTIMIZED'],
        ['Lossless', 'LOSSLESS'],
        ['LOSSLESS', 'LOSSLESS'],
      ]) {
        assert.equal(check({ prompt: 'a fox', compression_quality: given }).request.compressionQuality, sent);
      }
      for (const [given, sent] of [
        ['pad', 'PAD'],
        ['Crop', 'CROP'],
      ]) {
        assert.equal(
          check({ prompt: 'a fox', resize_mode: given }, 'vertex', { image: true }).request.resizeMode,
          sent,
        );
      }
      refuses('Invalid compression_quality: "best". Allowed: "OPTIMIZED", "LOSSLESS".', {
        prompt: 'a fox',
        compression_quality: 'best',
      });
      refuses(
        'Invalid resize_mode: "stretch". Allowed: "PAD", "CROP".',
        { prompt: 'a fox', resize_mode: 'stretch' },
        'vertex',
        { image: true },
      );
    });

    test('fps: Veo 3.1 renders 24 only', () => {
      assert.equal(check({ prompt: 'a fox', fps: 24 }).request.fps, 24);
      for (const fps of [30, 25, 0, 24.5]) {
        refuses(`Invalid fps: ${fps}. ${FAST} renders 24 frames per second only.`, {
          prompt: 'a fox',
          fps,
        });
      }
    });

    test('aspect ratio, number of videos and person generation per model', () => {
      refuses(`Invalid aspect_ratio: "1:1". ${FAST} allows "16:9", "9:16".`, {
        prompt: 'a fox',
        aspect_ratio: '1:1',
      });
      refuses(
        `Invalid aspect_ratio: "4:3". ${OMNI_12} allows "16:9", "9:16".`,
        { prompt: 'a fox', aspect_ratio: '4:3' },
        'gemini',
      );
      refuses(`Invalid number_of_videos: 5. ${FAST} on vertex allows 1 to 4.`, {
        prompt: 'a fox',
        number_of_videos: 5,
      });
      refuses(`Invalid number_of_videos: 0. ${FAST} on vertex allows 1 to 4.`, {
        prompt: 'a fox',
        number_of_videos: 0,
      });
      refuses(
        `Invalid person_generation: "everyone". ${FAST} on vertex allows "dont_allow", "allow_adult", "allow_all".`,
        { prompt: 'a fox', person_generation: 'everyone' },
      );
    });
  });

  describe('durations and resolutions', () => {
    test('Omni 1.2 Flash takes 3–15 s; Omni 1.1 and the preview 3–10 s; Veo 4, 6 or 8 s', () => {
      for (const [api, model, from, to] of [
        ['gemini', OMNI_12, 3, 15],
        ['vertex', OMNI_12, 3, 15],
        ['gemini', 'gemini-omni-1.1-flash', 3, 10],
        ['vertex', 'gemini-omni-1.1-flash-preview', 3, 10],
        ['vertex', 'gemini-omni-flash-preview', 3, 10],
      ] as const) {
        for (const seconds of [from, to]) {
          assert.equal(
            check({ prompt: 'a fox', model, duration_seconds: seconds }, api).request.durationSeconds,
            seconds,
          );
        }
        for (const seconds of [from - 1, to + 1]) {
          refuses(
            `Invalid duration_seconds: ${seconds}. ${model} on ${api} allows ${from} to ${to} seconds.`,
            { prompt: 'a fox', model, duration_seconds: seconds },
            api,
          );
        }
      }
      for (const seconds of [5, 7, 10]) {
        refuses(`Invalid duration_seconds: ${seconds}. ${FAST} on vertex allows 4, 6, 8 seconds.`, {
          prompt: 'a fox',
          duration_seconds: seconds,
        });
      }
    });

    test('360p is Omni only (not the Omni preview); 4k is not on Lite', () => {
      for (const model of [FAST, 'veo-3.1-generate-001']) {
        refuses(`Invalid resolution: "360p". ${model} on vertex allows "720p", "1080p", "4k".`, {
          prompt: 'a fox',
          model,
          resolution: '360p',
        });
      }
      refuses('Invalid resolution: "360p". gemini-omni-flash-preview on vertex allows "720p".', {
        prompt: 'a fox',
        model: 'gemini-omni-flash-preview',
        resolution: '360p',
      });
      for (const [api, model] of [
        ['gemini', OMNI_12],
        ['vertex', OMNI_12],
        ['gemini', 'gemini-omni-1.1-flash'],
        ['vertex', 'gemini-omni-1.1-flash-preview'],
      ] as const) {
        assert.equal(check({ prompt: 'a fox', model, resolution: '360p' }, api).request.resolution, '360p');
      }
      // Omni's default resolution is 720p (the first it lists), not 360p.
      assert.equal(check({ prompt: 'a fox' }, 'gemini').request.resolution, '720p');
      refuses('Invalid resolution: "4K". veo-3.1-fast-generate-001 on vertex allows "720p", "1080p", "4k".', {
        prompt: 'a fox',
        resolution: '4K',
      });
    });
  });

  describe('extend', () => {
    const extend = (inputSeconds: number, aspectRatio?: string): ModeInput => ({
      mode: 'extend',
      inputSeconds,
      aspectRatio,
    });

    test('Veo adds 7 s a step, no other step, and takes no images', () => {
      const { request, estimatedCostUsd } = check(
        { prompt: 'the fox runs on' },
        'vertex',
        {},
        extend(8, '16:9'),
      );
      assert.deepEqual([request.mode, request.durationSeconds, request.aspectRatio], ['extend', 7, '16:9']);
      assert.equal(estimatedCostUsd, 1.05, '7 s × $0.15');
      assert.equal(check({ duration_seconds: 7 }, 'vertex', {}, extend(30)).request.durationSeconds, 7);
      for (const step of [4, 8, 14]) {
        refuses(
          `Invalid duration_seconds: ${step}. ${FAST} extends a video by 7 seconds per step.`,
          { prompt: 'on', duration_seconds: step },
          'vertex',
          {},
          extend(8),
        );
      }
      for (const media of [{ image: true }, { lastFrame: true, image: true }, { referenceImages: 1 }]) {
        refuses(
          'Invalid image: extending a Veo video takes the video and a prompt only; omit images.',
          { prompt: 'on' },
          'vertex',
          media,
          extend(8),
        );
      }
    });

    test('Omni extends by 3–10 s a step, up to its total (1.2: 30 s; 1.1: 40 s)', () => {
      assert.equal(
        check({ model: OMNI_12, duration_seconds: 3 }, 'gemini', {}, extend(8)).request.durationSeconds,
        3,
      );
      // No step given: the longest (10 s).
      assert.equal(check({ model: OMNI_12 }, 'gemini', {}, extend(8)).request.durationSeconds, 10);
      for (const step of [2, 11]) {
        refuses(
          `Invalid duration_seconds: ${step}. ${OMNI_12} extends a video by 3 to 10 seconds per step.`,
          { model: OMNI_12, duration_seconds: step },
          'gemini',
          {},
          extend(8),
        );
      }
      // 25 s + 5 s reaches the 30 s total; 6 s more would pass it.
      assert.equal(
        check({ model: OMNI_12, duration_seconds: 5 }, 'vertex', {}, extend(25)).request.durationSeconds,
        5,
      );
      refuses(
        `Invalid duration_seconds: 6. The video is 25 s long; ${OMNI_12} extends videos up to 30 s in all, so at ` +
          'most 5 s more.',
        { model: OMNI_12, duration_seconds: 6 },
        'vertex',
        {},
        extend(25),
      );
      refuses(
        'Invalid duration_seconds: 3. The video is 38 s long; gemini-omni-1.1-flash extends videos up to 40 s in ' +
          'all, so at most 2 s more.',
        { model: 'gemini-omni-1.1-flash', duration_seconds: 3 },
        'gemini',
        {},
        extend(38),
      );
      assert.equal(
        check({ model: 'gemini-omni-1.1-flash', duration_seconds: 10 }, 'gemini', {}, extend(30))
          .estimatedCostUsd,
        1,
        '10 s × $0.10',
      );
    });

    test('a model that does not extend says so and names those that do; the aspect ratio is kept', () => {
      refuses(
        'Invalid model: "gemini-omni-flash-preview". gemini-omni-flash-preview does not extend videos. Models ' +
          'that do: "veo-3.1-fast-generate-001", "veo-3.1-generate-001", "veo-3.1-lite-generate-001", ' +
          '"gemini-omni-1.2-flash", "gemini-omni-1.1-flash-preview".',
        { model: 'gemini-omni-flash-preview', prompt: 'on' },
        'vertex',
        {},
        extend(8),
      );
      refuses(
        'Invalid aspect_ratio: "16:9". The video continued is 9:16; an extension or edit keeps its aspect ratio. ' +
          'Omit aspect_ratio.',
        { prompt: 'on', aspect_ratio: '16:9' },
        'vertex',
        {},
        extend(8, '9:16'),
      );
      assert.equal(check({ prompt: 'on' }, 'vertex', {}, extend(8, '9:16')).request.aspectRatio, '9:16');
    });
  });

  describe('edit', () => {
    const edit = (parentSeconds: number, aspectRatio?: string): ModeInput => ({
      mode: 'edit',
      parentSeconds,
      aspectRatio,
    });

    test('an Omni edit keeps the length of the video it changes and is billed for it', () => {
      const { request, estimatedCostUsd } = check(
        { prompt: 'make it snow', model: OMNI_12 },
        'gemini',
        {},
        edit(12, '9:16'),
      );
      assert.deepEqual(
        [request.mode, request.durationSeconds, request.aspectRatio, request.prompt],
        ['edit', 12, '9:16', 'make it snow'],
      );
      assert.equal(estimatedCostUsd, 0.84, '12 s × $0.07');
      assert.equal(
        check({ prompt: 'snow', model: OMNI_12, duration_seconds: 12 }, 'gemini', {}, edit(12)).request
          .durationSeconds,
        12,
      );
      refuses(
        'Invalid duration_seconds: 6. An edit keeps the length of the video it changes (12 s); omit ' +
          'duration_seconds.',
        { prompt: 'snow', model: OMNI_12, duration_seconds: 6 },
        'gemini',
        {},
        edit(12),
      );
    });

    test('an edit needs a prompt, even with images', () => {
      for (const prompt of [undefined, '', '   ']) {
        refuses(
          `Invalid prompt: ${JSON.stringify(prompt ?? '')}. edit_video needs a prompt: the change to make to the video.`,
          { prompt, model: OMNI_12 },
          'vertex',
          { referenceImages: 1 },
          edit(8),
        );
      }
    });

    test('Veo cannot edit: the refusal names the models on this API that can', () => {
      for (const model of [FAST, 'veo-3.1-generate-001', 'veo-3.1-lite-generate-001']) {
        refuses(
          `Invalid model: "${model}". ${model} does not edit videos. Models that do: "gemini-omni-1.2-flash", ` +
            '"gemini-omni-1.1-flash-preview", "gemini-omni-flash-preview".',
          { prompt: 'make it snow', model },
          'vertex',
          {},
          edit(8),
        );
      }
    });
  });

  describe('accepted calls', () => {
    test('Veo on Vertex: defaults filled, settings passed through, cost from the catalog', () => {
      const minimal = check({ prompt: '  a fox  ' });
      assert.equal(minimal.model.id, FAST);
      assert.deepEqual(minimal.request, {
        model: FAST,
        prompt: 'a fox',
        negativePrompt: undefined,
        aspectRatio: '16:9',
        durationSeconds: 8,
        resolution: '720p',
        numberOfVideos: 1,
        personGeneration: undefined,
        seed: undefined,
        generateAudio: true,
        enhancePrompt: undefined,
        fps: undefined,
        compressionQuality: undefined,
        resizeMode: undefined,
      });
      assert.equal(minimal.estimatedCostUsd, 1.2, '8 s × $0.15');

      const full = check(
        {
          model: 'veo-3.1-generate-001',
          prompt: 'a fox',
          negative_prompt: ' rain ',
          aspect_ratio: '9:16',
          duration_seconds: 6,
          resolution: '1080p',
          number_of_videos: 2,
          person_generation: 'dont_allow',
          seed: 7,
          generate_audio: false,
          enhance_prompt: false,
          fps: 24,
          compression_quality: 'lossless',
          resize_mode: 'crop',
        },
        'vertex',
        { image: true, lastFrame: true },
      );
      assert.deepEqual(full.request, {
        model: 'veo-3.1-generate-001',
        prompt: 'a fox',
        negativePrompt: 'rain',
        aspectRatio: '9:16',
        durationSeconds: 6,
        resolution: '1080p',
        numberOfVideos: 2,
        personGeneration: 'dont_allow',
        seed: 7,
        generateAudio: false,
        enhancePrompt: false,
        fps: 24,
        compressionQuality: 'LOSSLESS',
        resizeMode: 'CROP',
      });
      assert.equal(full.estimatedCostUsd, 2.4, '2 × 6 s × $0.20 (video only)');
    });

    test('Omni: one video with audio, no Veo settings in the request, on either API', () => {
      for (const api of ['vertex', 'gemini'] as const) {
        const { request, estimatedCostUsd, model } = check(
          { model: OMNI_12, prompt: 'a fox', aspect_ratio: '9:16', duration_seconds: 15, resolution: '4k' },
          api,
          { image: true, lastFrame: true, referenceImages: 6 },
        );
        assert.equal(model.family, 'omni', api);
        assert.deepEqual(
          request,
          {
            model: OMNI_12,
            prompt: 'a fox',
            negativePrompt: undefined,
            aspectRatio: '9:16',
            durationSeconds: 15,
            resolution: '4k',
            numberOfVideos: 1,
            personGeneration: undefined,
            seed: undefined,
            // Omni always makes audio: nothing to send.
            generateAudio: undefined,
            enhancePrompt: undefined,
            fps: undefined,
            compressionQuality: undefined,
            resizeMode: undefined,
          },
          api,
        );
        assert.equal(estimatedCostUsd, 3.14, `${api}: 15 s × $0.209`);
      }
      // The Gemini API's default: Omni 1.2 Flash, 720p, 8 s.
      const fallback = check({ prompt: 'a fox' }, 'gemini');
      assert.deepEqual(
        [fallback.request.model, fallback.request.resolution, fallback.request.durationSeconds],
        [OMNI_12, '720p', 8],
      );
      assert.equal(fallback.estimatedCostUsd, 0.56);
    });
  });

  test('unknown and misplaced models are refused with the models this API offers', () => {
    refuses(`Invalid model: "veo-4". Allowed models on the vertex backend: ${VERTEX_LIVE}.`, {
      prompt: 'a fox',
      model: 'veo-4',
    });
    refuses(
      'Invalid model: "gemini-omni-1.1-flash". gemini-omni-1.1-flash is not offered on the vertex backend. ' +
        `Allowed: ${VERTEX_LIVE}.`,
      { prompt: 'a fox', model: 'gemini-omni-1.1-flash', seed: 1 },
    );
  });

  // check.ts bug reported to the lead; `todo` until fixed.
  test('an edit_video call on Veo with images is refused because Veo cannot edit, not as an extension', () => {
    refuses(
      `Invalid model: "${FAST}". ${FAST} does not edit videos. Models that do: "gemini-omni-1.2-flash", ` +
        '"gemini-omni-1.1-flash-preview", "gemini-omni-flash-preview".',
      { prompt: 'make it snow' },
      'vertex',
      { referenceImages: 1 },
      { mode: 'edit', parentSeconds: 8 },
    );
  });
});
