/**
 * Isomorphic types and permissions of Backstage Self-Service.
 *
 * @packageDocumentation
 */

export * from './permissions';
export * from './types';
export * from './workflowSearch';
export * from './steps';
export * from './stepGraph';
export * from './runEntities';
