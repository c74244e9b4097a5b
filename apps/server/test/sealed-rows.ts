import type { TestDatabase } from '@chorus/testing';
import type { SQL } from 'drizzle-orm';

/** Rows of a raw query, as the driver gives them. */
export async function rows(db: TestDatabase['db'], query: SQL): Promise<Array<Record<string, unknown>>> {
  const [result] = await db.execute(query);
  return result as unknown as Array<Record<string, unknown>>;
}

/** Every column as text, buffers in every encoding they could be read in. */
export function dump(table: Array<Record<string, unknown>>): string {
  const cell = (value: unknown) =>
    Buffer.isBuffer(value)
      ? `${value.toString('utf8')} ${value.toString('base64')} ${value.toString('hex')}`
      : value instanceof Date
        ? value.toISOString()
        : typeof value === 'object' && value !== null
          ? JSON.stringify(value)
          : String(value);
  return table.map((row) => Object.values(row).map(cell).join(' | ')).join('\n');
}
