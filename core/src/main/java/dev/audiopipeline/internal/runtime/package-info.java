/**
 * The pipeline's moving parts: per-speaker channels and their lock-free ring buffers, the streaming
 * speech-to-text session state machine with its replay buffer, the shared timeline, the bounded
 * publisher, named threads. Not API: the module descriptor exports this package only to the
 * project's own modules, and its types may change in any release.
 */
@NullMarked
package dev.audiopipeline.internal.runtime;

import org.jspecify.annotations.NullMarked;
