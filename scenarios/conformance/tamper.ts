/**
 * Alterations of an opaque cookie value for SL-ID-02, derived from its shape alone: flips of
 * every character, truncation, extension, and — when separators (`.` `:` `|` `--`) split it into
 * parts — each part dropped, emptied, duplicated, kept alone, or (when short, like a key id)
 * swapped for another. An alteration that decodes to the very bytes of the original (base64
 * padding bits, hex case) is no tamper: it is set aside and counted.
 */

export interface Alteration {
  /** What was changed, for the witness line: `flip at 12`, `drop part 3`, … */
  label: string;
  /** The altered value, encoded like the original (URL-encoded when it was). */
  value: string;
}

export interface AlterationPlan {
  alterations: Alteration[];
  /** Alterations left out because they decode to the original bytes. */
  sameBytes: string[];
}

const SEPARATOR = /(--|[.:|])/;
/** A part at least this long may be encoded binary (an id, a MAC, a ciphertext). */
const MIN_ENCODED_PART = 16;
const KEY_ID = /^[A-Za-z0-9_-]{1,16}$/;

interface Shape {
  tokens: string[];
  separators: string[];
}

function shapeOf(value: string): Shape {
  const pieces = value.split(SEPARATOR);
  return {
    tokens: pieces.filter((_, i) => i % 2 === 0),
    separators: pieces.filter((_, i) => i % 2 === 1),
  };
}

function join({ tokens, separators }: Shape): string {
  return tokens.map((t, i) => (i === 0 ? t : `${separators[i - 1] ?? '.'}${t}`)).join('');
}

/** The bytes a part stands for, under each encoding it could be in; strings when none. */
function decodings(part: string): string[] {
  if (part.length < MIN_ENCODED_PART) return [part];
  const forms = [part];
  if (/^[0-9a-fA-F]+$/.test(part) && part.length % 2 === 0) forms.push(`hex:${part.toLowerCase()}`);
  if (/^[A-Za-z0-9+/_-]+={0,2}$/.test(part))
    forms.push(`b64:${Buffer.from(part, 'base64').toString('hex')}`);
  return forms;
}

/** True when `altered` stands for the same bytes as `original`, part by part. */
export function decodesToSameBytes(original: string, altered: string): boolean {
  if (original === altered) return true;
  const a = shapeOf(original);
  const b = shapeOf(altered);
  if (a.tokens.length !== b.tokens.length || a.separators.join() !== b.separators.join())
    return false;
  return a.tokens.every((token, i) => {
    const other = b.tokens[i] as string;
    if (token === other) return true;
    const mine = decodings(token);
    const theirs = new Set(decodings(other));
    return mine.slice(1).some((form) => theirs.has(form));
  });
}

/** Replaces the character at `i` with the next one of its class, so the value stays well-formed. */
export function flip(value: string, i: number): string {
  const c = value[i] as string;
  const pool = /[0-9]/.test(c)
    ? '0123456789'
    : /[a-z]/.test(c)
      ? 'abcdefghijklmnopqrstuvwxyz'
      : /[A-Z]/.test(c)
        ? 'ABCDEFGHIJKLMNOPQRSTUVWXYZ'
        : null;
  if (pool === null) return value;
  const next = pool[(pool.indexOf(c) + 1) % pool.length] as string;
  return value.slice(0, i) + next + value.slice(i + 1);
}

/** Another key id of the same shape: `k1` → `k2`, `k0`; and one no ring has. */
function otherKeyIds(token: string): string[] {
  const numbered = /^(.*?)(\d+)$/.exec(token);
  const others = numbered
    ? [
        `${numbered[1]}${Number(numbered[2]) + 1}`,
        `${numbered[1]}${Math.max(0, Number(numbered[2]) - 1)}`,
      ]
    : [];
  return [...new Set([...others, 'zz-unknown-key'])].filter((id) => id !== token);
}

function structural(decoded: string): Alteration[] {
  const shape = shapeOf(decoded);
  const out: Alteration[] = [
    { label: 'truncated by one character', value: decoded.slice(0, -1) },
    { label: 'truncated to half', value: decoded.slice(0, Math.floor(decoded.length / 2)) },
    { label: 'extended by one character', value: `${decoded}A` },
    { label: 'extended by four characters', value: `${decoded}AAAA` },
    { label: 'empty value', value: '' },
  ];
  const n = shape.tokens.length;
  if (n < 2) return out;
  const { tokens, separators } = shape;
  for (let i = 0; i < n; i++) {
    const part = `part ${i + 1} of ${n}`;
    const without = (list: string[]): string[] => list.filter((_, k) => k !== i);
    out.push(
      {
        label: `${part} removed`,
        value: join({ tokens: without(tokens), separators: without(separators) }),
      },
      {
        label: `${part} emptied`,
        value: join({ tokens: tokens.map((t, k) => (k === i ? '' : t)), separators }),
      },
      {
        label: `${part} duplicated`,
        value: join({
          tokens: [...tokens.slice(0, i + 1), tokens[i] as string, ...tokens.slice(i + 1)],
          separators: [
            ...separators.slice(0, i),
            separators[i] ?? separators[i - 1] ?? '.',
            ...separators.slice(i),
          ],
        }),
      },
      { label: `${part} alone (bare)`, value: tokens[i] as string },
    );
    if (KEY_ID.test(tokens[i] as string) && i > 0)
      for (const id of otherKeyIds(tokens[i] as string))
        out.push({
          label: `${part} swapped for key id "${id}"`,
          value: join({ tokens: tokens.map((t, k) => (k === i ? id : t)), separators }),
        });
  }
  return out;
}

/** Every alteration of `value` (as sent in the Cookie header) worth sending. */
export function planAlterations(value: string): AlterationPlan {
  let decoded = value;
  try {
    decoded = decodeURIComponent(value);
  } catch {
    // not URL-encoded
  }
  const encode = (v: string): string => (decoded === value ? v : encodeURIComponent(v));
  const flips = Array.from({ length: decoded.length }, (_, i) => ({
    label: `character ${i} changed`,
    value: flip(decoded, i),
  })).filter((a) => a.value !== decoded);
  const seen = new Set<string>();
  const plan: AlterationPlan = { alterations: [], sameBytes: [] };
  // Structural ones first: when a flip makes the same value (k1 → k2), the clearer label wins.
  for (const alteration of [...structural(decoded), ...flips]) {
    if (seen.has(alteration.value)) continue;
    seen.add(alteration.value);
    if (decodesToSameBytes(decoded, alteration.value)) plan.sameBytes.push(alteration.label);
    else plan.alterations.push({ label: alteration.label, value: encode(alteration.value) });
  }
  return plan;
}
