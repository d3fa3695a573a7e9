package dev.audiopipeline.elevenlabs.tts;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.audiopipeline.AudioPipelineException;
import dev.audiopipeline.ConnectionException;
import dev.audiopipeline.ProviderException;
import dev.audiopipeline.spi.WebSocketConnection;
import dev.audiopipeline.spi.WebSocketHandler;
import dev.audiopipeline.spi.WebSocketRequest;
import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import okhttp3.HttpUrl;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One {@code multi-stream-input} WebSocket for one voice, shared by up to {@code
 * maxContextsPerConnection} utterances ({@link WsStream}s, one context each). Routes audio and
 * {@code isFinal} by {@code context_id} (or the older {@code contextId}); a close or failure fails
 * every open utterance once. Sends keep-alives for utterances waiting for text, and closes itself
 * after {@code connectionIdleTimeout} without utterances. The socket is the project's one WebSocket
 * transport ({@code OkHttpWebSocketTransport}); this class is its handler.
 */
final class WsConnection implements WebSocketHandler {
  private static final Logger log = LoggerFactory.getLogger(WsConnection.class);

  private final ElevenLabsTts tts;
  private final TtsConfig cfg;
  private final String voiceId;
  private final String name;
  private final Object lock = new Object();

  // guarded by lock
  private final Map<String, WsStream> contexts = new LinkedHashMap<>();
  private int reserved;
  private boolean closed;
  private @Nullable AudioPipelineException failure;
  private @Nullable String lastErrorType;
  private @Nullable String lastErrorMessage;
  private @Nullable ScheduledFuture<?> idleClose;
  private @Nullable ScheduledFuture<?> keepAlive;

  private volatile @Nullable WebSocketConnection socket;
  private long connectStartNanos;

  WsConnection(ElevenLabsTts tts, TtsConfig cfg, String voiceId, int id) {
    this.tts = tts;
    this.cfg = cfg;
    this.voiceId = voiceId;
    this.name = tts.instanceName() + "-ws-" + id;
  }

  String voiceId() {
    return voiceId;
  }

  /** Takes a context slot if this connection is open and not full. */
  boolean tryReserve() {
    synchronized (lock) {
      if (closed || reserved >= cfg.maxContextsPerConnection()) {
        return false;
      }
      reserved++;
      ScheduledFuture<?> idle = idleClose;
      if (idle != null) {
        idle.cancel(false);
        idleClose = null;
      }
      return true;
    }
  }

  /**
   * Registers a reserved utterance; false (and the reason handed to it) if the socket died
   * meanwhile.
   */
  boolean register(WsStream stream) {
    AudioPipelineException f;
    synchronized (lock) {
      if (!closed) {
        contexts.put(stream.contextId(), stream);
        return true;
      }
      f =
          failure != null
              ? failure
              : new AudioPipelineException("elevenlabs: the connection is closed");
    }
    stream.connectionFailed(f);
    return false;
  }

  /** The utterance is over (final audio, cancelled, failed): frees its slot. */
  void release(WsStream stream) {
    synchronized (lock) {
      if (contexts.remove(stream.contextId()) == null) {
        return;
      }
      reserved--;
      if (reserved == 0 && !closed) {
        try {
          idleClose =
              tts.scheduler()
                  .schedule(
                      this::closeIfIdle,
                      cfg.connectionIdleTimeout().toNanos(),
                      TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException e) {
          // the provider is closing: shutdown() closes this connection
        }
      }
    }
  }

  void connect() {
    HttpUrl.Builder url =
        cfg.webSocketBaseUrl()
            .newBuilder()
            .addPathSegments("v1/text-to-speech")
            .addPathSegment(voiceId)
            .addPathSegment("multi-stream-input")
            .addQueryParameter("model_id", cfg.modelId())
            .addQueryParameter("output_format", cfg.outputFormat().value())
            .addQueryParameter(
                "inactivity_timeout", Long.toString(cfg.inactivityTimeout().getSeconds()))
            .addQueryParameter("sync_alignment", "true")
            .addQueryParameter("auto_mode", Boolean.toString(cfg.autoMode()))
            .addQueryParameter("enable_logging", Boolean.toString(cfg.enableLogging()));
    if (cfg.languageCode() != null) {
      url.addQueryParameter("language_code", cfg.languageCode());
    }
    if (cfg.applyTextNormalization() != null) {
      url.addQueryParameter("apply_text_normalization", cfg.applyTextNormalization());
    }
    if (cfg.seed() != null) {
      url.addQueryParameter("seed", cfg.seed().toString());
    }
    HttpUrl http = url.build();
    // the transport speaks ws(s); OkHttp maps them back to http(s) for the upgrade request
    URI uri =
        URI.create(
            (http.isHttps() ? "wss" : "ws") + http.toString().substring(http.scheme().length()));
    WebSocketRequest request = WebSocketRequest.of(uri, Map.of("xi-api-key", cfg.apiKey()));
    connectStartNanos = System.nanoTime();
    listenerCall(() -> cfg.listener().connectStart(Errors.PROVIDER, name));
    log.debug("{}: connecting to {}", name, http.redact());
    socket = tts.transport().open(request, this);
    if (!cfg.keepAliveInterval().isZero()) {
      long period =
          Math.max(TimeUnit.MILLISECONDS.toNanos(10), cfg.keepAliveInterval().toNanos() / 2);
      synchronized (lock) {
        try {
          keepAlive =
              tts.scheduler()
                  .scheduleWithFixedDelay(this::keepAlive, period, period, TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException e) {
          // the provider is closing: shutdown() closes this connection
        }
      }
    }
  }

  boolean isClosed() {
    synchronized (lock) {
      return closed;
    }
  }

  /** What became of a message handed to {@link #send}. */
  enum Sent {
    SENT,
    /**
     * The socket is closed or failing. OkHttp refuses messages as soon as it has seen the failure,
     * before it calls {@code onFailure}/{@code onClosing}: that callback reports why (a refused
     * handshake's authentication error, the server's close reason) to every open utterance.
     */
    CLOSED,
    /** OkHttp's outgoing queue (16 MiB) is full: the sender's own failure to report. */
    QUEUE_FULL
  }

  /** OkHttp's limit on queued outgoing bytes ({@code RealWebSocket.MAX_QUEUE_SIZE}). */
  private static final long MAX_QUEUE_BYTES = 16L * 1024 * 1024;

  /** Sends one JSON message. */
  Sent send(ObjectNode message) {
    WebSocketConnection ws = socket;
    if (ws == null) {
      return Sent.CLOSED;
    }
    synchronized (lock) {
      if (closed) {
        return Sent.CLOSED;
      }
    }
    String text = message.toString();
    if (ws.sendText(text)) {
      return Sent.SENT;
    }
    long bytes = text.getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
    return ws.queueSize() + bytes > MAX_QUEUE_BYTES ? Sent.QUEUE_FULL : Sent.CLOSED;
  }

  private void keepAlive() {
    List<WsStream> open;
    synchronized (lock) {
      if (closed) {
        return;
      }
      open = new ArrayList<>(contexts.values());
    }
    long now = System.nanoTime();
    for (WsStream s : open) {
      s.keepAliveIfIdle(now, cfg.keepAliveInterval().toNanos());
    }
  }

  private void closeIfIdle() {
    closeSocket("idle", true);
  }

  /** The provider is closing: end every utterance and close the socket. */
  void shutdown() {
    List<WsStream> open;
    synchronized (lock) {
      open = new ArrayList<>(contexts.values());
    }
    for (WsStream s : open) {
      s.close();
    }
    closeSocket("client closed", false);
  }

  /**
   * Closes the socket. With {@code onlyIfIdle}, only if no utterance holds a slot: checked under
   * the same lock as {@link #tryReserve()}, so an utterance opening now is never cut off.
   */
  private void closeSocket(String reason, boolean onlyIfIdle) {
    List<WsStream> orphans;
    synchronized (lock) {
      if (closed || (onlyIfIdle && reserved > 0)) {
        return;
      }
      if (onlyIfIdle) {
        log.debug("{}: idle for {} ms, closing", name, cfg.connectionIdleTimeout().toMillis());
      }
      ObjectNode bye = tts.json().createObjectNode();
      bye.put("close_socket", true);
      WebSocketConnection ws = socket;
      if (ws != null) {
        ws.sendText(bye.toString());
        ws.close(1000, reason);
      }
      orphans = markClosed(new AudioPipelineException("elevenlabs: connection closed: " + reason));
    }
    tts.connectionClosed(this);
    for (WsStream s : orphans) {
      s.connectionFailed(new AudioPipelineException("elevenlabs: connection closed: " + reason));
    }
  }

  /** Under lock: marks closed, stops timers, returns the utterances that were still open. */
  private List<WsStream> markClosed(AudioPipelineException why) {
    closed = true;
    failure = why;
    if (idleClose != null) {
      idleClose.cancel(false);
    }
    if (keepAlive != null) {
      keepAlive.cancel(false);
    }
    List<WsStream> open = new ArrayList<>(contexts.values());
    contexts.clear();
    reserved = 0;
    return open;
  }

  private void failAll(AudioPipelineException why) {
    List<WsStream> open;
    synchronized (lock) {
      if (closed) {
        return;
      }
      open = markClosed(why);
    }
    tts.connectionClosed(this);
    if (!open.isEmpty()) {
      log.debug("{}: failing {} open utterance(s): {}", name, open.size(), why.getMessage());
    }
    for (WsStream s : open) {
      s.connectionFailed(why);
    }
  }

  @Override
  public void onOpen(WebSocketConnection connection, Map<String, String> responseHeaders) {
    if (socket == null) {
      socket = connection;
    }
    Duration took = Duration.ofNanos(System.nanoTime() - connectStartNanos);
    log.info("{}: connected to ElevenLabs TTS (voice {}) in {} ms", name, voiceId, took.toMillis());
    listenerCall(() -> cfg.listener().connectEnd(Errors.PROVIDER, name, took));
  }

  @Override
  public void onBinary(byte[] data) {
    log.debug(
        "{}: skipping a binary message ({} bytes): the protocol speaks JSON", name, data.length);
  }

  @Override
  public void onText(String text) {
    JsonNode m;
    try {
      m = tts.json().readTree(text);
    } catch (IOException e) {
      log.debug("{}: skipping a message that is not JSON ({} chars)", name, text.length());
      return;
    }
    if (!m.isObject()) {
      log.debug("{}: skipping a JSON message that is not an object", name);
      return;
    }
    String ctx = Errors.textOrNull(m.get("context_id"));
    if (ctx == null) {
      ctx = Errors.textOrNull(m.get("contextId"));
    }
    boolean hasAudio = m.hasNonNull("audio");
    boolean isFinal = m.path("isFinal").asBoolean(false) || m.path("is_final").asBoolean(false);
    if (m.hasNonNull("error") || (m.hasNonNull("message") && !hasAudio && !isFinal)) {
      String type = Errors.textOrNull(m.get("error"));
      String message = Errors.textOrNull(m.get("message"));
      log.debug(
          "{}: error message [{}] for context {}",
          name,
          type == null ? null : Errors.redact(type, cfg.apiKey()),
          ctx == null ? null : Errors.redact(ctx, cfg.apiKey()));
      WsStream target;
      synchronized (lock) {
        lastErrorType = type;
        lastErrorMessage = message;
        target = ctx == null ? null : contexts.get(ctx);
      }
      if (target != null) {
        target.fail(Errors.fromClose(ProviderException.NONE, "", type, message, cfg.apiKey()));
      }
      return;
    }
    if ("flush_done".equals(Errors.textOrNull(m.get("type")))) {
      return;
    }
    WsStream stream;
    synchronized (lock) {
      stream =
          ctx != null
              ? contexts.get(ctx)
              : contexts.size() == 1 ? contexts.values().iterator().next() : null;
    }
    if (stream == null) {
      log.trace(
          "{}: message for context {} that is no longer open",
          name,
          Errors.redact(String.valueOf(ctx), cfg.apiKey()));
      return;
    }
    if (hasAudio) {
      String b64 = m.get("audio").asText();
      if (!b64.isEmpty()) {
        byte[] wire;
        try {
          wire = Base64.getDecoder().decode(b64);
        } catch (IllegalArgumentException e) {
          log.debug("{}: skipping audio that is not base64", name);
          return;
        }
        stream.onAudio(wire, m);
      }
    }
    if (isFinal) {
      stream.onFinal();
    }
  }

  @Override
  public void onClosing(int code, String reason) {
    // The transport has answered the close, so send() already returns false: a stream sending
    // now sees Sent.CLOSED (not a full queue) and leaves the reporting to this callback, which
    // hands every open utterance the server's reason.
    onServerClose(code, reason);
  }

  @Override
  public void onClosed(int code, String reason) {
    onServerClose(code, reason);
  }

  private void onServerClose(int code, String reason) {
    String type;
    String message;
    synchronized (lock) {
      if (closed) {
        return;
      }
      type = lastErrorType;
      message = lastErrorMessage;
    }
    ProviderException e = Errors.fromClose(code, reason, type, message, cfg.apiKey());
    log.info("{}: closed by ElevenLabs with code {}", name, code);
    failAll(e);
  }

  @Override
  public void onFailure(Throwable t, WebSocketHandler.@Nullable HttpFailure response) {
    AudioPipelineException e;
    if (response != null) {
      e = Errors.fromHandshake(tts.json(), response.status(), response.body(), cfg.apiKey());
    } else if (t instanceof IOException) {
      e =
          new ConnectionException(
              "elevenlabs: WebSocket failed: "
                  + Errors.redact(String.valueOf(t.getMessage()), cfg.apiKey()),
              (IOException) t);
    } else {
      e = new AudioPipelineException("elevenlabs: WebSocket failed: " + t, t);
    }
    boolean wasClosed;
    synchronized (lock) {
      wasClosed = closed;
    }
    if (!wasClosed) {
      log.info("{}: connection failed: {}", name, e.getMessage());
    }
    failAll(e);
  }

  private static void listenerCall(Runnable r) {
    try {
      r.run();
    } catch (RuntimeException e) {
      log.debug("listener threw", e);
    }
  }
}
