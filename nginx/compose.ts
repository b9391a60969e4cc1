/**
 * The nginx config of docker-compose.yml, rendered by the same code as the local cluster's:
 * round-robin over the three engine containers, listening on every interface of the nginx
 * container. `make compose-config` writes it to nginx/compose/nginx.conf; a test keeps the
 * committed file in step with this code.
 */
import { renderNginxConfig } from './render.ts';
import type { NginxConfigOptions } from './render.ts';

/** Fixed address of nginx on the compose network: the only proxy the nodes trust. */
export const COMPOSE_NGINX_ADDRESS = '172.28.0.2';

export const COMPOSE_NGINX_OPTIONS: NginxConfigOptions = {
  upstreams: ['node1', 'node2', 'node3'].map((host) => ({ host, port: 8080 })),
  listenHost: '0.0.0.0',
  listenPort: 8080,
  runDir: '/tmp/nginx',
  user: 'nginx',
};

export function renderComposeNginxConfig(): string {
  return renderNginxConfig(COMPOSE_NGINX_OPTIONS);
}
