/**
 * Backend-only APIs of Backstage Self-Service, for permission policy authors
 * and backend modules.
 *
 * @packageDocumentation
 */

export * from './resources';
export * from './rules';
export * from './conditions';
export * from './extensions';
