import {
  matchesWorkflowSearch,
  narrowsWorkflowSearch,
  workflowSearchText,
  workflowSearchWords,
} from './workflowSearch';

const deploy = {
  name: 'Deploy to Production',
  description: 'Rolls the service out in eu-west-1.',
  identifier: 'deploy-prod',
};

describe('workflow search', () => {
  it('looks in the name, description and identifier, ignoring case', () => {
    expect(matchesWorkflowSearch(deploy, 'PRODUCTION')).toBe(true);
    expect(matchesWorkflowSearch(deploy, 'eu-west')).toBe(true);
    expect(matchesWorkflowSearch(deploy, 'deploy-prod')).toBe(true);
    expect(matchesWorkflowSearch(deploy, 'staging')).toBe(false);
  });

  it('needs every word, each anywhere', () => {
    expect(matchesWorkflowSearch(deploy, 'service  deploy')).toBe(true);
    expect(matchesWorkflowSearch(deploy, 'service staging')).toBe(false);
    expect(matchesWorkflowSearch(deploy, '')).toBe(true);
  });

  it('never matches a word across two fields', () => {
    // The name ends in "Production" and the description starts with "Rolls".
    expect(workflowSearchText(deploy)).toContain('production\nrolls');
    expect(matchesWorkflowSearch(deploy, 'productionrolls')).toBe(false);
    expect(
      matchesWorkflowSearch({ name: 'Ab', identifier: 'cd' }, 'abcd'),
    ).toBe(false);
  });

  it('splits on any whitespace and lowercases the words', () => {
    expect(workflowSearchWords('  Scale\t0012 \n')).toEqual(['scale', '0012']);
    expect(workflowSearchWords(undefined)).toEqual([]);
  });

  it('knows when a search typed on can only find fewer workflows', () => {
    expect(narrowsWorkflowSearch('', 'deploy')).toBe(true);
    expect(narrowsWorkflowSearch(undefined, 'deploy')).toBe(true);
    expect(narrowsWorkflowSearch('Scale 0012', 'Scale 00128')).toBe(true);
    expect(narrowsWorkflowSearch('deploy', 'deploy prod')).toBe(true);
    expect(narrowsWorkflowSearch('prod', 'deploy-prod')).toBe(true);
    expect(narrowsWorkflowSearch('DEPLOY', 'deploy')).toBe(true);
  });

  it('knows when a changed search may find workflows the loaded one did not', () => {
    expect(narrowsWorkflowSearch('sandbox', 'sandbo')).toBe(false);
    expect(narrowsWorkflowSearch('deploy prod', 'deploy')).toBe(false);
    expect(narrowsWorkflowSearch('deploy', 'rotate')).toBe(false);
    expect(narrowsWorkflowSearch('deploy', '')).toBe(false);
  });
});
