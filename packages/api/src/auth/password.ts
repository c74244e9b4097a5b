import { hash, verify, type Options } from '@node-rs/argon2';

/**
 * argon2id at OWASP's minimum (19 MiB, t=2, p=1). `hash`/`verify` are async napi tasks that
 * run on libuv's thread pool, so the event loop keeps serving while a password is checked.
 */
const OWASP_ARGON2ID: Options = { algorithm: 2, memoryCost: 19_456, timeCost: 2, parallelism: 1, outputLen: 32 };

export function hashPassword(password: string): Promise<string> {
  return hash(password, OWASP_ARGON2ID);
}

export async function verifyPassword(passwordHash: string, password: string): Promise<boolean> {
  try {
    return await verify(passwordHash, password);
  } catch {
    return false;
  }
}

let dummyHash: Promise<string> | undefined;

/**
 * Spends the same time as a real check when the user does not exist (or has no password),
 * so response time does not reveal which logins are registered. Always false.
 */
export async function burnPasswordCheck(password: string): Promise<false> {
  dummyHash ??= hashPassword('chorus-dummy-password-for-timing');
  await verifyPassword(await dummyHash, password);
  return false;
}
