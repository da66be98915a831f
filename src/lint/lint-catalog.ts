/** `kfc lint`: the catalog's severity settings checked, then the named images' generated Dockerfiles linted. */
import { catalogFieldLine } from '../catalog/load.ts';
import type { Catalog } from '../catalog/model.ts';
import { KfcError } from '../errors.ts';
import { generateAll } from '../generate/generate.ts';
import { type Finding, lintImages } from './lint.ts';
import { ALL_RULE_IDS } from './rules.ts';

export function lintCatalog(catalog: Catalog, images: string[]): Finding[] {
  const config = catalog.spec.lint.severity;
  for (const id of Object.keys(config)) {
    if (!ALL_RULE_IDS.includes(id)) {
      const line = catalogFieldLine(catalog.root, ['lint', 'severity', id]);
      throw new KfcError(`unknown lint rule "${id}"`, {
        where: `${catalog.file}:${line} lint.severity.${id}`,
        hint: `rules: ${ALL_RULE_IDS.join(', ')}`,
      });
    }
  }
  return lintImages(generateAll(catalog, images), config);
}
