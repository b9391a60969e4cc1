/**
 * The Session handle (session.ts) and the engine's read path, driven directly (no HTTP) over the
 * memory store with counted or failing calls: login ordering, refused writes at login, lazy
 * touch near the absolute deadline, increment steps.
 */
import { IncomingMessage, ServerResponse } from 'node:http';
import { Socket } from 'node:net';
import t from 'tap';
import type { Test } from 'tap';
import { SessionEngine } from '../../session/engine.ts';
import { StoreUnavailableError } from '../../core/errors.ts';
import type { SessionOptions } from '../../session/options.ts';
import type { Session } from '../../session/session.ts';
import { MemoryStore } from '../../stores/memory.ts';
import type { Fields } from '../../core/store.ts';

const signingKeys = [{ id: 'k1', secret: '1'.repeat(32) }];

/** A memory store that counts touches, remembers created ids and can fail the next indexUser. */
class ObservedStore extends MemoryStore {
  touches = 0;
  created: string[] = [];
  failNextIndex = false;

  override async touch(id: string, ttlMs: number): Promise<boolean> {
    this.touches++;
    return super.touch(id, ttlMs);
  }

  override async create(id: string, fields: Fields, ttlMs: number): Promise<boolean> {
    this.created.push(id);
    return super.create(id, fields, ttlMs);
  }

  override async indexUser(
    userKey: string,
    id: string,
    ttlMs: number,
    maxSessions?: number,
  ): Promise<string[]> {
    if (this.failNextIndex) {
      this.failNextIndex = false;
      throw new StoreUnavailableError('memory indexUser failed (test)');
    }
    return super.indexUser(userKey, id, ttlMs, maxSessions);
  }
}

function engineFor(t: Test, options: Partial<SessionOptions> = {}) {
  const store = new ObservedStore();
  t.teardown(() => store.close());
  return { store, engine: new SessionEngine({ store, signingKeys, ...options }) };
}

/** Opens the session of a request carrying `cookie` (name=value); returns it and its response. */
async function open(
  engine: SessionEngine,
  cookie?: string,
): Promise<{ session: Session; res: ServerResponse }> {
  const req = new IncomingMessage(new Socket());
  req.headers = cookie === undefined ? {} : { cookie };
  const res = new ServerResponse(req);
  return { session: await engine.open(req, res), res };
}

function cookieOf(res: ServerResponse): string | undefined {
  const lines = res.getHeader('set-cookie') as string[] | undefined;
  return lines?.[0]?.split(';')[0];
}

t.test('a login whose index update fails leaves no session and sets no cookie', async (t) => {
  const { store, engine } = engineFor(t);
  const { session, res } = await open(engine);
  store.failNextIndex = true;
  await t.rejects(session.regenerate({ user: 'alice' }), {
    code: 'SESSIONLAB_ERR_STORE_UNAVAILABLE',
  });
  t.equal(cookieOf(res), undefined, 'no cookie for a session logout-everywhere could not end');
  t.equal(store.created.length, 1);
  t.equal(await store.load(store.created[0] as string), null, 'the created session is gone');
  t.equal(session.exists, false);

  const retry = await open(engine);
  await retry.session.regenerate({ user: 'alice' });
  t.equal(await engine.destroyAllForUser('alice'), 1, 'a login that worked is indexed');
});

t.test('a login whose own writes are refused fails before the old session is taken', async (t) => {
  const { engine } = engineFor(t, { maxSessionBytes: 100 });
  const first = await open(engine);
  first.session.set('a', 'x'.repeat(40));
  first.session.set('word', 'text');
  await first.session.commit();
  const cookie = cookieOf(first.res) as string;

  const tooLarge = await open(engine, cookie);
  tooLarge.session.set('b', 'y'.repeat(80));
  await t.rejects(tooLarge.session.regenerate({ user: 'alice' }), {
    code: 'SESSIONLAB_ERR_SESSION_TOO_LARGE',
  });
  const notInteger = await open(engine, cookie);
  notInteger.session.increment('word');
  await t.rejects(notInteger.session.regenerate({ user: 'alice' }), {
    code: 'SESSIONLAB_ERR_NOT_INTEGER',
  });

  const after = await open(engine, cookie);
  t.equal(after.session.exists, true, 'the old session is still there');
  t.same(after.session.entries(), { a: 'x'.repeat(40), word: 'text' }, 'with its data');
  t.equal(cookieOf(after.res), undefined);
});

t.test('reads touch the store only when that extends the TTL by touchAfterMs', async (t) => {
  // The absolute deadline (30 s) is nearer than the idle timeout (60 s): the TTL already ends
  // there, so a read right after the login has nothing to extend.
  const near = engineFor(t, { idleTimeoutMs: 60_000, absoluteTimeoutMs: 30_000 });
  const login = await open(near.engine);
  await login.session.regenerate({ user: 'alice' });
  const cookie = cookieOf(login.res) as string;
  for (let i = 0; i < 5; i++) t.equal((await open(near.engine, cookie)).session.exists, true);
  t.equal(near.store.touches, 0, 'five reads, no touch');

  const idle = engineFor(t, { idleTimeoutMs: 1000, touchAfterMs: 100, absoluteTimeoutMs: 0 });
  const anon = await open(idle.engine);
  anon.session.set('a', 1);
  await anon.session.commit();
  const idleCookie = cookieOf(anon.res) as string;
  await open(idle.engine, idleCookie);
  t.equal(idle.store.touches, 0, 'a read right after a write touches nothing');
  await new Promise((resolve) => setTimeout(resolve, 250));
  await open(idle.engine, idleCookie);
  t.equal(idle.store.touches, 1, 'a read after touchAfterMs extends the TTL once');
});

t.test('increment takes a whole step of at most 15 digits, and refuses others', async (t) => {
  const { engine } = engineFor(t);
  const { session } = await open(engine);
  for (const by of [1.5, Number.NaN, Infinity, 1e15, -1e15]) {
    t.throws(() => session.increment('n', by), {
      code: 'SESSIONLAB_ERR_INVALID_ARGUMENT',
      message: `invalid increment ${String(by)}: expected an integer from -999999999999999 to 999999999999999`,
    });
  }
  session.increment('n', 999_999_999_999_999);
  session.increment('n', -999_999_999_999_998);
  t.same(await session.commit(), { counters: [999_999_999_999_999, 1] });
});
