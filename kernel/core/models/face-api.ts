/**
 * The pretrained face-api weights (npm `@vladmandic/face-api`, MIT): its model/ folder holds the face recognition net
 * (a ResNet-34-like CNN), the tiny face detector and the 68-point landmark net as tfjs weight manifests.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { NotFound } from '../errors';

/** The installed face-api model/ folder (resolved from the working directory's node_modules). */
export function faceApiModelDir(): string {
  try {
    const req = createRequire(join(process.cwd(), 'package.json'));
    return join(dirname(req.resolve('@vladmandic/face-api/package.json')), 'model');
  } catch (e) {
    throw new NotFound('@vladmandic/face-api is not installed (needed for its model/ weights)', { cause: e });
  }
}
