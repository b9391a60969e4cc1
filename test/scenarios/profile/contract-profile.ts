/**
 * A profile that describes a CONTRACT.md server (the reference servers): how the profile
 * checks get their negative controls from the reference flaw switches.
 */
import type { Profile } from '../../../scenarios/profile/types.ts';

export function contractProfile(entry: string, nodes: string[], cookieName: string): Profile {
  return {
    profile: 1,
    entry,
    nodes,
    cookieName,
    users: [{ user: 'alice', password: 'env:SL_PROFILE_TEST_PASSWORD' }],
    idleTimeoutMs: 2000,
    absoluteTimeoutMs: 8000,
    login: {
      request: { method: 'POST', path: '/login', json: { user: '{user}', password: '{password}' } },
      success: { status: [200] },
    },
    whoami: {
      request: { method: 'GET', path: '/me' },
      loggedIn: { status: [200], jsonPointer: '/user', equals: '{user}' },
      loggedOut: { status: [401] },
    },
    logout: { request: { method: 'POST', path: '/logout' }, success: { status: [204] } },
    write: {
      request: { method: 'PUT', path: '/session/data/note', json: { value: '{value}' } },
      success: { status: [204] },
    },
    read: { request: { method: 'GET', path: '/session/data/note' }, jsonPointer: '/value' },
    increment: {
      request: { method: 'POST', path: '/session/counter/cart' },
      success: { status: [200] },
      read: { request: { method: 'GET', path: '/session/data/cart' }, jsonPointer: '/value' },
    },
  };
}
