/** The reference servers' cookie-format option: checked first, implied by the envelope flaws. */
import t from 'tap';
import { resolveNodeConfig } from '../../reference-servers/config.ts';
import { clusterOptionsFrom } from '../../cli/cluster-flags.ts';

const base = { password: 'pw', signingKeys: `k1:${'s'.repeat(32)}` };
const flags = { impl: 'engine', store: 'redis', nodes: '2', lb: 'round-robin', flaw: [] };

t.test('the engine cookie is signed unless envelope is asked for or implied', async (t) => {
  t.equal(resolveNodeConfig(base).cookieFormat, 'signed');
  t.equal(resolveNodeConfig({ ...base, cookieFormat: 'envelope' }).cookieFormat, 'envelope');
  t.equal(resolveNodeConfig({ ...base, flaws: ['envelope-readopt'] }).cookieFormat, 'envelope');
  t.equal(resolveNodeConfig({ ...base, flaws: ['envelope-no-rotate'] }).cookieFormat, 'envelope');
});

t.test('a bad cookie format names the field and what is allowed', async (t) => {
  t.throws(() => resolveNodeConfig({ ...base, cookieFormat: 'jwt' }), {
    code: 'SESSIONLAB_ERR_INVALID_OPTION',
    message: 'invalid cookieFormat "jwt": expected signed | envelope',
  });
  t.throws(
    () => resolveNodeConfig({ ...base, impl: 'express-session', cookieFormat: 'envelope' }),
    {
      message: 'cookieFormat: only the engine server has cookie formats',
    },
  );
});

t.test('--cookie-format reaches the cluster options, checked', async (t) => {
  t.equal(
    clusterOptionsFrom({ ...flags, cookieFormat: 'envelope' }, '/tmp/x').cookieFormat,
    'envelope',
  );
  t.equal(clusterOptionsFrom(flags, '/tmp/x').cookieFormat, 'signed');
  t.throws(() => clusterOptionsFrom({ ...flags, cookieFormat: 'jwt' }, '/tmp/x'), {
    message: 'invalid --cookie-format "jwt": expected signed | envelope',
  });
});
