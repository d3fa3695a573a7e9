/**
 * Service-provider interface for streaming speech-to-text backends.
 *
 * <p>A provider module (Deepgram, ElevenLabs, ...) supplies only a {@link
 * dev.audiopipeline.spi.ProtocolCodec} (URL and auth, how audio is framed, how server messages map to
 * events) and a {@link dev.audiopipeline.spi.WebSocketTransport} (usually OkHttp). {@link
 * dev.audiopipeline.internal.runtime.StreamingSttSession} does everything else the same way for every provider:
 * the connecting → open → streaming → finalizing → closed state machine, 50 ms chunking,
 * keep-alives, reconnects with {@link dev.audiopipeline.spi.ReconnectPolicy backoff and a
 * quick-failure breaker}, a bounded replay buffer and the per-connection audio clock that keeps
 * times on the speaker's timeline across reconnects.
 *
 * <p>{@link dev.audiopipeline.spi.Secrets} is the library's one redaction rule: check a key with
 * {@code checkCredential} when it is configured, pass server text through {@code serverText}
 * before logging it; exceptions derived from {@link dev.audiopipeline.AudioPipelineException}
 * redact their message and cause chain themselves.
 *
 * <p>Core stays free of OkHttp and Jackson: this package speaks only JDK types.
 */
@NullMarked
package dev.audiopipeline.spi;

import org.jspecify.annotations.NullMarked;
