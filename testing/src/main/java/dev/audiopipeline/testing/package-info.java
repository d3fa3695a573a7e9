/**
 * Test helpers for applications built on Audio Pipeline, usable offline: a deterministic
 * recogniser, a recording subscriber, a thread-leak check, fake provider servers on loopback, and
 * synthetic test audio ({@link dev.audiopipeline.testing.Audio}, {@link
 * dev.audiopipeline.testing.Signals}).
 */
@NullMarked
package dev.audiopipeline.testing;

import org.jspecify.annotations.NullMarked;
