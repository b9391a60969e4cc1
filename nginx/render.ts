/**
 * The nginx configuration sessionlab runs in front of the app nodes, rendered from options. Pure
 * and deterministic: the same options give the same text, byte for byte.
 */
import { isIP } from 'node:net';
import { InvalidOptionError } from '../core/errors.ts';

export type BalanceMode = 'round-robin' | 'least-conn' | 'ip-hash' | 'cookie-hash';

export interface NginxUpstream {
  host: string;
  port: number;
  /** Drained: nginx sends it nothing (a rolling restart takes nodes out one at a time). */
  down?: boolean;
}

export interface NginxTlsListener {
  port: number;
  certFile: string;
  keyFile: string;
}

export interface NginxConfigOptions {
  /** The app nodes requests are spread over; at least one. */
  upstreams: readonly NginxUpstream[];
  /** Plain-HTTP port nginx listens on. */
  listenPort: number;
  /**
   * Loopback address both listeners bind to.
   * @default '127.0.0.1'
   */
  listenHost?: string;
  /**
   * An HTTPS listener besides the plain one, with the same proxying.
   * @default none: plain HTTP only
   */
  tls?: NginxTlsListener;
  /**
   * How requests pick a node: `cookie-hash` keeps a session on one node, the others do not.
   * @default 'round-robin'
   */
  balance?: BalanceMode;
  /**
   * Session cookie that `cookie-hash` hashes on, with or without its `__Host-` prefix.
   * @default 'sid'
   */
  cookieName?: string;
  /** Folder for the pid file, error log, access log and every temp path (absolute). */
  runDir: string;
  /**
   * Log each request to `<runDir>/access.log`.
   * @default false
   */
  accessLog?: boolean;
  /**
   * Local address for connections to the nodes (`127.0.0.2`), so a node can trust
   * X-Forwarded-Proto from this source only.
   * @default none: the kernel picks it
   */
  proxyBind?: string;
  /**
   * User the workers run as; only valid when nginx starts as root.
   * @default none: nginx's own default (`nobody`) as root, the current user otherwise
   */
  user?: string;
  /**
   * The lab server `sessionlab up` runs: `/_lab/` goes there instead of to the nodes.
   * @default none: no `/_lab/` route
   */
  lab?: { host: string; port: number };
  /**
   * With `tls`: the plain listener answers every request with a 301 to the HTTPS listener
   * instead of proxying it.
   * @default false
   */
  redirectToHttps?: boolean;
  /**
   * `max-age` of the Strict-Transport-Security header on every HTTPS response; 0 sends none.
   * @default 31_536_000 (1 year)
   */
  hstsMaxAgeSeconds?: number;
}

export const DEFAULT_NGINX_CONFIG_OPTIONS = {
  listenHost: '127.0.0.1',
  balance: 'round-robin',
  cookieName: 'sid',
  accessLog: false,
  redirectToHttps: false,
  hstsMaxAgeSeconds: 31_536_000,
} as const;

const UPSTREAM_NAME = 'sessionlab_nodes';
const TEMP_PATHS = ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'] as const;
const BALANCE_DIRECTIVES: Record<BalanceMode, readonly string[]> = {
  'round-robin': [],
  'least-conn': ['least_conn;'],
  'ip-hash': ['ip_hash;'],
  'cookie-hash': ['hash $session_cookie consistent;'],
};
export const BALANCE_MODES = Object.keys(BALANCE_DIRECTIVES) as readonly BalanceMode[];
// Per worker, client and upstream sides together: nginx's 512 caps a benchmark at 256 clients.
const WORKER_CONNECTIONS = 4096;
/** Status of an error nginx answers itself -> the JSON message; the nodes' own pass through. */
const ERROR_MESSAGES: readonly (readonly [number, string])[] = [
  [400, 'the load balancer could not parse the request'],
  [404, 'not found'],
  [405, 'method not allowed'],
  [408, 'the request took too long to arrive'],
  [411, 'a request body needs a length'],
  [413, 'request body too large for the load balancer'],
  [414, 'request line too long'],
  [494, 'request headers too large'],
  [497, 'plain HTTP sent to the HTTPS port'],
  [500, 'the load balancer failed'],
  [501, 'transfer coding not supported'],
  [502, 'no app node answered: are the nodes running?'],
  [503, 'the load balancer is overloaded'],
  [504, 'no app node answered in time'],
  [505, 'HTTP version not supported'],
];
/**
 * A URI, not a named location: nginx cannot enter a named location for a request whose URI it
 * could not parse (`GET /%`), and answers those with its own HTML 500 instead.
 */
const ERROR_URI = '/.sessionlab-error';
/**
 * nginx's internal codes: 494 (a header line or the headers over the buffers) goes out as 431
 * Request Header Fields Too Large (RFC 6585), as a node answers an oversized Cookie; 497 as the
 * 400 nginx itself sends.
 */
const ERROR_STATUS_OUT: Readonly<Record<number, number>> = { 494: 431, 497: 400 };

/** Renders nginx.conf; throws InvalidOptionError naming the first bad field. */
export function renderNginxConfig(options: NginxConfigOptions): string {
  const listenHost = options.listenHost ?? DEFAULT_NGINX_CONFIG_OPTIONS.listenHost;
  const balance = options.balance ?? DEFAULT_NGINX_CONFIG_OPTIONS.balance;
  const cookieName = options.cookieName ?? DEFAULT_NGINX_CONFIG_OPTIONS.cookieName;
  const accessLog = options.accessLog ?? DEFAULT_NGINX_CONFIG_OPTIONS.accessLog;
  checkOptions(options, { listenHost, balance, cookieName });
  const runDir = options.runDir.replace(/\/+$/, '');
  const path = (name: string): string => quote(`${runDir}/${name}`);
  const upstreamServers = options.upstreams.map(
    ({ host, port, down }) =>
      `server ${address(host, port)} max_fails=1 fail_timeout=2s${down ? ' down' : ''};`,
  );
  const redirectToHttps = options.redirectToHttps ?? DEFAULT_NGINX_CONFIG_OPTIONS.redirectToHttps;
  const hstsMaxAgeSeconds =
    options.hstsMaxAgeSeconds ?? DEFAULT_NGINX_CONFIG_OPTIONS.hstsMaxAgeSeconds;
  const plainListen = `listen ${address(listenHost, options.listenPort)};`;
  const servers =
    redirectToHttps && options.tls !== undefined
      ? [redirectBlock(plainListen, options.tls.port)]
      : [serverBlock([plainListen], [], options)];
  if (options.tls !== undefined) {
    const { port, certFile, keyFile } = options.tls;
    const tlsLines = [`listen ${address(listenHost, port)} ssl;`];
    tlsLines.push(`ssl_certificate ${quote(certFile)};`, `ssl_certificate_key ${quote(keyFile)};`);
    // `always`: on nginx's own errors too, not only on 2xx/3xx. RFC 6797 7.2: HTTPS only.
    const hsts =
      hstsMaxAgeSeconds > 0
        ? [`add_header Strict-Transport-Security "max-age=${hstsMaxAgeSeconds}" always;`]
        : [];
    servers.push(serverBlock([...tlsLines, 'ssl_protocols TLSv1.2 TLSv1.3;'], hsts, options));
  }
  const lines = [
    '# Rendered by sessionlab (nginx/render.ts): edits are overwritten.',
    'daemon off;',
    'master_process on;',
    'worker_processes 1;',
    ...(options.user === undefined ? [] : [`user ${options.user};`]),
    `pid ${path('nginx.pid')};`,
    `error_log ${path('error.log')} warn;`,
    // Bounds how long a reload or stop waits for requests still in flight.
    'worker_shutdown_timeout 5s;',
    '',
    ...block('events', [`worker_connections ${WORKER_CONNECTIONS};`]),
    '',
    ...block('http', [
      accessLog ? `access_log ${path('access.log')};` : 'access_log off;',
      ...TEMP_PATHS.map((name) => `${name}_temp_path ${path(`${name}_temp`)};`),
      'server_tokens off;',
      // The default 1000 requests per client connection cuts a benchmark's connections mid-run.
      'keepalive_requests 100000;',
      '',
      ...(balance === 'cookie-hash' ? [...sessionCookieMap(cookieName), ''] : []),
      ...block('map $status $sessionlab_error', [
        ...ERROR_MESSAGES.map(([status, message]) => `${status} ${quote(message)};`),
        // What a 494 becomes: the error page sees the status it is sent with.
        `431 ${quote('request headers too large')};`,
        `default ${quote('the load balancer could not serve the request')};`,
      ]),
      '',
      ...block(`upstream ${UPSTREAM_NAME}`, [
        ...BALANCE_DIRECTIVES[balance],
        ...upstreamServers,
        'keepalive 32;',
        // Under node:http's 5 s keepAliveTimeout, so nginx never reuses a socket the node closes.
        'keepalive_timeout 4s;',
      ]),
      ...servers.flatMap((server) => ['', ...server]),
    ]),
  ];
  return `${lines.join('\n')}\n`;
}

/** Error pages as JSON, with the status nginx chose (494 sent as 431, 497 as 400). */
function errorPages(): string[] {
  const kept = ERROR_MESSAGES.map(([status]) => status).filter((s) => !(s in ERROR_STATUS_OUT));
  return [
    `error_page ${kept.join(' ')} ${ERROR_URI};`,
    ...Object.entries(ERROR_STATUS_OUT).map(
      ([status, out]) => `error_page ${status} =${out} ${ERROR_URI};`,
    ),
  ];
}

function errorLocation(headers: readonly string[]): string[] {
  return block(`location = ${ERROR_URI}`, [
    'internal;',
    ...headers,
    'default_type application/json;',
    // The status stays nginx's own (no `=` in error_page): 200 here is replaced by it.
    `return 200 '{"error":"$sessionlab_error"}';`,
  ]);
}

/** The plain listener of `redirectToHttps`: every request gets a 301 to the same URI over TLS. */
function redirectBlock(listen: string, tlsPort: number): string[] {
  return block('server', [
    listen,
    ...errorPages(),
    '',
    ...block('location /', [`return 301 https://$host:${tlsPort}$request_uri;`]),
    '',
    ...errorLocation([]),
  ]);
}

function serverBlock(
  listen: readonly string[],
  headers: readonly string[],
  options: NginxConfigOptions,
): string[] {
  const proxyBind = options.proxyBind === undefined ? [] : [`proxy_bind ${options.proxyBind};`];
  return block('server', [
    ...listen,
    ...headers,
    ...errorPages(),
    '',
    // The nodes' Prometheus metrics are for the operator, reached on the nodes directly.
    // Case-insensitive, trailing slashes too: Express routes `/METRICS/` to the same handler.
    ...block('location ~* ^/metrics/*$', ['return 404;']),
    '',
    ...block('location /', [
      `proxy_pass http://${UPSTREAM_NAME};`,
      'proxy_http_version 1.1;',
      'proxy_set_header Connection "";',
      'proxy_set_header Host $host;',
      'proxy_set_header X-Forwarded-Proto $scheme;',
      'proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;',
      'proxy_set_header X-Real-IP $remote_addr;',
      ...proxyBind,
      'proxy_connect_timeout 1s;',
      // Failures to reach a node, and a node that died mid-answer: nginx replays GET, PUT and
      // DELETE, and a POST only if it was never sent. A node's own 503 (store down) is an
      // answer, not a reason to replay the request.
      'proxy_next_upstream error timeout http_502 http_504;',
      'proxy_next_upstream_tries 3;',
      // The nodes' error responses pass through untouched; error_page covers nginx's own.
      'proxy_intercept_errors off;',
    ]),
    ...(options.lab === undefined ? [] : ['', ...labLocation(options.lab)]),
    '',
    ...errorLocation(headers),
  ]);
}

/** The lab page and its event stream: unbuffered, so server-sent events arrive as sent. */
function labLocation(lab: { host: string; port: number }): string[] {
  return block('location /_lab/', [
    `proxy_pass http://${address(lab.host, lab.port)};`,
    'proxy_http_version 1.1;',
    'proxy_set_header Connection "";',
    'proxy_set_header X-Forwarded-Proto $scheme;',
    'proxy_buffering off;',
    'proxy_read_timeout 1h;',
  ]);
}

/** `$session_cookie`: the session id from `__Host-<name>` or `<name>`, whichever comes first. */
function sessionCookieMap(cookieName: string): string[] {
  const name = cookieName.replace(/^__Host-/, '').replace(/\./g, '\\.');
  const pattern = `~(?:^|;\\s*)(?:__Host-)?${name}=(?<sessionlab_sid>[^;]+)`;
  return block('map $http_cookie $session_cookie', [
    `${quote(pattern)} $sessionlab_sid;`,
    // No session yet: spread those requests instead of hashing them all onto one node.
    'default $request_id;',
  ]);
}

function block(head: string, body: readonly string[]): string[] {
  return [`${head} {`, ...body.map((line) => (line === '' ? '' : `    ${line}`)), '}'];
}

function address(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

/** Double-quoted nginx string; values are checked to hold no quote, backslash or `$`. */
function quote(value: string): string {
  return `"${value}"`;
}

interface ResolvedFields {
  listenHost: string;
  balance: BalanceMode;
  cookieName: string;
}

const PORT = 'an integer from 1 to 65535';
const PATH = 'an absolute path without quotes, backslashes or $';
const isPort = (port: number): boolean => Number.isInteger(port) && port >= 1 && port <= 65535;
const isPath = (path: string): boolean => path.startsWith('/') && !/["\\$\p{Cc}]/u.test(path);
const isHost = (host: string): boolean =>
  isIP(host) !== 0 || /^[A-Za-z0-9][A-Za-z0-9.-]{0,252}$/.test(host);

function checkOptions(options: NginxConfigOptions, fields: ResolvedFields): void {
  const { upstreams, tls, proxyBind, user } = options;
  check(upstreams.length > 0, 'upstreams', upstreams, 'at least one { host, port }');
  for (const [i, { host, port }] of upstreams.entries()) {
    check(isHost(host), `upstreams[${i}].host`, host, 'a host name or IP address');
    check(isPort(port), `upstreams[${i}].port`, port, PORT);
  }
  check(isPort(options.listenPort), 'listenPort', options.listenPort, PORT);
  check(isIP(fields.listenHost) !== 0, 'listenHost', fields.listenHost, 'an IP address');
  const modes = BALANCE_MODES.join(' | ');
  check(BALANCE_MODES.includes(fields.balance), 'balance', fields.balance, modes);
  const cookieName = /^[A-Za-z0-9_.-]{1,64}$/.test(fields.cookieName);
  check(cookieName, 'cookieName', fields.cookieName, '1-64 of A-Z a-z 0-9 _ . -');
  check(isPath(options.runDir), 'runDir', options.runDir, PATH);
  if (tls !== undefined) {
    check(isPort(tls.port), 'tls.port', tls.port, PORT);
    check(isPath(tls.certFile), 'tls.certFile', tls.certFile, PATH);
    check(isPath(tls.keyFile), 'tls.keyFile', tls.keyFile, PATH);
  }
  if (proxyBind !== undefined) {
    check(isIP(proxyBind) !== 0, 'proxyBind', proxyBind, 'an IP address');
  }
  if (options.lab !== undefined) {
    check(isIP(options.lab.host) !== 0, 'lab.host', options.lab.host, 'an IP address');
    check(isPort(options.lab.port), 'lab.port', options.lab.port, PORT);
  }
  if (user !== undefined) {
    check(/^[a-z_][a-z0-9_-]{0,31}$/.test(user), 'user', user, 'a system user name');
  }
  const { redirectToHttps, hstsMaxAgeSeconds } = options;
  if (redirectToHttps === true) {
    check(tls !== undefined, 'redirectToHttps', redirectToHttps, 'false without tls');
  }
  if (hstsMaxAgeSeconds !== undefined) {
    const ok = Number.isInteger(hstsMaxAgeSeconds) && hstsMaxAgeSeconds >= 0;
    check(ok, 'hstsMaxAgeSeconds', hstsMaxAgeSeconds, 'an integer >= 0');
  }
}

function check(ok: boolean, field: string, value: unknown, expected: string): void {
  if (ok) return;
  throw new InvalidOptionError(`invalid ${field} ${JSON.stringify(value)}: expected ${expected}`);
}
