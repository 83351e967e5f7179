// Types of scripts/audit.mjs's export, for its tests.

/** The verdict on `npm audit --json`'s report, given the exceptions: the exit code and what to print. */
export function judgeAudit(
  report: unknown,
  exceptions: unknown[],
  options?: { required?: boolean },
): { code: number; stdout: string; stderr: string };
