/**
 * The "Get Started with EdgeLab" walkthrough (package.json `contributes.walkthroughs`, texts in media/walkthrough/).
 * Steps tick on the real action, never on a click in the walkthrough: a command that ran (`onCommand:`), a setting
 * that changed (`onSettingChanged:`), or one of the context keys below, set when the action happened.
 */
import * as vscode from 'vscode';

/** Actions a step waits for → context key `edgelab.walkthrough.<action>`. */
export const STEP_KEYS = ['welcomeOpened', 'ranCell', 'tutorialOpened', 'calibrationOpened'] as const;
export type StepKey = (typeof STEP_KEYS)[number];

const done = new Set<StepKey>();

/** Record that the user did `action` (idempotent): the walkthrough step waiting for it ticks. */
export function markStep(action: StepKey): void {
  if (done.has(action)) return;
  done.add(action);
  void vscode.commands.executeCommand('setContext', `edgelab.walkthrough.${action}`, true);
}
