// The prompts behind the editor commands (Explain, Fix, Write Tests, Document and the user's own
// commands from settings) and the chat's default system prompt. Plain data, no VS Code.
import { codeFence } from "./promptBuilder";

export const DEFAULT_SYSTEM_PROMPT = [
  "You are Hearth, a coding assistant that runs on the user's own machine inside their code editor.",
  "Answer in Markdown. Put code in fenced code blocks marked with its language, and when you change code, show the changed code, not only a description.",
  "Be concise: answer first, then explain only what the question needs.",
  "Code the user attached is shown before the question, in fenced blocks under its file name.",
  "If you are not sure, or something you need was not shown to you, say so instead of guessing; never invent APIs, files or facts.",
].join("\n");

export interface CommandPrompts {
  readonly explain: string;
  readonly fix: string;
  readonly tests: string;
  readonly document: string;
}

/**
 * Templates for the editor commands. Placeholders: `{selection}` (the selected code), `{language}`
 * (its language), `{file}` (its file name), `{input}` (what the user typed when asked; may be
 * empty). The code goes last so a small model reads the instruction first and answers right after
 * the code; its fence is widened by `renderTemplate` when the selection holds backticks.
 */
export const DEFAULT_COMMAND_PROMPTS: CommandPrompts = {
  explain: [
    "Explain what this {language} code from {file} does: first its purpose in a sentence or two, then how it works, step by step. Point out anything surprising, risky or wrong.",
    "{input}",
    "```{language}\n{selection}\n```",
  ].join("\n\n"),
  fix: [
    "Fix the problems in this {language} code from {file}. Reply with the corrected code in one fenced block, then a short list of what you changed and why. Keep everything else as it is; if you find nothing wrong, say so.",
    "{input}",
    "```{language}\n{selection}\n```",
  ].join("\n\n"),
  tests: [
    "Write unit tests for this {language} code from {file}. Use the test framework and style this project most likely uses (judge from the code, its imports and the file name; if you cannot tell, use the most common one for {language} and say which). Cover normal use, edge cases and errors, and put the tests in one fenced block.",
    "{input}",
    "```{language}\n{selection}\n```",
  ].join("\n\n"),
  document: [
    "Add documentation comments to this {language} code from {file}, in the usual convention for {language} (JSDoc/TSDoc, docstrings, Javadoc, rustdoc, XML doc comments…). Say what each function, class or type is for, its parameters, what it returns and what it throws. Do not change the code itself; reply with the whole documented code in one fenced block.",
    "{input}",
    "```{language}\n{selection}\n```",
  ].join("\n\n"),
};

export interface TemplateValues {
  readonly selection: string;
  readonly language: string;
  readonly file: string;
  readonly input: string;
}

const PLACEHOLDER = /\{(selection|language|file|input)\}/g;
/** A fence line, the `{selection}` line, and the same fence closing it. */
const FENCED_SELECTION = /^(`{3,})([^`\n]*)\n\{selection\}\n\1[ \t]*$/gm;

/**
 * Fills a template. Only the four placeholders are replaced (every occurrence, in one pass, so
 * text inside the values is never taken for a placeholder); other `{…}` is left as it is. An
 * empty `{input}` leaves no blank line behind. Where `{selection}` stands alone on a line between
 * two fence lines, the fence is lengthened past any backtick run in the selection; templates
 * should fence `{selection}` that way.
 */
export function renderTemplate(template: string, values: TemplateValues): string {
  const selection = values.selection.replace(/(\r?\n)+$/, "");
  let text = values.input.trim() ? template : withoutInput(template);
  const fence = codeFence(selection);
  text = text.replace(FENCED_SELECTION, (whole, open: string, info: string) =>
    open.length >= fence.length ? whole : `${fence}${info}\n{selection}\n${fence}`,
  );
  const filled: TemplateValues = { ...values, selection, input: values.input.trim() };
  return text.replace(PLACEHOLDER, (_whole, name: keyof TemplateValues) => filled[name]);
}

/** The template with `{input}` taken out, along with the space and blank lines it stood in. */
function withoutInput(template: string): string {
  const lines = template.split("\n");
  const kept: string[] = [];
  for (const line of lines) {
    if (!line.includes("{input}")) {
      kept.push(line);
      continue;
    }
    const rest = line
      .replace(/[ \t]*\{input\}/g, "")
      .replace(/[ \t]+$/, "");
    if (rest.trim()) kept.push(rest);
    // A line that held only {input}: drop it, and the blank line that separated it from the text before.
    else if (kept.length && !kept[kept.length - 1].trim()) kept.pop();
  }
  while (kept.length && !kept[0].trim()) kept.shift();
  return kept.join("\n");
}

/** A command the user defined in settings: a name for the menu and a template as above. */
export interface CustomCommand {
  readonly name: string;
  readonly prompt: string;
}

/** Reads the custom commands setting: valid entries, and a message for each one skipped. */
export function parseCustomCommands(value: unknown): { commands: CustomCommand[]; problems: string[] } {
  const commands: CustomCommand[] = [];
  const problems: string[] = [];
  if (value === undefined || value === null) return { commands, problems };
  if (!Array.isArray(value)) {
    problems.push("Custom commands must be a list of entries such as { \"name\": \"Review\", \"prompt\": \"Review this code: {selection}\" }.");
    return { commands, problems };
  }
  const seen = new Set<string>();
  value.forEach((entry: unknown, index) => {
    const position = `Custom command ${index + 1}`;
    if (typeof entry !== "object" || entry === null || Array.isArray(entry)) {
      problems.push(`${position} is not an entry with a "name" and a "prompt"; it is skipped.`);
      return;
    }
    const { name, prompt } = entry as Record<string, unknown>;
    const trimmedName = typeof name === "string" ? name.trim() : "";
    const called = trimmedName ? `${position} ("${trimmedName}")` : position;
    if (!trimmedName) problems.push(`${called} has no "name"; it is skipped.`);
    else if (typeof prompt !== "string" || !prompt.trim()) problems.push(`${called} has no "prompt"; it is skipped.`);
    else if (seen.has(trimmedName.toLowerCase())) problems.push(`${called} has the same name as an earlier one; it is skipped.`);
    else {
      seen.add(trimmedName.toLowerCase());
      commands.push({ name: trimmedName, prompt });
    }
  });
  return { commands, problems };
}
