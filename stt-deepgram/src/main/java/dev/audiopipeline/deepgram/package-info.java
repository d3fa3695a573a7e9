/**
 * Deepgram live speech-to-text ({@code wss://api.deepgram.com/v1/listen}): build a {@link
 * dev.audiopipeline.deepgram.DeepgramSttProvider} with {@code builder()} or {@code fromEnv()}.
 */
@NullMarked
package dev.audiopipeline.deepgram;

import org.jspecify.annotations.NullMarked;
