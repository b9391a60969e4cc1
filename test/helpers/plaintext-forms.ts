/**
 * The forms a text can take in a store without being encrypted: itself, hex (either case),
 * base64 and base64url at each of the 3 byte alignments (the stretch that encodes only the
 * text's own bytes, so a prefix or suffix around it changes nothing).
 */
export function plaintextForms(text: string): string[] {
  const bytes = Buffer.from(text, 'utf8');
  const forms = new Set([text, bytes.toString('hex'), bytes.toString('hex').toUpperCase()]);
  for (const offset of [0, 1, 2]) {
    const shifted = Buffer.concat([Buffer.alloc(offset), bytes]);
    // Characters of whole 3-byte groups made only of the text's bytes.
    const first = Math.ceil(offset / 3);
    const last = Math.floor(shifted.length / 3);
    for (const encoding of ['base64', 'base64url'] as const) {
      forms.add(shifted.toString(encoding).slice(first * 4, last * 4));
    }
  }
  return [...forms].filter((form) => form.length >= 8);
}
