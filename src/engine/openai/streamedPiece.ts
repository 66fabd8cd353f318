// What Hearth reads from one streamed event of an OpenAI-compatible server: a piece of text,
// the finish reason, tool-call pieces and the usage figures, whichever the event carries.

export interface StreamedPiece {
  readonly text: string;
  readonly finishReason?: string | null;
  /** The event's `delta.tool_calls` pieces, as the server sent them (ToolCallAssembler reads them). */
  readonly toolCalls?: unknown;
  readonly usage?: { promptTokens: number; reusedPromptTokens: number; completionTokens: number };
}

/** The `usage` object of OpenAI's API: cached prompt tokens sit in prompt_tokens_details. */
interface OpenAiUsage {
  readonly prompt_tokens?: number;
  readonly completion_tokens?: number;
  readonly prompt_tokens_details?: { readonly cached_tokens?: number };
}

/** An event of /v1/chat/completions: `choices[0].delta` has the text and the tool-call pieces. */
export function readChatEvent(event: unknown): StreamedPiece {
  const choice = (event as { choices?: Array<{ delta?: { content?: string | null; tool_calls?: unknown }; finish_reason?: string | null }> }).choices?.[0];
  return { text: choice?.delta?.content ?? "", finishReason: choice?.finish_reason, toolCalls: choice?.delta?.tool_calls, usage: readUsage(event) };
}

/** An event of /v1/completions: `choices[0].text`. */
export function readCompletionEvent(event: unknown): StreamedPiece {
  const choice = (event as { choices?: Array<{ text?: string; finish_reason?: string | null }> }).choices?.[0];
  return { text: choice?.text ?? "", finishReason: choice?.finish_reason, usage: readUsage(event) };
}

function readUsage(event: unknown): StreamedPiece["usage"] {
  const usage = (event as { usage?: OpenAiUsage }).usage;
  if (!usage) return undefined;
  return {
    promptTokens: usage.prompt_tokens ?? 0,
    reusedPromptTokens: usage.prompt_tokens_details?.cached_tokens ?? 0,
    completionTokens: usage.completion_tokens ?? 0,
  };
}
