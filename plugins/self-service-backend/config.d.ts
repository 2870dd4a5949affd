export interface Config {
  /** Configuration of the self-service plugin. */
  selfService?: {
    /**
     * Named secrets for workflow requests, used as `{{secrets.NAME}}`, so
     * credentials never live in the database. Every value is redacted
     * wherever it appears in stored requests, responses and errors.
     * @visibility secret
     */
    secrets?: { [name: string]: string };
  };
}
