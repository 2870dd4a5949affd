export interface Config {
  /** Configuration of the self-service plugin. */
  selfService?: {
    /** The catalog module that publishes the entities created by runs. */
    catalog?: {
      /**
       * How often, in seconds, each backend replica asks the self-service
       * backend for entities added, changed or removed since its last read;
       * a positive number, default 3.
       * @visibility backend
       */
      refreshIntervalSeconds?: number;
    };
  };
}
