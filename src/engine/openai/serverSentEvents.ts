// Reads a text/event-stream response body as JSON events (eventsource-parser does the framing).
import { createParser } from "eventsource-parser";

/**
 * Yields each event's data, parsed as JSON, until `[DONE]`, the end of the body, or `signal`
 * aborting (then events already received are dropped, and the body is cancelled).
 */
export async function* readJsonEvents(body: ReadableStream<Uint8Array>, signal?: AbortSignal): AsyncGenerator<unknown, { done: boolean }> {
  const decoder = new TextDecoder();
  const queue: string[] = [];
  const parser = createParser({ onEvent: (event) => queue.push(event.data) });
  const reader = body.getReader();
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return { done: false };
      parser.feed(decoder.decode(value, { stream: true }));
      while (queue.length) {
        if (signal?.aborted) return { done: false };
        const data = queue.shift()!;
        if (data.trim() === "[DONE]") return { done: true };
        let parsed: unknown;
        try {
          parsed = JSON.parse(data);
        } catch {
          throw new SyntaxError(`the server sent an event that is not JSON: ${data.slice(0, 120)}`);
        }
        yield parsed;
      }
    }
  } finally {
    await reader.cancel().catch(() => undefined);
    reader.releaseLock();
  }
}
