package dev.audiopipeline.elevenlabs.tts;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.audiopipeline.AuthenticationException;
import dev.audiopipeline.ConnectionException;
import dev.audiopipeline.PipelineListener;
import dev.audiopipeline.ProviderException;
import dev.audiopipeline.QuotaExceededException;
import dev.audiopipeline.TtsChunk;
import dev.audiopipeline.TtsChunk.CharTiming;
import dev.audiopipeline.TtsRequest;
import dev.audiopipeline.audio.AudioFormat;
import dev.audiopipeline.spi.ReconnectPolicy;
import dev.audiopipeline.testing.FakeElevenLabsTtsServer;
import dev.audiopipeline.testing.FakeElevenLabsTtsServer.HttpFault;
import dev.audiopipeline.testing.FakeElevenLabsTtsServer.HttpStream;
import dev.audiopipeline.testing.FakeElevenLabsTtsServer.RecordedHttpRequest;
import dev.audiopipeline.testing.FakeTtsVoice;
import dev.audiopipeline.testing.Signals;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class ElevenLabsTtsHttpTest {
  static final String KEY = "test-key-123";
  static final Duration WAIT = Duration.ofSeconds(10);

  FakeElevenLabsTtsServer fake;
  ElevenLabsTts tts;

  /** Retries after a millisecond or two: tests never wait for the default backoff. */
  static final ReconnectPolicy QUICK_RETRIES =
      ReconnectPolicy.builder()
          .initialDelay(Duration.ofMillis(1))
          .maxDelay(Duration.ofMillis(2))
          .maxAttempts(2)
          .build();

  final BlockingQueue<Duration> firstBytes = new LinkedBlockingQueue<>();

  @BeforeEach
  void setUp() {
    fake = FakeElevenLabsTtsServer.builder().apiKey(KEY).start();
  }

  @AfterEach
  void tearDown() throws InterruptedException {
    if (tts != null) {
      tts.close();
    }
    fake.close();
    assertThat(ThreadLeaks.libraryThreadsAfter(Duration.ofSeconds(3))).isEmpty();
  }

  ElevenLabsTts.Builder builder() {
    return ElevenLabsTts.builder()
        .apiKey(KEY)
        .baseUrl(fake.httpBaseUrl())
        .webSocketBaseUrl(fake.webSocketBaseUrl())
        .outputFormat(OutputFormat.PCM_16000)
        .retryPolicy(QUICK_RETRIES)
        .listener(
            new PipelineListener() {
              @Override
              public void ttsFirstByte(String provider, Duration latency) {
                firstBytes.add(latency);
              }
            });
  }

  Recorder speak(String text) {
    return speak(TtsRequest.of(text));
  }

  Recorder speak(TtsRequest request) {
    Recorder r = Recorder.unbounded();
    tts.synthesize(request).subscribe(r);
    return r;
  }

  @Test
  void streamsPcmOfTheStatedFormatAndTheExpectedDuration() throws Exception {
    tts =
        builder()
            .voiceSettings(VoiceSettings.builder().stability(0.5).similarityBoost(0.75).build())
            .build();
    String text = "Hello there, how are you today?";

    Recorder r = speak(new TtsRequest(text, null, "Hi.", "Fine."));
    r.awaitComplete(WAIT);

    assertThat(tts.outputFormat()).isEqualTo(AudioFormat.mono(16_000));
    assertThat(r.chunks())
        .isNotEmpty()
        .allSatisfy(c -> assertThat(c.format()).isEqualTo(AudioFormat.mono(16_000)));
    assertThat(r.chunks().size()).as("streamed in several pieces").isGreaterThan(1);
    byte[] pcm = r.pcm();
    int perChar = fake.voice().samplesPerChar(16_000);
    assertThat(pcm.length).isEqualTo(text.length() * perChar * 2);
    long micros = tts.outputFormat().durationMicros(pcm.length / AudioFormat.BYTES_PER_SAMPLE);
    assertThat(micros).isEqualTo(text.length() * fake.voice().charMillis() * 1000L);

    // the first character, 'H', is a tone at its own pitch: real audio, not zeros
    short[] h = Signals.samples(pcm, 0, perChar);
    assertThat(Signals.goertzelShare(h, 16_000, FakeTtsVoice.frequencyOf('H'))).isGreaterThan(0.8);
    assertThat(Signals.goertzelShare(h, 16_000, FakeTtsVoice.frequencyOf('Z'))).isLessThan(0.1);

    RecordedHttpRequest req = fake.takeHttpRequest(WAIT);
    assertThat(req.method()).isEqualTo("POST");
    assertThat(req.path())
        .isEqualTo("/v1/text-to-speech/" + ElevenLabsTts.DEFAULT_VOICE + "/stream");
    assertThat(req.query())
        .containsEntry("output_format", "pcm_16000")
        .containsEntry("enable_logging", "true");
    assertThat(req.header("xi-api-key")).isEqualTo(KEY);
    JsonNode body = req.json();
    assertThat(body.path("text").asText()).isEqualTo(text);
    assertThat(body.path("model_id").asText()).isEqualTo("eleven_flash_v2_5");
    assertThat(body.path("previous_text").asText()).isEqualTo("Hi.");
    assertThat(body.path("next_text").asText()).isEqualTo("Fine.");
    assertThat(body.path("voice_settings").path("stability").asDouble()).isEqualTo(0.5);
    assertThat(body.path("voice_settings").path("similarity_boost").asDouble()).isEqualTo(0.75);
    assertThat(body.has("seed")).isFalse();

    Duration ttfb = firstBytes.poll(1, TimeUnit.SECONDS);
    assertThat(ttfb).as("time to first byte reported").isNotNull();
  }

  @Test
  void decodesUlawToPcmAt8kHz() throws Exception {
    tts = builder().outputFormat(OutputFormat.ULAW_8000).build();
    String text = "ulaw audio";

    Recorder r = speak(text);
    r.awaitComplete(WAIT);

    assertThat(tts.outputFormat()).isEqualTo(AudioFormat.mono(8_000));
    byte[] pcm = r.pcm();
    int perChar = fake.voice().samplesPerChar(8_000);
    assertThat(pcm.length).isEqualTo(text.length() * perChar * 2);
    short[] u = Signals.samples(pcm, 0, perChar);
    assertThat(Signals.rms(u)).isBetween(4_000.0, 7_000.0); // a sine of amplitude 8000 has RMS 5657
    assertThat(Signals.goertzelShare(u, 8_000, FakeTtsVoice.frequencyOf('u'))).isGreaterThan(0.8);
    assertThat(fake.takeHttpRequest(WAIT).query()).containsEntry("output_format", "ulaw_8000");
  }

  @Test
  void withTimestampsParsesCharacterAlignment() throws Exception {
    tts = builder().alignment(true).build();
    String text = "Timing every character of this sentence.";

    Recorder r = speak(text);
    r.awaitComplete(WAIT);

    RecordedHttpRequest req = fake.takeHttpRequest(WAIT);
    assertThat(req.path()).endsWith("/stream/with-timestamps");
    List<CharTiming> alignment = r.alignment();
    assertThat(alignment.stream().map(CharTiming::character).collect(Collectors.joining()))
        .isEqualTo(text);
    int ms = fake.voice().charMillis();
    for (int i = 0; i < alignment.size(); i++) {
      assertThat(alignment.get(i).startMs()).isEqualTo((long) i * ms);
      assertThat(alignment.get(i).durationMs()).isEqualTo(ms);
    }
    assertThat(r.pcm().length).isEqualTo(text.length() * fake.voice().samplesPerChar(16_000) * 2);
  }

  @Test
  void readsOnlyAsDemandedAndCancelMidStreamStopsTheTransfer() throws Exception {
    fake.close();
    fake =
        FakeElevenLabsTtsServer.builder().apiKey(KEY).httpChunkDelay(Duration.ofMillis(3)).start();
    tts = builder().build();
    String text = "a long answer that goes on and on ".repeat(60); // ~100 s of audio, 3.3 MB

    Recorder r = Recorder.manual();
    tts.synthesize(TtsRequest.of(text)).subscribe(r);
    r.request(1);
    TtsChunk first = r.awaitNext(WAIT);
    assertThat(first.pcm()).isNotEmpty();
    r.cancel();

    HttpStream stream = fake.awaitHttpStreamEnd(WAIT);
    assertThat(stream.aborted()).as("the server saw the client go away").isTrue();
    assertThat(stream.bytesServed()).isLessThan(stream.totalBytes() / 2);
    assertThat(r.chunks()).hasSize(1);
    assertThat(r.terminalSignals.get()).as("no signal after cancel").isZero();
  }

  @Test
  void aSubscriberWithoutDemandHoldsBackTheServer() throws Exception {
    fake.close();
    fake = FakeElevenLabsTtsServer.builder().apiKey(KEY).httpChunkDelay(Duration.ZERO).start();
    tts = builder().outputFormat(OutputFormat.PCM_44100).build();
    // 4000 characters: 200 s of 44.1 kHz audio, 17.6 MB, far more than loopback socket buffers
    String text = "backpressure ".repeat(308);

    Recorder r = Recorder.manual();
    tts.synthesize(TtsRequest.of(text)).subscribe(r);
    r.request(1);
    r.awaitNext(WAIT);

    // a client that read without demand would take the whole body in well under a second
    assertThat(fake.pollHttpStreamEnd(Duration.ofSeconds(1)))
        .as("the server is still blocked on a full socket")
        .isNull();
    r.cancel();
    HttpStream stream = fake.awaitHttpStreamEnd(WAIT);
    assertThat(stream.aborted()).isTrue();
    assertThat(stream.bytesServed()).isLessThan(stream.totalBytes() / 2);
    assertThat(r.chunks()).hasSize(1);
  }

  @Test
  void unauthorizedIsAnAuthenticationException() throws Exception {
    tts = builder().apiKey("wrong-key-456").build();

    Throwable e = speak("Hello").awaitError(WAIT);

    assertThat(e).isInstanceOf(AuthenticationException.class);
    AuthenticationException a = (AuthenticationException) e;
    assertThat(a.httpStatus()).isEqualTo(401);
    assertThat(a.errorType()).isEqualTo("invalid_api_key");
    assertThat(a.isRetryable()).isFalse();
    assertThat(a.getMessage()).contains("Invalid API key").doesNotContain("wrong-key-456");
    assertThat(fake.httpRequests()).as("not retried").hasSize(1);
  }

  @Test
  void quotaExceededIsTyped() throws Exception {
    tts = builder().build();
    fake.enqueueHttpFault(HttpFault.quotaExceeded());

    Throwable e = speak("Hello").awaitError(WAIT);

    assertThat(e).isInstanceOf(QuotaExceededException.class);
    assertThat(((QuotaExceededException) e).errorType()).isEqualTo("quota_exceeded");
    assertThat(((QuotaExceededException) e).httpStatus()).isEqualTo(401);
    assertThat(e.getMessage()).contains("exceeds your quota").doesNotContain(KEY);
    assertThat(fake.httpRequests()).as("not retried").hasSize(1);
  }

  @Test
  void rateLimitHonoursRetryAfterThenSucceeds() throws Exception {
    tts = builder().build();
    fake.enqueueHttpFault(HttpFault.rateLimited(Duration.ofMillis(300)));

    long start = System.nanoTime();
    Recorder r = speak("Hello");
    r.awaitComplete(WAIT);

    // the policy would have waited 2 ms at most: the wait was the server's
    assertThat(Duration.ofNanos(System.nanoTime() - start))
        .isGreaterThanOrEqualTo(Duration.ofMillis(300));
    assertThat(fake.httpRequests()).hasSize(2);
    assertThat(r.pcm().length).isEqualTo(5 * fake.voice().samplesPerChar(16_000) * 2);
  }

  @Test
  void rateLimitWithoutRetriesLeftIsARetryableProviderException() throws Exception {
    tts = builder().maxRetries(1).build();
    fake.enqueueHttpFault(HttpFault.rateLimited(Duration.ofMillis(200)));
    fake.enqueueHttpFault(HttpFault.rateLimited(Duration.ofMillis(400)));

    long start = System.nanoTime();
    Throwable e = speak("Hello").awaitError(WAIT);

    assertThat(fake.httpRequests()).as("one retry, after the first retry-after").hasSize(2);
    assertThat(Duration.ofNanos(System.nanoTime() - start))
        .isGreaterThanOrEqualTo(Duration.ofMillis(200));
    assertThat(e).isExactlyInstanceOf(ProviderException.class);
    ProviderException p = (ProviderException) e;
    assertThat(p.httpStatus()).isEqualTo(429);
    assertThat(p.errorType()).isEqualTo("too_many_concurrent_requests");
    assertThat(p.isRetryable()).isTrue();
    assertThat(p.provider()).isEqualTo("elevenlabs");
  }

  @Test
  void retryAfterLongerThanTheLimitFailsAtOnce() throws Exception {
    tts = builder().maxRetryDelay(Duration.ofSeconds(5)).build();
    fake.enqueueHttpFault(HttpFault.rateLimited(Duration.ofSeconds(60)));

    Throwable e = speak("Hello").awaitError(WAIT);

    assertThat(fake.httpRequests()).as("not retried").hasSize(1);
    assertThat(((ProviderException) e).httpStatus()).isEqualTo(429);
  }

  @Test
  void serverErrorsAreRetriedAfterThePolicysJitteredDelay() throws Exception {
    ReconnectPolicy policy =
        ReconnectPolicy.builder()
            .initialDelay(Duration.ofMillis(200))
            .maxDelay(Duration.ofMillis(400))
            .jitter(0.2)
            .maxAttempts(2)
            .build();
    tts = builder().retryPolicy(policy).build();
    fake.enqueueHttpFault(HttpFault.status(503, "service_unavailable", "Try again"));
    fake.enqueueHttpFault(HttpFault.status(503, "service_unavailable", "Try again"));

    long start = System.nanoTime();
    Recorder r = speak("Hello");
    r.awaitComplete(WAIT);

    assertThat(fake.httpRequests()).hasSize(3);
    // 200 ms then 400 ms, each at least 80 % of it
    assertThat(Duration.ofNanos(System.nanoTime() - start))
        .isGreaterThanOrEqualTo(Duration.ofMillis(480));
    assertThat(r.pcm().length).isEqualTo(5 * fake.voice().samplesPerChar(16_000) * 2);
  }

  @Test
  void retryPolicyOutOfRangeIsRefused() {
    assertThatThrownBy(
            () ->
                ElevenLabsTts.builder()
                    .retryPolicy(ReconnectPolicy.builder().maxAttempts(11).build()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("maxAttempts 11")
        .hasMessageContaining("accepted 0..10");
  }

  @Test
  void unknownVoiceIsANonRetryableProviderException() throws Exception {
    tts = builder().build();

    Throwable e = speak(TtsRequest.of("Hello").withVoice("no-such-voice")).awaitError(WAIT);

    assertThat(e).isExactlyInstanceOf(ProviderException.class);
    ProviderException p = (ProviderException) e;
    assertThat(p.httpStatus()).isEqualTo(400);
    assertThat(p.errorType()).isEqualTo("voice_not_found");
    assertThat(p.isRetryable()).isFalse();
    assertThat(fake.takeHttpRequest(WAIT).path())
        .isEqualTo("/v1/text-to-speech/no-such-voice/stream");
  }

  @Test
  void slowFirstByteIsMeasured() throws Exception {
    tts = builder().build();
    fake.enqueueHttpFault(HttpFault.slowFirstByte(Duration.ofMillis(400)));

    speak("Hello").awaitComplete(WAIT);

    Duration ttfb = firstBytes.poll(1, TimeUnit.SECONDS);
    assertThat(ttfb).isNotNull();
    assertThat(ttfb).isGreaterThanOrEqualTo(Duration.ofMillis(400));
  }

  @Test
  void socketDropMidStreamIsAConnectionExceptionAfterTheAudioSoFar() throws Exception {
    tts = builder().build();
    fake.enqueueHttpFault(HttpFault.dropAfterBytes(64_000));
    String text = "this answer is cut off before it ends ".repeat(5);

    Recorder r = speak(text);
    Throwable e = r.awaitError(WAIT);

    assertThat(e).isInstanceOf(ConnectionException.class);
    assertThat(e.getCause()).isNotNull();
    long got = r.pcm().length;
    assertThat(got)
        .as("audio before the drop (error: %s)", e)
        .isGreaterThan(0)
        .isLessThan((long) text.length() * fake.voice().samplesPerChar(16_000) * 2);
  }

  @Test
  void malformedChunkIsAConnectionException() throws Exception {
    tts = builder().maxRetries(0).build();
    fake.enqueueHttpFault(HttpFault.malformedChunk());

    Throwable e = speak("Hello").awaitError(WAIT);

    assertThat(e).isInstanceOf(ConnectionException.class);
  }

  @Test
  void eachSubscriptionIsItsOwnRequest() throws Exception {
    tts = builder().build();
    var publisher = tts.synthesize(TtsRequest.of("Twice"));
    Recorder a = Recorder.unbounded();
    Recorder b = Recorder.unbounded();
    publisher.subscribe(a);
    publisher.subscribe(b);
    a.awaitComplete(WAIT);
    b.awaitComplete(WAIT);
    assertThat(a.pcm()).isEqualTo(b.pcm());
    assertThat(fake.httpRequests()).hasSize(2);
  }

  @Test
  void nothingIsSentBeforeDemand() throws Exception {
    tts = builder().build();
    Recorder r = Recorder.manual();
    tts.synthesize(TtsRequest.of("Wait for it")).subscribe(r);
    r.request(1);
    r.awaitNext(WAIT);
    assertThat(fake.httpRequests()).hasSize(1);
    r.cancel();
  }

  @Test
  void closingTheProviderStopsARunningSynthesis() throws Exception {
    fake.close();
    fake =
        FakeElevenLabsTtsServer.builder().apiKey(KEY).httpChunkDelay(Duration.ofMillis(3)).start();
    tts = builder().build();
    Recorder r = Recorder.manual();
    tts.synthesize(TtsRequest.of("a long answer that goes on and on ".repeat(60))).subscribe(r);
    var prepared = tts.synthesize(TtsRequest.of("subscribed after close"));
    r.request(1);
    r.awaitNext(WAIT);

    tts.close();

    Recorder afterClose = Recorder.unbounded();
    prepared.subscribe(afterClose);
    assertThat(afterClose.awaitError(WAIT)).hasMessageContaining("closed");

    r.awaitComplete(WAIT);
    assertThat(fake.awaitHttpStreamEnd(WAIT).aborted()).isTrue();
    assertThatThrownBy(() -> tts.synthesize(TtsRequest.of("late")))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("closed");
  }

  @Test
  void requestOfZeroIsAnError() throws Exception {
    tts = builder().build();
    Recorder r = Recorder.manual();
    tts.synthesize(TtsRequest.of("Hello")).subscribe(r);
    r.request(0);
    assertThat(r.awaitError(WAIT)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void builderValidatesWithMessagesThatSayHowToFix() {
    assertThatThrownBy(() -> ElevenLabsTts.builder().build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("ELEVENLABS_API_KEY");
    assertThatThrownBy(() -> OutputFormat.of("mp3_44100_128"))
        .hasMessageContaining("pcm_16000")
        .hasMessageContaining("ulaw_8000");
    assertThatThrownBy(() -> ElevenLabsTts.builder().inactivityTimeout(Duration.ofSeconds(500)))
        .hasMessageContaining("5..180");
    assertThatThrownBy(() -> VoiceSettings.builder().stability(2))
        .hasMessageContaining("stability 2.0 is out of range");
    assertThat(ElevenLabsTts.builder().apiKey(KEY).build())
        .satisfies(
            t -> {
              assertThat(t.toString()).doesNotContain(KEY).contains("apiKey=***");
              t.close();
            });
    assertThat(OutputFormat.of("pcm_22050").pcmFormat()).isEqualTo(AudioFormat.mono(22_050));
  }

  @Test
  void aVariantKeepsTheSettingsAndSharesTheClient() throws Exception {
    tts = builder().modelId("eleven_turbo_v2_5").build();
    try (ElevenLabsTts ulaw = tts.newBuilder().outputFormat(OutputFormat.ULAW_8000).build()) {
      assertThat(ulaw.modelId()).isEqualTo("eleven_turbo_v2_5");
      assertThat(ulaw.outputFormat()).isEqualTo(AudioFormat.mono(8_000));
      assertThat(ulaw.client()).isSameAs(tts.client());
      Recorder r = Recorder.unbounded();
      ulaw.synthesize(TtsRequest.of("Variant")).subscribe(r);
      r.awaitComplete(WAIT);
      assertThat(fake.takeHttpRequest(WAIT).query()).containsEntry("output_format", "ulaw_8000");
    }
    // closing the variant left the shared client running
    speak("Still here").awaitComplete(WAIT);
  }

  @Test
  void fromEnvironment() {
    ElevenLabsTts t =
        ElevenLabsTts.builder()
            .env(
                java.util.Map.of(
                    "ELEVENLABS_API_KEY", KEY,
                    "ELEVENLABS_VOICE_ID", "voice-from-env",
                    "ELEVENLABS_MODEL_ID", "eleven_turbo_v2_5",
                    "ELEVENLABS_OUTPUT_FORMAT", "pcm_44100"))
            .build();
    try {
      assertThat(t.voiceId()).isEqualTo("voice-from-env");
      assertThat(t.modelId()).isEqualTo("eleven_turbo_v2_5");
      assertThat(t.outputFormat()).isEqualTo(AudioFormat.mono(44_100));
    } finally {
      t.close();
    }
  }

  @Test
  void theSharedBaseUrlOfTheRecogniserServesTextToSpeechAndItsOwnVariableWins() {
    // one ELEVENLABS_BASE_URL for both: the recogniser needs wss://, so text-to-speech reads it
    // as https://; ELEVENLABS_TTS_BASE_URL, when set, is text-to-speech's own
    ElevenLabsTts shared =
        ElevenLabsTts.builder()
            .env(
                java.util.Map.of(
                    "ELEVENLABS_API_KEY", KEY, "ELEVENLABS_BASE_URL", "wss://127.0.0.1:9"))
            .build();
    ElevenLabsTts own =
        ElevenLabsTts.builder()
            .env(
                java.util.Map.of(
                    "ELEVENLABS_API_KEY",
                    KEY,
                    "ELEVENLABS_BASE_URL",
                    "wss://127.0.0.1:9",
                    "ELEVENLABS_TTS_BASE_URL",
                    "http://127.0.0.1:7"))
            .build();
    try {
      assertThat(shared.toString()).contains("https://127.0.0.1:9");
      assertThat(own.toString()).contains("http://127.0.0.1:7").doesNotContain(":9");
    } finally {
      shared.close();
      own.close();
    }
  }
}
