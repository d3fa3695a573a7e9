package dev.audiopipeline.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.audiopipeline.AudioPipeline;
import dev.audiopipeline.AudioPipelineException;
import dev.audiopipeline.SpeakerStream;
import dev.audiopipeline.Transcript;
import dev.audiopipeline.TranscriptionSession;
import dev.audiopipeline.audio.AudioFormat;
import dev.audiopipeline.audio.AudioSink;
import dev.audiopipeline.audio.AudioSource;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A source driven by the test, the way a LiveKit room behaves: speakers join late and leave early,
 * audio arrives as 10 ms frames of 48 kHz mono with capture timestamps, tracks go quiet (gaps).
 */
class ScriptedSourceTest {
  private static final Duration WAIT = Duration.ofSeconds(20);

  @AfterEach
  void noLibraryThreadSurvives() throws InterruptedException {
    assertThat(LibraryThreads.aliveAfter(Duration.ofSeconds(5))).isEmpty();
  }

  /** A source whose speakers the test adds and removes. */
  static final class Scripted implements AudioSource {
    volatile Listener listener;
    final CountDownLatch started = new CountDownLatch(1);

    @Override
    public void start(Listener l) {
      listener = l;
      started.countDown();
    }

    @Override
    public void close() {}

    Track join(String id, String identity) throws InterruptedException {
      assertThat(started.await(5, TimeUnit.SECONDS)).isTrue();
      Track t = new Track(id, identity);
      listener.speakerJoined(t);
      return t;
    }
  }

  static final class Track implements SpeakerStream {
    final String id;
    final String identity;
    volatile AudioSink sink;

    Track(String id, String identity) {
      this.id = id;
      this.identity = identity;
    }

    @Override
    public String id() {
      return id;
    }

    @Override
    public String identity() {
      return identity;
    }

    @Override
    public AudioFormat format() {
      return AudioFormat.MONO_48K;
    }

    @Override
    public void start(AudioSink s) {
      sink = s;
    }

    /** Writes {@code audio} as 10 ms frames stamped from {@code atMs}, as WebRTC bytes. */
    void play(short[] audio, long atMs) {
      assertThat(offer(audio, atMs)).as("frames refused").isZero();
    }

    /** Like {@link #play}, but returns how many frames the sink refused. */
    int offer(short[] audio, long atMs) {
      byte[] frame = new byte[960];
      int refused = 0;
      for (int f = 0; f + 480 <= audio.length; f += 480) {
        for (int i = 0; i < 480; i++) {
          frame[2 * i] = (byte) audio[f + i];
          frame[2 * i + 1] = (byte) (audio[f + i] >> 8);
        }
        if (!sink.offerBytes(frame, 0, 960, (atMs * 1000) + f * 1_000_000L / 48_000)) {
          refused++;
        }
      }
      return refused;
    }
  }

  @Test
  void lateJoinEarlyLeaveAndGapsLandOnTheSharedTimeline() throws Exception {
    Scripted source = new Scripted();
    // The test writes each 1.5 s clip at once (faster than real time) through the non-blocking
    // WebRTC path; the buffer must hold a whole burst, or the drop-newest policy (correctly)
    // refuses frames whenever the drain thread is slower than the test thread.
    AudioPipeline pipeline =
        AudioPipeline.builder()
            .stt(SpeechSegmentRecognizer.builder().text((id, n, s, e) -> id + "#" + n).build())
            .bufferDuration(Duration.ofSeconds(10))
            .build();
    RecordingSubscriber<Transcript> sub = RecordingSubscriber.unbounded();
    short[] speech = Signals.bursts(AudioFormat.MONO_48K, 1500, new long[][] {{0, 1000}});
    try (TranscriptionSession session = pipeline.startTranscription(source)) {
      session.subscribe(sub);
      Track a = source.join("TR_a", "alice");
      a.play(speech, 0); // alice speaks at 0-1 s
      Track b = source.join("TR_b", "bob"); // bob joins late; his first audio is stamped 3 s
      b.play(speech, 3000); // bob at 3-4 s
      source.listener.speakerLeft(b); // bob leaves early
      // what a source still offers after that is refused and counted, without an exception
      assertThat(b.offer(speech, 5000)).isEqualTo(speech.length / 480);
      a.play(speech, 8000); // alice was muted from 1.5 s to 8 s: a gap, then she speaks at 8-9 s
      source.listener.speakerLeft(a);
      source.listener.sourceEnded();
      sub.awaitComplete(WAIT);
    }
    List<Transcript> finals =
        sub.items().stream()
            .filter(Transcript::isFinal)
            .sorted(Comparator.comparingLong(Transcript::startMs))
            .toList();
    assertThat(finals).extracting(Transcript::speaker).containsExactly("alice", "bob", "alice");
    assertThat(finals.get(0).startMs()).isCloseTo(0L, within(30L));
    assertThat(finals.get(1).startMs()).isCloseTo(3000L, within(30L));
    assertThat(finals.get(2).startMs()).isCloseTo(8000L, within(30L));
    assertThat(finals.get(2).endMs()).isCloseTo(9000L, within(30L));
  }

  @Test
  void badAudioIsRefusedAtOnceWithWhatIsAccepted() throws Exception {
    Scripted source = new Scripted();
    AudioPipeline pipeline = AudioPipeline.builder().stt(SpeechSegmentRecognizer.create()).build();
    TranscriptionSession session = pipeline.startTranscription(source);
    session.start();
    Track a = source.join("TR_a", "alice");
    AudioSink sink = a.sink;
    assertThatThrownBy(() -> sink.offer(new short[0], 0, 0, 0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("empty");
    assertThatThrownBy(() -> sink.offerBytes(new byte[3], 0, 3, 0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("2 bytes per sample");
    assertThatThrownBy(() -> sink.offer(new short[10], 5, 10, 0))
        .isInstanceOf(IndexOutOfBoundsException.class);
    assertThatThrownBy(() -> sink.offer(new short[1 << 20], 0, 1 << 20, 0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("10-100 ms");
    assertThatThrownBy(
            () ->
                sink.offer(
                    dev.audiopipeline.audio.AudioFrame.of(AudioFormat.MONO_16K, new short[160], 0)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("48000");
    session.close();
    assertThat(sink.offer(new short[480], 0, 480, 0)).isFalse();
    // a waiting writer (a file reader) is told once that nobody reads any more
    assertThatThrownBy(() -> sink.put(new short[480], 0, 480, 0))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("no longer accepts");
    // a programming error is still reported at once, closed or not
    assertThatThrownBy(() -> sink.offer(new short[0], 0, 0, 0))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void offersAfterTheSpeakerLeftAreRefusedWithoutAnExceptionOrAnAllocationPerFrame()
      throws Exception {
    java.lang.management.ThreadMXBean mx = java.lang.management.ManagementFactory.getThreadMXBean();
    org.junit.jupiter.api.Assumptions.assumeTrue(
        mx instanceof com.sun.management.ThreadMXBean tmx && tmx.isThreadAllocatedMemorySupported(),
        "this JVM does not measure per-thread allocation");
    com.sun.management.ThreadMXBean tmx = (com.sun.management.ThreadMXBean) mx;
    tmx.setThreadAllocatedMemoryEnabled(true);
    Scripted source = new Scripted();
    AudioPipeline pipeline = AudioPipeline.builder().stt(SpeechSegmentRecognizer.create()).build();
    try (TranscriptionSession session = pipeline.startTranscription(source)) {
      session.start();
      Track a = source.join("TR_a", "alice");
      source.listener.speakerLeft(a);
      AudioSink sink = a.sink;
      byte[] frame = new byte[960];
      for (int i = 0; i < 20_000; i++) { // warm up: let the JIT compile the path
        assertThat(sink.offerBytes(frame, 0, 960, i * 10_000L)).isFalse();
      }
      long tid = Thread.currentThread().getId();
      long before = tmx.getThreadAllocatedBytes(tid);
      int refused = 0;
      for (int i = 0; i < 100_000; i++) {
        if (!sink.offerBytes(frame, 0, 960, i * 10_000L)) {
          refused++;
        }
      }
      long allocated = tmx.getThreadAllocatedBytes(tid) - before;
      assertThat(refused).isEqualTo(100_000);
      // an exception per frame would be > 10 MB; allow for the measurement's own noise
      assertThat(allocated).as("bytes allocated by 100 000 refused offers").isLessThan(256 * 1024);
    }
  }

  @Test
  void droppedAudioIsCountedOnTheSourceThreadAndReportedFromTheDrainThread() throws Exception {
    Scripted source = new Scripted();
    java.util.List<String> reportedOn = new java.util.concurrent.CopyOnWriteArrayList<>();
    java.util.concurrent.atomic.AtomicLong reported = new java.util.concurrent.atomic.AtomicLong();
    AudioPipeline pipeline =
        AudioPipeline.builder()
            .stt(SpeechSegmentRecognizer.create())
            .bufferDuration(
                Duration.ofMillis(100)) // the smallest: a 3 s burst at once overflows it
            .listener(
                new dev.audiopipeline.PipelineListener() {
                  @Override
                  public void audioDropped(String streamId, long samples, String where) {
                    reportedOn.add(Thread.currentThread().getName());
                    reported.addAndGet(samples);
                  }
                })
            .build();
    RecordingSubscriber<Transcript> sub = RecordingSubscriber.unbounded();
    short[] speech = Signals.bursts(AudioFormat.MONO_48K, 3000, new long[][] {{0, 2500}});
    int refused;
    try (TranscriptionSession session = pipeline.startTranscription(source)) {
      session.subscribe(sub);
      Track a = source.join("TR_a", "alice");
      refused = a.offer(speech, 0);
      source.listener.speakerLeft(a);
      source.listener.sourceEnded();
      sub.awaitComplete(WAIT);
    }
    org.junit.jupiter.api.Assumptions.assumeTrue(
        refused > 0,
        "the drain thread kept up with 3 s offered at once; nothing was dropped to report");
    assertThat(reported.get()).isEqualTo(refused * 480L);
    assertThat(reportedOn)
        .isNotEmpty()
        .allSatisfy(name -> assertThat(name).startsWith("audio-pipeline-drain-"));
  }

  @Test
  void aSourceFailureEndsTheSessionWithOneError() throws Exception {
    Scripted source = new Scripted();
    AudioPipeline pipeline = AudioPipeline.builder().stt(SpeechSegmentRecognizer.create()).build();
    RecordingSubscriber<Transcript> sub = RecordingSubscriber.unbounded();
    TranscriptionSession session = pipeline.startTranscription(source);
    session.subscribe(sub);
    source.join("TR_a", "alice");
    source.listener.sourceFailed(new AudioPipelineException("room closed by the server"));
    assertThat(sub.awaitError(WAIT)).hasMessage("room closed by the server");
    session.close();
    assertThat(sub.terminalSignals()).isEqualTo(1);
  }
}
