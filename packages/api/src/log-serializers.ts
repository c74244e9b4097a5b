import { stdSerializers } from 'pino';

/**
 * Error fields that hold a query's values: mysql2's `sql` (the statement with its values
 * inlined, e.g. a password hash), Drizzle's `params`.
 */
const VALUE_FIELDS = new Set(['sql', 'params', 'parameters', 'values']);

/** Where MariaDB/MySQL messages quote a value (the greedy `.*` stops at the message's own suffix). */
const QUOTED_VALUES: Array<[RegExp, string]> = [
  // Drizzle's "Failed query: <sql>\nparams: <values>": the values run to the end.
  [/\nparams: [\s\S]*$/, '\nparams: [redacted]'],
  // ER_DUP_ENTRY: "Duplicate entry '<value>' for key 'users_email_uq'".
  [/(Duplicate entry ')[\s\S]*(' for key)/, '$1[redacted]$2'],
  // ER_PARSE_ERROR quotes the statement, whose values mysql2 inlined.
  [/(near ')[\s\S]*(' at line)/, '$1[redacted]$2'],
  // ER_TRUNCATED_WRONG_VALUE(_FOR_FIELD), ER_WRONG_VALUE_FOR_VAR.
  [/(value: ')[\s\S]*(' for column)/, '$1[redacted]$2'],
  [/(value(?::| of) ')[\s\S]*(')$/, '$1[redacted]$2'],
];

/** A string literal inside SQL text (Drizzle's statements carry `?`, scripts inline values). */
const SQL_LITERAL = /'(?:[^'\\]|\\[\s\S]|'')*'/g;

function redactText(text: string): string {
  const redacted = QUOTED_VALUES.reduce((current, [pattern, replacement]) => current.replace(pattern, replacement), text);
  return redacted.replace(/(Failed query: )([\s\S]*?)(?=\nparams: |$)/, (_, label: string, statement: string) => label + statement.replace(SQL_LITERAL, "'?'"));
}

/** The stack with its message replaced (V8 stacks start with `name: message`), or rebuilt around its frames. */
function redactStack(error: Error, message: string): string {
  const stack = error.stack ?? '';
  if (stack.includes(error.message)) return stack.replace(error.message, () => message);
  const frames = stack.split('\n').filter((line) => /^\s+at /.test(line));
  return [`${error.name}: ${message}`, ...frames].join('\n');
}

/**
 * A copy of `error` and its causes without query values: value fields dropped, values in
 * messages, stacks and statements replaced. The copy keeps the class name, code, errno,
 * key and column names, so the log still says which error happened.
 */
export function withoutQueryValues(error: Error, seen = new Set<Error>()): Error {
  seen.add(error);
  const copy = Object.create(Object.getPrototypeOf(error) as object) as Error & Record<string, unknown>;
  for (const key of Object.keys(error)) {
    if (VALUE_FIELDS.has(key)) continue;
    const value = (error as unknown as Record<string, unknown>)[key];
    if (value instanceof Error) copy[key] = seen.has(value) ? undefined : withoutQueryValues(value, seen);
    else copy[key] = typeof value === 'string' ? redactText(value) : value;
  }
  if (typeof copy.query === 'string') copy.query = copy.query.replace(SQL_LITERAL, "'?'");
  const message = redactText(error.message);
  copy.message = message;
  copy.stack = redactStack(error, message);
  if (error.cause instanceof Error && !seen.has(error.cause)) copy.cause = withoutQueryValues(error.cause, seen);
  else if (error.cause !== undefined && !(error.cause instanceof Error)) copy.cause = error.cause;
  if (error instanceof AggregateError)
    copy.errors = error.errors.map((inner: unknown) => (inner instanceof Error && !seen.has(inner) ? withoutQueryValues(inner, seen) : inner));
  return copy;
}

/** The database's own error in `error`'s chain (mysql2 sets `sqlState`), or undefined. */
function databaseErrorOf(error: Error): { code: unknown; errno: unknown; sqlState: unknown } | undefined {
  const seen = new Set<unknown>();
  for (let current: unknown = error; current instanceof Error && !seen.has(current); current = current.cause) {
    seen.add(current);
    const { code, errno, sqlState } = current as Error & { code?: unknown; errno?: unknown; sqlState?: unknown };
    if (typeof sqlState === 'string') return { code, errno, sqlState };
  }
  return undefined;
}

/**
 * pino's serializer for `err`, the one field every error is logged under: the standard
 * serializer (which folds causes' messages and stacks into the line) on a copy that holds
 * no query values, so no statement's data (password hashes, emails, message text) reaches a
 * log. The database's error code is lifted to `err.database`, wherever it sits in the chain.
 */
export function serializeLoggedError(value: unknown): unknown {
  if (!(value instanceof Error)) return stdSerializers.err(value as Error);
  const serialized = stdSerializers.err(withoutQueryValues(value)) as unknown as Record<string, unknown>;
  const database = databaseErrorOf(value);
  if (database) serialized.database = database;
  return serialized;
}

/** The serializers every Chorus logger uses. */
export const logSerializers = { err: serializeLoggedError };
