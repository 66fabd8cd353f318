// "Hearth: Explain", "Fix", "Write Tests", "Document" and the user's own commands: each fills its
// prompt template (a setting) with the selection, its language and file, and asks in the Chat view.
import * as vscode from "vscode";
import type { SettingsService } from "../config/settingsService";
import type { ChatViewProvider } from "./chatViewProvider";
import { DEFAULT_COMMAND_PROMPTS, parseCustomCommands, renderTemplate, type CustomCommand } from "./promptTemplates";

export type BuiltInChatCommand = keyof typeof DEFAULT_COMMAND_PROMPTS;

/** Command id → the template it uses. */
export const BUILT_IN_CHAT_COMMANDS: Readonly<Record<string, BuiltInChatCommand>> = {
  "hearth.explain": "explain",
  "hearth.fix": "fix",
  "hearth.writeTests": "tests",
  "hearth.document": "document",
};

export function registerChatCommands(chatView: ChatViewProvider, settings: SettingsService, log: vscode.LogOutputChannel): vscode.Disposable {
  /** `askForInput`: whether to ask for `{input}` (Hearth's own templates fill it with nothing). */
  const run = async (template: string, askForInput = template.includes("{input}")) => {
    const editor = vscode.window.activeTextEditor;
    if (!editor) {
      void vscode.window.showInformationMessage(vscode.l10n.t("Open a file and select some code first."));
      return;
    }
    const { document, selection } = editor;
    // Nothing selected: the command is about the whole file.
    const code = selection.isEmpty ? document.getText() : document.getText(selection);
    let input = "";
    if (askForInput) {
      const typed = await vscode.window.showInputBox({
        title: vscode.l10n.t("Hearth"),
        prompt: vscode.l10n.t("Anything to add? (Enter to go on without)"),
      });
      if (typed === undefined) return;
      input = typed;
    }
    const text = renderTemplate(template, { selection: code, language: document.languageId, file: vscode.workspace.asRelativePath(document.uri, false), input });
    await chatView.ask(text);
  };

  const builtIns = Object.entries(BUILT_IN_CHAT_COMMANDS).map(([id, name]) =>
    vscode.commands.registerCommand(id, () => {
      const own = settings.current.chat.prompts[name];
      return own ? run(own) : run(DEFAULT_COMMAND_PROMPTS[name], false);
    }),
  );
  return vscode.Disposable.from(
    ...builtIns,
    vscode.commands.registerCommand("hearth.runCustomCommand", async () => {
      const { commands, problems } = parseCustomCommands(settings.current.chat.customCommands);
      for (const problem of problems) log.warn(problem);
      if (!commands.length) {
        const open = vscode.l10n.t("Open Setting");
        const choice = await vscode.window.showInformationMessage(
          vscode.l10n.t("You have no commands of your own yet. Add them in hearth.chat.customCommands, each with a name and a prompt."),
          open,
        );
        if (choice === open) await vscode.commands.executeCommand("workbench.action.openSettings", "hearth.chat.customCommands");
        return;
      }
      const picked = await vscode.window.showQuickPick(
        commands.map((command: CustomCommand) => ({ label: command.name, detail: command.prompt.split("\n")[0], command })),
        { title: vscode.l10n.t("Hearth: Run Custom Command") },
      );
      if (picked) await run(picked.command.prompt);
    }),
  );
}
