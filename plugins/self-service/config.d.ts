export interface Config {
  /** Configuration of the self-service plugin. */
  selfService?: {
    /** How the run page renders the markdown of callback messages. */
    markdown?: {
      /**
       * Hosts that images in messages may load from, by name
       * (`images.example.com`, any port) or name and port
       * (`images.example.com:8443`); no wildcards. An image loads in the
       * browser of everyone who opens the run, which tells its host who
       * looked and when, so images from other hosts are shown as links to
       * them instead. Unset or empty, no image in a message is loaded.
       * @visibility frontend
       * @deepVisibility frontend
       */
      allowedImageHosts?: string[];
    };
  };
}
