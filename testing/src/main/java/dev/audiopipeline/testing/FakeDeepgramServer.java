package dev.audiopipeline.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;
import mockwebserver3.MockResponse;
import org.jspecify.annotations.Nullable;

/**
 * A Deepgram {@code /v1/listen} live-streaming server on 127.0.0.1 that speaks the real protocol
 * (PROVIDERS.md Part B): {@code Authorization: Token|Bearer} or the {@code token} subprotocol,
 * 401/400 refusals with {@code dg-error} and a JSON body, {@code dg-request-id} on every response,
 * binary linear16 audio, {@code KeepAlive}/{@code Finalize}/{@code CloseStream}, {@code Results}
 * (interim about once per second of speech, finals per energy-detected segment with {@code
 * speech_final}, {@code from_finalize}), {@code SpeechStarted}, {@code UtteranceEnd}, {@code
 * Metadata}, idle close 1011 NET-0001, 1008 DATA-0000 for an empty binary frame. It records every
 * connection ({@link #connections()}, with its audio byte count) and notes clients that send faster
 * than 1.25× real time. Faults per connection ({@link #enqueue}): refused upgrades, a server that
 * reads audio and never answers ({@link FakeFault#silent()}), closes with any code after some
 * audio, TCP cuts, raw (malformed or hostile) messages, slow answers.
 *
 * <pre>{@code
 * try (FakeDeepgramServer dg = FakeDeepgramServer.builder().apiKey("test-key").build()) {
 *   SttProvider p = DeepgramSttProvider.builder().apiKey("test-key").baseUrl(dg.baseUrl()).build();
 *   ...
 * }
 * }</pre>
 */
public final class FakeDeepgramServer extends AbstractFakeServer {
  static final String NET_0001 =
      "Deepgram did not receive audio data or a text message within the"
          + " timeout window. See https://dpgr.am/net0001";
  private static final Set<String> KNOWN_PARAMS =
      Set.of(
          "model",
          "language",
          "encoding",
          "sample_rate",
          "channels",
          "multichannel",
          "interim_results",
          "endpointing",
          "utterance_end_ms",
          "vad_events",
          "punctuate",
          "smart_format",
          "diarize",
          "diarize_model",
          "detect_entities",
          "dictation",
          "numerals",
          "profanity_filter",
          "redact",
          "keyterm",
          "keywords",
          "replace",
          "search",
          "tag",
          "extra",
          "callback",
          "callback_method",
          "mip_opt_out",
          "version",
          "filler_words",
          "no_delay");

  private final String apiKey;
  private final Duration idleTimeout;
  private final FakeTranscriber transcriber;
  private final double thresholdDbfs;
  private volatile boolean tooFast;

  private FakeDeepgramServer(Builder b) {
    super("deepgram", 16_000, b.maxRecordedBytes);
    this.apiKey = b.apiKey;
    this.idleTimeout = b.idleTimeout;
    this.transcriber = b.transcriber;
    this.thresholdDbfs = b.thresholdDbfs;
  }

  public static Builder builder() {
    return new Builder();
  }

  /** Whether any client sent audio faster than 1.25× real time (after a 2.5 s allowance). */
  public boolean sawAudioFasterThanAllowed() {
    return tooFast;
  }

  @Override
  Map<String, String> upgradeHeaders() {
    return Map.of("dg-request-id", UUID.randomUUID().toString());
  }

  @Override
  MockResponse reject(int status, FakeConnection conn) {
    String code =
        switch (status) {
          case 401 -> "INVALID_AUTH";
          case 402 -> "ASR_PAYMENT_REQUIRED";
          case 403 -> "INSUFFICIENT_PERMISSIONS";
          case 429 -> "TOO_MANY_REQUESTS";
          case 400 -> "Bad Request";
          default -> "INTERNAL_SERVER_ERROR";
        };
    String msg =
        switch (status) {
          case 401 -> "Invalid credentials.";
          case 402 -> "Project does not have enough credits for an ASR request.";
          case 403 -> "Project does not have access to the requested model.";
          case 429 -> "Too many requests. Please try again later.";
          default -> "Something went wrong.";
        };
    return refusal(status, code, msg);
  }

  private MockResponse refusal(int status, String code, String msg) {
    String requestId = UUID.randomUUID().toString();
    ObjectNode body = mapper.createObjectNode();
    body.put("err_code", code).put("err_msg", msg).put("request_id", requestId);
    return new MockResponse.Builder()
        .code(status)
        .addHeader("dg-request-id", requestId)
        .addHeader("dg-error", msg)
        .addHeader("Content-Type", "application/json")
        .body(body.toString())
        .build();
  }

  @Override
  @Nullable MockResponse authenticate(FakeConnection conn) {
    String auth = conn.header("authorization");
    if (auth != null && (auth.equals("Token " + apiKey) || auth.equals("Bearer " + apiKey))) {
      return null;
    }
    String proto = conn.header("sec-websocket-protocol");
    if (proto != null && proto.replace(" ", "").equals("token," + apiKey)) {
      return null;
    }
    return reject(401, conn);
  }

  @Override
  @Nullable MockResponse validate(FakeConnection conn) {
    for (String p : queryNames(conn)) {
      if (!KNOWN_PARAMS.contains(p)) {
        return refusal(400, "INVALID_QUERY_PARAMETER", "Unknown query parameter: " + p);
      }
    }
    if (!"linear16".equals(conn.query("encoding")) || !"16000".equals(conn.query("sample_rate"))) {
      return refusal(400, "Bad Request", "this fake accepts encoding=linear16&sample_rate=16000");
    }
    return null;
  }

  private static Set<String> queryNames(FakeConnection conn) {
    String url = conn.url();
    int q = url.indexOf('?');
    if (q < 0) {
      return Set.of();
    }
    java.util.Set<String> names = new java.util.LinkedHashSet<>();
    for (String kv : url.substring(q + 1).split("&")) {
      names.add(
          java.net.URLDecoder.decode(kv.split("=", 2)[0], java.nio.charset.StandardCharsets.UTF_8));
    }
    return names;
  }

  @Override
  FakeSession newSession(FakeConnection conn, List<FakeFault> faults) {
    return new DgSession(conn, faults);
  }

  private final class DgSession extends FakeSession implements EnergySegmenter.Sink {
    private final boolean interim;
    private final boolean speechFinalEnabled;
    private final boolean vadEvents;
    private final @Nullable Integer utteranceEndMs;
    private final String requestId = UUID.randomUUID().toString();
    private final EnergySegmenter segmenter;
    private long windowStart; // samples
    private long lastInterimAt;
    private int segments;
    private boolean speechStartedSent;
    private boolean fromFinalize;
    private @Nullable Long lastWordEndForUtteranceEnd;

    DgSession(FakeConnection conn, List<FakeFault> faults) {
      super(conn, faults);
      this.interim = "true".equals(conn.query("interim_results"));
      String ep = conn.query("endpointing");
      this.speechFinalEnabled = !"false".equals(ep);
      int hang = 300;
      if (ep != null && !ep.equals("false") && !ep.equals("true")) {
        hang = Math.max(10, Integer.parseInt(ep));
      }
      this.vadEvents = "true".equals(conn.query("vad_events"));
      String ue = conn.query("utterance_end_ms");
      this.utteranceEndMs = ue == null ? null : Integer.parseInt(ue);
      this.segmenter = new EnergySegmenter(sampleRate, thresholdDbfs, hang);
    }

    @Override
    void opened() {}

    @Override
    void errorOnOpen(FakeFault f) {
      close(1011, f.text);
    }

    @Override
    void binary(byte[] data) {
      if (silent) {
        audio(data, 0, data.length); // reads, never answers
        return;
      }
      if (data.length == 0) {
        close(1008, "DATA-0000");
        return;
      }
      if (!audio(data, 0, data.length)) {
        return;
      }
      double elapsed = (System.nanoTime() - openedNanos) / 1e9;
      if (audioMs() / 1000.0 > 2.5 + 1.25 * elapsed) {
        tooFast = true;
      }
      boolean wasSpeech = segmenter.inSpeech();
      segmenter.feed(data, 0, data.length, this);
      if (!wasSpeech && segmenter.inSpeech() && vadEvents && !speechStartedSent) {
        speechStartedSent = true;
        ObjectNode m = mapper.createObjectNode();
        m.put("type", "SpeechStarted");
        m.putArray("channel").add(0).add(1);
        m.put("timestamp", sec(segmenter.speechStart()));
        send(m.toString());
      }
      long pos = segmenter.position();
      if (interim && segmenter.inSpeech() && pos - lastInterimAt >= sampleRate) {
        lastInterimAt = pos;
        short[] run = segmenter.running();
        String text =
            transcriber.transcribe(segments + 1, ms(segmenter.speechStart()), ms(pos), run);
        send(results(false, false, false, text, segmenter.speechStart(), pos));
      }
    }

    @Override
    public void segment(EnergySegmenter.Segment s) {
      segments++;
      String text = transcriber.transcribe(segments, ms(s.start()), ms(s.end()), s.samples());
      long end = segmenter.position();
      send(
          results(
              true,
              speechFinalEnabled && !fromFinalize,
              fromFinalize,
              text,
              s.start(),
              s.end(),
              end));
      windowStart = end;
      speechStartedSent = false;
      lastWordEndForUtteranceEnd = s.end();
    }

    @Override
    void text(String text) {
      if (silent) {
        return;
      }
      JsonNode m;
      try {
        m = mapper.readTree(text);
      } catch (Exception e) {
        close(1008, "DATA-0000");
        return;
      }
      switch (m.path("type").asText("")) {
        case "KeepAlive" -> {}
        case "Finalize" -> finalizeNow(true);
        case "CloseStream" -> {
          finalizeNow(false);
          send(metadata());
          close(1000, "");
        }
        default -> {}
      }
    }

    private void finalizeNow(boolean markFromFinalize) {
      long pos = segmenter.position();
      fromFinalize = markFromFinalize;
      if (segmenter.inSpeech()) {
        segmenter.force(this);
      } else if (pos - windowStart >= sampleRate / 10) {
        send(results(true, false, markFromFinalize, "", windowStart, windowStart, pos));
        windowStart = pos;
      }
      fromFinalize = false;
    }

    @Override
    void tick(long nowNanos) {
      if (nowNanos - lastClientFrameNanos >= idleTimeout.toNanos()) {
        send(metadata());
        close(1011, NET_0001);
        return;
      }
      if (utteranceEndMs != null
          && lastWordEndForUtteranceEnd != null
          && segmenter.position() - lastWordEndForUtteranceEnd
              >= (long) utteranceEndMs * sampleRate / 1000
          && !segmenter.inSpeech()) {
        ObjectNode m = mapper.createObjectNode();
        m.put("type", "UtteranceEnd");
        m.putArray("channel").add(0).add(1);
        m.put("last_word_end", sec(lastWordEndForUtteranceEnd));
        send(m.toString());
        lastWordEndForUtteranceEnd = null;
      }
    }

    private String results(
        boolean isFinal,
        boolean speechFinal,
        boolean fromFin,
        String text,
        long speechStart,
        long end) {
      return results(isFinal, speechFinal, fromFin, text, speechStart, end, end);
    }

    private String results(
        boolean isFinal,
        boolean speechFinal,
        boolean fromFin,
        String text,
        long speechStart,
        long speechEnd,
        long windowEnd) {
      ObjectNode m = mapper.createObjectNode();
      m.put("type", "Results");
      m.putArray("channel_index").add(0).add(1);
      m.put("duration", sec(windowEnd - windowStart));
      m.put("start", sec(windowStart));
      m.put("is_final", isFinal);
      if (speechFinalEnabled) {
        m.put("speech_final", speechFinal);
      }
      ObjectNode alt = m.putObject("channel").putArray("alternatives").addObject();
      alt.put("transcript", text);
      alt.put("confidence", text.isEmpty() ? 0.0 : 0.98);
      ArrayNode words = alt.putArray("words");
      String[] ws = text.isBlank() ? new String[0] : text.trim().split("\\s+");
      double t0 = sec(speechStart);
      double span = Math.max(0, sec(speechEnd) - t0);
      for (int i = 0; i < ws.length; i++) {
        ObjectNode w = words.addObject();
        w.put("word", ws[i].toLowerCase(java.util.Locale.ROOT).replaceAll("[^\\p{L}\\p{N}']", ""));
        w.put("start", t0 + span * i / ws.length);
        w.put("end", t0 + span * (i + 1) / ws.length);
        w.put("confidence", 0.98);
        w.put("punctuated_word", ws[i]);
      }
      ObjectNode md = m.putObject("metadata");
      md.put("request_id", requestId);
      ObjectNode mi = md.putObject("model_info");
      mi.put("name", "general-nova-3").put("version", "2025-04-17.21547").put("arch", "nova-3");
      md.put("model_uuid", "40bd3654-e622-47c4-a111-63a61b23bfe8");
      m.put("from_finalize", fromFin);
      return m.toString();
    }

    private String metadata() {
      ObjectNode m = mapper.createObjectNode();
      m.put("type", "Metadata");
      m.put("transaction_key", "deprecated");
      m.put("request_id", requestId);
      m.put("sha256", "0".repeat(64));
      m.put("created", Instant.now().toString());
      m.put("duration", sec(segmenter.position()));
      m.put("channels", 1);
      if (segmenter.position() > 0) {
        m.putArray("models").add("40bd3654-e622-47c4-a111-63a61b23bfe8");
      }
      return m.toString();
    }

    private double sec(long samples) {
      return samples / (double) sampleRate;
    }

    private long ms(long samples) {
      return samples * 1000 / sampleRate;
    }
  }

  /** Builder; {@link #build()} starts the server. */
  public static final class Builder {
    private String apiKey = "test-key";
    private Duration idleTimeout = Duration.ofSeconds(10);
    private FakeTranscriber transcriber = FakeTranscriber.DEFAULT;
    private double thresholdDbfs = -40;
    private long maxRecordedBytes = 64L << 20;

    private Builder() {}

    /** The key the server accepts (header {@code Token}/{@code Bearer} or subprotocol). */
    public Builder apiKey(String v) {
      this.apiKey = Objects.requireNonNull(v, "apiKey == null");
      return this;
    }

    /** No frame for this long: {@code Metadata}, then close 1011 NET-0001. Default 10 s. */
    public Builder idleTimeout(Duration v) {
      this.idleTimeout = Objects.requireNonNull(v, "idleTimeout == null");
      return this;
    }

    public Builder transcriber(FakeTranscriber v) {
      this.transcriber = Objects.requireNonNull(v, "transcriber == null");
      return this;
    }

    /** Speech threshold, default -40 dBFS. */
    public Builder thresholdDbfs(double v) {
      this.thresholdDbfs = v;
      return this;
    }

    /** Audio bytes recorded per connection (counting goes on beyond), default 64 MiB. */
    public Builder maxRecordedBytes(long v) {
      this.maxRecordedBytes = v;
      return this;
    }

    public FakeDeepgramServer build() {
      return new FakeDeepgramServer(this);
    }
  }
}
