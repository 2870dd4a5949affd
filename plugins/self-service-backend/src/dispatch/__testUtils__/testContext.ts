import { TemplateContext } from '../../workflows/templateContext';

/** A template context for an entity-scoped run, with overridable parts. */
export function testContext(
  overrides: Partial<TemplateContext> = {},
): TemplateContext {
  return {
    run: {
      id: 'run-123',
      callbackUrl:
        'https://backstage.example.com/api/self-service/runs/run-123',
      token: 'run-token-abcdef',
    },
    workflow: { identifier: 'deploy', name: 'Deploy' },
    data: {},
    entity: {
      identifier: 'payments-api',
      name: 'Payments API',
      ref: 'component:default/payments-api',
      kind: 'Component',
      namespace: 'default',
    },
    user: { ref: 'user:default/jane' },
    secrets: { DEPLOY_TOKEN: 'deploy-secret-xyz' },
    ...overrides,
  };
}
