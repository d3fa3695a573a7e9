package dev.audiopipeline.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Objects;
import java.util.UUID;
import mockwebserver3.MockResponse;
import org.jspecify.annotations.Nullable;

/**
 * An ElevenLabs Scribe v2 realtime server ({@code /v1/speech-to-text/realtime}) on 127.0.0.1 that
 * speaks the real protocol (PROVIDERS.md Part A, checklist A.8): {@code xi-api-key} header or
 * {@code token} query auth (refusing the upgrade with 401, or accepting and sending {@code
 * auth_error}), {@code session_started} with the wire-shaped config, base64 {@code
 * input_audio_chunk}s, manual commits ({@code commit:true}; under 0.3 s of uncommitted audio →
 * {@code commit_throttled} and close 1000 with that reason), server VAD commits after {@code
 * vad_silence_threshold_secs} of silence, {@code partial_transcript}s after 2 s of audio, {@code
 * committed_transcript} plus the {@code committed_transcript_with_timestamps} twin (stream-global
 * word times, {@code words:null} with language detection only, either order), auto-commit at 90 s,
 * {@code previous_text} only on the first chunk, idle close (normal 1000) after 15 s without audio,
 * and every error type via {@link FakeFault#errorOnOpen} or {@link FakeFault#sendAfterAudio};
 * {@link FakeFault#silent()} sends {@code session_started} and then nothing at all.
 */
public final class FakeElevenLabsSttServer extends AbstractFakeServer {
  /** How a bad key is refused. */
  public enum AuthFailure {
    /** HTTP 401 on the upgrade with {@code {"detail":{"status":"invalid_api_key",...}}}. */
    REJECT_UPGRADE,
    /** Accept, send {@code {"message_type":"auth_error",...}}, close 1000 "auth_error". */
    AUTH_ERROR_MESSAGE
  }

  private final String apiKey;
  private final AuthFailure authFailure;
  private final Duration idleClose;
  private final Duration partialAfter;
  private final Duration partialEvery;
  private final Duration autoCommitAfter;
  private final boolean timedFirst;
  private final FakeTranscriber transcriber;
  private final double thresholdDbfs;

  private FakeElevenLabsSttServer(Builder b) {
    super("elevenlabs-stt", 16_000, b.maxRecordedBytes);
    this.apiKey = b.apiKey;
    this.authFailure = b.authFailure;
    this.idleClose = b.idleClose;
    this.partialAfter = b.partialAfter;
    this.partialEvery = b.partialEvery;
    this.autoCommitAfter = b.autoCommitAfter;
    this.timedFirst = b.timedFirst;
    this.transcriber = b.transcriber;
    this.thresholdDbfs = b.thresholdDbfs;
  }

  public static Builder builder() {
    return new Builder();
  }

  @Override
  MockResponse reject(int status, FakeConnection conn) {
    String type =
        switch (status) {
          case 401 -> "invalid_api_key";
          case 403 -> "forbidden";
          case 429 -> "too_many_concurrent_requests";
          default -> "system_busy";
        };
    ObjectNode body = mapper.createObjectNode();
    body.putObject("detail").put("status", type).put("message", "fake refusal: " + type);
    return new MockResponse.Builder()
        .code(status)
        .addHeader("Content-Type", "application/json")
        .body(body.toString())
        .build();
  }

  @Override
  @Nullable MockResponse authenticate(FakeConnection conn) {
    boolean ok = apiKey.equals(conn.header("xi-api-key")) || apiKey.equals(conn.query("token"));
    if (ok || authFailure == AuthFailure.AUTH_ERROR_MESSAGE) {
      return null;
    }
    return reject(401, conn);
  }

  @Override
  FakeSession newSession(FakeConnection conn, List<FakeFault> faults) {
    boolean ok = apiKey.equals(conn.header("xi-api-key")) || apiKey.equals(conn.query("token"));
    List<FakeFault> f = faults;
    if (!ok) {
      f = new ArrayList<>(faults);
      f.add(0, FakeFault.errorOnOpen("auth_error", "Invalid API key"));
    }
    return new ElSession(conn, f);
  }

  private final class ElSession extends FakeSession implements EnergySegmenter.Sink {
    private final boolean vad;
    private final boolean timestamps;
    private final boolean languageDetection;
    private final @Nullable String language;
    private final double vadSilence;
    private final EnergySegmenter segmenter;
    private final List<EnergySegmenter.Segment> uncommittedSegments = new ArrayList<>();
    private long committedUpTo; // samples
    private long lastAudioNanos = System.nanoTime();
    private long lastPartialAt;
    private int chunks;
    private int segments;
    private boolean committing;

    ElSession(FakeConnection conn, List<FakeFault> faults) {
      super(conn, faults);
      this.vad = "vad".equals(conn.query("commit_strategy"));
      this.timestamps = "true".equals(conn.query("include_timestamps"));
      this.languageDetection = "true".equals(conn.query("include_language_detection"));
      this.language = conn.query("language_code");
      String v = conn.query("vad_silence_threshold_secs");
      this.vadSilence = v == null ? 1.5 : Double.parseDouble(v);
      this.segmenter =
          new EnergySegmenter(sampleRate, thresholdDbfs, (int) Math.round(vadSilence * 1000));
    }

    @Override
    void opened() {
      ObjectNode m = mapper.createObjectNode();
      m.put("message_type", "session_started");
      m.put("session_id", UUID.randomUUID().toString().replace("-", ""));
      ObjectNode c = m.putObject("config");
      c.put("sample_rate", sampleRate);
      c.put("audio_format", "pcm_16000");
      c.put("language_code", language);
      c.putArray("secondary_languages");
      c.put("timestamps_granularity", "word");
      c.put("vad_commit_strategy", vad);
      c.put("vad_silence_threshold_secs", vadSilence);
      c.put("vad_threshold", 0.4);
      c.put("min_speech_duration_ms", 100);
      c.put("min_silence_duration_ms", 100);
      c.put("max_tokens_to_recompute", 5);
      c.put("model_id", conn.query("model_id"));
      c.put("disable_logging", "false".equals(conn.query("enable_logging")));
      c.put("include_timestamps", timestamps);
      c.put("include_language_detection", languageDetection);
      c.put("filter_background_audio", false);
      c.putArray("keyterms");
      c.put("no_verbatim", "true".equals(conn.query("no_verbatim")));
      c.putNull("entity_detection");
      c.putNull("keepalive_interval_ms");
      send(m.toString());
    }

    @Override
    void errorOnOpen(FakeFault f) {
      error(Objects.requireNonNull(f.errorType), f.text);
    }

    private void error(String type, String message) {
      ObjectNode m = mapper.createObjectNode();
      m.put("message_type", type).put("error", message);
      send(m.toString());
      close(1000, type);
    }

    @Override
    void binary(byte[] data) {
      error("input_error", "Binary frames are not supported; send input_audio_chunk JSON");
    }

    @Override
    void text(String text) {
      JsonNode m;
      try {
        m = mapper.readTree(text);
      } catch (Exception e) {
        if (!silent) {
          error("input_error", "Invalid JSON message");
        }
        return;
      }
      if (silent) {
        byte[] pcm = Base64.getDecoder().decode(m.path("audio_base_64").asText(""));
        if (pcm.length > 0) {
          audio(pcm, 0, pcm.length); // takes the audio, never answers
        }
        return;
      }
      if (!"input_audio_chunk".equals(m.path("message_type").asText())) {
        error("input_error", "Unknown message_type");
        return;
      }
      chunks++;
      if (m.has("previous_text") && chunks > 1) {
        error("input_error", "previous_text is only allowed on the first chunk");
        return;
      }
      if (m.path("sample_rate").asInt(-1) != sampleRate) {
        error("input_error", "sample_rate must match audio_format (16000)");
        return;
      }
      byte[] pcm = Base64.getDecoder().decode(m.path("audio_base_64").asText(""));
      if (pcm.length > 0) {
        lastAudioNanos = System.nanoTime();
        if (!audio(pcm, 0, pcm.length)) {
          return;
        }
        segmenter.feed(pcm, 0, pcm.length, this);
        maybePartial();
      }
      if (m.path("commit").asBoolean(false)) {
        commit(true);
      }
    }

    private void maybePartial() {
      long pos = segmenter.position();
      if (pos < partialAfter.toMillis() * sampleRate / 1000 || !segmenter.inSpeech()) {
        return;
      }
      if (pos - lastPartialAt < partialEvery.toMillis() * sampleRate / 1000) {
        return;
      }
      lastPartialAt = pos;
      List<String> parts = new ArrayList<>();
      int idx = segments;
      for (EnergySegmenter.Segment s : uncommittedSegments) {
        parts.add(transcriber.transcribe(++idx, ms(s.start()), ms(s.end()), s.samples()));
      }
      parts.add(
          transcriber.transcribe(
              idx + 1, ms(segmenter.speechStart()), ms(pos), segmenter.running()));
      ObjectNode p = mapper.createObjectNode();
      p.put("message_type", "partial_transcript");
      p.put("text", String.join(" ", parts).trim());
      send(p.toString());
    }

    @Override
    public void segment(EnergySegmenter.Segment s) {
      uncommittedSegments.add(s);
      if (vad && !committing) {
        commit(false);
      }
    }

    private void commit(boolean manual) {
      long pos = segmenter.position();
      if (manual && pos - committedUpTo < sampleRate * 3 / 10) {
        double secs = (pos - committedUpTo) / (double) sampleRate;
        ObjectNode m = mapper.createObjectNode();
        m.put("message_type", "commit_throttled");
        m.put(
            "error",
            String.format(
                java.util.Locale.ROOT,
                "Commit request ignored: only %.2fs of"
                    + " uncommitted audio. You need at least 0.3s of uncommitted audio before committing.",
                secs));
        send(m.toString());
        close(1000, "commit_throttled");
        return;
      }
      committing = true;
      segmenter.force(this);
      committing = false;
      List<String> texts = new ArrayList<>();
      ArrayNode words = mapper.createArrayNode();
      for (EnergySegmenter.Segment s : uncommittedSegments) {
        String t =
            transcriber.transcribe(++segments, ms(s.start()), ms(s.end()), s.samples()).trim();
        if (t.isEmpty()) {
          continue;
        }
        String[] ws = t.split("\\s+");
        double t0 = sec(s.start());
        double span = sec(s.end()) - t0;
        for (int i = 0; i < ws.length; i++) {
          if (words.size() > 0) {
            ObjectNode sp = words.addObject();
            double at = t0 + span * i / ws.length;
            sp.put("text", " ").put("start", at).put("end", at).put("type", "spacing");
            sp.putNull("speaker_id");
            sp.put("logprob", -0.01);
            sp.putArray("characters").addObject().put("text", " ").put("start", at).put("end", at);
            sp.putNull("channel_index");
          }
          ObjectNode w = words.addObject();
          double ws0 = t0 + span * i / ws.length;
          double we = t0 + span * (i + 1) / ws.length;
          w.put("text", ws[i]).put("start", ws0).put("end", we).put("type", "word");
          w.putNull("speaker_id");
          w.put("logprob", -0.05);
          ArrayNode chars = w.putArray("characters");
          for (int k = 0; k < ws[i].length(); k++) {
            chars
                .addObject()
                .put("text", String.valueOf(ws[i].charAt(k)))
                .put("start", ws0 + (we - ws0) * k / ws[i].length())
                .put("end", ws0 + (we - ws0) * (k + 1) / ws[i].length());
          }
          w.putNull("channel_index");
        }
        texts.add(t);
      }
      uncommittedSegments.clear();
      committedUpTo = pos;
      String text = String.join(" ", texts);
      ObjectNode plain = mapper.createObjectNode();
      plain.put("message_type", "committed_transcript").put("text", text);
      ObjectNode timed = null;
      if (timestamps || languageDetection) {
        timed = mapper.createObjectNode();
        timed.put("message_type", "committed_transcript_with_timestamps").put("text", text);
        if (languageDetection) {
          timed.put("language_code", language != null ? language : "en");
        } else {
          timed.putNull("language_code");
        }
        if (timestamps) {
          timed.set("words", words);
        } else {
          timed.putNull("words");
        }
      }
      if (timed == null) {
        send(plain.toString());
      } else if (timedFirst) {
        send(timed.toString());
        sendLater(plain.toString(), 15);
      } else {
        send(plain.toString());
        sendLater(timed.toString(), 15);
      }
      lastPartialAt = pos;
    }

    @Override
    void tick(long nowNanos) {
      if (nowNanos - lastAudioNanos >= idleClose.toNanos()) {
        close(1000, "");
        return;
      }
      if (segmenter.position() - committedUpTo >= autoCommitAfter.toMillis() * sampleRate / 1000) {
        commit(false);
      }
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
    private AuthFailure authFailure = AuthFailure.REJECT_UPGRADE;
    private Duration idleClose = Duration.ofSeconds(15);
    private Duration partialAfter = Duration.ofSeconds(2);
    private Duration partialEvery = Duration.ofMillis(500);
    private Duration autoCommitAfter = Duration.ofSeconds(90);
    private boolean timedFirst;
    private FakeTranscriber transcriber = FakeTranscriber.DEFAULT;
    private double thresholdDbfs = -40;
    private long maxRecordedBytes = 64L << 20;

    private Builder() {}

    /** The key accepted in {@code xi-api-key} or as {@code token}. */
    public Builder apiKey(String v) {
      this.apiKey = Objects.requireNonNull(v, "apiKey == null");
      return this;
    }

    public Builder authFailure(AuthFailure v) {
      this.authFailure = Objects.requireNonNull(v, "authFailure == null");
      return this;
    }

    /** No audio for this long: close 1000 with no reason (the field behaviour). Default 15 s. */
    public Builder idleClose(Duration v) {
      this.idleClose = Objects.requireNonNull(v, "idleClose == null");
      return this;
    }

    /** Audio before the first partial, default 2 s (as the service documents). */
    public Builder partialAfter(Duration v) {
      this.partialAfter = Objects.requireNonNull(v, "partialAfter == null");
      return this;
    }

    public Builder partialEvery(Duration v) {
      this.partialEvery = Objects.requireNonNull(v, "partialEvery == null");
      return this;
    }

    /** Uncommitted audio that triggers an automatic commit, default 90 s. */
    public Builder autoCommitAfter(Duration v) {
      this.autoCommitAfter = Objects.requireNonNull(v, "autoCommitAfter == null");
      return this;
    }

    /** Send the timed twin before the plain committed transcript (seen on the real wire). */
    public Builder timedFirst(boolean v) {
      this.timedFirst = v;
      return this;
    }

    public Builder transcriber(FakeTranscriber v) {
      this.transcriber = Objects.requireNonNull(v, "transcriber == null");
      return this;
    }

    public Builder thresholdDbfs(double v) {
      this.thresholdDbfs = v;
      return this;
    }

    public Builder maxRecordedBytes(long v) {
      this.maxRecordedBytes = v;
      return this;
    }

    public FakeElevenLabsSttServer build() {
      return new FakeElevenLabsSttServer(this);
    }
  }
}
