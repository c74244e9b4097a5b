import type { Db } from '@chorus/db';
import { aiConfigs } from '@chorus/db';
import { and, eq, gt, ne } from 'drizzle-orm';
import type { KeyVault } from '../security/key-vault';
import { keyContext } from '../providers/providers';

/**
 * Re-seals every stored provider key that is not under the vault's current key (after a new
 * key was put first in AI_ENCRYPTION_KEYS). Safe to run twice or while the server runs: a
 * row is rewritten only if it still holds the ciphertext that was read.
 */
export async function rotateProviderKeys(db: Db, vault: KeyVault, batchSize = 200): Promise<{ rotated: number }> {
  let rotated = 0;
  let afterId = 0;
  for (;;) {
    const rows = await db
      .select({ id: aiConfigs.id, userId: aiConfigs.userId, apiKeySealed: aiConfigs.apiKeySealed, apiKeyVersion: aiConfigs.apiKeyVersion })
      .from(aiConfigs)
      .where(and(ne(aiConfigs.apiKeyVersion, vault.currentVersion), gt(aiConfigs.id, afterId)))
      .orderBy(aiConfigs.id)
      .limit(batchSize);
    for (const row of rows) {
      const plaintext = vault.open({ ciphertext: row.apiKeySealed, keyVersion: row.apiKeyVersion }, keyContext(row.userId));
      const sealed = vault.seal(plaintext, keyContext(row.userId));
      const [result] = await db
        .update(aiConfigs)
        .set({ apiKeySealed: sealed.ciphertext, apiKeyVersion: sealed.keyVersion })
        .where(and(eq(aiConfigs.id, row.id), eq(aiConfigs.apiKeySealed, row.apiKeySealed)));
      rotated += result.affectedRows;
    }
    if (rows.length < batchSize) return { rotated };
    afterId = rows.at(-1)!.id;
  }
}
