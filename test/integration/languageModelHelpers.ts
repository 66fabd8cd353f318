// What the language-model suites share: Hearth's models as VS Code offers them, and answers
// read to their end.
import * as vscode from "vscode";
import { eventually } from "./helpers";

/** The model VS Code offers under Hearth's vendor with this id, once it does. */
export async function hearthModel(id: string, timeoutMs = 10_000): Promise<vscode.LanguageModelChat> {
  return eventually(async () => (await vscode.lm.selectChatModels({ vendor: "hearth", id }))[0], `VS Code offering ${id}`, timeoutMs);
}

export async function offeredIds(): Promise<string[]> {
  return (await vscode.lm.selectChatModels({ vendor: "hearth" })).map((model) => model.id).sort();
}

/** Reads a response to its end: the text pieces in order and the parts of each kind. */
export async function readAll(response: vscode.LanguageModelChatResponse) {
  const texts: string[] = [];
  const toolCalls: vscode.LanguageModelToolCallPart[] = [];
  for await (const part of response.stream) {
    if (part instanceof vscode.LanguageModelTextPart) texts.push(part.value);
    else if (part instanceof vscode.LanguageModelToolCallPart) toolCalls.push(part);
  }
  return { texts, text: texts.join(""), toolCalls };
}
