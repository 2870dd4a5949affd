import type {
  AuditorService,
  AuthService,
  LoggerService,
} from '@backstage/backend-plugin-api';
import type { CatalogService } from '@backstage/plugin-catalog-node';
import type { RunServiceConfig } from '../../config';
import type { DeliveryStore } from '../../database/DeliveryStore';
import type { RunStepStore } from '../../database/RunStepStore';
import type { SelfServiceStore } from '../../database/SelfServiceStore';
import type { DeliveryWorker } from '../../delivery/DeliveryWorker';
import type { RunNotifier } from '../RunNotifier';
import type { StepDeadlineTimers } from '../StepDeadlineTimers';

/** What the run commands work with. */
export interface RunCommandDeps {
  store: SelfServiceStore;
  deliveries: DeliveryStore;
  steps: RunStepStore;
  /** Sends what the commands make due; it claimed it as they wrote it. */
  worker: Pick<
    DeliveryWorker,
    | 'prepare'
    | 'sendPrepared'
    | 'newClaim'
    | 'sendClaimed'
    | 'stepStarts'
    | 'sendCancelRequests'
  >;
  catalog: CatalogService;
  auth: AuthService;
  notifier: RunNotifier;
  logger: LoggerService;
  auditor: AuditorService;
  config: RunServiceConfig;
  /** Acts on step deadlines on this replica as they come. */
  timers?: StepDeadlineTimers;
  /** Where external systems reach this plugin, e.g. http://host/api/self-service. */
  callbackBaseUrl: string;
}
