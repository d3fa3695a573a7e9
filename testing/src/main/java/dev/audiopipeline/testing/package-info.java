/**
 * Test helpers for applications built on Audio Pipeline, usable offline: a deterministic
 * recogniser, a recording subscriber, a thread-leak check, and fake provider servers on loopback.
 */
@NullMarked
package dev.audiopipeline.testing;

import org.jspecify.annotations.NullMarked;
