import { describe, expect, it } from 'vitest';
import { mroongaEngine } from './mroonga';
import { parseQuery } from './query';

/** The scripts inside each `against ('…')`, as the server receives them after unescaping the SQL string. */
const scripts = (sql: string) =>
  [...sql.matchAll(/match\(s\.body\) against \('((?:[^'\\]|\\.)*)' in boolean mode\)/g)].map((match) => match[1]!.replace(/\\(.)/g, '$1'));

describe('mroongaEngine.chatQuery', () => {
  it('puts terms and filters into one script-syntax MATCH per part: open conversations together, each floored one alone', () => {
    const sql = mroongaEngine.chatQuery(
      parseQuery('北京 "new york" -spam'),
      {
        scope: [
          { conversationId: 3, floor: 0 },
          { conversationId: 9, floor: 120 },
          { conversationId: 4, floor: 0 },
        ],
        fromUserId: 7,
        kind: 'text',
        hasAttachment: false,
        beforeMs: 2000,
        afterMs: 1000,
        beforeId: 555,
      },
      21,
    );
    const common =
      '*SS query("body", "\\"北京\\" \\"new york\\" -\\"spam\\"") && sender_id == 7 && kind == "text" && has_attachment == 0 && created_ms < 2000 && created_ms > 1000 && message_id < 555';
    expect(scripts(sql)).toEqual([`${common} && in_values(conversation_id, 3, 4)`, `${common} && conversation_id == 9 && message_id > 120`]);
    expect(sql).toMatch(/^\(select .* order by s\.message_id desc limit 21\) union all \(select .* limit 21\) order by id desc limit 21$/s);
  });

  it('with loose floors, searches floored conversations in the same part; leaves out those with nothing visible below the cursor', () => {
    const scope = [
      { conversationId: 3, floor: 0 },
      { conversationId: 9, floor: 120 },
      { conversationId: 4, floor: 0 },
    ];
    expect(scripts(mroongaEngine.chatQuery(parseQuery('x'), { scope, looseFloors: true }, 5))).toEqual([
      '*SS query("body", "\\"x\\"") && in_values(conversation_id, 3, 9, 4)',
    ]);
    // Below id 121 conversation 9 shows nothing: no part for it, loose or not.
    for (const looseFloors of [false, true])
      expect(scripts(mroongaEngine.chatQuery(parseQuery('x'), { scope, looseFloors, beforeId: 121 }, 5))).toEqual([
        '*SS query("body", "\\"x\\"") && message_id < 121 && in_values(conversation_id, 3, 4)',
      ]);
    expect(scripts(mroongaEngine.chatQuery(parseQuery('x'), { scope, beforeId: 122 }, 5))).toHaveLength(2);
  });

  it('is a single SELECT when the scope is one part, and splits long conversation lists', () => {
    const one = mroongaEngine.chatQuery(parseQuery('x'), { scope: [{ conversationId: 1, floor: 0 }] }, 5);
    expect(one).not.toContain('union');
    expect(scripts(one)).toEqual(['*SS query("body", "\\"x\\"") && in_values(conversation_id, 1)']);
    const many = Array.from({ length: 1200 }, (_, i) => ({ conversationId: i + 1, floor: 0 }));
    expect(scripts(mroongaEngine.chatQuery(parseQuery('x'), { scope: many }, 5))).toHaveLength(3);
  });

  it('escapes quotes and backslashes at both levels, so user text never leaves its string', () => {
    const sql = mroongaEngine.chatQuery(parseQuery('a\\b" x'), { scope: [{ conversationId: 1, floor: 0 }] }, 5);
    // Terms: `a\b` and `x`; in query syntax "a\\b" "x"; as a script string each \ and " escaped again.
    expect(scripts(sql)).toEqual(['*SS query("body", "\\"a\\\\\\\\b\\" \\"x\\"") && in_values(conversation_id, 1)']);
  });
});
