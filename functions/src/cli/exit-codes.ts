// What the veo-mcp CLI's exit code says, in one table: `veo-mcp --help`, the README and the tests read it from here.
// 0 means the video exists (SUCCEEDED); every way of not getting one has its own code, so a script can tell a
// filtered prompt (rephrase) from a failure (retry later), a typo on the command line and a server that is down.

export const EXIT = {
  /** The operation SUCCEEDED (and any download finished); also --help, keys, and a publish with --topic. */
  SUCCEEDED: 0,
  /** A bug in the CLI: the one line names it, --debug shows the stack. */
  INTERNAL: 1,
  /** The command line or the configuration it reads is wrong; nothing was sent. */
  USAGE: 2,
  FAILED: 3,
  FILTERED: 4,
  /** CANCELLED or EXPIRED: the operation ended without a video and without an error of its own. */
  CANCELLED: 5,
  /** Still QUEUED or RUNNING: submit without --wait, get, or a download of an unfinished operation. */
  UNFINISHED: 6,
  /** No MCP endpoint answered at the URL: connection refused, unknown host, or not an MCP endpoint. */
  UNREACHABLE: 7,
  /** The server refused who we are: HTTP 401/403, or a tool answered UNAUTHENTICATED / PERMISSION_DENIED. */
  AUTH: 8,
  /** The server refused the request itself: invalid argument, unknown operation, spend limit, … (its reason). */
  REFUSED: 9,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** The exit code for an operation's status. */
export function exitCodeOf(status: string): ExitCode {
  switch (status) {
    case 'SUCCEEDED':
      return EXIT.SUCCEEDED;
    case 'FAILED':
      return EXIT.FAILED;
    case 'FILTERED':
      return EXIT.FILTERED;
    case 'CANCELLED':
    case 'EXPIRED':
      return EXIT.CANCELLED;
    default:
      return EXIT.UNFINISHED;
  }
}

/** The table as `veo-mcp --help` prints it (and the README repeats). */
export const EXIT_CODES_HELP = `exit codes:
  0  SUCCEEDED (and downloaded, with --download); --help, keys, and submit --topic (published)
  1  internal error in the CLI (--debug prints the stack)
  2  usage: unknown command or option, missing or bad argument, bad configuration; nothing sent
  3  FAILED
  4  FILTERED by the model's safety filters (not billed)
  5  CANCELLED or EXPIRED
  6  not finished yet: QUEUED or RUNNING (submit without --wait, get, get --download)
  7  cannot reach an MCP endpoint at the URL (refused, unknown host, timeout, not an MCP endpoint)
  8  refused authentication or permission (HTTP 401/403, UNAUTHENTICATED, PERMISSION_DENIED)
  9  the server refused the request (INVALID_ARGUMENT, NOT_FOUND, LIMIT_EXCEEDED, …: its reason is printed)`;

/** A failure the CLI reports as one line on stderr and its exit code. */
export class CliError extends Error {
  override name = 'CliError';
  readonly exitCode: ExitCode;
  constructor(exitCode: ExitCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.exitCode = exitCode;
  }
}
