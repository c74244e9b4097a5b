import { TRPCError } from '@trpc/server';
import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import { formatError } from './error-formatter';
import { AppError } from './errors';

describe('formatError', () => {
  it('unwraps an AppError thrown by a service to its own code, status and retryAfter', () => {
    const cause = new AppError('RATE_LIMITED', 'Too many attempts', { retryAfter: 42 });
    const shape = formatError(new TRPCError({ code: 'INTERNAL_SERVER_ERROR', cause }), 'auth.login');
    expect(shape.message).toBe('Too many attempts');
    expect(shape.data).toMatchObject({ code: 'TOO_MANY_REQUESTS', httpStatus: 429, appCode: 'RATE_LIMITED', retryAfter: 42, path: 'auth.login' });
    expect(shape.code).toBe(-32029);
  });

  it('hides the message of an unexpected error', () => {
    const cause = new Error('connect ECONNREFUSED mysql://root:hunter2@db:3306');
    const shape = formatError(new TRPCError({ code: 'INTERNAL_SERVER_ERROR', message: cause.message, cause }), 'x.y');
    expect(shape.message).toBe('Internal server error');
    expect(JSON.stringify(shape)).not.toContain('hunter2');
    expect(shape.data).toMatchObject({ appCode: 'INTERNAL', httpStatus: 500, retryAfter: null, zodError: null });
    expect(shape.data).not.toHaveProperty('stack');
  });

  it('flattens zod errors onto data.zodError', () => {
    const parsed = z.object({ name: z.string().min(3) }).safeParse({ name: 'x' });
    const shape = formatError(new TRPCError({ code: 'BAD_REQUEST', cause: parsed.error }), 'users.rename');
    expect(shape.data.appCode).toBe('BAD_INPUT');
    expect(shape.data.zodError?.fieldErrors.name).toHaveLength(1);
  });

  it('maps tRPC-raised codes to app codes', () => {
    expect(formatError(new TRPCError({ code: 'NOT_FOUND' }), undefined).data.appCode).toBe('NOT_FOUND');
    expect(formatError(new TRPCError({ code: 'PARSE_ERROR' }), undefined).data.appCode).toBe('BAD_INPUT');
    expect(formatError(new TRPCError({ code: 'PAYLOAD_TOO_LARGE' }), undefined).data).toMatchObject({ appCode: 'PAYLOAD_TOO_LARGE', httpStatus: 413 });
  });

  it('never passes on the message of an exception tRPC wrapped (parse errors and the like)', () => {
    const overflow = new RangeError('Maximum call stack size exceeded');
    const parse = formatError(new TRPCError({ code: 'PARSE_ERROR', cause: overflow }), 'chat.send');
    expect(parse.message).toBe('The request could not be parsed');
    expect(parse.data).toMatchObject({ code: 'PARSE_ERROR', appCode: 'BAD_INPUT', httpStatus: 400, zodError: null });
    const syntax = new SyntaxError('Unexpected token } in JSON at position 7');
    expect(formatError(new TRPCError({ code: 'BAD_REQUEST', cause: syntax }), undefined).message).toBe('The request is not valid');
    const other = formatError(new TRPCError({ code: 'METHOD_NOT_SUPPORTED', cause: new Error('internal detail') }), undefined);
    expect(other.message).toBe('The request could not be handled');
  });

  it("keeps tRPC's own messages and zod's, which describe the request, not the server", () => {
    expect(formatError(new TRPCError({ code: 'NOT_FOUND', message: 'No procedure found on path "x.y"' }), undefined).message).toBe(
      'No procedure found on path "x.y"',
    );
    const explained = new TRPCError({ code: 'BAD_REQUEST', message: 'Cannot batch subscription calls', cause: new Error('internal detail') });
    expect(formatError(explained, undefined).message).toBe('Cannot batch subscription calls');
    const parsed = z.object({ name: z.string() }).safeParse({});
    const zod = formatError(new TRPCError({ code: 'BAD_REQUEST', cause: parsed.error }), 'x.y');
    expect(zod.message).toBe(parsed.error!.message);
  });
});
