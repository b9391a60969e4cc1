/**
 * Escaping for everything that reaches a rendered report from results: ids, sentences, labels
 * and evidence of external targets are untrusted input, and may not even have the types the
 * schema promises.
 */

// Characters XML 1.0 forbids (C0 controls other than tab/LF/CR, U+FFFE/U+FFFF, lone surrogates).
const XML_FORBIDDEN =
  // eslint-disable-next-line no-control-regex -- matching control characters is the point
  /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

const ENTITIES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** Any value as text safe inside XML/HTML/SVG element content and quoted attributes. */
export function escapeXml(value: unknown): string {
  return String(value)
    .replace(XML_FORBIDDEN, '\uFFFD')
    .replace(/[&<>"']/g, (char) => ENTITIES[char] ?? char);
}

/** Any value as one Markdown table cell: no line breaks, no pipes, no raw HTML. */
export function escapeMarkdownCell(value: unknown): string {
  return String(value)
    .replace(XML_FORBIDDEN, '\uFFFD')
    .replace(/\r?\n|\r/g, ' ')
    .replace(/[\\|`*_[\]]/g, (char) => `\\${char}`)
    .replace(/[&<>]/g, (char) => ENTITIES[char] ?? char);
}

/** Evidence as indented JSON text (not yet escaped); anything JSON cannot hold shows as null. */
export function prettyJson(value: unknown): string {
  try {
    return JSON.stringify(value, null, 2) ?? 'null';
  } catch {
    return 'null';
  }
}
