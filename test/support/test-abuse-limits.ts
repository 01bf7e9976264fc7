/**
 * The integration and e2e suites sign up and sign in hundreds of users from one address
 * (127.0.0.1), register one email 20 times at once and change one user's password 40 times at
 * once: they run with these generous abuse limits (production defaults and the variables:
 * shared/auth/abuse-limits.ts, README "Abuse limits"). test/integration/abuse-limits.test.ts
 * sets small values of its own and checks every limit.
 */
export const generousAbuseLimits: Record<string, string> = {
  RATE_LIMIT_REGISTER_PER_IP: '1000000/60',
  RATE_LIMIT_REGISTER_PER_EMAIL: '1000/60',
  RATE_LIMIT_LOGIN_PER_IP: '1000000/60',
  RATE_LIMIT_FORGOT_PASSWORD_PER_IP: '1000000/60',
  RATE_LIMIT_FORGOT_PASSWORD_PER_EMAIL: '1000/60',
  RATE_LIMIT_RESET_PASSWORD_PER_IP: '1000000/60',
  RATE_LIMIT_RESET_PASSWORD_PER_ACCOUNT: '1000/60',
  RATE_LIMIT_PASSWORD_CHECK_PER_USER: '1000/60',
};
