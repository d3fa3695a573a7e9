package dev.audiopipeline.elevenlabs.tts;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.audiopipeline.AudioPipelineException;
import dev.audiopipeline.ConnectionException;
import dev.audiopipeline.OverflowException;
import dev.audiopipeline.TtsChunk;
import dev.audiopipeline.TtsChunk.CharTiming;
import dev.audiopipeline.TtsStream;
import dev.audiopipeline.audio.AudioFormat;
import dev.audiopipeline.internal.runtime.BoundedPublisher;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Flow;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One utterance on a shared {@link WsConnection}: one ElevenLabs context.
 *
 * <p>Text: pieces are collected and sent as whole words, each message ending in whitespace as the
 * protocol asks, so a word split across pieces is never spoken as two. {@link #flush()} sends the
 * rest with {@code flush:true}; {@link #finish()} flushes and sends {@code close_context}, after
 * which the server sends the remaining audio and {@code isFinal}.
 *
 * <p>Audio: the socket cannot be paused, so chunks wait for demand in a single-subscriber {@code
 * BoundedPublisher} of {@code maxBufferedChunks}, handed to the subscriber on the provider's worker
 * threads (never on the socket's reader thread); a subscriber that falls further behind fails the
 * utterance with {@link OverflowException}. Cancelling or {@link #close()} sends {@code
 * close_context} at once and drops later audio for this context; the shared connection stays open
 * for other utterances.
 */
final class WsStream implements TtsStream {
  private static final Logger log = LoggerFactory.getLogger(WsStream.class);
  private static final AtomicLong IDS = new AtomicLong();

  private final ElevenLabsTts tts;
  private final TtsConfig cfg;
  private final WsConnection conn;
  private final String contextId;
  private final BoundedPublisher<TtsChunk> buffer;
  private final AudioFormat format;
  private final AudioDecoder decoder;

  // reader thread only
  private long emittedSamples;
  private boolean firstAudio = true;

  // guarded by this
  private final StringBuilder pending = new StringBuilder();
  private boolean finished;
  private boolean closeContextSent;
  private boolean closed;
  private boolean ended; // final received, failed or closed: slot released
  private long lastSentNanos = System.nanoTime();
  private boolean textSent;
  private volatile long lastReceivedNanos = System.nanoTime();
  private volatile long firstTextNanos = -1;

  WsStream(ElevenLabsTts tts, TtsConfig cfg, WsConnection conn) {
    this.tts = tts;
    this.cfg = cfg;
    this.conn = conn;
    this.contextId = "ctx-" + Long.toString(IDS.incrementAndGet(), 36);
    this.buffer =
        BoundedPublisher.unicast(
            tts.executor(),
            cfg.maxBufferedChunks(),
            tts.instanceName() + "-" + contextId,
            () -> {},
            this::onSubscriberCancel);
    this.format = cfg.outputFormat().pcmFormat();
    this.decoder = new AudioDecoder(cfg.outputFormat());
  }

  String contextId() {
    return contextId;
  }

  /** Registers with the connection and sends the context's first message. */
  void open() {
    if (!conn.register(this)) {
      return;
    }
    ObjectNode init = message();
    init.put("text", " ");
    if (!cfg.voiceSettings().isEmpty()) {
      init.set("voice_settings", Json.voiceSettings(tts.json(), cfg.voiceSettings()));
    }
    if (cfg.chunkLengthSchedule() != null) {
      ArrayNode schedule = init.putObject("generation_config").putArray("chunk_length_schedule");
      cfg.chunkLengthSchedule().forEach(schedule::add);
    }
    synchronized (this) {
      send(init);
    }
    log.debug("opened context {}", contextId);
  }

  @Override
  public synchronized void append(CharSequence text) {
    Objects.requireNonNull(text, "text == null");
    checkWritable("append");
    pending.append(text);
    int cut = lastWhitespace(pending);
    if (cut < 0) {
      return;
    }
    String words = pending.substring(0, cut + 1);
    pending.delete(0, cut + 1);
    if (words.isBlank()) {
      return;
    }
    ObjectNode m = message();
    m.put("text", words.stripTrailing() + " ");
    sendText(m);
  }

  @Override
  public synchronized void flush() {
    if (finished || closed) {
      return;
    }
    sendFlush();
  }

  private void sendFlush() {
    ObjectNode m = message();
    if (!pending.toString().isBlank()) {
      m.put("text", pending.toString().strip() + " ");
    }
    pending.setLength(0);
    m.put("flush", true);
    sendText(m);
  }

  @Override
  public synchronized void finish() {
    if (finished || closed) {
      return;
    }
    finished = true;
    if (!textSent && pending.toString().isBlank()) {
      // nothing to speak: close the context and complete now rather than wait for an isFinal
      // the service may never send for a context that never synthesised (pipecat#5271)
      sendCloseContext();
      ended = true;
      conn.release(this);
      buffer.complete();
      return;
    }
    sendFlush();
    sendCloseContext();
  }

  @Override
  public Flow.Publisher<TtsChunk> audio() {
    return buffer;
  }

  @Override
  public void close() {
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
      if (!ended) {
        sendCloseContext();
      }
    }
    end();
    buffer.completeNow();
  }

  private void onSubscriberCancel() {
    synchronized (this) {
      closed = true;
      if (!ended) {
        sendCloseContext();
      }
    }
    end();
  }

  /**
   * Keeps the context alive while it waits for text (the service closes idle contexts with 1008);
   * after {@code close_context}, fails the utterance if the service goes silent for longer than the
   * inactivity timeout instead of leaving the subscriber waiting for an {@code isFinal}.
   */
  void keepAliveIfIdle(long nowNanos, long intervalNanos) {
    boolean stalled;
    synchronized (this) {
      if (closed || ended) {
        return;
      }
      stalled =
          closeContextSent
              && nowNanos - Math.max(lastReceivedNanos, lastSentNanos)
                  > cfg.finalTimeout().toNanos();
    }
    if (stalled) {
      fail(
          new dev.audiopipeline.ProviderException(
              Errors.PROVIDER,
              "no audio and no isFinal for "
                  + cfg.finalTimeout().toMillis()
                  + " ms after the end of the text (finalTimeout)",
              dev.audiopipeline.ProviderException.NONE,
              dev.audiopipeline.ProviderException.NONE,
              "final_timeout",
              true,
              null));
      return;
    }
    sendKeepAliveIfIdle(nowNanos, intervalNanos);
  }

  private synchronized void sendKeepAliveIfIdle(long nowNanos, long intervalNanos) {
    if (closed || closeContextSent || ended) {
      return;
    }
    if (nowNanos - lastSentNanos >= intervalNanos) {
      ObjectNode m = message();
      m.put("text", "");
      send(m);
    }
  }

  /** Audio for this context (reader thread). */
  void onAudio(byte[] wire, JsonNode message) {
    lastReceivedNanos = System.nanoTime();
    if (buffer.isTerminated() || buffer.isCancelled()) {
      return;
    }
    byte[] pcm = decoder.decode(wire, wire.length);
    long offsetMs = emittedSamples * 1000 / format.sampleRate();
    List<CharTiming> alignment = Alignments.fromWebSocket(message, offsetMs);
    emittedSamples += pcm.length / AudioFormat.BYTES_PER_SAMPLE;
    if (firstAudio && pcm.length > 0) {
      firstAudio = false;
      long t0 = firstTextNanos;
      if (t0 >= 0) {
        Duration latency = Duration.ofNanos(System.nanoTime() - t0);
        try {
          cfg.listener().ttsFirstByte(Errors.PROVIDER, latency);
        } catch (RuntimeException e) {
          log.debug("listener threw from ttsFirstByte", e);
        }
      }
    }
    if (pcm.length == 0 && alignment.isEmpty()) {
      return;
    }
    if (!buffer.submit(new TtsChunk(format, pcm, alignment))) {
      fail(
          new OverflowException(
              "elevenlabs: the audio subscriber fell behind by more than "
                  + cfg.maxBufferedChunks()
                  + " chunks (maxBufferedChunks); the utterance was stopped",
              cfg.maxBufferedChunks()));
    }
  }

  /** The server says this context is done (reader thread). */
  void onFinal() {
    synchronized (this) {
      closeContextSent = true; // the server closed it: nothing more to send
    }
    end();
    buffer.complete();
  }

  /** This utterance failed (error message for its context, overflow). */
  void fail(AudioPipelineException e) {
    synchronized (this) {
      if (!ended) {
        sendCloseContext();
      }
    }
    end();
    buffer.fail(e);
  }

  /** The shared connection closed or broke. */
  void connectionFailed(AudioPipelineException e) {
    synchronized (this) {
      ended = true;
    }
    buffer.fail(e);
  }

  private void end() {
    synchronized (this) {
      if (ended) {
        return;
      }
      ended = true;
    }
    conn.release(this);
  }

  private void sendCloseContext() {
    if (closeContextSent) {
      return;
    }
    closeContextSent = true;
    ObjectNode m = message();
    m.put("close_context", true);
    send(m);
  }

  private void sendText(ObjectNode m) {
    if (m.hasNonNull("text")) {
      textSent = true;
      if (firstTextNanos < 0) {
        firstTextNanos = System.nanoTime();
      }
    }
    send(m);
  }

  private void send(ObjectNode m) {
    lastSentNanos = System.nanoTime();
    // a closed or failing socket: the connection's close or failure handler reports why (it may
    // not have run yet: OkHttp refuses sends first); a full queue is ours to report
    if (conn.send(m) == WsConnection.Sent.QUEUE_FULL && !ended && !conn.isClosed()) {
      log.debug("context {}: could not send (outgoing queue full)", contextId);
      if (!tts.isClosed()) {
        buffer.fail(
            new ConnectionException(
                "elevenlabs: could not send to the WebSocket (more than 16 MiB queued)",
                new IOException("WebSocket.send returned false")));
      }
    }
  }

  private ObjectNode message() {
    ObjectNode m = tts.json().createObjectNode();
    m.put("context_id", contextId);
    return m;
  }

  private void checkWritable(String what) {
    if (closed) {
      throw new IllegalStateException(what + " after close()");
    }
    if (finished) {
      throw new IllegalStateException(what + " after finish()");
    }
  }

  private static int lastWhitespace(CharSequence s) {
    for (int i = s.length() - 1; i >= 0; i--) {
      if (Character.isWhitespace(s.charAt(i))) {
        return i;
      }
    }
    return -1;
  }

  @Override
  public String toString() {
    return "TtsStream{" + contextId + ", voice=" + conn.voiceId() + '}';
  }
}
