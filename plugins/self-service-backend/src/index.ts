/**
 * Backend of Backstage Self-Service.
 *
 * @packageDocumentation
 */

export { selfServicePlugin as default } from './plugin';
