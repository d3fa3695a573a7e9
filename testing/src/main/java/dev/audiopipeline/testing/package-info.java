/**
 * Test helpers for applications built on Audio Pipeline, usable offline: a deterministic
 * recogniser, a recording subscriber, a thread-leak check, fake provider servers on loopback,
 * synthetic test audio ({@link dev.audiopipeline.testing.Audio}, {@link
 * dev.audiopipeline.testing.Signals}), a loopback TCP proxy that cuts connections like a network
 * failure ({@link dev.audiopipeline.testing.TcpProxy}) and waiting for an observable condition
 * instead of sleeping ({@link dev.audiopipeline.testing.Await}).
 */
@NullMarked
package dev.audiopipeline.testing;

import org.jspecify.annotations.NullMarked;
