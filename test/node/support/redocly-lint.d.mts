/** Types for redocly-lint.mjs. */
export interface LintProblem {
  ruleId: string;
  severity: string;
  pointer: string;
  message: string;
  reference: string;
}

export function redoclyLint(path: string): { errors: LintProblem[]; warnings: LintProblem[] };
export function describeProblems(problems: LintProblem[]): string;
