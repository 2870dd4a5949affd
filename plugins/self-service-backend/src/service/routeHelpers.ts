import type { BackstageCredentials } from '@backstage/backend-plugin-api';
import type {
  BasicPermission,
  ResourcePermission,
} from '@backstage/plugin-permission-common';
import type { JsonObject } from '@backstage/types';
import type { Request } from 'express';

/**
 * The helpers `createRouter` hands to the route files it adds, so that
 * every route asks the permission framework and audits the same way.
 */

/** Whether the permission policy allows `permission` to these credentials. */
export type Authorize = (
  permission: BasicPermission | ResourcePermission,
  credentials: BackstageCredentials,
  resourceRef?: string,
) => Promise<boolean>;

/** Runs a write as an auditor event that succeeds or fails with it. */
export type Audited = <T>(
  req: Request | undefined,
  eventId: string,
  severityLevel: 'medium' | 'high',
  meta: JsonObject,
  write: () => Promise<{ result: T; meta?: JsonObject }>,
) => Promise<T>;
