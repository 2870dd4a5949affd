export interface Config {
  /** Configuration of the self-service plugin. */
  selfService?: {
    /**
     * Named secrets for workflow requests, used as `{{secrets.NAME}}`, so
     * credentials never live in the database. Every value is redacted
     * wherever it appears in stored requests, responses and errors.
     * @deepVisibility secret
     */
    secrets?: { [name: string]: string };
    /**
     * Workflows published from configuration, in the same shape as the
     * `POST /workflows` body. Each is created at start-up, or given a new
     * revision when it changed; invalid ones stop the backend with the field
     * named.
     */
    workflows?: Array<{ [key: string]: unknown }>;
    /** The outgoing HTTP request of a run. */
    request?: {
      /**
       * Seconds a request may take before the run fails with a timeout.
       * Default 30, at most 300.
       */
      timeoutSeconds?: number;
      /**
       * Response bodies are recorded up to this many bytes (default 65536);
       * the rest is cut off and marked as truncated.
       */
      maxResponseBodyBytes?: number;
    };
  };
}
