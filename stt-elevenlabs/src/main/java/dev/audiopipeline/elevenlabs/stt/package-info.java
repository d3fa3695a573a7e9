/**
 * ElevenLabs Scribe v2 realtime speech-to-text ({@code
 * wss://api.elevenlabs.io/v1/speech-to-text/realtime}): build an {@link
 * dev.audiopipeline.elevenlabs.stt.ElevenLabsSttProvider} with {@code builder()} or {@code
 * fromEnv()}.
 */
@NullMarked
package dev.audiopipeline.elevenlabs.stt;

import org.jspecify.annotations.NullMarked;
