/**
 * Reads a profile: JSON Schema validation (profile.schema.json) with errors that name the
 * field and what is allowed, regexes compiled, `env:` strings resolved. Pure: the caller reads
 * the file and passes the environment.
 */
import { Ajv } from 'ajv';
import type { ErrorObject } from 'ajv';
import schema from './profile.schema.json' with { type: 'json' };
import type { Profile } from './types.ts';
import { UsageError } from '../../core/errors.ts';

const validate = new Ajv({ allErrors: true, strict: false }).compile<Profile>(schema);

/** One line per schema error: the field as a JSON path and what it allows. */
function describe(error: ErrorObject): string {
  const field = error.instancePath === '' ? '(top level)' : error.instancePath;
  const p = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'required':
      return `${field === '(top level)' ? '' : `${field}/`}${String(p.missingProperty)}: is required`;
    case 'additionalProperty':
    case 'additionalProperties':
      return `${field}: unknown field "${String(p.additionalProperty)}"`;
    case 'enum':
      return `${field}: expected one of ${(p.allowedValues as unknown[]).join(' | ')}`;
    case 'const':
      return `${field}: expected ${JSON.stringify(p.allowedValue)}`;
    case 'pattern':
      return `${field}: expected to match ${String(p.pattern)}`;
    case 'not':
      return `${field}: give at most one of "json" and "form"`;
    case 'oneOf':
      return `${field}: give exactly one of "jsonPointer" and "regex"`;
    default:
      return `${field}: ${error.message ?? error.keyword}`;
  }
}

/** Replaces every `env:NAME` string; collects the names that are not set. */
function resolveEnv(value: unknown, env: NodeJS.ProcessEnv, missing: Set<string>): unknown {
  if (typeof value === 'string' && value.startsWith('env:')) {
    const name = value.slice(4);
    const found = env[name];
    if (found === undefined || found === '') missing.add(name);
    return found ?? '';
  }
  if (Array.isArray(value)) return value.map((v) => resolveEnv(v, env, missing));
  if (value !== null && typeof value === 'object')
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [k, resolveEnv(v, env, missing)]),
    );
  return value;
}

/** Every regex of the profile with its field, so a bad one is reported before a run. */
function regexFields(profile: Profile): [string, string][] {
  const out: [string, string][] = [];
  const matcher = (at: string, m: { headers?: Record<string, string>; bodyRegex?: string }) => {
    if (m.bodyRegex !== undefined) out.push([`${at}/bodyRegex`, m.bodyRegex]);
    for (const [h, r] of Object.entries(m.headers ?? {})) out.push([`${at}/headers/${h}`, r]);
  };
  for (const name of ['login', 'logout', 'write', 'increment'] as const) {
    const step = profile[name];
    if (step === undefined) continue;
    matcher(`/${name}/success`, step.success);
    if (step.csrf) out.push([`/${name}/csrf/regex`, step.csrf.regex]);
  }
  matcher('/whoami/loggedIn', profile.whoami.loggedIn);
  matcher('/whoami/loggedOut', profile.whoami.loggedOut);
  if (profile.read?.regex) out.push(['/read/regex', profile.read.regex]);
  if (profile.increment?.read.regex)
    out.push(['/increment/read/regex', profile.increment.read.regex]);
  return out;
}

export interface ProfileOverrides {
  entry?: string;
  nodes?: string[];
}

/**
 * A validated profile from its JSON text. Throws UsageError naming the field (or the missing
 * environment variable); `source` names the file in messages.
 */
export function parseProfile(
  text: string,
  source: string,
  env: NodeJS.ProcessEnv,
  overrides: ProfileOverrides = {},
): Profile {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new UsageError(`${source} is not JSON: ${(error as Error).message}`);
  }
  if (raw !== null && typeof raw === 'object' && !Array.isArray(raw)) {
    if (overrides.entry !== undefined) (raw as Record<string, unknown>).entry = overrides.entry;
    if (overrides.nodes !== undefined) (raw as Record<string, unknown>).nodes = overrides.nodes;
  }
  if (!validate(raw)) {
    const lines = [...new Set((validate.errors ?? []).map(describe))];
    throw new UsageError(`invalid profile ${source}:\n  ${lines.join('\n  ')}`);
  }
  const missing = new Set<string>();
  const profile = resolveEnv(raw, env, missing) as Profile;
  if (missing.size > 0)
    throw new UsageError(
      `profile ${source} reads ${[...missing].map((n) => `$${n}`).join(', ')} from the environment, which is not set`,
    );
  for (const [field, regex] of regexFields(profile)) {
    try {
      new RegExp(regex.replaceAll('{user}', 'u'));
    } catch (error) {
      throw new UsageError(`invalid profile ${source}: ${field}: ${(error as Error).message}`);
    }
  }
  return profile;
}
