// The error the examples print as one line (no stack trace) before exiting with code 2.

/** A problem the user can fix (a bad flag, a missing or malformed file), printed as one line. */
export class UsageError extends Error {}
