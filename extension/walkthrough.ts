/**
 * The "Get Started with EdgeLab" walkthrough (package.json `contributes.walkthroughs`, texts in media/walkthrough/).
 * Steps tick on the real action, never on a click in the walkthrough: the extension reports each action here when it
 * happens (a template opened, a cell ran on our kernel, the calibration panel opened, the kernelspec written, a setting
 * changed), and the steps' `onCommand:` events also tick them when the walkthrough's own links run the commands.
 *
 * Why the extension reports the step itself (`welcome.markStepComplete`, VS Code's own command for this) instead of a
 * context key (`onContext:`): VS Code's walkthrough service is created lazily, when the Welcome page or a walkthrough
 * first opens (VS Code 1.100 gettingStartedService.ts). A command that ran before that is not seen at all, and a context
 * key that is already true when the service registers the step is recorded as "seen this session" without ticking
 * the step — after which no later change of the key ticks it either. That is how the first step (open the welcome
 * notebook, usually done before anyone opens the walkthrough) stayed unticked in code-server. `markStepComplete`
 * stores the progress even before the walkthrough is registered (it throws then, after storing: ignored).
 */
import * as vscode from 'vscode';

/** The walkthrough's id in package.json. */
export const WALKTHROUGH_ID = 'edgelab.getStarted';
/** Steps the extension ticks on a real action (ids in package.json's walkthrough). */
export const STEP_IDS = ['openWelcome', 'runWelcome', 'openTutorial', 'calibrate', 'settings', 'installKernel'] as const;
export type StepId = (typeof STEP_IDS)[number];

let extensionId = 'edgelab.edgelab';

/** The extension's id as VS Code spells it (publisher.name): the prefix of every fully qualified step id. */
export function initWalkthrough(id: string): void {
  extensionId = id;
}

/** VS Code's id for a step: `<extension id>#<walkthrough id>#<step id>`. */
export const qualifiedStepId = (step: StepId): string => `${extensionId}#${WALKTHROUGH_ID}#${step}`;

/** Record that the user did the action `step` waits for: the step ticks (now or when the walkthrough is registered). */
export function markStep(step: StepId): void {
  void Promise.resolve(vscode.commands.executeCommand('welcome.markStepComplete', qualifiedStepId(step))).catch(() => undefined);
}
