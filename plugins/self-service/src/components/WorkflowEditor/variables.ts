import { WorkflowForm } from './workflowForm';

/** A `{{...}}` variable a workflow's request may use. */
export interface RequestVariable {
  /** As written in the request, for example `{{run.id}}`. */
  variable: string;
  description: string;
}

/** The group of variables, as the help panel shows them. */
export interface RequestVariableGroup {
  title: string;
  variables: RequestVariable[];
}

const PARAMETER_IDENTIFIER = /^[a-zA-Z_][a-zA-Z0-9_]{0,63}$/;

/**
 * The variables a workflow's URL, header values and body may use, for the
 * workflow as currently edited: its parameters, and the entity variables
 * only when it is entity-specific.
 */
export function requestVariables(form: WorkflowForm): RequestVariableGroup[] {
  const groups: RequestVariableGroup[] = [
    {
      title: 'Run and workflow',
      variables: [
        {
          variable: '{{run.id}}',
          description:
            'ID of the run; send it so an external system can report back.',
        },
        {
          variable: '{{run.callbackUrl}}',
          description:
            'Where an external system posts messages, links and the final status.',
        },
        {
          variable: '{{run.token}}',
          description:
            "The run's own token for those callbacks; a secret, redacted when recorded.",
        },
        {
          variable: '{{workflow.identifier}}',
          description: 'Identifier of this workflow.',
        },
        {
          variable: '{{workflow.name}}',
          description: 'Name of this workflow.',
        },
        {
          variable: '{{user.ref}}',
          description:
            'Entity ref of the user who requested the run, like user:default/ada.',
        },
      ],
    },
  ];

  const seen = new Set<string>();
  const parameters = form.parameters.flatMap(parameter => {
    const identifier = parameter.identifier.trim();
    if (!PARAMETER_IDENTIFIER.test(identifier) || seen.has(identifier)) {
      return [];
    }
    seen.add(identifier);
    const name = parameter.name.trim() || identifier;
    return [
      {
        variable: `{{data.${identifier}}}`,
        description: `Input "${name}" (${parameter.type}).`,
      },
    ];
  });
  groups.push({ title: 'Parameters', variables: parameters });

  if (form.scopeType === 'entity') {
    groups.push({
      title: 'Entity',
      variables: [
        {
          variable: '{{entity.identifier}}',
          description: 'metadata.name of the entity, like payments-api.',
        },
        {
          variable: '{{entity.name}}',
          description:
            'metadata.title of the entity; empty when it has no title.',
        },
        {
          variable: '{{entity.ref}}',
          description:
            'Entity ref of the entity, like component:default/payments-api.',
        },
        {
          variable: '{{entity.kind}}',
          description: 'Kind of the entity, like Component.',
        },
        {
          variable: '{{entity.namespace}}',
          description: 'Namespace of the entity, like default.',
        },
      ],
    });
  }

  groups.push({
    title: 'Secrets',
    variables: [
      {
        variable: '{{secrets.NAME}}',
        description:
          'A secret configured under selfService.secrets in app-config; redacted when recorded.',
      },
    ],
  });
  return groups;
}
