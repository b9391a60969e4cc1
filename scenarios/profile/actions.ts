/**
 * The session actions of a profile: log in, ask who is logged in, log out, write and read a
 * value, increment a counter. Each step throws StepError (→ UNKNOWN) saying which step failed
 * and what came back; `whoami` answers "in", "out" or "unknown" (matching neither).
 */
import { SessionClient } from '../conformance/client.ts';
import type { Reply } from '../conformance/client.ts';
import { fetchCsrf, mismatch, readValue, sendProfileRequest } from './request.ts';
import type { Placeholders } from './request.ts';
import type { Profile, ProfileStep } from './types.ts';
import { StepError } from '../../core/errors.ts';

export type LoginState = 'in' | 'out' | 'unknown';

export interface Observation {
  state: LoginState;
  status: number;
  /** Why it matched neither indicator (for "unknown"). */
  detail: string;
}

export class ProfileActions {
  readonly profile: Profile;

  constructor(profile: Profile) {
    this.profile = profile;
  }

  /** Placeholders for the i-th user of the profile (the first when there are fewer). */
  vars(userIndex = 0, extra: Placeholders = {}): Placeholders {
    const u = this.profile.users[userIndex] ?? this.profile.users[0];
    return { user: u?.user ?? '', password: u?.password ?? '', ...extra };
  }

  /** Runs a step (its CSRF request first); throws StepError unless `success` holds. */
  async step(
    name: string,
    step: ProfileStep,
    client: SessionClient,
    url: string,
    vars: Placeholders,
  ): Promise<Reply> {
    const filled = { ...vars };
    if (step.csrf) {
      const csrf = await fetchCsrf(this.profile, client, url, step.csrf, filled);
      if ('error' in csrf) throw new StepError(`${name}: the CSRF request failed: ${csrf.error}`);
      filled.csrf = csrf.token;
    }
    const reply = await sendProfileRequest(this.profile, client, url, step.request, filled);
    const why = mismatch(step.success, reply, filled);
    if (why !== undefined)
      throw new StepError(
        `${name}: ${step.request.method} ${step.request.path} through ${url} did not succeed — ${why}`,
      );
    return reply;
  }

  /** Logs `client` (a new one when omitted) in as user `userIndex` through `url`. */
  async login(url: string, client = new SessionClient(), userIndex = 0): Promise<SessionClient> {
    await this.step('login', this.profile.login, client, url, this.vars(userIndex));
    return client;
  }

  /** The reply of the login request itself (for the cookie checks). */
  async loginReply(url: string, client: SessionClient, userIndex = 0): Promise<Reply> {
    return this.step('login', this.profile.login, client, url, this.vars(userIndex));
  }

  /** Who the cookie (the jar's when omitted) is, by the whoami indicators. */
  async whoami(
    client: SessionClient,
    url: string,
    cookie?: string,
    userIndex = 0,
  ): Promise<Observation> {
    return this.classify(await this.whoamiReply(client, url, cookie, userIndex), userIndex);
  }

  /** The raw reply of the whoami request. */
  async whoamiReply(
    client: SessionClient,
    url: string,
    cookie?: string,
    userIndex = 0,
  ): Promise<Reply> {
    const { request } = this.profile.whoami;
    return sendProfileRequest(this.profile, client, url, request, this.vars(userIndex), cookie);
  }

  /** A whoami reply judged by the indicators: "in", "out", or "unknown" (neither, or both). */
  classify(reply: Reply, userIndex = 0): Observation {
    const { whoami } = this.profile;
    const vars = this.vars(userIndex);
    const notIn = mismatch(whoami.loggedIn, reply, vars);
    const notOut = mismatch(whoami.loggedOut, reply, vars);
    if (notIn === undefined && notOut !== undefined)
      return { state: 'in', status: reply.status, detail: '' };
    if (notOut === undefined && notIn !== undefined)
      return { state: 'out', status: reply.status, detail: '' };
    const detail =
      notIn === undefined
        ? `the reply (${reply.status}) matches both loggedIn and loggedOut`
        : `the reply matches neither loggedIn (${notIn}) nor loggedOut (${notOut ?? ''})`;
    return { state: 'unknown', status: reply.status, detail };
  }

  async logout(client: SessionClient, url: string, userIndex = 0): Promise<Reply> {
    const step = this.profile.logout;
    if (step === undefined) throw new StepError('the profile has no "logout"');
    return this.step('logout', step, client, url, this.vars(userIndex));
  }

  /** Writes `value` through the profile's `write`. */
  async write(client: SessionClient, url: string, value: string, userIndex = 0): Promise<Reply> {
    const step = this.profile.write;
    if (step === undefined) throw new StepError('the profile has no "write"');
    return this.step('write', step, client, url, this.vars(userIndex, { value }));
  }

  /** The value `read` finds with this cookie (the jar's when omitted), or undefined. */
  async read(client: SessionClient, url: string, cookie?: string): Promise<string | undefined> {
    const reader = this.profile.read;
    if (reader === undefined) throw new StepError('the profile has no "read"');
    const reply = await sendProfileRequest(
      this.profile,
      client,
      url,
      reader.request,
      this.vars(),
      cookie,
    );
    return readValue(reader, reply);
  }

  /** One increment; the reply (its success is not asserted here: failures are data). */
  async increment(client: SessionClient, url: string): Promise<{ ok: boolean; status: number }> {
    const step = this.profile.increment;
    if (step === undefined) throw new StepError('the profile has no "increment"');
    try {
      const reply = await this.step('increment', step, client, url, this.vars());
      return { ok: true, status: reply.status };
    } catch (error) {
      if (error instanceof StepError) return { ok: false, status: 0 };
      throw error;
    }
  }

  /** The counter as an integer, or undefined when the read finds none. */
  async counter(client: SessionClient, url: string): Promise<number | undefined> {
    const step = this.profile.increment;
    if (step === undefined) throw new StepError('the profile has no "increment"');
    const reply = await sendProfileRequest(
      this.profile,
      client,
      url,
      step.read.request,
      this.vars(),
    );
    const text = readValue(step.read, reply);
    return text !== undefined && /^-?\d+$/.test(text) ? Number(text) : undefined;
  }
}
