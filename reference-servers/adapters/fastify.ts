/**
 * The contract on a Fastify app's own @fastify/session, for a staging build:
 *
 *   await app.register(fastifyCookie);
 *   await app.register(fastifySession, sessionOptions);
 *   await app.register(sessionlabFastify, { prefix: '/_sessionlab', sessionOptions, nodeId,
 *     checkPassword: (user, password) => password === process.env.SESSIONLAB_PASSWORD });
 *
 * An encapsulated plugin: its error and not-found handlers answer only under its prefix. The
 * library loads the session in its onRequest hook, before the adapter sees the input.
 */
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { FastifySessionOptions } from '@fastify/session';
import { contractRoutes, errorReply } from './contract-routes.ts';
import type {
  AdapterState,
  ContractAdapterOptions,
  ContractReply,
  LibrarySession,
} from './contract-routes.ts';

declare module 'fastify' {
  interface Session {
    sessionlab?: AdapterState;
  }
}

export interface FastifyAdapterOptions extends ContractAdapterOptions {
  /** The very options given to @fastify/session: cookie name and maxAge are reported from them. */
  sessionOptions: FastifySessionOptions;
}

/** Sets the contract's headers here, not in a hook: the library's hook may fail before ours. */
function send(reply: FastifyReply, answer: ContractReply, nodeId: string): FastifyReply {
  reply.header('X-Node-Id', nodeId).header('Cache-Control', 'no-store');
  return answer.body === undefined
    ? reply.code(answer.status).send()
    : reply.code(answer.status).send(answer.body);
}

export const sessionlabFastify: FastifyPluginAsync<FastifyAdapterOptions> = async (
  app,
  options,
) => {
  // @fastify/session's own defaults for the name and the path.
  const cookieName = options.sessionOptions.cookieName ?? 'sessionId';
  const cookiePath = options.sessionOptions.cookie?.path ?? '/';
  const routes = contractRoutes(options, {
    library: '@fastify/session',
    cookieName,
    idleTimeoutMs: options.sessionOptions.cookie?.maxAge ?? Number.NaN,
  });
  const librarySession = (request: FastifyRequest, reply: FastifyReply): LibrarySession => ({
    read: () => request.session.get('sessionlab'),
    write: (state) => request.session.set('sessionlab', state),
    regenerate: () => request.session.regenerate(),
    destroy: async () => {
      await request.session.destroy();
      reply.clearCookie(cookieName, { path: cookiePath });
    },
  });

  app.setErrorHandler((error, _request, reply) => {
    const answer = errorReply(error);
    if (answer.status >= 500) options.onServerError?.(error);
    return send(reply, answer, options.nodeId);
  });
  app.setNotFoundHandler((request, reply) =>
    send(
      reply,
      { status: 404, body: { error: `no route ${request.method} ${request.url.split('?')[0]}` } },
      options.nodeId,
    ),
  );
  for (const route of routes) {
    app.route({
      method: route.method,
      url: route.path,
      bodyLimit: 1_048_576,
      handler: async (request, reply) => {
        const params = request.params as Record<string, string>;
        await route.validate?.(params, request.body);
        const answer = await route.handle(librarySession(request, reply), params, request.body);
        return send(reply, answer, options.nodeId);
      },
    });
  }
};
