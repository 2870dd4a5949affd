/**
 * Backend-only APIs of Backstage Self-Service, for policy authors and
 * backend modules.
 *
 * @packageDocumentation
 */

export * from './resources';
export * from './extensions';
