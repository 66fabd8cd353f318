// What Hearth's own tests observe of the requests VS Code hands the language-model provider: how
// many came and ended (answered, refused or failed), and per answer the ms from VS Code's request
// to the first piece reported. The provider is wrapped only in ExtensionMode.Test; in normal use
// nothing is counted or kept.
import type * as vscode from "vscode";

export interface LanguageModelRequestTrace {
  received: number;
  settled: number;
  readonly firstPartMs: number[];
}

/** `provider` with its answers counted and timed in `trace`; everything else passes through. */
export function tracedProvider<T extends vscode.LanguageModelChatInformation>(
  provider: vscode.LanguageModelChatProvider<T>,
  trace: LanguageModelRequestTrace,
): vscode.LanguageModelChatProvider<T> {
  return {
    onDidChangeLanguageModelChatInformation: provider.onDidChangeLanguageModelChatInformation,
    provideLanguageModelChatInformation: (options, token) => provider.provideLanguageModelChatInformation(options, token),
    provideTokenCount: (model, text, token) => provider.provideTokenCount(model, text, token),
    async provideLanguageModelChatResponse(model, messages, options, progress, token) {
      const asked = performance.now();
      let reported = false;
      trace.received++;
      try {
        const timed: vscode.Progress<vscode.LanguageModelResponsePart> = {
          report: (part) => {
            if (!reported) trace.firstPartMs.push(performance.now() - asked);
            reported = true;
            progress.report(part);
          },
        };
        await provider.provideLanguageModelChatResponse(model, messages, options, timed, token);
      } finally {
        trace.settled++;
      }
    },
  };
}
