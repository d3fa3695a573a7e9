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
 */
public final class SpeakText {
  private SpeakText() {}

  public static void main(String[] args) throws Exception {
    Path out = Path.of("speech.wav");
    boolean stream = false;
    List<String> words = new ArrayList<>();
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--out" -> out = Path.of(args[++i]);
        case "--stream" -> stream = true;
        default -> words.add(args[i]);
      }
    }
    String text = words.isEmpty() ? readStdin() : String.join(" ", words);
    if (text.isBlank()) {
      System.err.println("usage: SpeakText [--out file.wav] [--stream] text...  (or text on stdin)");
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
      Flow.Publisher<TtsChunk> audio;
      if (stream) {
        TtsStream s = tts.openStream(null);
        audio = s.audio();
        CompletableFuture<byte[]> pcm = collect(audio);
        for (String word : text.split("(?<=\\s)")) {
          s.append(word);
        }
        s.finish();
        write(out, tts.outputFormat(), pcm.get(60, TimeUnit.SECONDS));
        s.close();
      } else {
        audio = tts.synthesize(TtsRequest.of(text));
        write(out, tts.outputFormat(), collect(audio).get(60, TimeUnit.SECONDS));
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
