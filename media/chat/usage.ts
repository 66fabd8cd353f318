// The line under a finished answer: what it cost, in figures, with a hover that says what each
// figure means.
import type { AnswerUsage } from "../../src/shared/chatProtocol";
import { element } from "./dom";

const integer = new Intl.NumberFormat(undefined, { maximumFractionDigits: 0 });
const oneDecimal = new Intl.NumberFormat(undefined, { maximumFractionDigits: 1 });

function plural(count: number, one: string, many: string): string {
  return `${integer.format(count)} ${count === 1 ? one : many}`;
}

export function usageLine(usage: AnswerUsage): HTMLElement {
  const cached = usage.reusedPromptTokens > 0 ? ` (${integer.format(usage.reusedPromptTokens)} from cache)` : "";
  const parts = [
    usage.model,
    usage.backend,
    `${plural(usage.promptTokens, "prompt token", "prompt tokens")}${cached}`,
    `${integer.format(usage.completionTokens)} generated`,
    `${integer.format(usage.timeToFirstTokenMs)} ms to first token`,
    `${oneDecimal.format(usage.tokensPerSecond)} tok/s`,
  ];
  const line = element("p", "usage", parts.join(" · "));
  line.title = usageExplanation(usage);
  return line;
}

export function usageExplanation(usage: AnswerUsage): string {
  const cache =
    usage.reusedPromptTokens > 0
      ? ` ${plural(usage.reusedPromptTokens, "token was", "tokens were")} reused from the model's cache instead of being read again.`
      : "";
  return [
    `Model: ${usage.model}, run by ${usage.backend}.`,
    `Prompt: the model read ${plural(usage.promptTokens, "token", "tokens")} (your question, the conversation so far and the attached code).${cache}`,
    `Generated: the answer is ${plural(usage.completionTokens, "token", "tokens")} long.`,
    `Time to first token: ${integer.format(usage.timeToFirstTokenMs)} ms passed between sending the question and the first word of the answer.`,
    `Speed: ${oneDecimal.format(usage.tokensPerSecond)} tokens generated per second.`,
  ].join("\n");
}
