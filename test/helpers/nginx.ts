/**
 * nginx for one tap test: started in a fresh temp folder, stopped at teardown. The folder
 * (config and logs) is removed only when the test passed.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Test } from 'tap';
import { startNginx, type NginxOptions, type NginxServer } from '../../orchestrator/nginx.ts';

/** nginx in front of `options.upstreams`, stopped at teardown. */
export async function nginxFor(t: Test, options: Omit<NginxOptions, 'dir'>): Promise<NginxServer> {
  const dir = await mkdtemp(join(tmpdir(), 'sessionlab-nginx-'));
  const nginx = await startNginx({ ...options, dir });
  t.teardown(async () => {
    await nginx.stop();
    // Keep the config and error log of a failed test to read why.
    if (t.passing()) await rm(dir, { recursive: true, force: true });
    else console.error(`sessionlab: nginx config and logs kept in ${dir}`);
  });
  return nginx;
}
