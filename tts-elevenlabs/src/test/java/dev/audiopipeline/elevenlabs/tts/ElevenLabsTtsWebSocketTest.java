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
import dev.audiopipeline.TtsStream;
import dev.audiopipeline.audio.AudioFormat;
import dev.audiopipeline.testing.FakeElevenLabsTtsServer;
import dev.audiopipeline.testing.FakeElevenLabsTtsServer.RecordedWsMessage;
import dev.audiopipeline.testing.FakeElevenLabsTtsServer.WebSocketFault;
import dev.audiopipeline.testing.FakeElevenLabsTtsServer.WsClose;
import dev.audiopipeline.testing.FakeTtsVoice;
import dev.audiopipeline.testing.Signals;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import mockwebserver3.RecordedRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class ElevenLabsTtsWebSocketTest {
  static final String KEY = "test-key-123";
  static final Duration WAIT = Duration.ofSeconds(10);

  FakeElevenLabsTtsServer fake;
  ElevenLabsTts tts;
  final BlockingQueue<Duration> firstBytes = new LinkedBlockingQueue<>();

  @AfterEach
  void tearDown() throws InterruptedException {
    if (tts != null) {
      tts.close();
    }
    if (fake != null) {
      fake.close();
    }
    assertThat(ThreadLeaks.libraryThreadsAfter(Duration.ofSeconds(3))).isEmpty();
  }

  void start(FakeElevenLabsTtsServer.Builder fakeBuilder) {
    fake = fakeBuilder.apiKey(KEY).start();
  }

  ElevenLabsTts.Builder builder() {
    return ElevenLabsTts.builder()
        .apiKey(KEY)
        .baseUrl(fake.httpBaseUrl())
        .webSocketBaseUrl(fake.webSocketBaseUrl())
        .outputFormat(OutputFormat.PCM_16000)
        .listener(
            new PipelineListener() {
              @Override
              public void ttsFirstByte(String provider, Duration latency) {
                firstBytes.add(latency);
              }
            });
  }

  static Recorder subscribe(TtsStream stream) {
    Recorder r = Recorder.unbounded();
    stream.audio().subscribe(r);
    return r;
  }

  static String spoken(List<CharTiming> alignment) {
    return alignment.stream().map(CharTiming::character).collect(Collectors.joining());
  }

  List<RecordedWsMessage> messagesFor(String contextId) {
    List<RecordedWsMessage> out = new ArrayList<>();
    for (RecordedWsMessage m : fake.webSocketMessages()) {
      if (contextId.equals(m.contextId())) {
        out.add(m);
      }
    }
    return out;
  }

  @Test
  void textPiecesProduceOneContinuousUtterance() throws Exception {
    start(FakeElevenLabsTtsServer.builder());
    tts =
        builder().voiceSettings(VoiceSettings.builder().stability(0.4).speed(1.1).build()).build();

    TtsStream stream = tts.openStream(null);
    Recorder r = subscribe(stream);
    for (String piece : List.of("Hel", "lo wor", "ld. How", " are", " you to", "day?")) {
      stream.append(piece);
    }
    stream.finish();
    r.awaitComplete(WAIT);

    // one utterance: every word whole, in order, on one timeline without gaps or overlaps
    List<CharTiming> alignment = r.alignment();
    assertThat(spoken(alignment).strip()).isEqualTo("Hello world. How are you today?");
    long expectedStart = 0;
    for (CharTiming t : alignment) {
      assertThat(t.startMs()).isEqualTo(expectedStart);
      expectedStart += t.durationMs();
    }
    byte[] pcm = r.pcm();
    assertThat(pcm.length).isEqualTo(alignment.size() * fake.voice().samplesPerChar(16_000) * 2);
    assertThat(r.chunks())
        .allSatisfy(c -> assertThat(c.format()).isEqualTo(AudioFormat.mono(16_000)));
    long micros = tts.outputFormat().durationMicros(pcm.length / AudioFormat.BYTES_PER_SAMPLE);
    assertThat(micros).isEqualTo(expectedStart * 1000);

    // the wire: one connection, one context, init " " first, whole words ending in a space
    assertThat(fake.webSocketConnectionCount()).isEqualTo(1);
    RecordedRequest handshake = fake.webSocketHandshakes().get(0);
    assertThat(handshake.getUrl().encodedPath())
        .isEqualTo("/v1/text-to-speech/" + ElevenLabsTts.DEFAULT_VOICE + "/multi-stream-input");
    assertThat(handshake.getUrl().queryParameter("model_id")).isEqualTo("eleven_flash_v2_5");
    assertThat(handshake.getUrl().queryParameter("output_format")).isEqualTo("pcm_16000");
    assertThat(handshake.getUrl().queryParameter("sync_alignment")).isEqualTo("true");
    assertThat(handshake.getUrl().queryParameter("inactivity_timeout")).isEqualTo("60");
    assertThat(handshake.getHeaders().get("xi-api-key")).isEqualTo(KEY);
    List<RecordedWsMessage> sent = fake.webSocketMessages();
    String ctx = sent.get(0).contextId();
    assertThat(ctx).isNotNull();
    assertThat(sent).allSatisfy(m -> assertThat(m.contextId()).isEqualTo(ctx));
    JsonNode init = sent.get(0).json();
    assertThat(init.path("text").asText()).isEqualTo(" ");
    assertThat(init.path("voice_settings").path("stability").asDouble()).isEqualTo(0.4);
    assertThat(init.path("voice_settings").path("speed").asDouble()).isEqualTo(1.1);
    List<String> texts = new ArrayList<>();
    for (RecordedWsMessage m : sent.subList(1, sent.size())) {
      if (m.json().has("text")) {
        texts.add(m.json().path("text").asText());
      }
    }
    assertThat(texts).allSatisfy(t -> assertThat(t).endsWith(" "));
    assertThat(String.join("", texts)).isEqualTo("Hello world. How are you today? ");
    JsonNode last = sent.get(sent.size() - 1).json();
    assertThat(last.path("close_context").asBoolean()).isTrue();
    assertThat(sent.get(sent.size() - 2).json().path("flush").asBoolean()).isTrue();

    assertThat(firstBytes.poll(1, TimeUnit.SECONDS)).as("time to first byte reported").isNotNull();
  }

  @Test
  void alignmentWithTheLegacySpellingAndCamelCaseContextId() throws Exception {
    start(FakeElevenLabsTtsServer.builder().legacyAlignmentKeys(true).camelCaseContextId(true));
    tts = builder().build();

    TtsStream stream = tts.openStream(null);
    Recorder r = subscribe(stream);
    stream.append("Legacy keys still parse. ");
    stream.finish();
    r.awaitComplete(WAIT);

    List<CharTiming> alignment = r.alignment();
    assertThat(spoken(alignment).strip()).isEqualTo("Legacy keys still parse.");
    int ms = fake.voice().charMillis();
    for (int i = 0; i < alignment.size(); i++) {
      assertThat(alignment.get(i).startMs()).isEqualTo((long) i * ms);
      assertThat(alignment.get(i).durationMs()).isEqualTo(ms);
    }
  }

  @Test
  void audioAndIsFinalInOneMessageKeepsTheAudio() throws Exception {
    start(FakeElevenLabsTtsServer.builder().finalInLastAudio(true).charsPerMessage(4));
    tts = builder().build();

    TtsStream stream = tts.openStream(null);
    Recorder r = subscribe(stream);
    stream.append("Last words matter. ");
    stream.finish();
    r.awaitComplete(WAIT);

    assertThat(spoken(r.alignment()).strip()).isEqualTo("Last words matter.");
    assertThat(r.pcm().length)
        .isEqualTo(r.alignment().size() * fake.voice().samplesPerChar(16_000) * 2);
  }

  @Test
  void flushSpeaksNowAndTheUtteranceGoesOn() throws Exception {
    start(FakeElevenLabsTtsServer.builder());
    tts = builder().build();

    TtsStream stream = tts.openStream(null);
    Recorder r = subscribe(stream);
    stream.append("First sentence.");
    stream.flush();
    TtsChunk first = r.awaitNext(WAIT);
    assertThat(first.pcm()).isNotEmpty();
    stream.append(" Second one.");
    stream.finish();
    r.awaitComplete(WAIT);
    assertThat(spoken(r.alignment()).replace(" ", "")).isEqualTo("Firstsentence.Secondone.");
  }

  @Test
  void ulawOverTheWebSocketIsDecoded() throws Exception {
    start(FakeElevenLabsTtsServer.builder());
    tts = builder().outputFormat(OutputFormat.ULAW_8000).build();

    TtsStream stream = tts.openStream(null);
    Recorder r = subscribe(stream);
    stream.append("zzz ");
    stream.finish();
    r.awaitComplete(WAIT);

    int perChar = fake.voice().samplesPerChar(8_000);
    short[] z = Signals.samples(r.pcm(), 0, perChar);
    assertThat(Signals.goertzelShare(z, 8_000, FakeTtsVoice.frequencyOf('z'))).isGreaterThan(0.8);
  }

  @Test
  void cancelMidStreamClosesTheContextAndKeepsTheConnectionForTheNextUtterance() throws Exception {
    start(FakeElevenLabsTtsServer.builder().charsPerMessage(5));
    tts = builder().build();

    TtsStream stream = tts.openStream(null);
    Recorder r = Recorder.manual();
    stream.audio().subscribe(r);
    r.request(1);
    stream.append("This is a long answer that the user interrupts halfway through. ".repeat(20));
    stream.flush();
    r.awaitNext(WAIT);
    r.cancel();

    RecordedWsMessage close =
        fake.takeWebSocketMessage(WAIT, m -> m.json().path("close_context").asBoolean(false));
    String ctx = close.contextId();
    assertThat(ctx).isNotNull();
    assertThat(r.chunks()).hasSize(1);
    assertThat(r.terminalSignals.get()).isZero();

    // the same connection serves the next utterance
    TtsStream next = tts.openStream(null);
    Recorder r2 = subscribe(next);
    next.append("Sorry, go on. ");
    next.finish();
    r2.awaitComplete(WAIT);
    assertThat(spoken(r2.alignment()).strip()).isEqualTo("Sorry, go on.");
    assertThat(fake.webSocketConnectionCount()).isEqualTo(1);
    assertThat(r.chunks()).as("nothing more reached the cancelled subscriber").hasSize(1);
  }

  @Test
  void closeStopsTheUtteranceAndCompletesTheSubscriber() throws Exception {
    start(FakeElevenLabsTtsServer.builder());
    tts = builder().build();

    TtsStream stream = tts.openStream(null);
    Recorder r = subscribe(stream);
    stream.append("Never mind ");
    stream.close();
    r.awaitComplete(WAIT);
    fake.takeWebSocketMessage(WAIT, m -> m.json().path("close_context").asBoolean(false));
    assertThatThrownBy(() -> stream.append("more")).isInstanceOf(IllegalStateException.class);
  }

  @Test
  void inactivityCloseIs1008WithTheServiceReason() throws Exception {
    start(FakeElevenLabsTtsServer.builder().inactivityTimeout(Duration.ofMillis(300)));
    tts = builder().keepAliveInterval(Duration.ZERO).build();

    TtsStream stream = tts.openStream(null);
    Recorder r = subscribe(stream);
    stream.append("Waiting for the model");

    Throwable e = r.awaitError(WAIT);
    assertThat(e).isExactlyInstanceOf(ProviderException.class);
    ProviderException p = (ProviderException) e;
    assertThat(p.closeCode()).isEqualTo(1008);
    assertThat(p.errorType()).isEqualTo("inactivity_timeout");
    assertThat(p.isRetryable()).isFalse();
    assertThat(p.getMessage())
        .contains("Have not received a new text input within the timeout of 60 seconds");
  }

  @Test
  void keepAlivesHoldAnIdleUtteranceOpen() throws Exception {
    start(FakeElevenLabsTtsServer.builder().inactivityTimeout(Duration.ofMillis(1000)));
    tts = builder().keepAliveInterval(Duration.ofMillis(50)).build();

    TtsStream stream = tts.openStream(null);
    Recorder r = subscribe(stream);
    stream.append("Thinking ");
    // 25 keep-alives at least 50 ms apart: past the 1 s inactivity timeout
    for (int i = 0; i < 25; i++) {
      RecordedWsMessage ka =
          fake.takeWebSocketMessage(
              WAIT,
              m -> m.json().path("text").isTextual() && m.json().path("text").asText().isEmpty());
      assertThat(ka.contextId()).isNotNull();
    }
    stream.append("done. ");
    stream.finish();
    r.awaitComplete(WAIT);
    assertThat(spoken(r.alignment()).strip()).isEqualTo("Thinking done.");
  }

  @Test
  void aSixthUtteranceOpensASecondConnection() throws Exception {
    start(FakeElevenLabsTtsServer.builder());
    tts = builder().build();

    List<TtsStream> streams = new ArrayList<>();
    List<Recorder> recorders = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      TtsStream s = tts.openStream(null);
      streams.add(s);
      recorders.add(subscribe(s));
    }
    for (int i = 0; i < 6; i++) {
      streams.get(i).append("Utterance " + i + ". ");
      streams.get(i).finish();
    }
    for (int i = 0; i < 6; i++) {
      recorders.get(i).awaitComplete(WAIT);
      assertThat(spoken(recorders.get(i).alignment()).strip()).isEqualTo("Utterance " + i + ".");
    }
    assertThat(fake.webSocketConnectionCount()).isEqualTo(2);
  }

  @Test
  void theServiceContextCapIsARetryableError() throws Exception {
    start(FakeElevenLabsTtsServer.builder().maxContexts(2));
    tts = builder().build();

    Recorder a = subscribe(tts.openStream(null));
    Recorder b = subscribe(tts.openStream(null));
    Recorder c = subscribe(tts.openStream(null));

    for (Recorder r : List.of(a, b, c)) {
      Throwable e = r.awaitError(WAIT);
      assertThat(e).isExactlyInstanceOf(ProviderException.class);
      ProviderException p = (ProviderException) e;
      assertThat(p.closeCode()).isEqualTo(1008);
      assertThat(p.errorType()).isEqualTo("max_active_conversations");
      assertThat(p.isRetryable()).isTrue();
    }
  }

  @Test
  void wrongKeyIsAnAuthenticationExceptionWithoutTheKey() throws Exception {
    start(FakeElevenLabsTtsServer.builder());
    tts = builder().apiKey("wrong-key-456").build();

    TtsStream stream = tts.openStream(null);
    Recorder r = subscribe(stream);
    stream.append("Hello ");

    Throwable e = r.awaitError(WAIT);
    assertThat(e).isInstanceOf(AuthenticationException.class);
    assertThat(((AuthenticationException) e).closeCode()).isEqualTo(1008);
    assertThat(e.getMessage()).doesNotContain("wrong-key-456");
    WsClose close = fake.awaitWebSocketClose(WAIT);
    assertThat(close.code()).isEqualTo(1008);
  }

  @Test
  void handshakeRefusalIsTyped() throws Exception {
    start(FakeElevenLabsTtsServer.builder());
    fake.enqueueWebSocketFault(
        WebSocketFault.rejectHandshake(401, "invalid_api_key", "Invalid API key"));
    tts = builder().build();

    Recorder r = subscribe(tts.openStream(null));

    Throwable e = r.awaitError(WAIT);
    assertThat(e).isInstanceOf(AuthenticationException.class);
    assertThat(((AuthenticationException) e).httpStatus()).isEqualTo(401);
    assertThat(((AuthenticationException) e).errorType()).isEqualTo("invalid_api_key");
  }

  @Test
  void aSendRacingTheRefusedHandshakeStillReportsTheAuthenticationError() throws Exception {
    // OkHttp refuses sends as soon as it has seen the refused handshake, before it calls
    // onFailure: the first message of an utterance can land in that window (seen in CI). The
    // utterance must then fail with the handshake's error, not a send failure of its own.
    start(FakeElevenLabsTtsServer.builder());
    for (int i = 0; i < 20; i++) {
      fake.enqueueWebSocketFault(
          WebSocketFault.rejectHandshake(401, "invalid_api_key", "Invalid API key"));
      ElevenLabsTts t = builder().build();
      try {
        Recorder r = subscribe(t.openStream(null));
        assertThat(r.awaitError(WAIT))
            .as("attempt %d", i)
            .isInstanceOf(AuthenticationException.class);
      } finally {
        t.close();
      }
    }
  }

  @Test
  void unknownVoiceOnTheSocketIsAProviderException() throws Exception {
    start(FakeElevenLabsTtsServer.builder());
    tts = builder().build();

    Recorder r = subscribe(tts.openStream("no-such-voice"));

    Throwable e = r.awaitError(WAIT);
    assertThat(e).isExactlyInstanceOf(ProviderException.class);
    assertThat(((ProviderException) e).errorType()).isEqualTo("voice_not_found");
    assertThat(((ProviderException) e).isRetryable()).isFalse();
  }

  @Test
  void quotaOnTheSocketIsTyped() throws Exception {
    start(FakeElevenLabsTtsServer.builder());
    fake.enqueueWebSocketFault(WebSocketFault.quotaExceeded());
    tts = builder().build();

    TtsStream stream = tts.openStream(null);
    Recorder r = subscribe(stream);
    stream.append("Hello ");

    Throwable e = r.awaitError(WAIT);
    assertThat(e).isInstanceOf(QuotaExceededException.class);
    assertThat(((QuotaExceededException) e).errorType()).isEqualTo("quota_exceeded");
    assertThat(((QuotaExceededException) e).closeCode()).isEqualTo(1008);
  }

  @Test
  void socketDropMidStreamIsAConnectionExceptionAfterTheAudioSoFar() throws Exception {
    start(FakeElevenLabsTtsServer.builder().charsPerMessage(5));
    fake.enqueueWebSocketFault(WebSocketFault.dropAfterAudioMessages(3));
    tts = builder().build();

    TtsStream stream = tts.openStream(null);
    Recorder r = subscribe(stream);
    stream.append("A sentence long enough to be cut off in the middle. ");
    stream.flush();

    Throwable e = r.awaitError(WAIT);
    assertThat(e).isInstanceOf(ConnectionException.class);
    assertThat(r.chunks()).hasSizeBetween(1, 3);

    // a broken connection is replaced on the next utterance
    TtsStream next = tts.openStream(null);
    Recorder r2 = subscribe(next);
    next.append("Again. ");
    next.finish();
    r2.awaitComplete(WAIT);
    assertThat(fake.webSocketConnectionCount()).isEqualTo(2);
  }

  @Test
  void aSlowSubscriberBeyondTheBufferFailsWithOverflow() throws Exception {
    start(FakeElevenLabsTtsServer.builder().charsPerMessage(1));
    tts = builder().maxBufferedChunks(4).build();

    TtsStream stream = tts.openStream(null);
    Recorder r = Recorder.manual();
    stream.audio().subscribe(r);
    stream.append("Far too much audio for four chunks. ");
    stream.flush();

    Throwable e = r.awaitError(WAIT);
    assertThat(e).isInstanceOf(dev.audiopipeline.OverflowException.class);
    assertThat(((dev.audiopipeline.OverflowException) e).capacity()).isEqualTo(4);
    fake.takeWebSocketMessage(WAIT, m -> m.json().path("close_context").asBoolean(false));
  }

  @Test
  void finishWithoutTextCompletesAtOnce() throws Exception {
    start(FakeElevenLabsTtsServer.builder());
    fake.enqueueWebSocketFault(WebSocketFault.ignoreCloseContext());
    tts = builder().build();

    TtsStream stream = tts.openStream(null);
    Recorder r = subscribe(stream);
    stream.append("   ");
    stream.finish();

    r.awaitComplete(WAIT);
    assertThat(r.chunks()).isEmpty();
    fake.takeWebSocketMessage(WAIT, m -> m.json().path("close_context").asBoolean(false));
  }

  @Test
  void aServiceThatGoesSilentAfterTheTextFailsTheUtterance() throws Exception {
    start(FakeElevenLabsTtsServer.builder());
    fake.enqueueWebSocketFault(WebSocketFault.ignoreCloseContext());
    tts =
        builder()
            .keepAliveInterval(Duration.ofMillis(20))
            .finalTimeout(Duration.ofMillis(300))
            .build();

    TtsStream stream = tts.openStream(null);
    Recorder r = subscribe(stream);
    stream.append("Then nothing. ");
    stream.finish();

    Throwable e = r.awaitError(WAIT);
    assertThat(e).isExactlyInstanceOf(ProviderException.class);
    assertThat(((ProviderException) e).errorType()).isEqualTo("final_timeout");
    assertThat(((ProviderException) e).isRetryable()).isTrue();
    assertThat(r.chunks()).as("the audio before the silence was delivered").isNotEmpty();
  }

  @Test
  void secondSubscriberIsRefused() throws Exception {
    start(FakeElevenLabsTtsServer.builder());
    tts = builder().build();
    TtsStream stream = tts.openStream(null);
    subscribe(stream);
    Recorder second = subscribe(stream);
    assertThat(second.awaitError(WAIT)).isInstanceOf(IllegalStateException.class);
    stream.close();
  }

  @Test
  void closingTheProviderClosesTheSocketAndStopsThreads() throws Exception {
    start(FakeElevenLabsTtsServer.builder());
    tts = builder().build();
    TtsStream stream = tts.openStream(null);
    Recorder r = subscribe(stream);
    stream.append("Goodbye ");

    tts.close();

    r.awaitComplete(WAIT);
    // close_context, then close_socket: the service closes the idle socket normally
    fake.takeWebSocketMessage(WAIT, m -> m.json().path("close_socket").asBoolean(false));
    WsClose close = fake.awaitWebSocketClose(WAIT);
    assertThat(close.code()).isEqualTo(1000);
    assertThatThrownBy(() -> tts.openStream(null)).isInstanceOf(IllegalStateException.class);
    assertThat(ThreadLeaks.libraryThreadsAfter(Duration.ofSeconds(3))).isEmpty();
  }
}
