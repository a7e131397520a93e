/** YAML output for the exports: a header comment, comments before chosen nodes, and no line folding. */
import YAML from 'yaml';

/** A path into the document (keys and sequence indexes) and the comment to put before that node. */
export type NodeComment = [path: (string | number)[], text: string];

// The yaml library prefixes each comment line with "#": a leading space makes it read "# text".
const commentText = (text: string): string => text.split('\n').map((l) => (l ? ` ${l}` : '')).join('\n');

/** Renders `value` as YAML; long PromQL stays on one line (lineWidth 0) so it reads and diffs as written. */
export function renderYaml(value: unknown, o: { header?: string; comments?: readonly NodeComment[] } = {}): string {
  // No anchors/aliases for shared arrays: plain YAML reads better and every consumer parses it.
  const doc = new YAML.Document(value, { aliasDuplicateObjects: false });
  if (o.header) doc.commentBefore = commentText(o.header);
  for (const [path, text] of o.comments ?? []) {
    const node = doc.getIn(path, true) as { commentBefore?: string | null } | undefined;
    // A comment for a node that is not there is a bug in the export, not a user error.
    if (!node || typeof node !== 'object') throw new Error(`renderYaml: no node at ${path.join('.')} for comment ${JSON.stringify(text)}`);
    node.commentBefore = commentText(text);
  }
  return doc.toString({ lineWidth: 0 });
}
