package dev.audiopipeline.elevenlabs.stt;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.audiopipeline.AuthenticationException;
import dev.audiopipeline.ProviderException;
import dev.audiopipeline.QuotaExceededException;
import dev.audiopipeline.TranscriptEvent;
import dev.audiopipeline.Word;
import dev.audiopipeline.spi.ProtocolCodec;
import dev.audiopipeline.spi.Secrets;
import dev.audiopipeline.spi.WebSocketConnection;
import dev.audiopipeline.spi.WebSocketHandler;
import dev.audiopipeline.spi.WebSocketRequest;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * ElevenLabs Scribe v2 realtime: JSON text frames both ways, audio base64 in {@code
 * input_audio_chunk}, a commit is an empty chunk with {@code commit:true} (sent only with at least
 * 0.3 s of uncommitted audio, else the server throttles and closes). Emits exactly one final per
 * commit: with timestamps or language detection the timed twin is the final and the plain {@code
 * committed_transcript} is dropped, in whichever order they arrive. One instance per connection.
 */
final class ElevenLabsSttCodec implements ProtocolCodec {
  private static final Logger log = LoggerFactory.getLogger(ElevenLabsSttCodec.class);
  static final double MIN_COMMIT_SECONDS = 0.3;

  private final WebSocketRequest request;
  private final ObjectMapper mapper;
  private final int sampleRate;
  private final boolean expectTimed;
  private final Duration keepAliveAfter;
  private final @Nullable String language;
  private final String chunkPrefix;
  private final String chunkSuffix;
  private final String commitMessage;

  /**
   * VAD mode, after the answer to the end commit: a server VAD commit may have been answered just
   * before ours, so the end is the first {@code END_QUIET} without a message after an answer
   * (commit answers take 200–400 ms). Never instead of an answer: without one, the session's finish
   * timeout fails it.
   */
  static final Duration END_QUIET = Duration.ofSeconds(1);

  private final boolean vad;
  private long samplesSent;
  private long uncommittedFrom; // lower bound: no commit covers audio after this position
  private long lastCommitAtLeast; // upper bound of uncommitted starts here (samples)
  private final ArrayDeque<Long> pendingCommits = new ArrayDeque<>();
  private long segmentStartMs;
  private int segment;
  private int plainCount;
  private int timedCount;

  /**
   * Plain committed transcripts waiting for their timed twin, oldest first. Twins of consecutive
   * commits may interleave (plain 2, plain 3, timed 2, timed 3: a VAD commit followed closely by
   * ours), so each timed message pairs with the oldest waiting plain.
   */
  private final ArrayDeque<String> pendingPlains = new ArrayDeque<>();

  /** More waiting plains than this: the oldest one's twin is not coming. */
  private static final int MAX_PENDING_PLAINS = 2;

  private boolean endRequested;
  private boolean awaitingEndAnswer; // VAD mode: our end commit is not answered yet

  ElevenLabsSttCodec(
      WebSocketRequest request,
      ObjectMapper mapper,
      int sampleRate,
      boolean expectTimed,
      boolean vad,
      Duration keepAliveAfter,
      @Nullable String language) {
    this.request = request;
    this.vad = vad;
    this.mapper = mapper;
    this.sampleRate = sampleRate;
    this.expectTimed = expectTimed;
    this.keepAliveAfter = keepAliveAfter;
    this.language = language;
    this.chunkPrefix = "{\"message_type\":\"input_audio_chunk\",\"audio_base_64\":\"";
    this.chunkSuffix = "\",\"commit\":false,\"sample_rate\":" + sampleRate + "}";
    this.commitMessage =
        "{\"message_type\":\"input_audio_chunk\",\"audio_base_64\":\"\","
            + "\"commit\":true,\"sample_rate\":"
            + sampleRate
            + "}";
  }

  @Override
  public String provider() {
    return ElevenLabsSttProvider.NAME;
  }

  @Override
  public WebSocketRequest request() {
    return request;
  }

  @Override
  public boolean readyOnOpen() {
    return false; // wait for session_started
  }

  @Override
  public double maxRealtimeFactor() {
    return 2.0; // no published ingest limit; replay at twice real time after the burst
  }

  private static final byte[] BASE64 =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
          .getBytes(StandardCharsets.ISO_8859_1);

  /** The audio message as ASCII bytes, reused: prefix, base64 of the chunk, suffix. */
  private byte[] message = new byte[0];

  private byte @Nullable [] suffixBytes;

  /**
   * Builds {@code chunkPrefix + base64(pcm) + chunkSuffix} in one reused array and makes the one
   * String the connection takes from it (no intermediate buffers, char arrays or concatenations).
   */
  String audioMessage(byte[] pcm, int offset, int length) {
    byte[] suffix = suffixBytes;
    if (suffix == null) {
      suffix = chunkSuffix.getBytes(StandardCharsets.ISO_8859_1);
      suffixBytes = suffix;
    }
    int prefix = chunkPrefix.length();
    int encoded = 4 * ((length + 2) / 3);
    int total = prefix + encoded + suffix.length;
    byte[] m = message;
    if (m.length < total) {
      m = new byte[total];
      byte[] p = chunkPrefix.getBytes(StandardCharsets.ISO_8859_1);
      System.arraycopy(p, 0, m, 0, prefix);
      message = m;
    }
    int o = prefix;
    int end = offset + length - length % 3;
    int i = offset;
    for (; i < end; i += 3) {
      int v = (pcm[i] & 0xff) << 16 | (pcm[i + 1] & 0xff) << 8 | (pcm[i + 2] & 0xff);
      m[o] = BASE64[v >>> 18];
      m[o + 1] = BASE64[(v >>> 12) & 63];
      m[o + 2] = BASE64[(v >>> 6) & 63];
      m[o + 3] = BASE64[v & 63];
      o += 4;
    }
    int rest = offset + length - i;
    if (rest > 0) {
      int v = (pcm[i] & 0xff) << 16 | (rest == 2 ? (pcm[i + 1] & 0xff) << 8 : 0);
      m[o] = BASE64[v >>> 18];
      m[o + 1] = BASE64[(v >>> 12) & 63];
      m[o + 2] = rest == 2 ? BASE64[(v >>> 6) & 63] : (byte) '=';
      m[o + 3] = '=';
      o += 4;
    }
    System.arraycopy(suffix, 0, m, o, suffix.length);
    return new String(m, 0, total, StandardCharsets.ISO_8859_1);
  }

  @Override
  public boolean sendAudio(WebSocketConnection connection, byte[] pcm, int offset, int length) {
    String json = audioMessage(pcm, offset, length);
    if (!connection.sendText(json)) {
      return false;
    }
    samplesSent += length / 2;
    return true;
  }

  @Override
  public Duration keepAliveAfter() {
    return keepAliveAfter;
  }

  @Override
  public int keepAliveSilenceMs(boolean audioSentOnConnection) {
    return 100; // Scribe closes sockets that get no audio for ~15 s; an empty chunk may not count
  }

  private double uncommittedSeconds() {
    return (samplesSent - uncommittedFrom) / (double) sampleRate;
  }

  private boolean commitIfEnough(WebSocketConnection connection) {
    if (uncommittedSeconds() < MIN_COMMIT_SECONDS) {
      log.debug("elevenlabs: commit skipped, only {} s uncommitted", uncommittedSeconds());
      return false;
    }
    sendCommit(connection);
    return true;
  }

  private void sendCommit(WebSocketConnection connection) {
    connection.sendText(commitMessage);
    if (!vad) {
      // with server VAD, commits we did not send answer too: positions cannot be matched
      pendingCommits.add(samplesSent);
    }
    uncommittedFrom = samplesSent;
    lastCommitAtLeast = samplesSent;
  }

  @Override
  public void flush(WebSocketConnection connection) {
    commitIfEnough(connection);
  }

  @Override
  public void endOfStream(WebSocketConnection connection, Events events) {
    endRequested = true;
    if (!vad) {
      commitIfEnough(connection); // only our commits exist: the count is exact
      checkDrained(events);
      return;
    }
    // VAD mode: the server may have committed (or be committing) audio we have not heard about.
    // Commit unless it is certain that less than 0.3 s is uncommitted; a throttled commit is
    // answered in order, after any committed transcript in flight, so it also means "drained".
    if ((samplesSent - lastCommitAtLeast) / (double) sampleRate >= MIN_COMMIT_SECONDS) {
      sendCommit(connection);
      awaitingEndAnswer = true; // the end is its answer (a committed transcript), then quiet
    } else {
      events.drainedWhenQuiet(END_QUIET); // nothing to ask for: only VAD answers in flight
    }
  }

  /** VAD mode: a committed transcript after the end commit is (or precedes) its answer. */
  private void endAnswered(Events events) {
    if (vad && endRequested && awaitingEndAnswer) {
      awaitingEndAnswer = false;
      events.drainedWhenQuiet(END_QUIET);
    }
  }

  /** Called after every event that may complete the end of stream. */
  private void checkDrained(Events events) {
    if (!vad && endRequested && pendingCommits.isEmpty() && pendingPlains.isEmpty()) {
      events.drained();
    }
  }

  @Override
  public void onText(String text, Events events) throws Exception {
    JsonNode m = mapper.readTree(text);
    if (m == null || !m.isObject()) {
      throw new IllegalArgumentException("not a JSON object");
    }
    String type = m.path("message_type").asText("");
    switch (type) {
      case "session_started" -> {
        log.debug(
            "elevenlabs: session {} started", Secrets.serverText(m.path("session_id").asText("?")));
        events.ready();
        checkDrained(events);
      }
      case "partial_transcript" -> {
        String t = requireText(m);
        if (!t.isBlank()) {
          long end = Math.max(segmentStartMs, events.audioSentMs());
          events.result(
              new TranscriptEvent.Result(
                  false, t, segmentStartMs, end, language, null, List.of(), "s" + segment));
        }
      }
      case "committed_transcript" -> {
        String t = requireText(m);
        plainCount++;
        if (!expectTimed) {
          emitFinal(t, List.of(), null, null, events);
        } else if (plainCount > timedCount) { // else its timed twin came first
          pendingPlains.add(t);
          if (pendingPlains.size() > MAX_PENDING_PLAINS) {
            // the oldest plain's twin never came: it is the final, and counts as twinned
            emitFinal(pendingPlains.poll(), List.of(), null, null, events);
            timedCount++;
          }
        }
        checkDrained(events);
        endAnswered(events);
      }
      case "committed_transcript_with_timestamps" -> {
        String t = requireText(m);
        if (!expectTimed) {
          endAnswered(events);
          return;
        }
        timedCount++;
        if (timedCount <= plainCount) {
          pendingPlains.poll(); // its plain twin came first (the oldest waiting one)
        }
        List<Word> words = new ArrayList<>();
        List<Double> logprobs = new ArrayList<>();
        for (JsonNode w : m.path("words")) {
          String wt = w.path("type").asText("word");
          if (!wt.equals("word")) {
            continue;
          }
          // within the audio sent: hostile numbers must not move the commit bookkeeping
          long sent = events.audioSentMs();
          long s = Math.max(0, Math.min(sent, Math.round(w.path("start").asDouble(0) * 1000)));
          long e = Math.max(s, Math.min(sent, Math.round(w.path("end").asDouble(0) * 1000)));
          words.add(new Word(w.path("text").asText(""), s, e, null));
          if (w.hasNonNull("logprob")) {
            logprobs.add(w.get("logprob").asDouble());
          }
        }
        Double conf = null;
        if (!logprobs.isEmpty()) {
          conf = Math.exp(logprobs.stream().mapToDouble(Double::doubleValue).average().orElse(0));
        }
        String lang = m.hasNonNull("language_code") ? m.get("language_code").asText() : null;
        emitFinal(t, words, lang, conf, events);
        checkDrained(events);
        endAnswered(events);
      }
      case "committed_transcript_entities" -> log.trace("elevenlabs: entities");
      case "commit_throttled" -> {
        log.warn("elevenlabs: commit throttled: {}", errorText(m));
        pendingCommits.pollLast();
        if (endRequested) {
          pendingCommits.clear();
          flushPendingPlain(events);
          events.drained();
        }
      }
      default -> {
        if (m.has("error")
            || type.endsWith("_error")
            || type.equals("error")
            || ERROR_TYPES.contains(type)) {
          events.error(classify(type, errorText(m), ProviderException.NONE));
        } else {
          log.debug("elevenlabs: ignoring message type '{}'", Secrets.serverText(type));
        }
      }
    }
  }

  private static final java.util.Set<String> ERROR_TYPES =
      java.util.Set.of(
          "auth_error",
          "quota_exceeded",
          "quota_exceeded_error",
          "unaccepted_terms",
          "unaccepted_terms_error",
          "rate_limited",
          "queue_overflow",
          "resource_exhausted",
          "session_time_limit_exceeded",
          "input_error",
          "chunk_size_exceeded",
          "insufficient_audio_activity",
          "transcriber_error",
          "error");

  private static String requireText(JsonNode m) {
    JsonNode t = m.get("text");
    if (t == null || !t.isTextual()) {
      throw new IllegalArgumentException(
          Secrets.serverText(m.path("message_type").asText()) + " without text");
    }
    return t.asText();
  }

  private static String errorText(JsonNode m) {
    return Secrets.serverText(m.path("error").asText(m.path("message").asText("(no message)")));
  }

  private void flushPendingPlain(Events events) {
    while (!pendingPlains.isEmpty()) {
      emitFinal(pendingPlains.poll(), List.of(), null, null, events);
    }
  }

  private void emitFinal(
      String text, List<Word> words, @Nullable String lang, @Nullable Double conf, Events events) {
    Long commitPos = pendingCommits.poll();
    long sentMs = events.audioSentMs();
    long start = words.isEmpty() ? segmentStartMs : words.get(0).startMs();
    long end =
        words.isEmpty()
            ? (commitPos != null ? commitPos * 1000 / sampleRate : sentMs)
            : words.get(words.size() - 1).endMs();
    end = Math.max(start, end);
    if (!text.isBlank()) {
      events.result(
          new TranscriptEvent.Result(
              true,
              text.strip(),
              start,
              end,
              lang != null ? lang : language,
              conf,
              words,
              "s" + segment));
    }
    if (commitPos != null) {
      events.finalizedUpTo(commitPos * 1000 / sampleRate);
    } else if (!words.isEmpty()) {
      events.finalizedUpTo(end);
    }
    segmentStartMs = commitPos != null ? commitPos * 1000 / sampleRate : end;
    uncommittedFrom = Math.max(uncommittedFrom, samplesSent);
    if (commitPos != null) {
      lastCommitAtLeast = Math.max(lastCommitAtLeast, commitPos);
    } else if (!words.isEmpty()) {
      lastCommitAtLeast = Math.max(lastCommitAtLeast, end * sampleRate / 1000);
    }
    segment++;
  }

  private ProviderException classify(String type, String message, int closeCode) {
    String msg = "server error: " + message;
    return switch (type) {
      case "auth_error" ->
          new AuthenticationException(
              provider(), msg, ProviderException.NONE, closeCode, type, null);
      case "quota_exceeded", "quota_exceeded_error" ->
          new QuotaExceededException(
              provider(), msg, ProviderException.NONE, closeCode, type, null);
      case "unaccepted_terms", "unaccepted_terms_error", "input_error", "chunk_size_exceeded" ->
          new ProviderException(
              provider(), msg, ProviderException.NONE, closeCode, type, false, null);
      default ->
          new ProviderException(
              provider(), msg, ProviderException.NONE, closeCode, type, true, null);
    };
  }

  @Override
  public @Nullable ProviderException onClose(int code, String reason, boolean endRequested) {
    if (code == 1000 && endRequested) {
      return null;
    }
    if (ERROR_TYPES.contains(reason)) {
      return classify(reason, "connection closed with reason " + reason, code); // a known type
    }
    String text =
        "server closed the connection"
            + (!reason.isEmpty()
                ? ": " + Secrets.serverText(reason)
                : code == 1000 ? " (idle or session end)" : "");
    if (reason.equals("invalid_api_key")) {
      return new AuthenticationException(
          provider(), text, ProviderException.NONE, code, reason, null);
    }
    // 1008 about the key, 4001, 4003: a bad key is not retried (nor 4002, payment)
    ProviderException account = ProtocolCodec.classifyAccountClose(provider(), code, reason, text);
    if (account != null) {
      return account;
    }
    // any other policy violation (1008) or application-defined 4xxx refusal (but "too many
    // requests" 4029 and "timeout" 4008): retrying would repeat it
    boolean retryable =
        code != 1008 && (code < 4000 || code > 4999 || code == 4029 || code == 4008);
    String type = reason.matches("[A-Za-z0-9_.-]{1,64}") ? reason : null;
    return new ProviderException(
        provider(), text, ProviderException.NONE, code, type, retryable, null);
  }

  @Override
  public ProviderException onHandshakeFailure(WebSocketHandler.HttpFailure failure) {
    String errType = null;
    String msg = null;
    try {
      JsonNode b = mapper.readTree(failure.body());
      JsonNode d = b == null ? null : b.get("detail");
      if (d != null && d.isObject()) {
        errType = d.hasNonNull("status") ? d.get("status").asText() : null;
        msg = d.hasNonNull("message") ? d.get("message").asText() : null;
      } else if (d != null && d.isTextual()) {
        msg = d.asText();
      }
    } catch (Exception e) {
      // not JSON
    }
    String text = "upgrade refused" + (msg != null ? ": " + Secrets.serverText(msg) : "");
    if ("quota_exceeded".equals(errType)) {
      return new QuotaExceededException(
          provider(), text, failure.status(), ProviderException.NONE, errType, null);
    }
    return ProtocolCodec.classifyHttp(provider(), failure.status(), text, errType);
  }
}
