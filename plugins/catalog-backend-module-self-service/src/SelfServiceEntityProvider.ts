import {
  AuthService,
  DiscoveryService,
  LoggerService,
} from '@backstage/backend-plugin-api';
import { Entity, stringifyEntityRef } from '@backstage/catalog-model';
import {
  DeferredEntity,
  EntityProvider,
  EntityProviderConnection,
} from '@backstage/plugin-catalog-node';

/** The plugin ID of the self-service backend, which serves the entities. */
const SELF_SERVICE_PLUGIN_ID = 'self-service';
const LOCATION_KEY_PREFIX = 'self-service:';
const DEFAULT_FULL_EVERY_MS = 10 * 60 * 1000;
const DEFAULT_REQUEST_TIMEOUT_MS = 20 * 1000;

/**
 * A span of time, as the sum of its parts.
 *
 * @public
 */
export type SelfServiceEntityProviderDuration = {
  hours?: number;
  minutes?: number;
  seconds?: number;
  milliseconds?: number;
};

/**
 * Options of {@link SelfServiceEntityProvider}.
 *
 * @public
 */
export type SelfServiceEntityProviderOptions = {
  discovery: DiscoveryService;
  auth: AuthService;
  logger: LoggerService;
  /**
   * How long after a full read the next refresh reads everything again
   * instead of the changes, to heal whatever a lost delta left behind.
   * Default 10 minutes.
   */
  fullEvery?: SelfServiceEntityProviderDuration;
  /** The time to wait for the self-service backend's answer; default 20 seconds. */
  requestTimeout?: SelfServiceEntityProviderDuration;
  /** The current time in milliseconds; `Date.now` unless given (for tests). */
  now?: () => number;
};

type EntitiesPage = {
  entities: Entity[];
  removed: string[];
  cursor: string;
  full: boolean;
};

function toMilliseconds(
  duration: SelfServiceEntityProviderDuration | undefined,
  fallback: number,
): number {
  if (!duration) {
    return fallback;
  }
  return (
    (duration.hours ?? 0) * 3_600_000 +
    (duration.minutes ?? 0) * 60_000 +
    (duration.seconds ?? 0) * 1_000 +
    (duration.milliseconds ?? 0)
  );
}

function errorMessage(error: unknown): string {
  if (error instanceof Error) {
    // fetch reports network failures as "fetch failed" with the reason in `cause`.
    const cause = (error as { cause?: unknown }).cause;
    return cause instanceof Error
      ? `${error.message}: ${cause.message}`
      : error.message;
  }
  return String(error);
}

function isEntitiesPage(value: unknown): value is EntitiesPage {
  if (typeof value !== 'object' || value === null) {
    return false;
  }
  const page = value as Record<string, unknown>;
  return (
    Array.isArray(page.entities) &&
    Array.isArray(page.removed) &&
    page.removed.every(ref => typeof ref === 'string') &&
    typeof page.cursor === 'string' &&
    typeof page.full === 'boolean'
  );
}

function isEntity(value: unknown): value is Entity {
  if (typeof value !== 'object' || value === null) {
    return false;
  }
  const entity = value as { kind?: unknown; metadata?: unknown };
  const metadata = entity.metadata as
    | { name?: unknown; namespace?: unknown }
    | undefined;
  return (
    typeof entity.kind === 'string' &&
    typeof metadata === 'object' &&
    metadata !== null &&
    typeof metadata.name === 'string' &&
    (metadata.namespace === undefined || typeof metadata.namespace === 'string')
  );
}

/**
 * Publishes in the catalog the entities that Self-Service runs created.
 *
 * Each {@link SelfServiceEntityProvider.refresh} reads
 * `GET /catalog/entities` of the self-service backend: everything the first
 * time (a full mutation), then the changes since the cursor it was given
 * (delta mutations), and everything again every `fullEvery`. A failed read
 * keeps the cursor, so the next refresh asks again from the same point.
 *
 * @public
 */
export class SelfServiceEntityProvider implements EntityProvider {
  readonly #discovery: DiscoveryService;
  readonly #auth: AuthService;
  readonly #logger: LoggerService;
  readonly #fullEveryMs: number;
  readonly #requestTimeoutMs: number;
  readonly #now: () => number;

  #connection?: EntityProviderConnection;
  #cursor?: string;
  #lastFullAt?: number;
  #inFlight?: Promise<void>;

  constructor(options: SelfServiceEntityProviderOptions) {
    this.#discovery = options.discovery;
    this.#auth = options.auth;
    this.#logger = options.logger;
    this.#fullEveryMs = toMilliseconds(
      options.fullEvery,
      DEFAULT_FULL_EVERY_MS,
    );
    this.#requestTimeoutMs = toMilliseconds(
      options.requestTimeout,
      DEFAULT_REQUEST_TIMEOUT_MS,
    );
    this.#now = options.now ?? Date.now;
  }

  /** {@inheritdoc @backstage/plugin-catalog-node#EntityProvider.getProviderName} */
  getProviderName(): string {
    return 'self-service';
  }

  /** {@inheritdoc @backstage/plugin-catalog-node#EntityProvider.connect} */
  async connect(connection: EntityProviderConnection): Promise<void> {
    this.#connection = connection;
  }

  /**
   * Reads the self-service backend once and applies what it answered to the
   * catalog. Never throws: failures are logged as warnings. Calls made while
   * one is running share it.
   */
  refresh(options?: { signal?: AbortSignal }): Promise<void> {
    if (!this.#inFlight) {
      this.#inFlight = this.#refresh(options?.signal).finally(() => {
        this.#inFlight = undefined;
      });
    }
    return this.#inFlight;
  }

  async #refresh(signal: AbortSignal | undefined): Promise<void> {
    const connection = this.#connection;
    if (!connection) {
      this.#logger.debug(
        'Self-Service entities not read: the catalog has not connected the provider yet',
      );
      return;
    }

    const startedAt = this.#now();
    const wantFull =
      this.#cursor === undefined ||
      this.#lastFullAt === undefined ||
      startedAt - this.#lastFullAt >= this.#fullEveryMs;
    const after = wantFull ? undefined : this.#cursor;

    const page = await this.#read(after, signal);
    if (!page) {
      return; // Logged; the cursor stays for the next refresh.
    }

    const entities = page.entities.filter(entity => {
      if (isEntity(entity)) {
        return true;
      }
      this.#logger.warn(
        'Self-Service entities: skipped an entity without a kind and a metadata.name',
      );
      return false;
    });

    try {
      if (page.full) {
        await connection.applyMutation({
          type: 'full',
          entities: entities.map(toDeferredEntity),
        });
        this.#lastFullAt = startedAt;
      } else if (entities.length > 0 || page.removed.length > 0) {
        await connection.applyMutation({
          type: 'delta',
          added: entities.map(toDeferredEntity),
          removed: page.removed.map(entityRef => ({
            entityRef,
            locationKey: `${LOCATION_KEY_PREFIX}${entityRef}`,
          })),
        });
      }
    } catch (error) {
      this.#logger.warn(
        `Self-Service entities not applied to the catalog, will retry: ${errorMessage(
          error,
        )}`,
      );
      return;
    }
    this.#cursor = page.cursor;
  }

  /** One read of the contract; undefined (after a warning) when it failed. */
  async #read(
    after: string | undefined,
    signal: AbortSignal | undefined,
  ): Promise<EntitiesPage | undefined> {
    const what = after === undefined ? 'full read' : 'read of changes';
    let response: Response;
    try {
      const baseUrl = await this.#discovery.getBaseUrl(SELF_SERVICE_PLUGIN_ID);
      const { token } = await this.#auth.getPluginRequestToken({
        onBehalfOf: await this.#auth.getOwnServiceCredentials(),
        targetPluginId: SELF_SERVICE_PLUGIN_ID,
      });
      const url = new URL(`${baseUrl}/catalog/entities`);
      if (after !== undefined) {
        url.searchParams.set('after', after);
      }
      const timeout = AbortSignal.timeout(this.#requestTimeoutMs);
      response = await fetch(url, {
        headers: {
          Authorization: `Bearer ${token}`,
          Accept: 'application/json',
        },
        signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
      });
    } catch (error) {
      this.#logger.warn(
        `Self-Service entities: ${what} failed, will retry: ${errorMessage(
          error,
        )}`,
      );
      return undefined;
    }

    if (!response.ok) {
      // Drain the body so that the connection can be reused.
      await response.text().catch(() => undefined);
      this.#logger.warn(
        `Self-Service entities: ${what} failed with HTTP ${response.status} ${response.statusText}, will retry`,
      );
      return undefined;
    }

    let body: unknown;
    try {
      body = await response.json();
    } catch (error) {
      this.#logger.warn(
        `Self-Service entities: ${what} answered HTTP ${
          response.status
        } with invalid JSON, will retry: ${errorMessage(error)}`,
      );
      return undefined;
    }
    if (!isEntitiesPage(body)) {
      this.#logger.warn(
        `Self-Service entities: ${what} answered HTTP ${response.status} without entities, removed, cursor and full, will retry`,
      );
      return undefined;
    }
    return body;
  }
}

function toDeferredEntity(entity: Entity): DeferredEntity {
  return {
    entity,
    locationKey: `${LOCATION_KEY_PREFIX}${stringifyEntityRef(entity)}`,
  };
}
