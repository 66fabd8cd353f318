// Model output is untrusted: the HTML that marked makes of it goes through DOMPurify before it
// reaches the page (the model's own HTML is already escaped to text by markdownRender.ts; this
// is the layer that holds even if something got past that). Nothing may run script, load a resource (image, style, frame, font…) or
// navigate the webview; links survive only as http(s) or in-page (#) targets, and clicks on them
// are handed to the host (see links.ts).
import createDOMPurify, { type DOMPurify, type UponSanitizeAttributeHookEvent } from "dompurify";

/** Elements that could run code, load something, submit, or restyle the page. */
const FORBIDDEN_TAGS = [
  "script", "style", "iframe", "frame", "frameset", "object", "embed", "applet", "form", "input", "button",
  "textarea", "select", "option", "meta", "link", "base", "svg", "math", "img", "image", "video", "audio",
  "source", "track", "picture", "canvas", "portal", "noscript", "template", "dialog",
];

/**
 * Attributes that load, navigate or restyle, plus `id`/`name` (they could shadow our own elements
 * through named access on `window`/`document`).
 */
const FORBIDDEN_ATTRIBUTES = [
  "style", "id", "name", "src", "srcset", "srcdoc", "action", "formaction", "background", "poster", "ping",
  "target", "download", "xlink:href", "usemap", "longdesc", "cite", "data", "codebase", "popover",
];

/** http(s) links and in-page fragments; everything else (javascript:, data:, vscode:, file:, relative) goes. */
const ALLOWED_URI = /^(?:https?:|#)/i;

/** Classes we give code (highlight.js) may come through; others could mimic our own UI's classes. */
const ALLOWED_CLASS = /^(?:hljs(?:-[\w-]+)?|language-[\w+#.-]+|[\w-]+_)$/;

let purifier: { readonly instance: DOMPurify; readonly window: Window } | undefined;

function configuredPurifier(): DOMPurify {
  if (purifier?.window === window) return purifier.instance;
  const instance = createDOMPurify(window);
  instance.addHook("uponSanitizeAttribute", (_node: Element, data: UponSanitizeAttributeHookEvent) => {
    const name = data.attrName.toLowerCase();
    if (name.startsWith("on")) data.keepAttr = false;
    else if (name === "class") {
      const kept = data.attrValue.split(/\s+/).filter((value) => ALLOWED_CLASS.test(value));
      if (kept.length) data.attrValue = kept.join(" ");
      else data.keepAttr = false;
    } else if (name === "href" && !isAllowedHref(data.attrValue)) data.keepAttr = false;
  });
  purifier = { instance, window };
  return instance;
}

export function isAllowedHref(href: string): boolean {
  const compact = href.replace(/[\s\p{Cc}]+/gu, "");
  if (compact.startsWith("#")) return true;
  if (!ALLOWED_URI.test(compact)) return false;
  try {
    const protocol = new URL(compact).protocol;
    return protocol === "http:" || protocol === "https:";
  } catch {
    return false;
  }
}

/** The HTML as inert, safe DOM nodes, ready to insert into the page. */
export function sanitizeToFragment(html: string): DocumentFragment {
  return configuredPurifier().sanitize(html, {
    USE_PROFILES: { html: true },
    FORBID_TAGS: FORBIDDEN_TAGS,
    FORBID_ATTR: FORBIDDEN_ATTRIBUTES,
    ALLOWED_URI_REGEXP: ALLOWED_URI,
    ALLOW_DATA_ATTR: false,
    ALLOW_ARIA_ATTR: false,
    RETURN_DOM_FRAGMENT: true,
  });
}
