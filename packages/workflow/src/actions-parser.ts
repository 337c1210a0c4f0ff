/**
 * GitHub's workflow parser, loaded so that Node.js accepts it. Its published build imports its
 * JSON schemas without `with { type: 'json' }`, which Node.js refuses (actions/languageservices
 * issue 387; docs/adr/0012). A module hook adds the attribute for those files only, and the
 * parser is imported after the hook is in place.
 */
import { registerHooks } from 'node:module';

const PARSER_DIST = '/@actions/workflow-parser/dist/';

registerHooks({
  load(url, context, nextLoad) {
    if (url.startsWith('file:') && url.includes(PARSER_DIST) && url.endsWith('.json') && context.importAttributes.type === undefined) {
      return nextLoad(url, { ...context, importAttributes: { ...context.importAttributes, type: 'json' } });
    }
    return nextLoad(url, context);
  },
});

export const parser = await import('@actions/workflow-parser');
export const actionParser = await import('@actions/workflow-parser/actions/index');
export type { TemplateToken, MappingToken } from '@actions/workflow-parser/templates/tokens/index';
