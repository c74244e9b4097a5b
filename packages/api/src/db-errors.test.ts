import { describe, expect, it } from 'vitest';
import { retryOnDeadlock } from './db-errors';
import { AppError } from './errors';

/** The shape mysql2 gives a server error. */
function serverError(code: string, errno: number): Error {
  return Object.assign(new Error(`${code}: lock trouble`), { code, errno });
}

describe('retryOnDeadlock', () => {
  it('runs a deadlock victim again until it commits', async () => {
    let runs = 0;
    const result = await retryOnDeadlock(async () => {
      runs++;
      if (runs < 3) throw serverError('ER_LOCK_DEADLOCK', 1213);
      return 'committed';
    });
    expect(result).toBe('committed');
    expect(runs).toBe(3);
  });

  it('answers UNAVAILABLE with retryAfter past the bound, keeping the cause', async () => {
    let runs = 0;
    const deadlock = serverError('ER_LOCK_DEADLOCK', 1213);
    const error = await retryOnDeadlock(async () => {
      runs++;
      throw new Error('transaction failed', { cause: deadlock });
    }).catch((caught: unknown) => caught);
    expect(runs).toBe(3);
    expect(error).toBeInstanceOf(AppError);
    expect(error).toMatchObject({ code: 'UNAVAILABLE', retryAfter: 1 });
    expect((error as Error).cause).toBeInstanceOf(Error);
  });

  it('answers UNAVAILABLE at once on a lock wait timeout, and passes other errors through', async () => {
    let runs = 0;
    const timeout = await retryOnDeadlock(async () => {
      runs++;
      throw serverError('ER_LOCK_WAIT_TIMEOUT', 1205);
    }).catch((caught: unknown) => caught);
    expect(runs).toBe(1);
    expect(timeout).toMatchObject({ code: 'UNAVAILABLE' });

    const duplicate = serverError('ER_DUP_ENTRY', 1062);
    await expect(retryOnDeadlock(() => Promise.reject(duplicate))).rejects.toBe(duplicate);
  });
});
