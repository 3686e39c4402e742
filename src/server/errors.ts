import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { ErrorBody, ErrorCode } from '../shared/protocol/errors';

/** A refusal the client is meant to read: thrown anywhere in a handler, answered by the app's error handler. */
export class ApiError extends Error {
  constructor(
    readonly status: ContentfulStatusCode,
    readonly code: ErrorCode,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export function errorBody(code: ErrorCode, message: string): ErrorBody {
  return { error: { code, message } };
}

export const notReady = (why: string) => new ApiError(503, 'not_ready', why, { 'Retry-After': '1' });

export const invalidRequest = (message: string) => new ApiError(400, 'invalid_request', message);

export const unauthenticated = () => new ApiError(401, 'unauthenticated', 'Please sign in.');

export const invalidCredentials = () =>
  new ApiError(401, 'invalid_credentials', 'That account name and password do not match.');

/** For account names and community names alike: the person choosing one may hear it is taken. */
export const nameUnavailable = (what: 'account name' | 'community name') =>
  new ApiError(409, 'name_unavailable', `That ${what} is not available. Please choose another.`);

export const nameAlreadySet = () =>
  new ApiError(409, 'name_already_set', 'Your community name is already set and can never be changed.');

/**
 * One answer for "not there" and "not yours", so ids and names cannot be probed: an invite someone else
 * holds reads exactly like one that never existed.
 */
export const notFound = (what: 'invite' | 'ring member' | 'message') =>
  new ApiError(404, 'not_found', `There is no such ${what}.`);

export const termsRequired = () => new ApiError(409, 'terms_required', 'Accept the terms before inviting.');

export const nameRequired = (before: 'inviting' | 'sending' = 'inviting') =>
  new ApiError(409, 'name_required', `Choose your community name in Settings before ${before}.`);

export const keyChanged = () =>
  new ApiError(
    409,
    'key_changed',
    "The inviter's key has changed since you looked. Compare fingerprints again.",
  );

export const pinsConflict = () =>
  new ApiError(409, 'pins_conflict', 'Your pins changed in another browser. Reload and try again.');

export const starsFull = (max: number) =>
  new ApiError(409, 'stars_full', `You can star at most ${max} messages. Unstar one to free a slot.`);

export const contentGone = () =>
  new ApiError(409, 'content_gone', 'This message’s content has been destroyed, so it cannot be starred.');

/** "15 minutes", "1 hour", "40 seconds": how long to wait, as a person would say it. */
export function humanDuration(seconds: number): string {
  const plural = (count: number, unit: string) => `${count} ${unit}${count === 1 ? '' : 's'}`;
  if (seconds < 60) return plural(Math.max(1, Math.ceil(seconds)), 'second');
  if (seconds < 3_600) return plural(Math.ceil(seconds / 60), 'minute');
  return plural(Math.ceil(seconds / 3_600), 'hour');
}

export const rateLimited = (retryAfterSeconds: number, subject = '') =>
  new ApiError(
    429,
    'rate_limited',
    `Too many attempts${subject ? ` ${subject}` : ''}. Try again in ${humanDuration(retryAfterSeconds)}.`,
    { 'Retry-After': String(retryAfterSeconds) },
  );
