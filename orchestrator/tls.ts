/**
 * A throwaway self-signed certificate for the HTTPS listener, made with the openssl CLI: valid
 * for `localhost` and 127.0.0.1, for two days, so clients must skip verification.
 */
import { execFile } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { findExecutable } from './process.ts';

const execFileAsync = promisify(execFile);

export interface CertificateFiles {
  /** PEM certificate. */
  certFile: string;
  /** PEM private key, unencrypted. */
  keyFile: string;
}

/** Writes `cert.pem` and `key.pem` into `dir` (made if missing) and resolves with their paths. */
export async function generateSelfSignedCert(dir: string): Promise<CertificateFiles> {
  await mkdir(dir, { recursive: true });
  const certFile = join(dir, 'cert.pem');
  const keyFile = join(dir, 'key.pem');
  const openssl = await findExecutable('openssl');
  const args = [
    ...['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2'],
    ...['-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1'],
    ...['-keyout', keyFile, '-out', certFile],
  ];
  try {
    await execFileAsync(openssl, args, { timeout: 30_000 });
  } catch (error) {
    const stderr = (error as { stderr?: unknown }).stderr;
    const detail = typeof stderr === 'string' && stderr.trim() !== '' ? stderr.trim() : error;
    throw new Error(`openssl could not make a self-signed certificate in ${dir}: ${detail}`, {
      cause: error,
    });
  }
  return { certFile, keyFile };
}
