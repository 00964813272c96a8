/**
 * What a fenced code block in a reply holds, read from the syntax tree react-markdown renders
 * (after highlighting split it into spans), and copying it. Pure but for the clipboard given.
 */

/** The part of a hast node (react-markdown's `node`) this module reads. */
export interface TreeNode {
  type: string;
  value?: string;
  tagName?: string;
  properties?: { className?: unknown };
  children?: TreeNode[];
}

function textOf(node: TreeNode): string {
  if (node.type === "text") return node.value ?? "";
  return (node.children ?? []).map(textOf).join("");
}

/** The `<code>` inside a `<pre>`, when it is a fenced code block. */
function codeElement(pre: TreeNode | undefined): TreeNode | undefined {
  return pre?.children?.find((child) => child.type === "element" && child.tagName === "code");
}

/**
 * The code as the model wrote it: the text of every highlighted span, without the line end
 * markdown adds after the last line.
 */
export function codeText(pre: TreeNode | undefined): string {
  const code = codeElement(pre);
  return code ? textOf(code).replace(/\n$/, "") : "";
}

/** The fence's language (```python -> "python"), or null when it names none. */
export function codeLanguage(pre: TreeNode | undefined): string | null {
  const classes = codeElement(pre)?.properties?.className;
  if (!Array.isArray(classes)) return null;
  for (const name of classes) {
    if (typeof name === "string" && name.startsWith("language-")) return name.slice("language-".length) || null;
  }
  return null;
}

/**
 * Puts `text` on the clipboard; false when the page may not (no Clipboard API outside a secure
 * context, or permission refused).
 */
export async function copyText(text: string, clipboard: Pick<Clipboard, "writeText"> | undefined): Promise<boolean> {
  if (!clipboard) return false;
  try {
    await clipboard.writeText(text);
    return true;
  } catch {
    return false;
  }
}
