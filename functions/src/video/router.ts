// One VideoGenerator over the model families: each call goes to the adapter of its model's family (catalog.ts) —
// Veo through generateVideos (veo.ts), Gemini Omni through the Interactions API (omni.ts). The domain sees one port.
import type { Readable } from 'node:stream';
import { AppError } from '../errors.js';
import type {
  GeneratedVideo,
  GenerationStatus,
  MediaInputs,
  ModelAvailability,
  SubmitContext,
  VideoGenerator,
} from '../operations/ports.js';
import type { VideoRequest, WireApi } from '../operations/record.js';
import { findModel, findRetired, type Family } from './catalog.js';

/** The family of a model id: from the catalog, or its tombstone (an old record may name a retired id). */
export function familyOf(model: string): Family | undefined {
  return findModel(model)?.family ?? findRetired(model)?.family;
}

export class ModelRouter implements VideoGenerator {
  readonly api: WireApi;
  private readonly adapters: Partial<Record<Family, VideoGenerator>>;

  constructor(api: WireApi, adapters: Partial<Record<Family, VideoGenerator>>) {
    this.api = api;
    this.adapters = adapters;
  }

  private adapterFor(model: string): VideoGenerator {
    const family = familyOf(model);
    const adapter = family && this.adapters[family];
    if (!adapter) {
      throw new AppError(
        'INVALID_ARGUMENT',
        `Model ${model} is not served by this deployment's ${this.api} backend (no ${family ?? 'known'} adapter).`,
      );
    }
    return adapter;
  }

  submit(request: VideoRequest, inputs: MediaInputs, context: SubmitContext) {
    return this.adapterFor(request.model).submit(request, inputs, context);
  }

  writesToStorage(model: string): boolean {
    return this.adapterFor(model).writesToStorage(model);
  }

  poll(operationName: string, model: string): Promise<GenerationStatus> {
    return this.adapterFor(model).poll(operationName, model);
  }

  cancel(operationName: string, model: string): Promise<'cancelled' | 'finished' | 'unsupported'> {
    return this.adapterFor(model).cancel(operationName, model);
  }

  open(video: Exclude<GeneratedVideo, { kind: 'stored' }>, model: string): Promise<Readable> {
    return this.adapterFor(model).open(video, model);
  }

  availability(model: string): Promise<ModelAvailability> {
    return this.adapterFor(model).availability(model);
  }
}
