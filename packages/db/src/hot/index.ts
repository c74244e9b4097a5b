/**
 * Hot paths: the statements that run on nearly every chat call, written as SQL text because
 * the query builder's cost showed in profiles (each file says where). Every statement written
 * as SQL text lives here, beside the readers that map its rows exactly as the query builder
 * would; the rules it applies (membership of a live conversation, blocks) are the same
 * query-builder conditions the services use (rules.ts), rendered into the text once. Tests:
 * the *.int.test.ts files beside them, on the test run's MariaDB.
 */
export { beginMessageBatch, insertEventsAndCommit, insertMessages, rollbackBatch, type BatchStart, type WriterStanding } from './message-batch';
export { readMembership, readMemberships, type MembershipRow } from './membership';
export { readMessagePage, type PageMessage, type ReactionPair } from './message-page';
export { columnsReader, queryArrays, tableReader, type TableReader } from './row-reader';
export { blockBetween, blockedBy, liveConversation, ruleText } from './rules';
export { insertRowsSql, sqlText } from './sql-text';
