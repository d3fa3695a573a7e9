package dev.audiopipeline.deepgram;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.audiopipeline.AudioPipeline;
import dev.audiopipeline.FallbackSttProvider;
import dev.audiopipeline.PipelineEvent;
import dev.audiopipeline.SpeakerMap;
import dev.audiopipeline.SpeakerStream;
import dev.audiopipeline.SttProvider;
import dev.audiopipeline.Transcript;
import dev.audiopipeline.TranscriptEvent;
import dev.audiopipeline.TranscriptionSession;
import dev.audiopipeline.audio.AudioFormat;
import dev.audiopipeline.audio.AudioSink;
import dev.audiopipeline.audio.AudioSource;
import dev.audiopipeline.spi.ReconnectPolicy;
import dev.audiopipeline.testing.FakeDeepgramServer;
import dev.audiopipeline.testing.FakeFault;
import dev.audiopipeline.testing.RecordingSubscriber;
import dev.audiopipeline.testing.SpeechSegmentRecognizer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The time model end to end: scripted sources whose stamps have gaps, mutes and late starts go
 * through {@link AudioPipeline}, the Deepgram provider and the fake server (reconnects, a fallback
 * switch), and every final lands within 20 ms of where its tone really is on the shared timeline.
 */
class SharedTimelineTest {
  private static final String KEY = "test-key-123";
  private static final long TOLERANCE_MS = 20;
  private static final Duration WAIT = Duration.ofSeconds(60);

  /** A stretch of audio stamped at {@code atMs} on the source's clock; tones at known places. */
  record Piece(long atMs, short[] samples) {}

  /** Builds one speaker's script and the timeline positions of its tones. */
  static final class Script {
    final AudioFormat format;
    final List<Piece> pieces = new ArrayList<>();
    final List<long[]> tones = new ArrayList<>(); // {startMs, endMs} on the shared timeline
    private long atMs;
    private final List<Short> current = new ArrayList<>();
    private long currentStart;

    Script(AudioFormat format) {
      this.format = format;
    }

    Script silence(int ms) {
      for (int i = 0; i < ms * format.sampleRate() / 1000; i++) {
        current.add((short) 0);
      }
      atMs += ms;
      return this;
    }

    Script tone(int ms) {
      tones.add(new long[] {atMs, atMs + ms});
      int rate = format.sampleRate();
      for (int i = 0; i < ms * rate / 1000; i++) {
        current.add((short) (8000 * Math.sin(2 * Math.PI * 440 * i / (double) rate)));
      }
      atMs += ms;
      return this;
    }

    /** No frames for {@code ms}: the stamps jump (a gap, a muted track). */
    Script gap(int ms) {
      cut();
      atMs += ms;
      currentStart = atMs;
      return this;
    }

    private void cut() {
      if (!current.isEmpty()) {
        short[] s = new short[current.size()];
        for (int i = 0; i < s.length; i++) {
          s[i] = current.get(i);
        }
        pieces.add(new Piece(currentStart, s));
        current.clear();
      }
    }

    Script done() {
      cut();
      return this;
    }

    long samples() {
      return pieces.stream().mapToLong(p -> p.samples().length).sum();
    }
  }

  /**
   * A source that can wait (like a file read at full speed): each speaker's thread writes its
   * script in 20 ms frames with put(). A speaker may join only after another has written all of its
   * audio (a late joiner).
   */
  static final class ScriptedSource implements AudioSource {
    private final List<String> ids = new ArrayList<>();
    private final List<Script> scripts = new ArrayList<>();
    private final List<Integer> after = new ArrayList<>();
    private final List<Thread> threads = new ArrayList<>();
    private final AtomicBoolean closed = new AtomicBoolean();

    ScriptedSource speaker(String id, Script script) {
      return speaker(id, script, -1);
    }

    ScriptedSource speaker(String id, Script script, int joinsAfterSpeaker) {
      ids.add(id);
      scripts.add(script);
      after.add(joinsAfterSpeaker);
      return this;
    }

    @Override
    public void start(Listener listener) {
      List<CountDownLatch> written = new ArrayList<>();
      for (int i = 0; i < ids.size(); i++) {
        written.add(new CountDownLatch(1));
      }
      AtomicInteger running = new AtomicInteger(ids.size());
      for (int i = 0; i < ids.size(); i++) {
        int k = i;
        Thread t =
            new Thread(
                () -> {
                  try {
                    if (after.get(k) >= 0) {
                      written.get(after.get(k)).await();
                    }
                    play(ids.get(k), scripts.get(k), listener);
                  } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                  } finally {
                    written.get(k).countDown();
                    if (running.decrementAndGet() == 0) {
                      listener.sourceEnded();
                    }
                  }
                },
                "scripted-" + ids.get(k));
        threads.add(t);
      }
      threads.forEach(Thread::start);
    }

    private void play(String id, Script script, Listener listener) throws InterruptedException {
      Stream s = new Stream(id, script.format);
      listener.speakerJoined(s);
      try {
        AudioSink sink = s.sink;
        int frame = script.format.samplesIn(20_000);
        for (Piece p : script.pieces) {
          for (int off = 0; off < p.samples().length && !closed.get(); off += frame) {
            int n = Math.min(frame, p.samples().length - off);
            long ts = p.atMs() * 1000 + script.format.durationMicros(off);
            sink.put(p.samples(), off, n, ts);
          }
        }
      } finally {
        listener.speakerLeft(s);
      }
    }

    @Override
    public void close() {
      closed.set(true);
      for (Thread t : threads) {
        try {
          t.join(2_000);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
    }
  }

  static final class Stream implements SpeakerStream {
    final String id;
    final AudioFormat format;
    volatile AudioSink sink;

    Stream(String id, AudioFormat format) {
      this.id = id;
      this.format = format;
    }

    @Override
    public String id() {
      return id;
    }

    @Override
    public String identity() {
      return id;
    }

    @Override
    public AudioFormat format() {
      return format;
    }

    @Override
    public boolean canWait() {
      return true;
    }

    @Override
    public void start(AudioSink sink) {
      this.sink = sink;
    }
  }

  /** Runs the source through the provider; returns every event of the session. */
  private static List<PipelineEvent> run(AudioSource source, SttProvider provider)
      throws InterruptedException {
    AudioPipeline pipeline =
        AudioPipeline.builder()
            .source(source)
            .stt(provider)
            .speakerMap(SpeakerMap.identity())
            .build();
    RecordingSubscriber<PipelineEvent> sub = RecordingSubscriber.unbounded();
    try (TranscriptionSession session = pipeline.startTranscription()) {
      session.events().subscribe(sub);
      sub.awaitComplete(WAIT);
    }
    assertThat(sub.error()).isNull();
    return sub.items();
  }

  private static List<Transcript> finals(List<PipelineEvent> events, String speaker) {
    return events.stream()
        .filter(e -> e instanceof PipelineEvent.TranscriptReceived)
        .map(e -> ((PipelineEvent.TranscriptReceived) e).transcript())
        .filter(t -> t.isFinal() && t.speaker().equals(speaker))
        .toList();
  }

  /** One final per tone, each within 20 ms of the tone on the shared timeline. */
  private static void assertOnTimeline(List<PipelineEvent> events, String speaker, Script script) {
    List<Transcript> finals = finals(events, speaker);
    assertThat(finals).as("finals of %s", speaker).hasSize(script.tones.size());
    for (int i = 0; i < finals.size(); i++) {
      long[] tone = script.tones.get(i);
      Transcript t = finals.get(i);
      assertThat(t.startMs())
          .as("%s tone %d start", speaker, i)
          .isCloseTo(tone[0], within(TOLERANCE_MS));
      assertThat(t.endMs())
          .as("%s tone %d end", speaker, i)
          .isCloseTo(tone[1], within(TOLERANCE_MS));
      // word times (where the provider gives them) come through the same maps
      assertThat(t.words())
          .allSatisfy(
              w -> {
                assertThat(w.startMs()).isBetween(tone[0] - TOLERANCE_MS, tone[1] + TOLERANCE_MS);
                assertThat(w.endMs()).isBetween(tone[0] - TOLERANCE_MS, tone[1] + TOLERANCE_MS);
              });
    }
  }

  private static Script utterances(AudioFormat f, int n) {
    Script s = new Script(f);
    for (int i = 0; i < n; i++) {
      s.silence(300).tone(400).silence(600);
    }
    return s;
  }

  @Test
  void gapsMutedSpeakersAndALateJoinerLandOnOneTimeline() throws Exception {
    // gaps of 60 ms (below the old 100 ms threshold) and 2 s in a 16 kHz source
    Script gappy =
        new Script(AudioFormat.MONO_16K)
            .silence(300)
            .tone(400)
            .silence(600)
            .gap(60)
            .silence(300)
            .tone(400)
            .silence(600)
            .gap(2_000)
            .silence(300)
            .tone(400)
            .silence(700)
            .done();
    // a 48 kHz speaker (resampled, converter reset) muted for 5 s between two utterances
    Script muted =
        new Script(AudioFormat.MONO_48K)
            .silence(500)
            .tone(400)
            .silence(600)
            .gap(5_000)
            .silence(250)
            .tone(500)
            .silence(700)
            .done();
    // a speaker whose first frame is stamped 30 s, joining after the others have spoken
    Script late =
        new Script(AudioFormat.MONO_16K)
            .gap(30_000)
            .silence(300)
            .tone(400)
            .silence(600)
            .silence(200)
            .tone(300)
            .silence(700)
            .done();
    ScriptedSource source =
        new ScriptedSource()
            .speaker("gappy", gappy)
            .speaker("muted", muted)
            .speaker("late", late, 0);
    try (FakeDeepgramServer server = FakeDeepgramServer.builder().apiKey(KEY).build();
        DeepgramSttProvider deepgram =
            DeepgramSttProvider.builder().apiKey(KEY).baseUrl(server.baseUrl()).build()) {
      List<PipelineEvent> events = run(source, deepgram);
      assertOnTimeline(events, "gappy", gappy);
      assertOnTimeline(events, "muted", muted);
      assertOnTimeline(events, "late", late);
      assertThat(finals(events, "late").get(0).startMs()).isCloseTo(30_300, within(TOLERANCE_MS));
      // the gaps were not sent: each speaker's connection carried only its audio
      assertThat(server.connections()).hasSize(3);
    }
  }

  @Test
  void aReconnectReplaysOntoTheSameTimeline() throws Exception {
    Script s = new Script(AudioFormat.MONO_16K);
    s.silence(300)
        .tone(400)
        .silence(600)
        .silence(300)
        .tone(400)
        .silence(600)
        .gap(1_500)
        .silence(300)
        .tone(400)
        .silence(600)
        .silence(300)
        .tone(400)
        .silence(600)
        .done();
    try (FakeDeepgramServer server = FakeDeepgramServer.builder().apiKey(KEY).build();
        DeepgramSttProvider deepgram = quickReconnects(server)) {
      // cut in the third utterance (after the gap): its start is replayed on the new connection
      server.enqueue(FakeFault.dropAfterAudio(Duration.ofMillis(2_800)));
      List<PipelineEvent> events = run(new ScriptedSource().speaker("alice", s), deepgram);
      assertThat(events)
          .anyMatch(
              e ->
                  e instanceof PipelineEvent.ProviderEvent pe
                      && pe.event() instanceof TranscriptEvent.Reconnected);
      assertThat(server.connections()).hasSize(2);
      // audio went out twice (the replay): more than the source holds
      assertThat(server.totalAudioBytes()).isGreaterThan(2 * s.samples());
      assertOnTimeline(events, "alice", s);
    }
  }

  /** A provider on {@code server} that reconnects after 100 ms, without jitter. */
  private static DeepgramSttProvider quickReconnects(FakeDeepgramServer server) {
    return DeepgramSttProvider.builder()
        .apiKey(KEY)
        .baseUrl(server.baseUrl())
        .reconnectPolicy(
            ReconnectPolicy.builder()
                .initialDelay(Duration.ofMillis(100))
                .maxDelay(Duration.ofMillis(100))
                .jitter(0)
                .build())
        .build();
  }

  @Test
  void aProviderSwitchContinuesOnTheSameTimeline() throws Exception {
    Script s = new Script(AudioFormat.MONO_48K);
    s.silence(300)
        .tone(400)
        .silence(600)
        .silence(300)
        .tone(400)
        .silence(600)
        .gap(1_200)
        .silence(300)
        .tone(400)
        .silence(600)
        .silence(300)
        .tone(400)
        .silence(600)
        .done();
    try (FakeDeepgramServer server = FakeDeepgramServer.builder().apiKey(KEY).build();
        DeepgramSttProvider deepgram = quickReconnects(server);
        SpeechSegmentRecognizer embedded = SpeechSegmentRecognizer.create();
        FallbackSttProvider fallback =
            FallbackSttProvider.builder()
                .add(deepgram)
                .add(embedded)
                .probeInterval(Duration.ofMinutes(5))
                .build()) {
      // Deepgram is cut in the third utterance and then refuses the key: the fallback takes over
      server.enqueue(
          FakeFault.dropAfterAudio(Duration.ofMillis(2_800)), FakeFault.rejectUpgrade(401));
      List<PipelineEvent> events = run(new ScriptedSource().speaker("bob", s), fallback);
      assertThat(events)
          .anyMatch(
              e ->
                  e instanceof PipelineEvent.ProviderEvent pe
                      && pe.event() instanceof TranscriptEvent.ProviderSwitched sw
                      && sw.to().equals(embedded.name()));
      assertThat(embedded.sessionsOpened()).isEqualTo(1);
      assertOnTimeline(events, "bob", s);
    }
  }
}
