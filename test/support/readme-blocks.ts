/** The README's code blocks and what breaks a paste of the shell ones (test/unit/readme-blocks.test.ts, test/e2e/readme.test.ts). */

export interface ShellBlock {
  readonly line: number;
  readonly code: string;
}

/** Every fenced block whose info string is one of `languages`. */
export function fencedBlocks(markdown: string, languages: readonly string[]): ShellBlock[] {
  const blocks: ShellBlock[] = [];
  const lines = markdown.split('\n');
  for (let i = 0; i < lines.length; i += 1) {
    const open = /^```(\w+)?\s*$/.exec(lines[i]!);
    if (!open) continue;
    const start = i;
    const body: string[] = [];
    for (i += 1; i < lines.length && !/^```\s*$/.test(lines[i]!); i += 1) body.push(lines[i]!);
    if (languages.includes(open[1] ?? '')) blocks.push({ line: start + 1, code: `${body.join('\n')}\n` });
  }
  return blocks;
}

/** Every fenced block whose info string is sh, bash or shell. */
export const shellBlocks = (markdown: string): ShellBlock[] => fencedBlocks(markdown, ['sh', 'bash', 'shell']);

/** What `bash -n` accepts but a paste gets wrong. */
export function pasteProblems(code: string): string[] {
  const problems: string[] = [];
  const lines = code.split('\n');
  lines.forEach((line, index) => {
    if (/\\[ \t]+\S/.test(line.replace(/'[^']*'/g, "''").replace(/"(?:[^"\\]|\\.)*"/g, '""')) && /\s\\\s/.test(line)) {
      problems.push(`line ${index + 1}: "\\" followed by more text (a comment?) ends the command there: ${line.trim()}`);
    }
    if (/\\[ \t]+$/.test(line)) problems.push(`line ${index + 1}: spaces after the continuation "\\"`);
    const unquoted = line.replace(/'[^']*'/g, "''").replace(/"(?:[^"\\]|\\.)*"/g, '""').replace(/#.*$/, '');
    const placeholder = /<[A-Za-z][^>\s]*>?/.exec(unquoted);
    if (placeholder) problems.push(`line ${index + 1}: unquoted ${placeholder[0]} is a redirection in bash`);
  });
  // Logical lines (continuations joined): none may start with an option, i.e. be cut off its command.
  const logical = code.replace(/\\\n/g, ' ').split('\n');
  for (const line of logical) if (/^\s*-/.test(line)) problems.push(`an option line is cut off its command: ${line.trim()}`);
  return problems;
}

