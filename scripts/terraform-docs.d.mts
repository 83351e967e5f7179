// Types of scripts/terraform-docs.mjs's export, for its tests.

/** What `npm run terraform-docs ARGV...` does: writes the README (unless --check); its exit code and output. */
export function terraformDocs(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }>;
