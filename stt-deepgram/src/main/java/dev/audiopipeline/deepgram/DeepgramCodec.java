package dev.audiopipeline.deepgram;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.audiopipeline.ProviderException;
import dev.audiopipeline.TranscriptEvent;
import dev.audiopipeline.Word;
import dev.audiopipeline.spi.ProtocolCodec;
import dev.audiopipeline.spi.Secrets;
import dev.audiopipeline.spi.WebSocketConnection;
import dev.audiopipeline.spi.WebSocketHandler;
import dev.audiopipeline.spi.WebSocketRequest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Deepgram {@code /v1/listen}: binary linear16 frames, {@code KeepAlive}/{@code Finalize}/{@code
 * CloseStream} text frames, {@code Results}/{@code Metadata}/{@code SpeechStarted}/{@code
 * UtteranceEnd} from the server, errors as close frames. One instance per connection.
 */
final class DeepgramCodec implements ProtocolCodec {
  private static final Logger log = LoggerFactory.getLogger(DeepgramCodec.class);
  static final String KEEP_ALIVE = "{\"type\":\"KeepAlive\"}";
  static final String FINALIZE = "{\"type\":\"Finalize\"}";
  static final String CLOSE_STREAM = "{\"type\":\"CloseStream\"}";

  private final WebSocketRequest request;
  private final ObjectMapper mapper;
  private final Duration keepAliveAfter;
  private final @Nullable String language;
  private boolean endRequested;

  DeepgramCodec(
      WebSocketRequest request,
      ObjectMapper mapper,
      Duration keepAliveAfter,
      @Nullable String language) {
    this.request = request;
    this.mapper = mapper;
    this.keepAliveAfter = keepAliveAfter;
    this.language = language;
  }

  @Override
  public String provider() {
    return DeepgramSttProvider.NAME;
  }

  @Override
  public WebSocketRequest request() {
    return request;
  }

  @Override
  public boolean sendAudio(WebSocketConnection connection, byte[] pcm, int offset, int length) {
    if (length == 0) {
      return true; // never an empty binary frame: Deepgram reads it as "close"
    }
    return connection.sendBinary(pcm, offset, length);
  }

  @Override
  public Duration keepAliveAfter() {
    return keepAliveAfter;
  }

  @Override
  public int keepAliveSilenceMs(boolean audioSentOnConnection) {
    // KeepAlive alone does not prevent NET-0001 until some audio went out on the connection
    return audioSentOnConnection ? 0 : 100;
  }

  @Override
  public boolean sendKeepAlive(WebSocketConnection connection) {
    return connection.sendText(KEEP_ALIVE);
  }

  @Override
  public void flush(WebSocketConnection connection) {
    connection.sendText(FINALIZE);
  }

  @Override
  public void endOfStream(WebSocketConnection connection, Events events) {
    endRequested = true;
    connection.sendText(FINALIZE);
    connection.sendText(CLOSE_STREAM);
  }

  @Override
  public void onText(String text, Events events) throws Exception {
    JsonNode m = mapper.readTree(text);
    if (m == null || !m.isObject()) {
      throw new IllegalArgumentException("not a JSON object");
    }
    String type = m.path("type").asText("");
    switch (type) {
      case "Results" -> onResults(m, events);
      case "Metadata" -> {
        if (endRequested) {
          events.drained();
        }
      }
      case "SpeechStarted", "UtteranceEnd" -> log.trace("deepgram {}", type);
      case "Error" -> {
        String desc = m.path("description").asText(m.path("message").asText("error"));
        String variant = m.path("variant").asText(null);
        events.error(
            new ProviderException(
                provider(),
                "server error: " + Secrets.serverText(desc),
                ProviderException.NONE,
                ProviderException.NONE,
                variant,
                true,
                null));
      }
      default -> log.debug("deepgram: ignoring message type '{}'", Secrets.serverText(type));
    }
  }

  private void onResults(JsonNode m, Events events) {
    double start = requireNumber(m, "start");
    double duration = m.path("duration").asDouble(0);
    boolean isFinal = m.path("is_final").asBoolean(false);
    JsonNode alt = m.path("channel").path("alternatives").path(0);
    String transcript = alt.path("transcript").asText("");
    long startMs = Math.round(start * 1000);
    long endMs = Math.round((start + duration) * 1000);
    if (!transcript.isBlank()) {
      List<Word> words = new ArrayList<>();
      for (JsonNode w : alt.path("words")) {
        String t = w.path("punctuated_word").asText(w.path("word").asText(""));
        long ws = Math.round(w.path("start").asDouble(0) * 1000);
        long we = Math.max(ws, Math.round(w.path("end").asDouble(0) * 1000));
        Double conf = w.has("confidence") ? w.path("confidence").asDouble() : null;
        words.add(new Word(t, ws, we, conf));
      }
      long segStart = words.isEmpty() ? startMs : words.get(0).startMs();
      long segEnd = words.isEmpty() ? endMs : words.get(words.size() - 1).endMs();
      String lang = alt.path("languages").path(0).asText(language);
      Double conf = alt.has("confidence") ? alt.path("confidence").asDouble() : null;
      events.result(
          new TranscriptEvent.Result(
              isFinal,
              transcript,
              segStart,
              Math.max(segStart, segEnd),
              lang,
              conf,
              words,
              Long.toString(startMs)));
    }
    if (isFinal) {
      events.finalizedUpTo(endMs);
    }
  }

  private static double requireNumber(JsonNode m, String field) {
    JsonNode n = m.get(field);
    if (n == null || !n.isNumber()) {
      throw new IllegalArgumentException("Results without numeric '" + field + "'");
    }
    return n.asDouble();
  }

  @Override
  public @Nullable ProviderException onClose(int code, String reason, boolean endRequested) {
    if (code == 1000 && endRequested) {
      return null;
    }
    String text =
        "server closed the connection"
            + (reason.isEmpty() ? "" : ": " + Secrets.serverText(reason));
    String type =
        reason.contains("NET-0001") || reason.contains("net0001")
            ? "NET-0001"
            : reason.contains("NET-0000")
                ? "NET-0000"
                : reason.contains("DATA-0000") ? "DATA-0000" : null;
    if ("DATA-0000".equals(type) || code == 1002) {
      return new ProviderException(
          provider(),
          "server could not decode the audio (check encoding and sample_rate)",
          ProviderException.NONE,
          code,
          type,
          false,
          null);
    }
    // 1008 "Invalid credentials", 4001, 4003: a bad key is not retried (nor is 4002, credits)
    ProviderException account = ProtocolCodec.classifyAccountClose(provider(), code, reason, text);
    if (account != null) {
      return account;
    }
    // any other policy violation (1008) or application-defined 4xxx refusal (but "too many
    // requests" 4029 and "timeout" 4008): retrying would repeat it
    boolean retryable =
        code != 1008 && (code < 4000 || code > 4999 || code == 4029 || code == 4008);
    return new ProviderException(
        provider(), text, ProviderException.NONE, code, type, retryable, null);
  }

  @Override
  public ProviderException onHandshakeFailure(WebSocketHandler.HttpFailure failure) {
    Map<String, String> h = failure.headers();
    String errType = null;
    String msg = h.get("dg-error");
    try {
      JsonNode b = mapper.readTree(failure.body());
      if (b != null && b.isObject()) {
        errType =
            b.hasNonNull("err_code")
                ? b.get("err_code").asText()
                : b.hasNonNull("category") ? b.get("category").asText() : null;
        if (b.hasNonNull("err_msg")) {
          msg = b.get("err_msg").asText();
        } else if (b.hasNonNull("message")) {
          msg = b.get("message").asText();
        }
      }
    } catch (Exception e) {
      // body is not JSON: keep the header message
    }
    String requestId = h.get("dg-request-id");
    String text =
        "upgrade refused"
            + (msg != null ? ": " + Secrets.serverText(msg) : "")
            + (requestId != null ? " (dg-request-id " + Secrets.serverText(requestId) + ")" : "");
    return ProtocolCodec.classifyHttp(provider(), failure.status(), text, errType);
  }
}
