import {
  makeValidator,
  parseEntityRef,
  stringifyEntityRef,
} from '@backstage/catalog-model';
import { fail, readArray, readText } from './readFields';

const MAX_REFS = 200;
const entityNameValidator = makeValidator();

/** User or group refs, normalised to `kind:namespace/name`, de-duplicated. */
export function readPrincipalRefs(value: unknown, path: string): string[] {
  const list = readArray(value, path);
  if (list.length === 0) {
    fail(path, 'needs at least one user or group');
  }
  if (list.length > MAX_REFS) {
    fail(path, `at most ${MAX_REFS} entries`);
  }
  const refs = list.map((raw, i) => {
    const itemPath = `${path}[${i}]`;
    const text = readText(raw, itemPath, { required: true, max: 300 });
    const example = "like 'user:default/ada' or 'group:default/platform-team'";
    let parsed: ReturnType<typeof parseEntityRef>;
    try {
      parsed = parseEntityRef(text as string);
    } catch {
      return fail(itemPath, `'${text}' is not an entity ref ${example}`);
    }
    const kind = parsed.kind.toLocaleLowerCase('en-US');
    if (kind !== 'user' && kind !== 'group') {
      fail(itemPath, `'${text}' is not a user or group; use a ref ${example}`);
    }
    if (
      !entityNameValidator.isValidNamespace(
        parsed.namespace.toLocaleLowerCase('en-US'),
      ) ||
      !entityNameValidator.isValidEntityName(parsed.name)
    ) {
      fail(itemPath, `'${text}' is not a valid entity ref ${example}`);
    }
    return stringifyEntityRef(parsed);
  });
  return [...new Set(refs)];
}
