import { createConditionExports } from '@backstage/plugin-permission-node';
import {
  RESOURCE_TYPE_SELF_SERVICE_RUN,
  RESOURCE_TYPE_SELF_SERVICE_WORKFLOW,
} from '@backstage-self-service/plugin-self-service-common';
import { selfServiceRunRules, selfServiceWorkflowRules } from './rules';

const runConditionExports = createConditionExports({
  pluginId: 'self-service',
  resourceType: RESOURCE_TYPE_SELF_SERVICE_RUN,
  rules: selfServiceRunRules,
});

const workflowConditionExports = createConditionExports({
  pluginId: 'self-service',
  resourceType: RESOURCE_TYPE_SELF_SERVICE_WORKFLOW,
  rules: selfServiceWorkflowRules,
});

/**
 * Conditions for policies deciding `self-service.run.*` permissions, for
 * example `selfServiceRunConditions.isRunRequester({ claims })`.
 * @public
 */
export const selfServiceRunConditions = runConditionExports.conditions;

/** @public */
export const createSelfServiceRunConditionalDecision =
  runConditionExports.createConditionalDecision;

/**
 * Conditions for policies deciding `self-service.workflow.*` resource
 * permissions, for example `selfServiceWorkflowConditions.hasScope(...)`.
 * @public
 */
export const selfServiceWorkflowConditions =
  workflowConditionExports.conditions;

/** @public */
export const createSelfServiceWorkflowConditionalDecision =
  workflowConditionExports.createConditionalDecision;
