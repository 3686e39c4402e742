/**
 * The rate settings, as environment variables, that a load of real traffic from one address would hit:
 * lifted for the bench and the crash runs, which measure delivery, not the limiter.
 */
export const UNLIMITED_RATES = {
  RINGPOST_RATE_SEND: '1000000/1m',
  RINGPOST_RATE_SIGNUP_ADDRESS: '1000000/1h',
  RINGPOST_RATE_SIGNIN_ADDRESS: '1000000/1h',
  RINGPOST_RATE_CLAIM_NAME_ADDRESS: '1000000/1h',
  RINGPOST_RATE_CLAIM_NAME: '1000000/1h',
  RINGPOST_RATE_INVITE: '1000000/1h',
} as const;
