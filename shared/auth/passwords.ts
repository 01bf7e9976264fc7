import bcrypt from 'bcryptjs';
import { authConfig } from './auth-config.js';

export const hashPassword = (password: string): Promise<string> => bcrypt.hash(password, authConfig.BCRYPT_COST);

export const verifyPassword = (password: string, hash: string): Promise<boolean> => bcrypt.compare(password, hash);

let dummyHash: Promise<string> | undefined;
/**
 * Spends the same bcrypt time as a real check, so an unknown email answers exactly like a
 * wrong password, in time as well as in content.
 */
export async function burnPasswordCheck(password: string): Promise<false> {
  dummyHash ??= bcrypt.hash('not-a-real-password', authConfig.BCRYPT_COST);
  await bcrypt.compare(password, await dummyHash);
  return false;
}
