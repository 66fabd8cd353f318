// The one live region: says that a message arrived or an answer ended, once. The message list
// itself is not live, or a screen reader would read every chunk of a streaming answer.
import { element } from "./dom";

export type Announce = (text: string) => void;

export function createAnnouncer(): { readonly element: HTMLElement; readonly announce: Announce } {
  const region = element("div", "visually-hidden");
  region.id = "announcer";
  region.setAttribute("role", "status");
  region.setAttribute("aria-live", "polite");
  region.setAttribute("aria-atomic", "true");
  let toggle = false;
  return {
    element: region,
    announce(text) {
      // Alternating a trailing no-break space makes a repeated sentence count as a change.
      toggle = !toggle;
      region.textContent = toggle ? text : `${text}\u00a0`;
    },
  };
}

/** The start of an answer as plain text, for the announcement that it ended. */
export function summarize(text: string, limit = 240): string {
  const plain = text
    .replace(/```[^\n]*\n[\s\S]*?(?:```|$)/g, " (code) ")
    .replace(/[#>*_`|[\]]+/g, " ")
    .replace(/\s+/g, " ")
    .trim();
  return plain.length > limit ? `${plain.slice(0, limit)}…` : plain;
}
