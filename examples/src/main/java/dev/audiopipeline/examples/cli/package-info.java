/**
 * Reusable pieces of the example command-line programs: exit statuses, option values, a transcript
 * recorder that prints and saves as transcripts arrive, the end-of-run summary, atomic transcript
 * files, a Ctrl-C/SIGTERM hook that lets the report finish, and a runner that drives a session
 * until it ends. {@code TranscribeInterview} is built from them.
 */
@NullMarked
package dev.audiopipeline.examples.cli;

import org.jspecify.annotations.NullMarked;
