package dev.audiopipeline.examples;

import dev.audiopipeline.AudioFormat;
import dev.audiopipeline.TtsChunk;
import dev.audiopipeline.TtsRequest;
import dev.audiopipeline.TtsStream;
import dev.audiopipeline.WavFile;
import dev.audiopipeline.elevenlabs.tts.ElevenLabsTts;
import dev.audiopipeline.elevenlabs.tts.OutputFormat;
import dev.audiopipeline.testing.FakeElevenLabsTtsServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;

/**
 * Text (arguments, or standard input) to a WAV file with ElevenLabs.
 *
 * <pre>
 * ./mvnw -q -pl examples exec:java -Dexec.mainClass=dev.audiopipeline.examples.SpeakText \
 *     -Dexec.args="--out hello.wav Hello from Audio Pipeline"
 * echo "Text from a pipe" | ./mvnw -q -pl examples exec:java -Dexec.mainClass=...SpeakText
 * </pre>
 *
 * <p>With {@code ELEVENLABS_API_KEY} set it speaks with ElevenLabs ({@code ELEVENLABS_VOICE_ID},
 * {@code ELEVENLABS_MODEL_ID} optional). Without a key it runs against the local fake server
 * from the testing module, whose "voice" is a tone per character, so the example runs anywhere.
 * {@code --stream} sends the text word by word over the WebSocket, as a language model would.
 * {@code --play} plays the audio on the default sound device as it arrives (a playback thread asks
 * for one chunk at a time, so the network read follows the speakers' pace) instead of writing a
 * file.
 */
public final class SpeakText {
  private SpeakText() {}

  public static void main(String[] args) throws Exception {
    Path out = Path.of("speech.wav");
    boolean stream = false;
    boolean play = false;
    List<String> words = new ArrayList<>();
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--out" -> out = Path.of(args[++i]);
        case "--stream" -> stream = true;
        case "--play" -> play = true;
        default -> words.add(args[i]);
      }
    }
    String text = words.isEmpty() ? readStdin() : String.join(" ", words);
    if (text.isBlank()) {
      System.err.println(
          "usage: SpeakText [--out file.wav | --play] [--stream] text...  (or text on stdin)");
      System.exit(2);
    }

    String key = System.getenv("ELEVENLABS_API_KEY");
    FakeElevenLabsTtsServer fake = null;
    ElevenLabsTts.Builder builder;
    if (key != null && !key.isBlank()) {
      builder = ElevenLabsTts.fromEnv();
    } else {
      System.err.println("ELEVENLABS_API_KEY is not set: speaking with the local fake server (tones)");
      fake = FakeElevenLabsTtsServer.start();
      builder =
          ElevenLabsTts.builder()
              .apiKey(fake.apiKey())
              .baseUrl(fake.httpBaseUrl())
              .webSocketBaseUrl(fake.webSocketBaseUrl());
    }
    try (ElevenLabsTts tts = builder.outputFormat(OutputFormat.PCM_24000).build()) {
      TtsStream s = null;
      Flow.Publisher<TtsChunk> audio;
      if (stream) {
        s = tts.openStream(null);
        audio = s.audio();
      } else {
        audio = tts.synthesize(TtsRequest.of(text));
      }
      CompletableFuture<byte[]> pcm = play ? play(audio, tts.outputFormat()) : collect(audio);
      if (s != null) {
        for (String word : text.split("(?<=\\s)")) {
          s.append(word);
        }
        s.finish();
      }
      byte[] result = pcm.get(120, TimeUnit.SECONDS);
      if (!play) {
        write(out, tts.outputFormat(), result);
      }
      if (s != null) {
        s.close();
      }
    } finally {
      if (fake != null) {
        fake.close();
      }
    }
  }

  private static CompletableFuture<byte[]> collect(Flow.Publisher<TtsChunk> audio) {
    CompletableFuture<byte[]> done = new CompletableFuture<>();
    ByteArrayOutputStream pcm = new ByteArrayOutputStream();
    audio.subscribe(
        new Flow.Subscriber<>() {
          @Override
          public void onSubscribe(Flow.Subscription s) {
            s.request(Long.MAX_VALUE);
          }

          @Override
          public void onNext(TtsChunk chunk) {
            pcm.writeBytes(chunk.pcm());
          }

          @Override
          public void onError(Throwable t) {
            done.completeExceptionally(t);
          }

          @Override
          public void onComplete() {
            done.complete(pcm.toByteArray());
          }
        });
    return done;
  }

  /**
   * Plays chunks on the default output line. Chunks are handed to a playback thread through a
   * small queue (never block the thread that delivers them: for the WebSocket it is the socket
   * reader); the playback thread requests the next chunk once it has written one.
   */
  private static CompletableFuture<byte[]> play(Flow.Publisher<TtsChunk> audio, AudioFormat format)
      throws javax.sound.sampled.LineUnavailableException {
    javax.sound.sampled.AudioFormat lineFormat =
        new javax.sound.sampled.AudioFormat(format.sampleRate(), 16, format.channels(), true, false);
    javax.sound.sampled.SourceDataLine line;
    try {
      line = javax.sound.sampled.AudioSystem.getSourceDataLine(lineFormat);
    } catch (IllegalArgumentException noDevice) {
      throw new javax.sound.sampled.LineUnavailableException(
          "no sound output device for " + lineFormat + ": write a file with --out instead");
    }
    line.open(lineFormat);
    line.start();
    CompletableFuture<byte[]> done = new CompletableFuture<>();
    java.util.concurrent.BlockingQueue<Object> queue = new java.util.concurrent.ArrayBlockingQueue<>(4);
    Object end = new Object();
    Flow.Subscription[] subscription = new Flow.Subscription[1];
    audio.subscribe(
        new Flow.Subscriber<>() {
          @Override
          public void onSubscribe(Flow.Subscription s) {
            subscription[0] = s;
            s.request(2);
          }

          @Override
          public void onNext(TtsChunk chunk) {
            queue.offer(chunk); // at most 2 outstanding: never full
          }

          @Override
          public void onError(Throwable t) {
            queue.offer(t);
          }

          @Override
          public void onComplete() {
            queue.offer(end);
          }
        });
    Thread player =
        new Thread(
            () -> {
              try {
                while (true) {
                  Object o = queue.take();
                  if (o instanceof TtsChunk c) {
                    line.write(c.pcm(), 0, c.pcm().length);
                    subscription[0].request(1);
                  } else if (o instanceof Throwable t) {
                    done.completeExceptionally(t);
                    return;
                  } else {
                    line.drain();
                    done.complete(new byte[0]);
                    return;
                  }
                }
              } catch (InterruptedException e) {
                done.completeExceptionally(e);
              } finally {
                line.close();
              }
            },
            "speak-text-player");
    player.start();
    return done;
  }

  private static void write(Path out, AudioFormat format, byte[] pcm) throws IOException {
    short[] samples = new short[pcm.length / 2];
    for (int i = 0; i < samples.length; i++) {
      samples[i] = (short) ((pcm[2 * i] & 0xff) | (pcm[2 * i + 1] << 8));
    }
    WavFile.write(out, format, samples);
    System.err.printf(
        "wrote %s: %.2f s of %s%n", out, samples.length / (double) format.sampleRate(), format);
  }

  private static String readStdin() throws IOException {
    return new String(System.in.readAllBytes(), StandardCharsets.UTF_8).strip();
  }
}
