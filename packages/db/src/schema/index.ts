// One file per domain; every table the application uses is re-exported here so that
// drizzle-kit and the relational query builder see the whole schema.
export * from './users';
export * from './sessions';
export * from './verification-codes';
export * from './login-attempts';
export * from './mail-outbox';
export * from './friends';
export * from './chat';
export * from './notifications';
export * from './rooms';
export * from './ai';
export * from './files';
export * from './calls';
export * from './pins';
export * from './link-preview';
export * from './threads';
export * from './search';
export * from './push';
export * from './event-archive';
