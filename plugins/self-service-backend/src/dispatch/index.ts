export { renderRequest } from './renderRequest';
export type { RenderedRequest } from './renderRequest';
export {
  isSecretKey,
  REDACTED,
  Redactor,
  SECRET_HEADER_KEY_SUBSTRINGS,
} from './redact';
export { HttpRequestDispatcher } from './RequestDispatcher';
export type {
  DispatchAttempt,
  DispatchOptions,
  RequestDispatcher,
} from './RequestDispatcher';
export type { DispatchErrorKind } from './dispatchErrors';
export { truncateUtf8 } from './readBodyUpTo';
