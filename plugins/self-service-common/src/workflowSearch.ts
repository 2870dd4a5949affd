/**
 * What a workflow search matches, in one place for both sides: the backend
 * filters `GET /workflows?search=` in SQL with it, and the page uses it to
 * narrow the cards already shown while the server's answer is on its way.
 */

/** What a workflow search looks in. */
export interface WorkflowSearchable {
  name: string;
  description?: string;
  identifier: string;
}

/** Lowercased the way searches compare, like the catalog compares kinds. */
export function workflowSearchCase(value: string): string {
  return value.toLocaleLowerCase('en-US');
}

/** The words of a search, lowercased; each must appear for a match. */
export function workflowSearchWords(search: string | undefined): string[] {
  return (search ?? '').split(/\s+/).filter(Boolean).map(workflowSearchCase);
}

/**
 * The text a search looks in: name, description and identifier, lowercased,
 * one per line so that no word (which holds no whitespace) spans two.
 * @public
 */
export function workflowSearchText(workflow: WorkflowSearchable): string {
  return workflowSearchCase(
    [workflow.name, workflow.description ?? '', workflow.identifier].join('\n'),
  );
}

/**
 * Whether a workflow matches a search: every word appears, case-insensitively,
 * in its name, description or identifier.
 * @public
 */
export function matchesWorkflowSearch(
  workflow: WorkflowSearchable,
  search: string | undefined,
): boolean {
  const text = workflowSearchText(workflow);
  return workflowSearchWords(search).every(word => text.includes(word));
}

/**
 * Whether every workflow that matches `next` also matches `previous`, so that
 * the matches of `next` are found among those of `previous`. True when each
 * word of `previous` is part of some word of `next`, as when a search is
 * typed on (`deploy` → `deploy prod`, `Scale 0012` → `Scale 00128`).
 * @public
 */
export function narrowsWorkflowSearch(
  previous: string | undefined,
  next: string | undefined,
): boolean {
  const nextWords = workflowSearchWords(next);
  return workflowSearchWords(previous).every(word =>
    nextWords.some(nextWord => nextWord.includes(word)),
  );
}
