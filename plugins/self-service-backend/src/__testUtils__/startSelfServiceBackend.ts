import {
  coreServices,
  type AuditorServiceCreateEventOptions,
  type BackendFeature,
  createServiceFactory,
  type BackstageCredentials,
  type BackstageUserPrincipal,
  type PermissionsService,
} from '@backstage/backend-plugin-api';
import {
  mockCredentials,
  mockServices,
  startTestBackend,
} from '@backstage/backend-test-utils';
import type { Entity } from '@backstage/catalog-model';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import {
  notificationService,
  type NotificationSendOptions,
} from '@backstage/plugin-notifications-node';
import {
  signalsServiceRef,
  type SignalPayload,
} from '@backstage/plugin-signals-node';
import type { JsonObject } from '@backstage/types';
import type { Knex } from 'knex';
import request from 'supertest';
import { selfServicePlugin } from '../plugin';
import { closingDatabaseServiceFactory } from './closingDatabaseServiceFactory';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import { selfServiceRunUpdatePermission } from '@backstage-self-service/plugin-self-service-common';

/** The example organisation: who belongs to which team. */
export const memberships: Record<string, string[]> = {
  'user:default/ada': ['group:default/platform-team'],
  'user:default/alan': ['group:default/platform-team'],
  'user:default/grace': ['group:default/payments-team'],
  'user:default/margaret': ['group:default/payments-team'],
  'user:default/linus': ['group:default/web-team'],
};

function owned(
  kind: string,
  name: string,
  owner: string,
  spec: Record<string, unknown>,
  title?: string,
): Entity {
  return {
    apiVersion: 'backstage.io/v1alpha1',
    kind,
    metadata: { name, namespace: 'default', ...(title ? { title } : {}) },
    spec: { ...spec, owner },
    relations: [{ type: 'ownedBy', targetRef: `group:default/${owner}` }],
  };
}

export const entities: Entity[] = [
  owned(
    'Component',
    'payments-api',
    'payments-team',
    { type: 'service' },
    'Payments API',
  ),
  owned('Component', 'storefront-web', 'web-team', { type: 'website' }),
  owned('Resource', 'payments-db', 'payments-team', { type: 'database' }),
];

/** The users of the example organisation, as the catalog has them. */
export const users: Entity[] = Object.entries(memberships).map(
  ([ref, groups]) => ({
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'User',
    metadata: { name: ref.split('/')[1], namespace: 'default' },
    spec: { memberOf: groups },
    relations: groups.map(group => ({ type: 'memberOf', targetRef: group })),
  }),
);

/**
 * A permission policy that allows everything but `self-service.run.update`,
 * so that only the built-in rules (requester, approvers, owners) let a
 * caller operate a run.
 */
export function denyingRunUpdate(): PermissionsService {
  const allowAll = mockServices.permissions();
  return {
    authorize: (async (requests: any[], options: any) =>
      (await allowAll.authorize(requests, options)).map((d, i) =>
        requests[i].permission.name === selfServiceRunUpdatePermission.name
          ? { result: AuthorizeResult.DENY }
          : d,
      )) as PermissionsService['authorize'],
    authorizeConditional: (requests, options) =>
      allowAll.authorizeConditional(requests, options),
  };
}

/** An Authorization header for a user of the example organisation. */
export function as(user: string): string {
  return mockCredentials.user.header(`user:default/${user}`);
}

/** An audit event as the plugin created it, and how it ended. */
export interface RecordedAudit {
  eventId: string;
  severityLevel?: string;
  meta?: JsonObject;
  /** Whether the event named the HTTP request (and so its caller). */
  withRequest: boolean;
  outcome?: 'success' | 'fail';
  outcomeMeta?: JsonObject;
  error?: string;
}

/**
 * Starts a test backend with the self-service plugin, the example catalog and
 * organisation, and recorders for notifications, signals and audit events.
 * `config` is merged into the default configuration; its `selfService` into
 * the default `selfService`.
 */
export async function startSelfServiceBackend(options?: {
  permissions?: PermissionsService;
  config?: JsonObject;
  features?: BackendFeature[];
  /**
   * The plugin's database, such as one of `TestDatabases` (PostgreSQL);
   * an in-memory SQLite database by default.
   */
  database?: Knex;
}) {
  const notifications: NotificationSendOptions[] = [];
  const signals: SignalPayload[] = [];
  const audits: RecordedAudit[] = [];
  const { selfService, ...otherConfig } = options?.config ?? {};

  const features = [
    selfServicePlugin,
    options?.database
      ? mockServices.database.factory({ knex: options.database })
      : closingDatabaseServiceFactory,
    mockServices.rootConfig.factory({
      data: {
        selfService: {
          secrets: { DEPLOY_TOKEN: 'deploy-token-0123456789' },
          // The example external system listens on 127.0.0.1, which is
          // refused unless allowed.
          request: { timeoutSeconds: 2, allowedHosts: ['127.0.0.1/32'] },
          ...(selfService as JsonObject | undefined),
        },
        ...otherConfig,
      },
    }),
    createServiceFactory({
      service: coreServices.auditor,
      deps: {},
      factory: () => ({
        async createEvent(event: AuditorServiceCreateEventOptions) {
          const audit: RecordedAudit = {
            eventId: event.eventId,
            severityLevel: event.severityLevel,
            meta: event.meta,
            withRequest: event.request !== undefined,
          };
          audits.push(audit);
          return {
            async success(result?: { meta?: JsonObject }) {
              audit.outcome = 'success';
              audit.outcomeMeta = result?.meta;
            },
            async fail(result: { meta?: JsonObject; error: Error }) {
              audit.outcome = 'fail';
              audit.outcomeMeta = result.meta;
              audit.error = result.error.message;
            },
          };
        },
      }),
    }),
    catalogServiceMock.factory({ entities: [...entities, ...users] }),
    createServiceFactory({
      service: coreServices.userInfo,
      deps: {},
      factory: () => ({
        async getUserInfo(credentials: BackstageCredentials) {
          const { userEntityRef } = (
            credentials as BackstageCredentials<BackstageUserPrincipal>
          ).principal;
          return {
            userEntityRef,
            ownershipEntityRefs: [
              userEntityRef,
              ...(memberships[userEntityRef] ?? []),
            ],
          };
        },
      }),
    }),
    createServiceFactory({
      service: notificationService,
      deps: {},
      factory: () => ({
        async send(sent: NotificationSendOptions) {
          notifications.push(sent);
        },
      }),
    }),
    createServiceFactory({
      service: signalsServiceRef,
      deps: {},
      factory: () => ({
        async publish(signal: SignalPayload) {
          signals.push(signal);
        },
      }),
    }),
    ...(options?.features ?? []),
    ...(options?.permissions
      ? [
          createServiceFactory({
            service: coreServices.permissions,
            deps: {},
            factory: () => options.permissions!,
          }),
        ]
      : []),
  ];

  const { server } = await startTestBackend({ features });
  const api = () => request(server);
  return { server, api, notifications, signals, audits };
}

/** Polls until `check` returns a value, or fails after a few seconds. */
export async function eventually<T>(
  check: () => Promise<T | undefined>,
  what: string,
  timeoutMs = 8000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) {
      return value;
    }
    if (Date.now() > deadline) {
      throw new Error(`Timed out waiting for ${what}`);
    }
    await new Promise(resolve => setTimeout(resolve, 25));
  }
}
