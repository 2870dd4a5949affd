import { stepsDefinition } from '../../testUtils/editorFixtures';
import { checkForm, mapErrorMessages, pruneErrors } from './fieldErrors';
import { outputFieldKey, stepFieldKey } from './stepErrors';
import { canJoinSteps, joinSteps, splitIntoSteps } from './stepForm';
import { toDefinition, toForm, WorkflowForm } from './workflowForm';

function stepsForm(): WorkflowForm {
  return toForm(stepsDefinition());
}

describe('errors of steps', () => {
  it('puts backend messages about steps at the step fields, by step key', () => {
    const form = stepsForm();
    const [build, gate, deploy] = form.steps!;
    const mapped = mapErrorMessages(
      [
        'steps[0].dependsOn: build → deploy → gate → build',
        "steps[1].approvers[0]: no user or group 'group:default/x'",
        "steps[2].request.headers: invalid header name 'x y'",
        "steps[0].outputs.image: '/a~' is not a JSON pointer",
        "steps[2].cancelRequest.url: host 'x' is private",
        'steps: at most 50 steps, got 51; split the workflow',
        'steps[7].name: required',
      ],
      form,
    );
    expect(mapped.fields).toEqual({
      [stepFieldKey(build.key, 'dependsOn')]: 'build → deploy → gate → build',
      [stepFieldKey(gate.key, 'approvers')]:
        "no user or group 'group:default/x'",
      [stepFieldKey(deploy.key, 'request.headers')]:
        "invalid header name 'x y'",
      [outputFieldKey(build.key, build.outputs[0].key, 'pointer')]:
        "'/a~' is not a JSON pointer",
      // The editor does not show the cancel request: the step as a whole.
      [stepFieldKey(deploy.key)]: "host 'x' is private",
      steps: 'at most 50 steps, got 51; split the workflow',
    });
    expect(mapped.general).toEqual([]);
  });

  it('checks ids, kinds and outputs before saving, and drops an error once its field changes', () => {
    const form = stepsForm();
    const [build, gate, deploy] = form.steps!;
    const broken: WorkflowForm = {
      ...form,
      steps: [
        {
          ...build,
          id: 'deploy',
          outputs: [{ ...build.outputs[0], pointer: 'image' }],
        },
        { ...gate, approvers: [], approvalTimeoutMinutes: 'soon' },
        { ...deploy, url: '' },
      ],
    };
    const errors = checkForm(broken);
    expect(errors).toEqual({
      [stepFieldKey(deploy.key, 'id')]: "Another step is already 'deploy'",
      [outputFieldKey(build.key, build.outputs[0].key, 'pointer')]:
        "Enter a JSON pointer into the response, like '/cluster/id'",
      [stepFieldKey(gate.key, 'approvers')]:
        'Choose at least one user or group',
      [stepFieldKey(gate.key, 'timeoutSeconds')]:
        'Enter a number of minutes from 1 to 43200 (30 days)',
      [stepFieldKey(deploy.key, 'request.url')]: 'Enter the URL to call',
      // Build is now called deploy: its output has no step by that id.
      [stepFieldKey(deploy.key, 'request.body')]:
        "{{steps.build.outputs.image}}: no step 'build'",
    });
    const fixed: WorkflowForm = {
      ...broken,
      steps: [broken.steps![0], broken.steps![1], { ...deploy }],
    };
    expect(Object.keys(pruneErrors(errors, broken, fixed))).not.toContain(
      stepFieldKey(deploy.key, 'request.url'),
    );
    expect(Object.keys(pruneErrors(errors, broken, fixed))).toContain(
      stepFieldKey(gate.key, 'approvers'),
    );
  });

  it('turns one request into a step and back without changing what is saved', () => {
    const single = toForm({
      ...stepsDefinition(),
      steps: undefined,
      execution: { type: 'simple' },
      request: { method: 'GET', url: 'https://ci.example.com/x' },
    } as any);
    const split = splitIntoSteps(single);
    expect(toDefinition(split).steps).toEqual([
      {
        id: 'request',
        name: 'Send the request',
        kind: 'request',
        dependsOn: [],
        execution: { type: 'simple' },
        request: { method: 'GET', url: 'https://ci.example.com/x' },
      },
    ]);
    expect(canJoinSteps(split)).toBe(true);
    expect(toDefinition(joinSteps(split))).toEqual(toDefinition(single));
    // Outputs exist only in steps: no way back with them.
    expect(
      canJoinSteps({
        ...split,
        steps: [
          {
            ...split.steps![0],
            outputs: [{ key: 'o', name: 'a', pointer: '/a' }],
          },
        ],
      }),
    ).toBe(false);
  });
});
