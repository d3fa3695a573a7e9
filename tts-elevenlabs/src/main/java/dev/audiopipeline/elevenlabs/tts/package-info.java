/**
 * ElevenLabs text-to-speech: {@link dev.audiopipeline.elevenlabs.tts.ElevenLabsTts} speaks a whole
 * text over HTTP streaming ({@code synthesize}) or text that arrives in pieces over the
 * multi-context WebSocket ({@code openStream}).
 *
 * <p>Everything in this package is non-null unless annotated {@code @Nullable}.
 */
@NullMarked
package dev.audiopipeline.elevenlabs.tts;

import org.jspecify.annotations.NullMarked;
