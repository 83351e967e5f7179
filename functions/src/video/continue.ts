// Requests that continue a previous result: edit_video (a new Omni turn on it) and extend_video (a longer video).
// The parent must be the caller's own finished operation; the checks run before anything is created or billed.
import { AppError, describeValue } from '../errors.js';
import { childLink, resultSecondsOf, type OperationRecord } from '../operations/record.js';
import { findModel } from './catalog.js';
import {
  prepareRequest,
  type GenerateVideoArgs,
  type PrepareOptions,
  type PreparedRequest,
} from './request.js';

/** The parent must have ended SUCCEEDED with its video: only a finished result can be continued. */
export function requireFinished(parent: OperationRecord, field: string, verb: string): void {
  if (parent.status !== 'SUCCEEDED' || parent.outputs.length === 0) {
    throw new AppError(
      'FAILED_PRECONDITION',
      `Invalid ${field}: ${describeValue(parent.id)} is ${parent.status}${
        parent.status === 'SUCCEEDED' ? ' without a video' : ''
      }. Only a generation that SUCCEEDED can be ${verb}; wait for it with get_video_operation.`,
    );
  }
}

/** edit_video: the parent's model makes a new turn on the parent's result, keeping its length and aspect ratio. */
export async function prepareEdit(
  args: Pick<GenerateVideoArgs, 'prompt' | 'resolution' | 'reference_images'>,
  parent: OperationRecord,
  options: PrepareOptions,
): Promise<PreparedRequest> {
  requireFinished(parent, 'operation_id', 'edited');
  const model = findModel(parent.model);
  if (!model?.edit) {
    throw new AppError(
      'INVALID_ARGUMENT',
      `Invalid operation_id: ${describeValue(parent.id)} was made by ${parent.model}, which cannot edit its ` +
        'results. edit_video continues Gemini Omni generations (list_video_models: edit); for Veo, use ' +
        'extend_video or generate_video with image / last_frame.',
    );
  }
  if (!parent.veoOperationName) {
    throw new AppError('FAILED_PRECONDITION', `Operation ${parent.id} has no interaction to continue.`);
  }
  const prepared = await prepareRequest({ ...args, model: parent.model }, options, {
    mode: 'edit',
    parentSeconds: resultSecondsOf(parent),
    aspectRatio: parent.request.aspectRatio,
  });
  return { ...prepared, request: { ...prepared.request, parent: childLink(parent) } };
}
