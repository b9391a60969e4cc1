/**
 * SL-ID-02 through a profile: a tampered session cookie gets no session and no 5xx. The value
 * stays opaque: it is altered only in ways that change it whatever its encoding — a character
 * near its end replaced (where signatures sit), the last character dropped, one appended, and
 * the whole value replaced by random characters of the same length.
 */
import { randomBytes } from 'node:crypto';
import { SessionClient } from './client.ts';
import type { ProfileCheck } from './profile-context.ts';
import { fail, pass, unknown } from './types.ts';

/** `value` with the character at `index` replaced by a different one of the same kind. */
function replaceAt(value: string, index: number): string {
  const c = value[index] ?? 'a';
  const other = /[0-9]/.test(c)
    ? c === '0'
      ? '1'
      : '0'
    : /[A-Z]/.test(c)
      ? c === 'A'
        ? 'B'
        : 'A'
      : c === 'a'
        ? 'b'
        : 'a';
  return `${value.slice(0, index)}${other}${value.slice(index + 1)}`;
}

function alterations(value: string): { label: string; value: string }[] {
  const random = randomBytes(value.length).toString('base64url').slice(0, value.length);
  return [
    {
      label: 'a character near the end replaced',
      value: replaceAt(value, Math.max(0, value.length - 2)),
    },
    {
      label: 'a character in the middle replaced',
      value: replaceAt(value, Math.floor(value.length / 2)),
    },
    { label: 'the last character dropped', value: value.slice(0, -1) },
    { label: 'a character appended', value: `${value}A` },
    { label: 'a random value of the same length', value: random },
  ];
}

export const PROFILE_TAMPER_CHECKS: Record<string, ProfileCheck> = {
  'SL-ID-02': {
    needs: [],
    async run(ctx) {
      const { actions, profile } = ctx;
      const client = await actions.login(ctx.nodes[0]);
      const name = profile.cookieName;
      const pairs = client.cookie.split('; ').filter((p) => p.includes('='));
      const target =
        pairs.find((p) => p.startsWith(`${name}=`) || p.startsWith(`__Host-${name}=`)) ??
        (name === undefined && pairs.length === 1 ? pairs[0] : undefined);
      if (target === undefined)
        return unknown('the session cookie is not known: give "cookieName" in the profile');
      const eq = target.indexOf('=');
      const cookieName = target.slice(0, eq);
      const value = target.slice(eq + 1);
      if ((await actions.whoami(client, ctx.nodes[0])).state !== 'in')
        return unknown('the session is not logged in before tampering');
      const others = pairs.filter((p) => p !== target);
      const wrong: string[] = [];
      const inconclusive: string[] = [];
      for (const a of alterations(value))
        for (const [i, node] of ctx.nodes.entries()) {
          const cookie = [...others, `${cookieName}=${a.value}`].join('; ');
          const seen = await actions.whoami(new SessionClient(), node, cookie);
          if (seen.status >= 500) wrong.push(`${a.label}: node ${i + 1} answered ${seen.status}`);
          else if (seen.state === 'in') wrong.push(`${a.label}: still logged in on node ${i + 1}`);
          else if (seen.state === 'unknown')
            inconclusive.push(`${a.label}, node ${i + 1}: ${seen.detail}`);
        }
      const evidence = { alterations: 5, nodes: ctx.nodes.length, wrong, inconclusive };
      if (wrong.length > 0) return fail(`a tampered session cookie — ${wrong[0]}`, evidence);
      if (inconclusive.length > 0)
        return unknown(
          `whoami with a tampered cookie was inconclusive — ${inconclusive[0]}`,
          evidence,
        );
      return pass(
        `5 alterations of the session cookie are logged out on all ${ctx.nodes.length} nodes, no 5xx`,
        evidence,
      );
    },
  },
};
