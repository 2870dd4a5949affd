/**
 * A catalog backend module that publishes the entities created by
 * Self-Service runs, read from the self-service backend plugin.
 *
 * @packageDocumentation
 */

export { catalogModuleSelfServiceEntities as default } from './module';
export { SelfServiceEntityProvider } from './SelfServiceEntityProvider';
export type {
  SelfServiceEntityProviderDuration,
  SelfServiceEntityProviderOptions,
} from './SelfServiceEntityProvider';
