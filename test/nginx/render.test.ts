import t from 'tap';
import {
  BALANCE_MODES,
  DEFAULT_NGINX_CONFIG_OPTIONS,
  renderNginxConfig,
  type BalanceMode,
  type NginxConfigOptions,
} from '../../nginx/render.ts';

const BASE: NginxConfigOptions = {
  upstreams: [
    { host: '127.0.0.1', port: 4001 },
    { host: '127.0.0.1', port: 4002 },
  ],
  listenPort: 8080,
  runDir: '/tmp/sessionlab-nginx/run',
};

const BALANCE_LINES = ['least_conn;', 'ip_hash;', 'hash $session_cookie consistent;'];

/** The upstream block of a rendered config. */
function upstreamBlock(config: string): string {
  const match = /\n {4}upstream sessionlab_nodes \{\n[^}]*\}/.exec(config);
  if (match === null) throw new Error(`no upstream block in:\n${config}`);
  return match[0];
}

t.test('the defaults are round-robin on cookie sid with the access log off', async (t) => {
  t.same(DEFAULT_NGINX_CONFIG_OPTIONS, {
    listenHost: '127.0.0.1',
    balance: 'round-robin',
    cookieName: 'sid',
    accessLog: false,
    redirectToHttps: false,
    hstsMaxAgeSeconds: 31_536_000,
  });
});

t.test('each balance mode renders its own directive and no other', async (t) => {
  const expected: Record<BalanceMode, string | undefined> = {
    'round-robin': undefined,
    'least-conn': 'least_conn;',
    'ip-hash': 'ip_hash;',
    'cookie-hash': 'hash $session_cookie consistent;',
  };
  for (const balance of BALANCE_MODES) {
    const upstream = upstreamBlock(renderNginxConfig({ ...BASE, balance }));
    for (const line of BALANCE_LINES) {
      t.equal(upstream.includes(`\n        ${line}\n`), line === expected[balance], balance);
    }
  }
});

t.test('every node is a server with quick failover, followed by upstream keepalive', async (t) => {
  t.equal(
    upstreamBlock(renderNginxConfig({ ...BASE, balance: 'least-conn' })),
    [
      '\n    upstream sessionlab_nodes {',
      '        least_conn;',
      '        server 127.0.0.1:4001 max_fails=1 fail_timeout=2s;',
      '        server 127.0.0.1:4002 max_fails=1 fail_timeout=2s;',
      '        keepalive 32;',
      '        keepalive_timeout 4s;',
      '    }',
    ].join('\n'),
  );
});

t.test('cookie-hash reads the session id from __Host-sid or sid in one map', async (t) => {
  const config = renderNginxConfig({ ...BASE, balance: 'cookie-hash' });
  t.match(
    config,
    '    map $http_cookie $session_cookie {\n' +
      '        "~(?:^|;\\s*)(?:__Host-)?sid=(?<sessionlab_sid>[^;]+)" $sessionlab_sid;\n' +
      '        default $request_id;\n    }\n',
  );
  t.notMatch(renderNginxConfig(BASE), 'map $http_cookie');
  const custom = renderNginxConfig({ ...BASE, balance: 'cookie-hash', cookieName: 'app.sid' });
  t.match(custom, '"~(?:^|;\\s*)(?:__Host-)?app\\.sid=(?<sessionlab_sid>[^;]+)"');
});

t.test('the run folder holds pid, error log and every temp path', async (t) => {
  const config = renderNginxConfig(BASE);
  t.match(config, 'daemon off;\nmaster_process on;\nworker_processes 1;\n');
  t.match(config, 'pid "/tmp/sessionlab-nginx/run/nginx.pid";');
  t.match(config, 'error_log "/tmp/sessionlab-nginx/run/error.log" warn;');
  for (const name of ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']) {
    t.match(config, `${name}_temp_path "/tmp/sessionlab-nginx/run/${name}_temp";`);
  }
  t.notMatch(config, '/var/');
  t.notMatch(config, /^user /m);
  t.match(renderNginxConfig({ ...BASE, user: 'root' }), '\nuser root;\n');
});

t.test('the access log is off by default and in the run folder when asked for', async (t) => {
  t.match(renderNginxConfig(BASE), '    access_log off;\n');
  t.match(
    renderNginxConfig({ ...BASE, accessLog: true }),
    '    access_log "/tmp/sessionlab-nginx/run/access.log";\n',
  );
});

t.test('the TLS server block appears only with tls', async (t) => {
  const plain = renderNginxConfig(BASE);
  t.notMatch(plain, 'ssl');
  t.equal(plain.match(/\n {4}server \{/g)?.length, 1);
  const tls = { port: 8443, certFile: '/tmp/c/cert.pem', keyFile: '/tmp/c/key.pem' };
  const config = renderNginxConfig({ ...BASE, tls });
  t.equal(config.match(/\n {4}server \{/g)?.length, 2);
  t.match(
    config,
    '        listen 127.0.0.1:8443 ssl;\n' +
      '        ssl_certificate "/tmp/c/cert.pem";\n' +
      '        ssl_certificate_key "/tmp/c/key.pem";\n' +
      '        ssl_protocols TLSv1.2 TLSv1.3;\n',
  );
  t.equal(config.match(/proxy_set_header X-Forwarded-Proto \$scheme;/g)?.length, 2);
});

t.test('proxy_bind appears only when given', async (t) => {
  t.notMatch(renderNginxConfig(BASE), 'proxy_bind');
  t.match(renderNginxConfig({ ...BASE, proxyBind: '127.0.0.2' }), '    proxy_bind 127.0.0.2;\n');
});

t.test('requests are proxied with forwarding headers and retried only on failures', async (t) => {
  const config = renderNginxConfig(BASE);
  for (const line of [
    'proxy_pass http://sessionlab_nodes;',
    'proxy_http_version 1.1;',
    'proxy_set_header Connection "";',
    'proxy_set_header Host $host;',
    'proxy_set_header X-Forwarded-Proto $scheme;',
    'proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;',
    'proxy_set_header X-Real-IP $remote_addr;',
    'proxy_connect_timeout 1s;',
    'proxy_next_upstream error timeout http_502 http_504;',
    'proxy_next_upstream_tries 3;',
    'proxy_intercept_errors off;',
    'error_page 400 404 405 408 411 413 414 500 501 502 503 504 505 /.sessionlab-error;',
    'error_page 494 =431 /.sessionlab-error;',
    'error_page 497 =400 /.sessionlab-error;',
  ]) {
    t.match(config, `        ${line}\n`, line);
  }
  t.notMatch(config, 'non_idempotent');
  t.notMatch(config, 'http_503');
  t.match(config, `return 200 '{"error":"$sessionlab_error"}';`);
  t.notMatch(config, '@json_error', 'a named location cannot serve a request with a bad URI');
});

t.test(
  '/metrics is answered 404 by nginx itself, in any case and with trailing slashes',
  async (t) => {
    t.match(renderNginxConfig(BASE), '    location ~* ^/metrics/*$ {\n            return 404;\n');
  },
);

const TLS = { port: 8443, certFile: '/tmp/c/cert.pem', keyFile: '/tmp/c/key.pem' };

t.test('HSTS is sent on the TLS listener only, and can be turned off', async (t) => {
  const hsts = 'add_header Strict-Transport-Security "max-age=31536000" always;';
  t.notMatch(renderNginxConfig(BASE), 'Strict-Transport-Security');
  const config = renderNginxConfig({ ...BASE, tls: TLS });
  // Once in the TLS server, once in its error location (add_header is not inherited there).
  t.equal(config.split(hsts).length - 1, 2);
  t.ok(config.indexOf(hsts) > config.indexOf('listen 127.0.0.1:8443 ssl;'));
  t.notMatch(renderNginxConfig({ ...BASE, tls: TLS, hstsMaxAgeSeconds: 0 }), 'Strict-Transport');
});

t.test('redirectToHttps turns the plain listener into a 301 to the TLS port', async (t) => {
  const config = renderNginxConfig({ ...BASE, tls: TLS, redirectToHttps: true });
  t.match(config, 'return 301 https://$host:8443$request_uri;');
  t.equal(config.match(/proxy_pass /g)?.length, 1, 'only the TLS listener proxies');
});

t.test('the same options render the same text', async (t) => {
  const options: NginxConfigOptions = { ...BASE, balance: 'cookie-hash', proxyBind: '127.0.0.2' };
  t.equal(renderNginxConfig(options), renderNginxConfig({ ...options }));
});

t.test('a bad option throws naming the field and what is allowed', async (t) => {
  const cases: [Partial<NginxConfigOptions> | { balance: string }, string][] = [
    [{ upstreams: [] }, 'invalid upstreams []: expected at least one { host, port }'],
    [
      { upstreams: [{ host: '127.0.0.1', port: 0 }] },
      'invalid upstreams[0].port 0: expected an integer from 1 to 65535',
    ],
    [
      { balance: 'sticky' },
      'invalid balance "sticky": expected round-robin | least-conn | ip-hash | cookie-hash',
    ],
    [{ cookieName: 'a;b' }, 'invalid cookieName "a;b": expected 1-64 of A-Z a-z 0-9 _ . -'],
    [{ proxyBind: 'localhost' }, 'invalid proxyBind "localhost": expected an IP address'],
    [
      { runDir: '/tmp/$x' },
      'invalid runDir "/tmp/$x": expected an absolute path without quotes, backslashes or $',
    ],
    [
      { tls: { port: 8443, certFile: 'cert.pem', keyFile: '/k.pem' } },
      'invalid tls.certFile "cert.pem": expected an absolute path without quotes, backslashes or $',
    ],
    [{ user: 'Root Admin' }, 'invalid user "Root Admin": expected a system user name'],
    [{ redirectToHttps: true }, 'invalid redirectToHttps true: expected false without tls'],
    [{ hstsMaxAgeSeconds: -1 }, 'invalid hstsMaxAgeSeconds -1: expected an integer >= 0'],
  ];
  for (const [override, message] of cases) {
    const options = { ...BASE, ...override } as NginxConfigOptions;
    t.throws(() => renderNginxConfig(options), { code: 'SESSIONLAB_ERR_INVALID_OPTION', message });
  }
});
