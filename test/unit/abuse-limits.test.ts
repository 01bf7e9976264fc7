import { describe, expect, it, vi } from 'vitest';
import { ABUSE_LIMIT_VARIABLES } from '../../shared/auth/abuse-limits.js';
import { readConfig } from '../../shared/config.js';

const read = (env: Record<string, string>) => readConfig(ABUSE_LIMIT_VARIABLES, env);

describe('abuse limit configuration (issue 11 item 4)', () => {
  it('has production defaults when nothing is set', () => {
    expect(read({})).toEqual({
      RATE_LIMIT_REGISTER_PER_IP: { limit: 20, windowSeconds: 3600 },
      RATE_LIMIT_REGISTER_PER_EMAIL: { limit: 5, windowSeconds: 3600 },
      RATE_LIMIT_LOGIN_PER_IP: { limit: 100, windowSeconds: 900 },
      RATE_LIMIT_FORGOT_PASSWORD_PER_IP: { limit: 20, windowSeconds: 3600 },
      RATE_LIMIT_FORGOT_PASSWORD_PER_EMAIL: { limit: 3, windowSeconds: 3600 },
      RATE_LIMIT_RESET_PASSWORD_PER_IP: { limit: 20, windowSeconds: 3600 },
      RATE_LIMIT_RESET_PASSWORD_PER_ACCOUNT: { limit: 5, windowSeconds: 3600 },
      RATE_LIMIT_PASSWORD_CHECK_PER_USER: { limit: 5, windowSeconds: 900 },
    });
  });

  it('reads <limit>/<window seconds> and names a bad variable at init', () => {
    expect(read({ RATE_LIMIT_LOGIN_PER_IP: ' 7/60 ' }).RATE_LIMIT_LOGIN_PER_IP).toEqual({ limit: 7, windowSeconds: 60 });
    expect(() => read({ RATE_LIMIT_LOGIN_PER_IP: '100 per minute' })).toThrow(/RATE_LIMIT_LOGIN_PER_IP: must be <limit>\/<window seconds>/);
    expect(() => read({ RATE_LIMIT_REGISTER_PER_IP: '0/60' })).toThrow(/RATE_LIMIT_REGISTER_PER_IP/);
    expect(() => read({ RATE_LIMIT_REGISTER_PER_IP: '5/999999' })).toThrow(/RATE_LIMIT_REGISTER_PER_IP/);
  });

  it('the login lockout takes its budget from RATE_LIMIT_LOGIN_PER_ACCOUNT (5 checks per 15 minutes unless set)', async () => {
    vi.resetModules();
    const defaults = await import('../../shared/auth/lockout.js');
    expect([defaults.MAX_ATTEMPTS, defaults.WINDOW_MS]).toEqual([5, 900_000]);
    vi.stubEnv('RATE_LIMIT_LOGIN_PER_ACCOUNT', '3/60');
    vi.resetModules();
    const configured = await import('../../shared/auth/lockout.js');
    expect([configured.MAX_ATTEMPTS, configured.WINDOW_MS]).toEqual([3, 60_000]);
    vi.unstubAllEnvs();
  });
});
