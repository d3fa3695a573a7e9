package dev.audiopipeline.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.audiopipeline.testing.FakeElevenLabsTtsServer.RecordedWsMessage;
import dev.audiopipeline.testing.FakeElevenLabsTtsServer.WebSocketFault;
import dev.audiopipeline.testing.FakeElevenLabsTtsServer.WsClose;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import mockwebserver3.RecordedRequest;
import okhttp3.Response;
import okhttp3.WebSocket;
import okhttp3.WebSocketListener;
import org.jspecify.annotations.Nullable;

/**
 * One WebSocket connection of {@link FakeElevenLabsTtsServer}: stream-input or multi-stream-input.
 */
final class FakeTtsWebSocketSession extends WebSocketListener {
  private static final int[] DEFAULT_SCHEDULE = {120, 160, 250, 290};
  private static final String SINGLE = "";

  private final FakeElevenLabsTtsServer server;
  private final int index;
  private final boolean multi;
  private final @Nullable WebSocketFault fault;
  private final String outputFormat;
  private final int inactivitySeconds;
  private final Duration inactivity;
  private final @Nullable String headerKey;
  private final @Nullable String queryAuthorization;
  private final int socketIndex;

  // guarded by this
  private @Nullable WebSocket socket;
  private boolean authenticated;
  private boolean closed;
  private boolean closeSocketRequested;
  private int audioMessages;
  private final Map<String, Context> contexts = new LinkedHashMap<>();

  private static final class Context {
    final StringBuilder buffer = new StringBuilder();
    int[] schedule = DEFAULT_SCHEDULE;
    int scheduleIndex;
    boolean initialized;
    @Nullable ObjectNode heldLast;
    @Nullable ScheduledFuture<?> timer;
  }

  FakeTtsWebSocketSession(
      FakeElevenLabsTtsServer server,
      int index,
      boolean multi,
      RecordedRequest request,
      @Nullable WebSocketFault fault,
      int socketIndex) {
    this.socketIndex = socketIndex;
    this.server = server;
    this.index = index;
    this.multi = multi;
    this.fault = fault;
    String format = request.getUrl().queryParameter("output_format");
    this.outputFormat = format == null ? "mp3_44100" : format;
    String timeout = request.getUrl().queryParameter("inactivity_timeout");
    this.inactivitySeconds = timeout == null ? 20 : Integer.parseInt(timeout);
    if (fault != null && fault.kind == WebSocketFault.Kind.INACTIVITY) {
      this.inactivity = fault.timeout;
    } else if (server.inactivityTimeout != null) {
      this.inactivity = server.inactivityTimeout;
    } else {
      this.inactivity = Duration.ofSeconds(inactivitySeconds);
    }
    this.headerKey = request.getHeaders().get("xi-api-key");
    this.queryAuthorization = request.getUrl().queryParameter("authorization");
  }

  synchronized int openContexts() {
    return closed ? 0 : contexts.size();
  }

  @Override
  public synchronized void onOpen(WebSocket webSocket, Response response) {
    this.socket = webSocket;
    if (headerKey != null || queryAuthorization != null) {
      String key = headerKey != null ? headerKey : stripBearer(queryAuthorization);
      if (!server.apiKey.equals(key)) {
        error("invalid_api_key", "Invalid API key");
        close(1008, "Invalid API key");
        return;
      }
      authenticated = true;
    }
    if (!multi) {
      armTimer(SINGLE, contexts.computeIfAbsent(SINGLE, k -> new Context()));
    }
  }

  @Override
  public synchronized void onMessage(WebSocket webSocket, String text) {
    RecordedWsMessage recorded = new RecordedWsMessage(index, multi, text);
    server.wsMessageLog.add(recorded);
    server.wsMessages.add(recorded);
    if (closed) {
      return;
    }
    JsonNode json;
    try {
      json = FakeElevenLabsTtsServer.JSON.readTree(text);
    } catch (IOException e) {
      error("invalid_request", "Invalid JSON message");
      close(1008, "Invalid JSON message");
      return;
    }
    if (fault != null && fault.kind == WebSocketFault.Kind.ERROR_AND_CLOSE) {
      error(fault.error, fault.message);
      close(1008, fault.message);
      return;
    }
    if (!authenticated) {
      String key = textOf(json, "xi_api_key");
      if (key == null) {
        key = textOf(json, "xi-api-key");
      }
      if (key == null) {
        key = stripBearer(textOf(json, "authorization"));
      }
      if (!server.apiKey.equals(key)) {
        error("invalid_api_key", "Invalid API key");
        close(1008, "Invalid API key");
        return;
      }
      authenticated = true;
    }
    if (!outputFormat.startsWith("pcm_") && !outputFormat.equals("ulaw_8000")) {
      error("invalid_output_format", "The fake speaks pcm_* and ulaw_8000 only: " + outputFormat);
      close(1008, "Unsupported output format");
      return;
    }
    if (multi) {
      onMultiMessage(json);
    } else {
      onSingleMessage(json);
    }
  }

  private void onSingleMessage(JsonNode json) {
    Context ctx = contexts.get(SINGLE);
    if (ctx == null) {
      return;
    }
    armTimer(SINGLE, ctx);
    String text = textOf(json, "text");
    if (text == null) {
      return;
    }
    if (!ctx.initialized) {
      // the first message opens the stream: its text must be a single space, and is not spoken
      if (!" ".equals(text)) {
        error("invalid_request", "The first message must be {\"text\":\" \"} with the settings.");
        close(1008, "policy violation");
        return;
      }
      ctx.initialized = true;
      applyGenerationConfig(json, ctx);
      return;
    }
    if (text.isEmpty()) {
      generate(SINGLE, ctx.buffer.toString());
      ctx.buffer.setLength(0);
      if (closed) {
        return;
      }
      ObjectNode fin = FakeElevenLabsTtsServer.JSON.createObjectNode();
      fin.putNull("audio");
      fin.put("isFinal", true);
      send(fin);
      close(1000, "");
      return;
    }
    applyGenerationConfig(json, ctx);
    accept(SINGLE, ctx, text, json.path("flush").asBoolean(false));
  }

  private void onMultiMessage(JsonNode json) {
    if (json.path("close_socket").asBoolean(false)) {
      if (contexts.isEmpty()) {
        close(1000, "");
      } else {
        closeSocketRequested = true;
      }
      return;
    }
    String id = textOf(json, "context_id");
    if (id == null) {
      id = textOf(json, "contextId");
    }
    if (id == null) {
      return; // a context-less keep-alive: nothing to do
    }
    String text = textOf(json, "text");
    Context ctx = contexts.get(id);
    if (ctx == null) {
      if (json.path("close_context").asBoolean(false)) {
        return;
      }
      if (!" ".equals(text)) {
        error(
            "invalid_request",
            "The first message of context " + id + " must be {\"text\":\" \"} with its settings.");
        close(1008, "policy violation");
        return;
      }
      if (contexts.size() >= server.maxContexts) {
        String message =
            "Maximum simultaneous contexts per WebSocket connection exceeded ("
                + server.maxContexts
                + "). Please close an existing context before opening a new one.";
        error("max_active_conversations", message);
        close(1008, message);
        return;
      }
      ctx = new Context();
      contexts.put(id, ctx);
      applyGenerationConfig(json, ctx);
      armTimer(id, ctx);
      return;
    }
    armTimer(id, ctx);
    if (json.path("close_context").asBoolean(false)
        && fault != null
        && fault.kind == WebSocketFault.Kind.IGNORE_CLOSE_CONTEXT) {
      cancelTimer(ctx);
      return;
    }
    if (json.path("close_context").asBoolean(false)) {
      // Text that was never flushed is dropped, as the service does.
      contexts.remove(id);
      cancelTimer(ctx);
      ObjectNode fin =
          ctx.heldLast != null ? ctx.heldLast : FakeElevenLabsTtsServer.JSON.createObjectNode();
      ctx.heldLast = null;
      fin.put("isFinal", true);
      fin.put(contextKey(), id);
      send(fin);
      if (closeSocketRequested && contexts.isEmpty()) {
        close(1000, "");
      }
      return;
    }
    boolean flush = json.path("flush").asBoolean(false);
    if (text == null) {
      text = "";
    }
    if (text.isEmpty() && !flush) {
      return; // keep-alive for this context
    }
    accept(id, ctx, text, flush);
    if (flush && !closed) {
      ObjectNode done = FakeElevenLabsTtsServer.JSON.createObjectNode();
      done.put("type", "flush_done");
      done.put(contextKey(), id);
      send(done);
    }
  }

  private void accept(String id, Context ctx, String text, boolean flush) {
    ctx.buffer.append(text);
    if (flush) {
      generate(id, ctx.buffer.toString());
      ctx.buffer.setLength(0);
      return;
    }
    int threshold = ctx.schedule[Math.min(ctx.scheduleIndex, ctx.schedule.length - 1)];
    if (ctx.buffer.length() >= threshold) {
      int cut = lastSpace(ctx.buffer) + 1;
      if (cut > 0) {
        String now = ctx.buffer.substring(0, cut);
        ctx.buffer.delete(0, cut);
        ctx.scheduleIndex++;
        generate(id, now);
      }
    }
  }

  private static int lastSpace(CharSequence s) {
    for (int i = s.length() - 1; i >= 0; i--) {
      if (Character.isWhitespace(s.charAt(i))) {
        return i;
      }
    }
    return -1;
  }

  private void applyGenerationConfig(JsonNode json, Context ctx) {
    JsonNode schedule = json.path("generation_config").path("chunk_length_schedule");
    if (schedule.isArray() && schedule.size() > 0) {
      int[] s = new int[schedule.size()];
      for (int i = 0; i < s.length; i++) {
        s[i] = schedule.get(i).asInt(120);
      }
      ctx.schedule = s;
    }
  }

  private void generate(String id, String text) {
    if (text.isEmpty() || closed) {
      return;
    }
    List<String> chars = FakeTtsVoice.characters(text);
    int per = Math.max(1, server.charsPerMessage);
    int ms = server.voice.charMillis();
    String startKey = server.legacyAlignmentKeys ? "charsStartTimesMs" : "charStartTimesMs";
    String durKey = server.legacyAlignmentKeys ? "charsDurationsMs" : "charDurationsMs";
    for (int start = 0; start < chars.size() && !closed; start += per) {
      int end = Math.min(chars.size(), start + per);
      String piece = String.join("", chars.subList(start, end));
      ObjectNode msg = FakeElevenLabsTtsServer.JSON.createObjectNode();
      msg.put("audio", Base64.getEncoder().encodeToString(server.render(piece, outputFormat)));
      msg.putNull("isFinal");
      ObjectNode alignment = FakeElevenLabsTtsServer.JSON.createObjectNode();
      ArrayNode cs = alignment.putArray("chars");
      ArrayNode st = alignment.putArray(startKey);
      ArrayNode du = alignment.putArray(durKey);
      for (int i = start; i < end; i++) {
        cs.add(chars.get(i));
        st.add((long) (i - start) * ms);
        du.add(ms);
      }
      msg.set("normalizedAlignment", alignment.deepCopy());
      msg.set("alignment", alignment);
      if (multi) {
        msg.put(contextKey(), id);
      }
      Context ctx = contexts.get(id);
      if (multi && server.finalInLastAudio && ctx != null) {
        ObjectNode previous = ctx.heldLast;
        ctx.heldLast = msg;
        if (previous == null) {
          continue;
        }
        msg = previous;
      }
      send(msg);
      audioMessages++;
      if (fault != null
          && fault.kind == WebSocketFault.Kind.DROP_AFTER_AUDIO
          && audioMessages >= fault.count) {
        drop();
        return;
      }
    }
  }

  private String contextKey() {
    return server.camelCaseContextId ? "contextId" : "context_id";
  }

  private void armTimer(String id, Context ctx) {
    cancelTimer(ctx);
    long nanos = inactivity.toNanos();
    ctx.timer = server.timer.schedule(() -> onInactive(id, ctx), nanos, TimeUnit.NANOSECONDS);
  }

  private static void cancelTimer(Context ctx) {
    ScheduledFuture<?> t = ctx.timer;
    if (t != null) {
      t.cancel(false);
      ctx.timer = null;
    }
  }

  private synchronized void onInactive(String id, Context ctx) {
    if (closed || contexts.get(id) != ctx) {
      return;
    }
    close(
        1008,
        "Have not received a new text input within the timeout of "
            + inactivitySeconds
            + " seconds. Streaming input terminated. Please make sure to either feed the input in"
            + " the timely manner, or to send the end of input text (empty string \"\") when"
            + " done.");
  }

  private void error(String error, String message) {
    ObjectNode msg = FakeElevenLabsTtsServer.JSON.createObjectNode();
    msg.put("message", message);
    msg.put("error", error);
    msg.put("code", 1008);
    send(msg);
  }

  private void send(ObjectNode msg) {
    WebSocket ws = socket;
    if (ws != null) {
      ws.send(msg.toString());
    }
  }

  /** Close frame with the reason cut to the 123 bytes a close frame can carry (as the service). */
  private void close(int code, String reason) {
    if (closed) {
      return;
    }
    closed = true;
    for (Context c : contexts.values()) {
      cancelTimer(c);
    }
    String cut = truncateUtf8(reason, 123);
    WebSocket ws = socket;
    if (ws != null) {
      ws.close(code, cut);
    }
    server.wsCloses.add(new WsClose(index, true, code, cut));
  }

  private void drop() {
    closed = true;
    for (Context c : contexts.values()) {
      cancelTimer(c);
    }
    WebSocket ws = socket;
    server.wsCloses.add(new WsClose(index, true, 1006, "dropped"));
    // The server side of MockWebServer's WebSocket cannot cancel(): cut the TCP connection, once
    // the messages sent so far have left (sends are queued for OkHttp's writer thread).
    server.timer.execute(
        () -> {
          long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(1);
          while (ws != null && ws.queueSize() > 0 && System.nanoTime() < deadline) {
            java.util.concurrent.locks.LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
          }
          try {
            server.sockets.accepted(socketIndex).close();
          } catch (IOException | IndexOutOfBoundsException e) {
            if (ws != null) {
              ws.close(1011, "fake: could not drop the connection");
            }
          }
        });
  }

  synchronized void cancel() {
    if (!closed) {
      drop();
    }
  }

  @Override
  public synchronized void onClosing(WebSocket webSocket, int code, String reason) {
    if (!closed) {
      closed = true;
      for (Context c : contexts.values()) {
        cancelTimer(c);
      }
      server.wsCloses.add(new WsClose(index, false, code, reason));
    }
    webSocket.close(1000, null);
  }

  @Override
  public synchronized void onFailure(
      WebSocket webSocket, Throwable t, @Nullable Response response) {
    if (!closed) {
      closed = true;
      for (Context c : contexts.values()) {
        cancelTimer(c);
      }
      server.wsCloses.add(new WsClose(index, false, 1006, String.valueOf(t.getMessage())));
    }
  }

  static String truncateUtf8(String s, int maxBytes) {
    byte[] b = s.getBytes(StandardCharsets.UTF_8);
    if (b.length <= maxBytes) {
      return s;
    }
    int end = maxBytes;
    while (end > 0 && (b[end] & 0xC0) == 0x80) {
      end--;
    }
    return new String(b, 0, end, StandardCharsets.UTF_8);
  }

  private static @Nullable String textOf(JsonNode json, String field) {
    JsonNode n = json.get(field);
    return n == null || n.isNull() ? null : n.asText();
  }

  private static @Nullable String stripBearer(@Nullable String s) {
    if (s == null) {
      return null;
    }
    return s.regionMatches(true, 0, "Bearer ", 0, 7) ? s.substring(7) : s;
  }
}
