export interface Config {
  app?: {
    /** The local sign-in page of this app (development only). */
    devSignIn?: {
      /**
       * Example users a person may sign in as, signed in by the backend's
       * `dev-users` provider, which exists only in development.
       * @visibility frontend
       */
      users?: Array<{
        /** The User entity's name in the default namespace. @visibility frontend */
        name: string;
        /** What the sign-in page shows. @visibility frontend */
        title: string;
      }>;
    };
  };
}
