package dev.audiopipeline.consumertest;

import dev.audiopipeline.AudioPipeline;
import dev.audiopipeline.SttProvider;
import dev.audiopipeline.Transcript;
import dev.audiopipeline.TranscriptionSession;
import dev.audiopipeline.TtsChunk;
import dev.audiopipeline.TtsProvider;
import dev.audiopipeline.TtsRequest;
import dev.audiopipeline.audio.AudioFormat;
import dev.audiopipeline.deepgram.DeepgramSttProvider;
import dev.audiopipeline.elevenlabs.stt.ElevenLabsSttProvider;
import dev.audiopipeline.elevenlabs.tts.ElevenLabsTts;
import dev.audiopipeline.freetts.FreeTtsProvider;
import dev.audiopipeline.io.TranscriptWriter;
import dev.audiopipeline.io.WavFile;
import dev.audiopipeline.io.WavFileSource;
import dev.audiopipeline.livekit.LiveKitRoomSource;
import dev.audiopipeline.livekit.agent.AgentWorker;
import dev.audiopipeline.livekit.agent.TranscriptionJob;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;

/**
 * A consumer of every published module with a descriptor, offline: FreeTTS speaks two lines into
 * two WAV files on one timeline; the pipeline transcribes them with Deepgram and with ElevenLabs
 * (each pointed at a base URL on 127.0.0.1, the protocol fakes of the test) and writes each
 * transcript as JSON Lines; ElevenLabs TTS speaks a line over HTTP streaming; the LiveKit source is
 * configured and mints its join token without connecting; a LiveKit agent worker starts against a
 * closed port of 127.0.0.1, is refused, reconnects and is closed. Every result is printed for the
 * test to check.
 *
 * <p>Usage: {@code ConsumerProgram OUT_DIR DEEPGRAM_BASE_URL ELEVENLABS_STT_BASE_URL
 * ELEVENLABS_TTS_BASE_URL}; the keys come from {@code DEEPGRAM_API_KEY} and {@code
 * ELEVENLABS_API_KEY}.
 */
public final class ConsumerProgram {
  private ConsumerProgram() {}

  public static void main(String[] args) throws Exception {
    if (args.length != 4) {
      System.err.println(
          "usage: ConsumerProgram OUT_DIR DEEPGRAM_BASE_URL"
              + " ELEVENLABS_STT_BASE_URL ELEVENLABS_TTS_BASE_URL");
      System.exit(2);
    }
    Path out = Files.createDirectories(Path.of(args[0]));
    Module self = ConsumerProgram.class.getModule();
    System.out.println("path: " + (self.isNamed() ? "module " + self.getName() : "class path"));
    // what the descriptor hides: the runtime internals are not exported to this module
    Module core = AudioPipeline.class.getModule();
    System.out.println(
        "core: "
            + (core.isNamed() ? core.getName() : "unnamed")
            + ", internal.runtime exported to us: "
            + core.isExported("dev.audiopipeline.internal.runtime", self));

    // 1. FreeTTS speaks one line per speaker; bob starts after alice on the same timeline
    Path alice = out.resolve("alice.wav");
    Path bob = out.resolve("bob.wav");
    try (FreeTtsProvider voice = FreeTtsProvider.create()) {
      short[] a = speak(voice, "Hello, this program runs on the module path.");
      short[] b = speak(voice, "And the same program runs on the class path.");
      int gap = a.length + 16_000; // alice's line, then one second of silence
      short[] bobTimeline = new short[gap + b.length];
      System.arraycopy(b, 0, bobTimeline, gap, b.length);
      WavFile.write(alice, AudioFormat.MONO_16K, a);
      WavFile.write(bob, AudioFormat.MONO_16K, bobTimeline);
      System.out.printf(
          Locale.ROOT,
          "freetts: alice %.1f s, bob %.1f s%n",
          a.length / 16_000.0,
          b.length / 16_000.0);
    }

    // 2. one pipeline per cloud recogniser, each against its fake on loopback
    try (DeepgramSttProvider deepgram =
        DeepgramSttProvider.builder()
            .apiKey(System.getenv("DEEPGRAM_API_KEY"))
            .baseUrl(args[1])
            .build()) {
      transcribe(deepgram, alice, bob, out.resolve("deepgram.jsonl"));
    }
    try (ElevenLabsSttProvider elevenlabs =
        ElevenLabsSttProvider.builder()
            .apiKey(System.getenv("ELEVENLABS_API_KEY"))
            .baseUrl(args[2])
            .build()) {
      transcribe(elevenlabs, alice, bob, out.resolve("elevenlabs.jsonl"));
    }

    // 3. ElevenLabs TTS over HTTP streaming, against its fake
    try (ElevenLabsTts tts =
        ElevenLabsTts.builder()
            .apiKey(System.getenv("ELEVENLABS_API_KEY"))
            .baseUrl(args[3])
            .build()) {
      short[] pcm = speak(tts, "Spoken over HTTP streaming.");
      System.out.println("elevenlabs-tts: " + pcm.length + " samples");
    }

    // 4. LiveKit: configuration and a minted token; start() would join the room
    LiveKitRoomSource room =
        LiveKitRoomSource.builder()
            .url("ws://127.0.0.1:7880")
            .apiKey("consumer-made-up-key")
            .apiSecret("consumer-made-up-secret-of-at-least-32-characters")
            .room("consumer-room")
            .build();
    System.out.println("livekit: room " + room.room() + " as " + room.identity());
    room.close();

    // 5. LiveKit agent worker: started against a closed port of 127.0.0.1, so it loads the
    // protocol classes (warm-up), mints its agent token, is refused and schedules a reconnect
    int closedPort;
    try (java.net.ServerSocket s =
        new java.net.ServerSocket(0, 1, java.net.InetAddress.getByName("127.0.0.1"))) {
      closedPort = s.getLocalPort();
    }
    DeepgramSttProvider workerStt =
        DeepgramSttProvider.builder()
            .apiKey(System.getenv("DEEPGRAM_API_KEY"))
            .baseUrl(args[1])
            .build();
    AgentWorker worker =
        AgentWorker.builder()
            .url("ws://127.0.0.1:" + closedPort)
            .apiKey("consumer-made-up-key")
            .apiSecret("consumer-made-up-secret-of-at-least-32-characters")
            .capacity(2)
            .job(TranscriptionJob.of(workerStt, (job, finals) -> {}))
            .build()
            .start();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (worker.reconnectCount() < 1 && System.nanoTime() < deadline) {
      Thread.sleep(50);
    }
    int reconnects = worker.reconnectCount();
    worker.close();
    workerStt.close();
    System.out.println(
        "livekit-agent: reconnects "
            + reconnects
            + ", terminated "
            + worker.terminated().toCompletableFuture().isDone());
    System.out.println("done");
  }

  /** Runs the pipeline over the two files; prints each final and writes them as JSON Lines. */
  private static void transcribe(SttProvider provider, Path alice, Path bob, Path jsonl)
      throws Exception {
    AudioPipeline pipeline = AudioPipeline.builder().stt(provider).build();
    WavFileSource source =
        WavFileSource.builder().speaker("alice", alice).speaker("bob", bob).realTime(false).build();
    List<Transcript> finals = new CopyOnWriteArrayList<>();
    CompletableFuture<Void> ended = new CompletableFuture<>();
    TranscriptionSession session = pipeline.startTranscription(source);
    session.subscribe(
        new Flow.Subscriber<Transcript>() {
          @Override
          public void onSubscribe(Flow.Subscription s) {
            s.request(Long.MAX_VALUE);
          }

          @Override
          public void onNext(Transcript t) {
            if (t.isFinal() && !t.text().isBlank()) {
              finals.add(t);
            }
          }

          @Override
          public void onError(Throwable t) {
            ended.completeExceptionally(t);
          }

          @Override
          public void onComplete() {
            ended.complete(null);
          }
        });
    try {
      ended.get(60, TimeUnit.SECONDS);
    } finally {
      session.close();
    }
    try (TranscriptWriter w = TranscriptWriter.forFile(jsonl)) {
      for (Transcript t : finals) {
        w.write(t);
        System.out.printf(
            Locale.ROOT,
            "%s: %s %d-%d ms: %s%n",
            provider.name(),
            t.speaker(),
            t.startMs(),
            t.endMs(),
            t.text());
      }
    }
  }

  /** The whole utterance as 16-bit samples in the provider's output format. */
  private static short[] speak(TtsProvider tts, String text) throws Exception {
    ByteArrayOutputStream pcm = new ByteArrayOutputStream();
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
                byte[] b = c.pcm();
                pcm.write(b, 0, b.length);
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
    byte[] b = pcm.toByteArray();
    short[] s = new short[b.length / 2];
    for (int i = 0; i < s.length; i++) {
      s[i] = (short) ((b[2 * i] & 0xff) | (b[2 * i + 1] << 8));
    }
    return s;
  }
}
