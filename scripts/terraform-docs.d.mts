// Types of scripts/terraform-docs.mjs's exports, for its tests and the Terraform policy helper.

/** What `npm run terraform-docs ARGV...` does: writes the README (unless --check); its exit code and output. */
export function terraformDocs(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }>;

/** A .tf or .tfvars file parsed to JSON, once per text and process; the result is shared, not to be changed. */
export function parseTerraformFile(file: string): Promise<Record<string, unknown>>;
