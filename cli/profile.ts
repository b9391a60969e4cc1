/**
 * `sessionlab profile init` writes a starter profile; `sessionlab profile check FILE` logs in
 * and out once and proves the whoami indicators tell logged-in from anonymous. Exit codes:
 * 0 every step worked, 2 a step failed (it says which and what came back), 5 bad arguments.
 */
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { closeAgents } from '../scenarios/conformance/client.ts';
import { starterProfile } from '../scenarios/profile/init.ts';
import { verifyProfile } from '../scenarios/profile/verify.ts';
import { profileFrom } from './conformance.ts';
import { EXIT } from '../core/exit-codes.ts';
import { UsageError } from '../core/errors.ts';

async function init(flags: Record<string, string | boolean | undefined>): Promise<number> {
  const entry = String(flags.entry ?? '');
  if (!/^https?:\/\/[^/]+$/.test(entry))
    throw new UsageError(`invalid --entry "${entry}": expected http(s)://host:port`);
  const out = String(flags.out);
  if (existsSync(out) && flags.force !== true)
    throw new UsageError(`${out} exists; pass --force to overwrite it`);
  const text = (name: string): string | undefined =>
    typeof flags[name] === 'string' ? (flags[name] as string) : undefined;
  const nodes = text('nodes')?.split(',').filter(Boolean);
  const profile = starterProfile({
    entry,
    ...(nodes === undefined ? {} : { nodes }),
    user: String(flags.user),
    passwordEnv: String(flags.passwordEnv),
    loginPath: String(flags.loginPath),
    userField: String(flags.userField),
    passwordField: String(flags.passwordField),
    ...(text('csrfField') === undefined ? {} : { csrfField: text('csrfField') as string }),
    whoamiPath: String(flags.whoamiPath),
    loggedInRegex: String(flags.loggedInRegex),
    ...(text('logoutPath') === undefined ? {} : { logoutPath: text('logoutPath') as string }),
    ...(text('cookieName') === undefined ? {} : { cookieName: text('cookieName') as string }),
  });
  await writeFile(out, `${JSON.stringify(profile, null, 2)}\n`);
  process.stdout.write(
    `wrote ${out}: edit its paths and indicators, then run \`sessionlab profile check ${out}\`\n`,
  );
  return EXIT.pass;
}

async function check(file: string, flags: Record<string, unknown>): Promise<number> {
  const profile = profileFrom({ ...flags, profile: file });
  const urls = [profile.entry, ...(profile.nodes ?? [])];
  let ok = true;
  try {
    for (const url of urls) {
      process.stdout.write(`${url}\n`);
      for (const step of await verifyProfile(profile, url)) {
        process.stdout.write(`  ${step.ok ? 'ok  ' : 'FAIL'} ${step.step}: ${step.detail}\n`);
        ok &&= step.ok;
      }
    }
  } finally {
    await closeAgents();
  }
  return ok ? EXIT.pass : EXIT.inconclusive;
}

export function registerProfile(program: Command): void {
  const profile = program
    .command('profile')
    .description('write and check target profiles (PROFILE.md) for testing your own app');
  profile
    .command('init')
    .description('write a starter profile for an app with a form login')
    .requiredOption('--entry <url>', 'the URL the app is reached at (its load balancer)')
    .option('--nodes <urls>', 'direct URLs of the app servers (comma-separated)')
    .option('--out <file>', 'where to write it', 'sessionlab-profile.json')
    .option('--force', 'overwrite --out', false)
    .option('--user <name>', 'the test user', 'alice')
    .option(
      '--password-env <name>',
      'the environment variable holding its password',
      'SESSIONLAB_PASSWORD',
    )
    .option('--login-path <path>', 'the form login POST path', '/login')
    .option('--user-field <name>', 'the login form field for the user', 'username')
    .option('--password-field <name>', 'the login form field for the password', 'password')
    .option('--csrf-field <name>', 'the CSRF field of the login form (read from the login page)')
    .option('--whoami-path <path>', 'a page that shows who is logged in', '/account')
    .option(
      '--logged-in-regex <regex>',
      'what that page shows when logged in ({user} allowed)',
      '{user}',
    )
    .option('--logout-path <path>', 'the logout POST path')
    .option('--cookie-name <name>', 'the session cookie name (default: the one login sets)')
    .action(async (flags: Record<string, string | boolean | undefined>) => {
      process.exitCode = await init(flags);
    });
  profile
    .command('check <file>')
    .description('log in and out once through the entry and every node; prove the indicators work')
    .option('--entry <url>', "override the profile's entry")
    .option('--nodes <urls>', "override the profile's nodes (comma-separated)")
    .action(async (file: string, flags: Record<string, unknown>) => {
      process.exitCode = await check(file, flags);
    });
}
