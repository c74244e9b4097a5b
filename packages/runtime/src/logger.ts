import { logSerializers } from '@chorus/api';
import pino, { type Logger } from 'pino';
import { traceIdsOfActiveSpan } from './trace-ids';

/** The environment variables the logger reads (a subset of the server's env). */
export interface LoggerEnv {
  LOG_LEVEL: string;
  LOG_FORMAT?: 'json' | 'pretty' | undefined;
  NODE_ENV: string;
}

/** JSON lines in production; readable lines in development on a terminal. */
export function createLogger(env: LoggerEnv): Logger {
  const pretty = (env.LOG_FORMAT ?? (env.NODE_ENV === 'development' && process.stdout.isTTY ? 'pretty' : 'json')) === 'pretty';
  return pino({
    level: env.LOG_LEVEL,
    base: { service: 'chorus' },
    // Errors are logged without the values of a failed query (password hashes, emails, texts).
    serializers: logSerializers,
    // A line written during a traced call carries its trace_id and span_id.
    mixin: traceIdsOfActiveSpan,
    // Defence in depth: these never belong in a log line even if someone logs a whole object.
    redact: {
      paths: ['password', '*.password', 'token', '*.token', 'secret', '*.secret', 'apiKey', '*.apiKey', 'req.headers.authorization', 'req.headers.cookie'],
      censor: '[redacted]',
    },
    ...(pretty ? { transport: { target: 'pino-pretty', options: { singleLine: true, translateTime: 'SYS:HH:MM:ss.l' } } } : {}),
  });
}
