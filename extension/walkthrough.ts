/**
 * The "Get Started with EdgeLab" walkthrough (package.json `contributes.walkthroughs`, texts in media/walkthrough/).
 * Steps tick on the real action, never on a click in the walkthrough: a command that ran (`onCommand:`), a setting
 * that changed (`onSettingChanged:`), or one of the context keys below, set when the action happened.
 */
import * as vscode from 'vscode';

/** Actions a step waits for → context key `edgelab.walkthrough.<action>`. */
export const STEP_KEYS = ['welcomeOpened', 'ranCell', 'tutorialOpened', 'calibrationOpened'] as const;
export type StepKey = (typeof STEP_KEYS)[number];

const count = new Map<StepKey, number>();

/**
 * Record that the user did `action`: the walkthrough step waiting for it ticks. The context key is set to how many
 * times it happened (1, 2, …), so every occurrence changes it: VS Code creates the walkthrough's progress tracker only
 * when the Welcome page or a walkthrough first opens, and a key that was already true then would never change again.
 */
export function markStep(action: StepKey): void {
  const n = (count.get(action) ?? 0) + 1;
  count.set(action, n);
  void vscode.commands.executeCommand('setContext', `edgelab.walkthrough.${action}`, n);
}
