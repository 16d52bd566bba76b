/**
 * A failure the CLI reports to the user as one line on stderr: a bad argument,
 * a name npm would refuse, a directory that is not empty. `code` is stable, for
 * callers of {@link newApp} that branch on the cause.
 */
export class CliError extends Error {
  readonly code: CliErrorCode;

  constructor(code: CliErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'CliError';
    this.code = code;
  }
}

/** Stable codes of the {@link CliError}s `sluice` and `newApp` throw. */
export const CliErrorCodes = {
  /** An option the command does not know, a missing or extra argument, an unknown command. */
  Usage: 'SLUICE_CLI_USAGE',
  /** `--template` names no template. */
  UnknownTemplate: 'SLUICE_CLI_UNKNOWN_TEMPLATE',
  /** The directory's name is not a valid npm package name. */
  InvalidName: 'SLUICE_CLI_INVALID_NAME',
  /** The target exists and is a file, or a directory that is not empty (or `dev-cert`'s files exist). */
  TargetNotEmpty: 'SLUICE_CLI_TARGET_NOT_EMPTY',
  /** `--local` from an installed CLI: there is no checkout of the Sluice repository to pack the packages from. */
  NotInCheckout: 'SLUICE_CLI_NOT_IN_CHECKOUT',
  /** The checkout's packages could not be built or packed. */
  CheckoutPackagesMissing: 'SLUICE_CLI_CHECKOUT_PACKAGES_MISSING',
  /** The registry has no `@sluice/*` version for the app, and there is no checkout to pack them from. */
  SluiceUnavailable: 'SLUICE_CLI_SLUICE_UNAVAILABLE',
  /** `sluice dev-cert`: openssl is missing or failed. */
  OpensslFailed: 'SLUICE_CLI_OPENSSL_FAILED',
} as const;

export type CliErrorCode = (typeof CliErrorCodes)[keyof typeof CliErrorCodes];
