export interface Config {
  /** Configuration of the self-service plugin. */
  selfService?: {
    /**
     * Named secrets for workflow requests, used as `{{secrets.NAME}}`, so
     * credentials never live in the database. Every value is redacted
     * wherever it appears in stored requests, responses and errors, so each
     * must be at least 8 characters long; a shorter one stops the backend
     * with the secret named.
     * @deepVisibility secret
     */
    secrets?: { [name: string]: string };
    /**
     * Workflows published from configuration, in the same shape as the
     * `POST /workflows` body. Each is created at start-up, or given a new
     * revision when it changed; invalid ones stop the backend with the field
     * named. They are managed here: the API refuses to edit or delete them,
     * and start-up stops rather than take over a workflow of the same
     * identifier that someone published through the API. One removed from
     * this list stays, and can then be edited and deleted through the API.
     */
    workflows?: Array<{ [key: string]: unknown }>;
    /** Catalog entities that runs create (`POST /runs/{id}/entities`). */
    catalog?: {
      /**
       * Kinds of entities runs may create, as the catalog spells them;
       * default Component, Resource and System. Others get 400.
       */
      allowedKinds?: string[];
    };
    /** The callback endpoints (`/runs/{id}/messages`, `/links`, `/status`). */
    callbacks?: {
      /**
       * Service principals that may post to runs with Backstage credentials
       * instead of the run's own token, by their subject: `plugin:<pluginId>`
       * for backend plugins, the `subject` configured for a static external
       * access token (`backend.auth.externalAccess`), `external:<sub>` for
       * JWKS tokens. The policy must also allow them `self-service.run.update`.
       *
       * Unset or empty, no service credentials are accepted on callbacks:
       * Backstage's permission framework allows every service principal
       * without access restrictions, so without this list any plugin or
       * external access token could report any run's status.
       */
      allowedServices?: string[];
      /**
       * The most messages and links that callbacks may post to one run, a
       * whole number from 10 to 100000; default 500. Once a run holds that
       * many, `/messages` and `/links` answer 409 and store nothing, while
       * `/status` still takes the run's final status. It bounds what a
       * holder of a run's token can add to the run's timeline before the
       * run's deadline.
       */
      maxEventsPerRun?: number;
    };
    /** Standard Webhooks signatures on the requests of runs. */
    signing?: {
      /**
       * Signing keys by name; a workflow names one in `delivery.signingKey`.
       * Each is a `whsec_` secret (base64 of at least 24 random bytes), or a
       * list of them while rotating: a request then carries one signature
       * per secret, so receivers holding either verify it. Never stored in
       * the database, and redacted wherever they would appear.
       * @deepVisibility secret
       */
      keys?: { [name: string]: string | string[] };
    };
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
      /**
       * Exceptions to where requests are refused by default. Without one, a
       * request may only go to a public address: loopback, private
       * (RFC 1918), link-local, carrier-grade NAT, unique-local, multicast
       * and reserved addresses are refused, in every spelling (`127.1`,
       * `0x7f000001`, `::ffff:127.0.0.1`), both when a workflow is saved
       * (its URL's host) and for every address actually connected to, after
       * DNS.
       *
       * Each entry is a host name (`ci.internal`, any port), a host name and
       * port (`localhost:7008`), every name below a domain
       * (`*.corp.example.com`), an address (`10.1.2.3`, `10.1.2.3:8080`,
       * `fd00::1`, `[fd00::1]:8080`) or a network (`10.0.0.0/8`,
       * `fd00::/8`). An allowed name is trusted wherever it resolves; an
       * address only within an allowed network. An invalid entry stops the
       * backend, naming it.
       *
       * Never allowed, whatever the entries: cloud metadata services
       * (169.254.169.254, metadata.google.internal and the like) and this
       * backend itself (the host and port of `backend.baseUrl`, and its
       * listen port on this machine's addresses).
       */
      allowedHosts?: string[];
    };
  };
}
