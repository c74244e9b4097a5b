import { describe, expect, it } from 'vitest';
import { mroongaEngine } from './mroonga';
import { parseQuery } from './query';

/** The script inside `against ('…')`, as the server receives it after unescaping the SQL string. */
const script = (sql: string) => {
  const match = /^match\(s\.body\) against \('(.*)' in boolean mode\)$/s.exec(sql);
  return match![1]!.replace(/\\(.)/g, '$1');
};

describe('mroongaEngine.chatCondition', () => {
  it('puts terms, scope with floors and filters into one script-syntax MATCH', () => {
    const sql = mroongaEngine.chatCondition(parseQuery('北京 "new york" -spam'), {
      scope: [
        { conversationId: 3, floor: 0 },
        { conversationId: 9, floor: 120 },
      ],
      fromUserId: 7,
      kind: 'text',
      hasAttachment: false,
      beforeMs: 2000,
      afterMs: 1000,
      beforeId: 55,
    });
    expect(script(sql)).toBe(
      '*SS query("body", "\\"北京\\" \\"new york\\" -\\"spam\\"") && (scope @ "c3" || (scope @ "c9" && message_id > 120)) && sender_id == 7 && kind == "text" && has_attachment == 0 && created_ms < 2000 && created_ms > 1000 && message_id < 55',
    );
  });

  it('escapes quotes and backslashes at both levels, so user text never leaves its string', () => {
    const sql = mroongaEngine.chatCondition(parseQuery('a\\b" x'), { scope: [{ conversationId: 1, floor: 0 }] });
    // Terms: `a\b` and `x`; in query syntax "a\\b" "x"; as a script string each \ and " escaped again.
    expect(script(sql)).toBe('*SS query("body", "\\"a\\\\\\\\b\\" \\"x\\"") && (scope @ "c1")');
  });
});
