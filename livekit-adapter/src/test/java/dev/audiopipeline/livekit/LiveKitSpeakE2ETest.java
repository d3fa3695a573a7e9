package dev.audiopipeline.livekit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.audiopipeline.AudioPipeline;
import dev.audiopipeline.SpeakerMap;
import dev.audiopipeline.Transcript;
import dev.audiopipeline.TranscriptionSession;
import dev.audiopipeline.TtsChunk;
import dev.audiopipeline.TtsProvider;
import dev.audiopipeline.TtsRequest;
import dev.audiopipeline.audio.AudioFormat;
import dev.audiopipeline.freetts.FreeTtsProvider;
import dev.audiopipeline.io.WavFile;
import dev.audiopipeline.io.WavFileSource;
import dev.audiopipeline.sphinx.SphinxSttProvider;
import dev.audiopipeline.testing.WordErrorRate;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The bot speaks into a real room: the real third-party client (@livekit/rtc-node, {@code
 * src/test/node/recorder.mjs}) subscribes to the bot's track and records it, and the embedded
 * recogniser must understand the recording about as well as the same FreeTTS audio given to it
 * directly; a cancelled utterance goes silent at the subscriber; nothing is pushed or sent between
 * utterances. Prints the CPU of the publishing track.
 */
@Timeout(value = 6, unit = TimeUnit.MINUTES)
class LiveKitSpeakE2ETest {
  static final List<String> QUESTIONS =
      List.of(
          "Tell me about the last project you worked on.",
          "What was the hardest problem in that project?",
          "How did you test your code before you shipped it?",
          "Why do you want to work with our team?");

  static final String LONG =
      "Thank you for coming in today. Before we start, let me tell you a little about the team,"
          + " the product we build, and the way we work together every single day.";

  private static FreeTtsProvider tts;
  private static SphinxSttProvider sphinx;

  /** Kept after the run for a listen: target/speak-e2e/. */
  private final Path dir = Path.of("target/speak-e2e");

  @BeforeAll
  static void setUp() {
    LiveKitRoomE2ETest.server();
    tts = FreeTtsProvider.create();
    sphinx = SphinxSttProvider.builder().partials(false).build();
    sphinx.preload(1);
  }

  @AfterAll
  static void tearDown() {
    if (sphinx != null) {
      sphinx.close();
    }
    if (tts != null) {
      tts.close();
    }
  }

  record Room(
      LiveKitRoomSource source,
      TranscriptionSession session,
      List<Transcript> transcripts,
      NodePublisher recorder,
      Path wav) {}

  private Room join(String identity, String label) throws Exception {
    String room = "speak-" + UUID.randomUUID().toString().substring(0, 8);
    Files.createDirectories(dir);
    String url = System.getenv("LIVEKIT_URL");
    String key = System.getenv("LIVEKIT_API_KEY");
    String secret = System.getenv("LIVEKIT_API_SECRET");
    LiveKitRoomSource source =
        LiveKitRoomSource.builder()
            .url(url)
            .apiKey(key)
            .apiSecret(secret)
            .room(room)
            .identity(identity)
            .speakerLabel(label)
            .build();
    List<Transcript> transcripts = new CopyOnWriteArrayList<>();
    TranscriptionSession session =
        LiveKitTranscriber.transcribe(source, sphinx, SpeakerMap.identity());
    session.subscribe(collect(transcripts, new CompletableFuture<>()));
    source.joined().toCompletableFuture().get(20, TimeUnit.SECONDS);
    Path wav = dir.resolve(identity + "-heard.wav");
    NodePublisher recorder =
        NodePublisher.start(
            "recorder.mjs",
            url,
            key,
            secret,
            List.of(
                "--room",
                room,
                "--identity",
                "listener",
                "--record",
                identity,
                "--out",
                wav.toString()));
    recorder.await("connected", Duration.ofSeconds(20));
    return new Room(source, session, transcripts, recorder, wav);
  }

  @Test
  void theRoomUnderstandsTheBotAsWellAsTheVoiceDirectlyAndNothingIsSentBetweenUtterances()
      throws Exception {
    // 1. FreeTTS -> Sphinx directly: the questions back to back, as the bot's queue plays them
    List<Short> direct = new ArrayList<>();
    AudioFormat ttsFormat = tts.outputFormat();
    for (String q : QUESTIONS) {
      for (short s : synthesize(tts, q)) {
        direct.add(s);
      }
    }
    for (int i = 0; i < ttsFormat.sampleRate() * 2; i++) {
      direct.add((short) 0); // the recogniser ends the last sentence on silence, as in the room
    }
    short[] directPcm = new short[direct.size()];
    for (int i = 0; i < directPcm.length; i++) {
      directPcm[i] = direct.get(i);
    }
    Files.createDirectories(dir);
    Path directWav = dir.resolve("direct.wav");
    WavFile.write(directWav, ttsFormat, directPcm);
    String reference = String.join(" ", QUESTIONS);
    String directText = transcribe(directWav);
    double werDirect = WordErrorRate.of(reference, directText);

    // 2. the same voice through the room, heard by rtc-node
    Room r = join("interview-bot", "interviewer");
    try {
      ThreadMXBean threads = ManagementFactory.getThreadMXBean();
      com.sun.management.OperatingSystemMXBean os =
          (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
      List<Utterance> said = new ArrayList<>();
      long cpu0 = os.getProcessCpuTime();
      long wall0 = System.nanoTime();
      Map<String, Long> ticks0 = threadTicks();
      for (String q : QUESTIONS) {
        said.add(r.source().speak(tts, q)); // queued: one at a time, in order
      }
      assertThat(r.source().isSpeaking()).isTrue();
      r.recorder().await("subscribed", Duration.ofSeconds(20));
      for (Utterance u : said) {
        u.completion().toCompletableFuture().get(60, TimeUnit.SECONDS);
        assertThat(u.state()).isEqualTo(Utterance.State.FINISHED);
        assertThat(u.playedText()).isEqualTo(u.text());
      }
      long speakingCpu = os.getProcessCpuTime() - cpu0;
      long speakingWall = System.nanoTime() - wall0;
      Map<String, Long> ticks1 = threadTicks();
      Thread pacer = r.source().speechThread();
      assertThat(pacer).isNotNull();
      assertThat(pacer.getName()).startsWith("audio-pipeline-livekit-");
      long pacerCpuSpeaking = threads.getThreadCpuTime(pacer.getId());
      long playedMs = said.stream().mapToLong(u -> u.played().toMillis()).sum();

      // 3. idle: nothing pushed, nothing sent, no CPU on the pacing thread
      Thread.sleep(300); // the last tail frames and packets go out
      long frames = r.source().speechFramesPushed();
      long packets = packetsSent(r.source());
      long pacerCpu = threads.getThreadCpuTime(pacer.getId());
      long idleCpu0 = os.getProcessCpuTime();
      long idleWall0 = System.nanoTime();
      Map<String, Long> idleTicks0 = threadTicks();
      Thread.sleep(3_000);
      Map<String, Long> idleTicks1 = threadTicks();
      long idleCpu = os.getProcessCpuTime() - idleCpu0;
      long idleWall = System.nanoTime() - idleWall0;
      System.out.println(
          "[speak-e2e] busiest threads while speaking (ms of CPU over "
              + speakingWall / 1_000_000
              + " ms): "
              + busiest(ticks0, ticks1)
              + "; while idle (over 3000 ms): "
              + busiest(idleTicks0, idleTicks1));
      assertThat(r.source().speechFramesPushed()).isEqualTo(frames);
      assertThat(packetsSent(r.source())).isEqualTo(packets);
      assertThat(threads.getThreadCpuTime(pacer.getId()) - pacerCpu)
          .as("pacing thread CPU while idle (ns)")
          .isLessThan(2_000_000L);
      assertThat(pacer.getState()).isIn(Thread.State.WAITING, Thread.State.TIMED_WAITING);
      // pushed = played + 2 silent tail frames per utterance (+1 partial last frame each) + the
      // silence that keeps the clock going while the next utterance is synthesised (< 500 ms)
      assertThat(frames).isBetween(playedMs / 10, playedMs / 10 + QUESTIONS.size() * 53L);
      assertThat(packets).isPositive();

      // the publisher connection's reliable data channel carries a packet to the subscriber
      RoomSession session = r.source().session();
      assertThat(session).isNotNull();
      for (int i = 1; i <= 3; i++) {
        assertThat(
                session.sendReliable(
                    livekit.LivekitModels.DataPacket.newBuilder()
                        .setUser(
                            livekit.LivekitModels.UserPacket.newBuilder()
                                .setTopic("speak-test")
                                .setPayload(
                                    com.google.protobuf.ByteString.copyFromUtf8("hello " + i)))))
            .isTrue();
      }
      for (int i = 1; i <= 3; i++) {
        String want = "hello " + i;
        NodePublisher.Event e =
            r.recorder()
                .await(
                    ev -> ev.name().equals("data") && ev.str("topic").equals("speak-test"),
                    Duration.ofSeconds(10),
                    "data packet '" + want + "'");
        assertThat(e.str("text")).isEqualTo(want); // in order
        assertThat(e.str("from")).isEqualTo("interview-bot");
      }

      r.recorder().finish(Duration.ofSeconds(20));
      assertThat(r.recorder().events().stream().anyMatch(e -> e.name().equals("saved"))).isTrue();
      System.out.println(
          "[speak-e2e] TTS fell behind real time "
              + r.source().speechUnderruns()
              + " time(s); recorder events: "
              + r.recorder().events());
      System.out.println(
          "[speak-e2e] bot lines (session ms; session started at epoch "
              + (System.currentTimeMillis() - r.session().nowMs())
              + "): "
              + r.transcripts());
      String roomText = transcribe(r.wav());
      double werRoom = WordErrorRate.of(reference, roomText);
      System.out.printf(
          "[speak-e2e] WER FreeTTS->Sphinx directly %.1f %% (%s) | through the room %.1f %% (%s)%n",
          werDirect * 100, directText, werRoom * 100, roomText);

      // 4. the bot's own lines in the session's transcript
      List<Transcript> bot =
          r.transcripts().stream().filter(t -> t.speaker().equals("interviewer")).toList();
      assertThat(bot).extracting(Transcript::text).containsExactlyElementsOf(QUESTIONS);
      assertThat(bot).allMatch(Transcript::isFinal);
      assertThat(bot).allMatch(t -> t.participantIdentity().equals("interview-bot"));
      for (int i = 1; i < bot.size(); i++) {
        assertThat(bot.get(i).startMs()).isGreaterThanOrEqualTo(bot.get(i - 1).endMs() - 15);
      }
      assertThat(bot.get(0).segmentId()).startsWith(r.source().speechTrackSid() + "/");
      for (int i = 0; i < bot.size(); i++) {
        assertThat((double) bot.get(i).durationMs())
            .isCloseTo(
                (double) said.get(i).played().toMillis(),
                org.assertj.core.data.Offset.offset(60.0));
      }

      System.out.printf(
          "[speak-e2e] CPU: process %.1f %% of one core while speaking (%d ms audio in %d ms),"
              + " %.1f %% idle; pacing thread %.2f %% while speaking, 0 idle; %d frames, %d RTP"
              + " packets%n",
          100.0 * speakingCpu / speakingWall,
          playedMs,
          speakingWall / 1_000_000,
          100.0 * idleCpu / idleWall,
          100.0 * pacerCpuSpeaking / speakingWall,
          frames,
          packets);
      assertThat(werDirect).as("FreeTTS->Sphinx WER directly (the reference)").isLessThan(0.5);
      assertThat(werRoom).as("room WER vs direct WER").isLessThanOrEqualTo(werDirect + 0.10);
    } finally {
      close(r);
    }
  }

  @Test
  void aCancelledUtteranceGoesSilentAtTheSubscriberAndReportsWhatWasPlayed() throws Exception {
    Room r = join("cancel-bot", "interviewer");
    try {
      // a first short utterance: the subscriber is bound before the measured one starts
      Utterance warm = r.source().speak(tts, "Hello.");
      r.recorder().await("subscribed", Duration.ofSeconds(20));
      warm.completion().toCompletableFuture().get(30, TimeUnit.SECONDS);
      Thread.sleep(300);
      com.sun.management.OperatingSystemMXBean os =
          (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
      long idleCpu0 = os.getProcessCpuTime();
      long idleWall0 = System.nanoTime();
      Thread.sleep(2_000);
      double idleCore =
          (double) (os.getProcessCpuTime() - idleCpu0) / (System.nanoTime() - idleWall0);

      // a steady 10 s tone at 16 kHz in 100 ms chunks (converted to 48 kHz on the way), so the
      // moment the audio stops is unambiguous at the subscriber
      long startEpoch = System.currentTimeMillis();
      long cpu0 = os.getProcessCpuTime();
      long wall0 = System.nanoTime();
      Utterance u = r.source().speak(new TonePublisher(16_000, 10_000, 100), TONE_TEXT);
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (u.played().toMillis() < 1_000 && System.nanoTime() < deadline) {
        Thread.sleep(1);
      }
      // paused: nothing is pushed, played() stands still; resumed: it goes on
      u.pause();
      Thread.sleep(50);
      assertThat(u.state()).isEqualTo(Utterance.State.PAUSED);
      long pausedAt = u.played().toMillis();
      long framesAtPause = r.source().speechFramesPushed();
      Thread.sleep(500);
      assertThat(u.played().toMillis()).isEqualTo(pausedAt);
      assertThat(r.source().speechFramesPushed()).isEqualTo(framesAtPause);
      u.resume();
      while (u.played().toMillis() < 2_000 && System.nanoTime() < deadline) {
        Thread.sleep(1);
      }
      long cancelEpoch = System.currentTimeMillis();
      double speakingCore = (double) (os.getProcessCpuTime() - cpu0) / (System.nanoTime() - wall0);
      u.cancel();
      u.completion().toCompletableFuture().get(5, TimeUnit.SECONDS);
      assertThat(u.state()).isEqualTo(Utterance.State.CANCELLED);
      long played = u.played().toMillis();
      assertThat(played).isBetween(2_000L, 2_050L);
      assertThat(u.playedText()).isNotEmpty();
      assertThat(TONE_TEXT).startsWith(u.playedText());
      assertThat(u.playedText().length()).isLessThan(TONE_TEXT.length() * 2 / 3);
      long idleCpu1 = os.getProcessCpuTime();
      long idleWall1 = System.nanoTime();
      Thread.sleep(2_000);
      double idleAfter =
          (double) (os.getProcessCpuTime() - idleCpu1) / (System.nanoTime() - idleWall1);
      r.recorder().finish(Duration.ofSeconds(20));

      // the recording: when the tone was heard
      short[] heard;
      try (WavFile.Reader reader = WavFile.open(r.wav())) {
        heard = reader.readAll();
      }
      List<String> lines = Files.readAllLines(Path.of(r.wav() + ".times"));
      long[] times = lines.stream().filter(l -> !l.isBlank()).mapToLong(Long::parseLong).toArray();
      int frames = Math.min(times.length, heard.length / 480);
      int firstLoud = -1;
      int lastLoud = -1;
      int loudFrames = 0;
      for (int f = 0; f < frames; f++) {
        if (times[f] < startEpoch) {
          continue; // the warm-up
        }
        if (rms(heard, f * 480, 480) > 1_000) {
          if (firstLoud < 0) {
            firstLoud = f;
          }
          lastLoud = f;
          loudFrames++;
        }
      }
      assertThat(lastLoud).as("the tone was heard").isGreaterThan(firstLoud);
      long silentAfterMs = times[lastLoud] - cancelEpoch;
      long heardMs = loudFrames * 10L;
      assertThat((lastLoud - firstLoud + 1) * 10L - heardMs)
          .as("the pause, heard as silence (ms)")
          .isBetween(350L, 1_500L);
      double after = 0;
      for (int f = lastLoud + 5; f < frames; f++) { // after the decoder's 50 ms fade-out
        after = Math.max(after, rms(heard, f * 480, 480));
      }
      System.out.printf(
          "[speak-e2e] cancel: played() %d ms, tone heard %d ms at the subscriber; its last frame"
              + " arrived %d ms after cancel() (first %d ms after speak()); loudest frame after it"
              + " RMS %.0f; transcript '%s'%n",
          played, heardMs, silentAfterMs, times[firstLoud] - startEpoch, after, u.playedText());
      System.out.printf(
          "[speak-e2e] CPU of one publishing track (a generated tone, no TTS): process %.1f %% of"
              + " one core while speaking, %.1f %% idle before, %.1f %% idle after%n",
          speakingCore * 100, idleCore * 100, idleAfter * 100);
      assertThat(silentAfterMs).as("ms from cancel() to the last audible frame").isLessThan(300);
      // the subscriber's jitter buffer may stretch the audio a little and conceal past its ends
      // (after each of the two runs: the pause and the cancel)
      assertThat(heardMs).isBetween(played - 30, played + 300);
      assertThat(after).as("RMS after the tone stopped").isLessThan(300);

      List<Transcript> bot =
          r.transcripts().stream().filter(t -> t.speaker().equals("interviewer")).toList();
      assertThat(bot).extracting(Transcript::text).containsExactly("Hello.", u.playedText());
    } finally {
      close(r);
    }
  }

  static final String TONE_TEXT = "one two three four five six seven eight nine ten";

  /** A sine tone as TTS chunks, one chunk per request (Reactive Streams demand honoured). */
  static final class TonePublisher implements Flow.Publisher<TtsChunk> {
    private final int rate;
    private final int totalMs;
    private final int chunkMs;

    TonePublisher(int rate, int totalMs, int chunkMs) {
      this.rate = rate;
      this.totalMs = totalMs;
      this.chunkMs = chunkMs;
    }

    @Override
    public void subscribe(Flow.Subscriber<? super TtsChunk> s) {
      s.onSubscribe(
          new Flow.Subscription() {
            private long demand;
            private boolean emitting;
            private boolean done;
            private int sent;

            @Override
            public synchronized void request(long n) {
              demand += n;
              if (emitting) {
                return; // the loop below picks it up
              }
              emitting = true;
              while (demand > 0 && !done) {
                if (sent * chunkMs >= totalMs) {
                  done = true;
                  s.onComplete();
                  break;
                }
                demand--;
                int samples = rate * chunkMs / 1000;
                byte[] pcm = new byte[samples * 2];
                for (int i = 0; i < samples; i++) {
                  long k = (long) sent * samples + i;
                  short v = (short) (8000 * Math.sin(2 * Math.PI * 440 * k / rate));
                  pcm[2 * i] = (byte) v;
                  pcm[2 * i + 1] = (byte) (v >> 8);
                }
                sent++;
                s.onNext(new TtsChunk(AudioFormat.mono(rate), pcm, List.of()));
              }
              emitting = false;
            }

            @Override
            public synchronized void cancel() {
              done = true;
            }
          });
    }
  }

  private static void close(Room r) throws InterruptedException {
    r.recorder().finish(Duration.ofSeconds(10));
    r.session().close();
  }

  /** CPU clock ticks (10 ms) per thread of this process, keyed "name#tid", from /proc. */
  static Map<String, Long> threadTicks() throws java.io.IOException {
    Map<String, Long> out = new java.util.TreeMap<>();
    try (java.util.stream.Stream<Path> tasks = Files.list(Path.of("/proc/self/task"))) {
      for (Path t : (Iterable<Path>) tasks::iterator) {
        try {
          String stat = Files.readString(t.resolve("stat"));
          int open = stat.indexOf('(');
          int close = stat.lastIndexOf(')');
          String[] f = stat.substring(close + 2).split(" ");
          long ticks = Long.parseLong(f[11]) + Long.parseLong(f[12]); // utime + stime
          out.put(stat.substring(open + 1, close) + "#" + t.getFileName(), ticks);
        } catch (java.io.IOException | RuntimeException e) {
          // the thread ended meanwhile
        }
      }
    }
    return out;
  }

  static String busiest(Map<String, Long> before, Map<String, Long> after) {
    return after.entrySet().stream()
        .map(e -> Map.entry(e.getKey(), (e.getValue() - before.getOrDefault(e.getKey(), 0L)) * 10))
        .filter(e -> e.getValue() > 0)
        .sorted(Map.Entry.<String, Long>comparingByValue().reversed())
        .limit(12)
        .map(e -> e.getKey() + "=" + e.getValue())
        .collect(Collectors.joining(", "));
  }

  private static double rms(short[] s, int from, int n) {
    double sum = 0;
    for (int i = from; i < from + n; i++) {
      sum += (double) s[i] * s[i];
    }
    return Math.sqrt(sum / n);
  }

  private static long packetsSent(LiveKitRoomSource source) throws Exception {
    Map<String, Map<String, Object>> stats =
        source.outboundAudioStats().toCompletableFuture().get(5, TimeUnit.SECONDS);
    long n = 0;
    for (Map<String, Object> s : stats.values()) {
      Object p = s.get("packetsSent");
      if (p instanceof Number num) {
        n += num.longValue();
      }
    }
    return n;
  }

  static short[] synthesize(TtsProvider tts, String text) throws Exception {
    List<byte[]> parts = new CopyOnWriteArrayList<>();
    CompletableFuture<Void> done = new CompletableFuture<>();
    tts.synthesize(TtsRequest.of(text))
        .subscribe(
            new Flow.Subscriber<TtsChunk>() {
              @Override
              public void onSubscribe(Flow.Subscription s) {
                s.request(Long.MAX_VALUE);
              }

              @Override
              public void onNext(TtsChunk c) {
                parts.add(c.pcm());
              }

              @Override
              public void onError(Throwable t) {
                done.completeExceptionally(t);
              }

              @Override
              public void onComplete() {
                done.complete(null);
              }
            });
    done.get(60, TimeUnit.SECONDS);
    int n = parts.stream().mapToInt(p -> p.length / 2).sum();
    short[] out = new short[n];
    int k = 0;
    for (byte[] p : parts) {
      for (int i = 0; i + 1 < p.length; i += 2) {
        out[k++] = (short) ((p[i] & 0xff) | (p[i + 1] << 8));
      }
    }
    return out;
  }

  static String transcribe(Path wav) throws Exception {
    List<Transcript> finals = new CopyOnWriteArrayList<>();
    CompletableFuture<Void> done = new CompletableFuture<>();
    try (TranscriptionSession s =
        AudioPipeline.builder()
            .stt(sphinx)
            .closeTimeout(Duration.ofMinutes(3)) // Sphinx decodes slowly on a loaded machine
            .build()
            .startTranscription(WavFileSource.builder().speaker("x", wav).build())) {
      s.subscribe(collect(finals, done));
      done.get(3, TimeUnit.MINUTES);
    }
    return finals.stream()
        .filter(Transcript::isFinal)
        .sorted(java.util.Comparator.comparingLong(Transcript::startMs))
        .map(Transcript::text)
        .collect(Collectors.joining(" "));
  }

  static Flow.Subscriber<Transcript> collect(List<Transcript> out, CompletableFuture<Void> done) {
    return new Flow.Subscriber<>() {
      @Override
      public void onSubscribe(Flow.Subscription s) {
        s.request(Long.MAX_VALUE);
      }

      @Override
      public void onNext(Transcript t) {
        if (t.isFinal()) {
          out.add(t);
        }
      }

      @Override
      public void onError(Throwable t) {
        done.completeExceptionally(t);
      }

      @Override
      public void onComplete() {
        done.complete(null);
      }
    };
  }
}
