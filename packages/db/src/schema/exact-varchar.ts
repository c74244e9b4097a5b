import { customType } from 'drizzle-orm/mysql-core';

/**
 * A varchar compared byte for byte (`utf8mb4_bin`). The database's default collation,
 * `utf8mb4_unicode_ci`, ignores case and weighs every emoji the same, so under it "👍" equals
 * "🎉" and "abc" equals "ABC": wrong for keys that must match exactly, like reaction emoji and
 * idempotency keys. (Trailing spaces still compare equal; such inputs are trimmed.)
 */
export const exactVarchar = customType<{ data: string; driverData: string; config: { length: number }; configRequired: true }>({
  dataType: (config) => `varchar(${config.length}) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin`,
});
