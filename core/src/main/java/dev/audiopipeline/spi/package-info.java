/**
 * Service-provider interface for streaming speech-to-text backends.
 *
 * <p>A provider module (Deepgram, ElevenLabs, ...) supplies only a {@link
 * dev.audiopipeline.spi.ProtocolCodec} (URL and auth, how audio is framed, how server messages map
 * to events), its configuration, and a {@link dev.audiopipeline.spi.WebSocketTransport} (usually
 * {@code OkHttpWebSocketTransport.forStreaming} from transport-okhttp). It opens every session
 * through {@link dev.audiopipeline.spi.StreamingSessions}, which runs the same state machine for
 * every provider: connecting → open → streaming → finalizing → closed, 50 ms chunking, keep-alives,
 * reconnects with {@link dev.audiopipeline.spi.ReconnectPolicy backoff and a quick-failure
 * breaker}, a bounded replay buffer and the per-connection audio clock that keeps times on the
 * speaker's timeline across reconnects.
 *
 * <h2>Writing a provider</h2>
 *
 * <ol>
 *   <li>A builder that validates in {@code build()} and copies its values into a private immutable
 *       configuration (lists and maps copied): the provider keeps that, never the builder, so
 *       changing a builder after {@code build()} changes nothing built.
 *   <li>In the constructor: the transport, then {@code StreamingSessions.create(name, format,
 *       transport, schedulerThreads)}.
 *   <li>{@code openSession}: {@code return sessions.open(options, listener, (o, config) ->
 *       config.reconnectPolicy(...).codecFactory(() -> new MyCodec(...)));} — the {@link
 *       dev.audiopipeline.spi.StreamingConfig.Builder} comes with name and format set; transport
 *       and scheduler are filled in after your lambda.
 *   <li>{@code close()}: {@code sessions.close()} (closes open sessions, stops the scheduler), then
 *       the transport's close.
 *   <li>{@code fromEnv}: read variables through {@link dev.audiopipeline.spi.ProviderEnv} (required
 *       credential, optional values, a checked base URL; messages name the variable, never a
 *       secret).
 * </ol>
 *
 * <p>{@link dev.audiopipeline.spi.Secrets} is the library's one redaction rule: check a key with
 * {@code checkCredential} when it is configured, pass server text through {@code serverText} before
 * logging it; exceptions derived from {@link dev.audiopipeline.AudioPipelineException} redact their
 * message and cause chain themselves.
 *
 * <p>Core stays free of OkHttp and Jackson: this package speaks only JDK types.
 */
@NullMarked
package dev.audiopipeline.spi;

import org.jspecify.annotations.NullMarked;
