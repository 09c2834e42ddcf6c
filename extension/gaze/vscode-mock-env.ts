/**
 * Adds the pieces of the `vscode` API the gaze panel uses to the shared mock (extension/testing/vscode-mock.ts):
 * `env` must exist before `extension/calibration.ts` is imported (a namespace import copies the mock's top-level keys),
 * so a test imports this module right after the mock; the test then fills in the functions it needs.
 */
import { vscodeMock } from '../testing/vscode-mock';

export const envMock: { asExternalUri?: (u: unknown) => Promise<unknown>; openExternal?: (u: unknown) => Promise<boolean> } = {};
(vscodeMock as unknown as { env: typeof envMock }).env = envMock;
export { vscodeMock };
