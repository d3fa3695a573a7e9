package dev.audiopipeline.examples;

import dev.audiopipeline.AudioPipelineException;
import dev.audiopipeline.StreamingTtsProvider;
import dev.audiopipeline.TtsChunk;
import dev.audiopipeline.TtsProvider;
import dev.audiopipeline.TtsRequest;
import dev.audiopipeline.TtsStream;
import dev.audiopipeline.audio.AudioFormat;
import dev.audiopipeline.elevenlabs.tts.ElevenLabsTts;
import dev.audiopipeline.elevenlabs.tts.OutputFormat;
import dev.audiopipeline.freetts.FreeTtsProvider;
import dev.audiopipeline.io.WavFile;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import javax.sound.sampled.LineUnavailableException;
import org.jspecify.annotations.Nullable;

/**
 * Text (arguments, or standard input) to a WAV file or the sound device.
 *
 * <pre>
 * ./mvnw -q -pl examples exec:java -Dexec.mainClass=dev.audiopipeline.examples.SpeakText \
 *     -Dexec.args="--out hello.wav Hello from Audio Pipeline"
 * echo "Text from a pipe" | ./mvnw -q -pl examples exec:java -Dexec.mainClass=...SpeakText
 * </pre>
 *
 * <p>With {@code ELEVENLABS_API_KEY} set it speaks with ElevenLabs; without, with the embedded
 * offline voice (FreeTTS {@code kevin16}), so the example runs anywhere. See {@link #USAGE}.
 */
public final class SpeakText {
  static final String USAGE =
      """
      Usage: SpeakText [options] [--] text...     (or the text on standard input)

      Speaks the text into a WAV file (16-bit PCM) or on the sound device.

      Options:
        --out FILE      the WAV file to write (default: speech.wav); written only when complete
        --play          play on the default sound device instead of writing a file
        --stream        send the text word by word over ElevenLabs' WebSocket, as a language
                        model would (needs --tts elevenlabs)
        --tts NAME      elevenlabs (needs ELEVENLABS_API_KEY) or freetts (embedded, offline);
                        default: elevenlabs when ELEVENLABS_API_KEY is set, else freetts
        --verbose       show the stack trace of an unexpected error
        --help          this text
        --              end of options: everything after it is text

      ElevenLabs reads ELEVENLABS_API_KEY, and optionally ELEVENLABS_VOICE_ID,
      ELEVENLABS_MODEL_ID, ELEVENLABS_OUTPUT_FORMAT (default pcm_24000) and
      ELEVENLABS_TTS_BASE_URL (https://host; http:// for a local fake; wss:// and ws:// are
      accepted and mean the same). ELEVENLABS_BASE_URL is read when ELEVENLABS_TTS_BASE_URL is
      unset. ELEVENLABS_TTS_WS_BASE_URL is for --stream when the WebSocket is on another host
      or port (a local fake); default: the base URL. A synthesis that does not finish within
      5 minutes of network time fails.

      Exit status: 0 spoken, 1 synthesis or playback failed (nothing written), 2 bad option,
      text, output file or environment (nothing started), 130 stopped by Ctrl-C.
      """;

  static final int EXIT_OK = 0;
  static final int EXIT_FAILED = 1;
  static final int EXIT_USAGE = 2;

  private SpeakText() {}

  public static void main(String[] args) {
    int code = run(args, System.in, System.out, System.err, System.getenv());
    if (code != 0) {
      System.exit(code);
    }
  }

  /** Parsed command line. */
  record Options(
      Path out,
      boolean play,
      boolean stream,
      @Nullable String tts,
      boolean verbose,
      boolean help,
      @Nullable String text) {

    static Options parse(String[] args) {
      Path out = null;
      boolean play = false;
      boolean stream = false;
      boolean verbose = false;
      boolean help = false;
      String tts = null;
      List<String> words = new ArrayList<>();
      boolean options = true;
      for (int i = 0; i < args.length; i++) {
        String a = args[i];
        if (options && a.startsWith("-") && !a.equals("-")) {
          switch (a) {
            case "--out" -> out = Path.of(value(args, ++i, a));
            case "--play" -> play = true;
            case "--stream" -> stream = true;
            case "--tts" -> tts = value(args, ++i, a);
            case "--verbose", "--debug" -> verbose = true;
            case "--help", "-h" -> help = true;
            case "--" -> options = false;
            default ->
                throw new IllegalArgumentException(
                    "unknown option '"
                        + a
                        + "': accepted --out FILE, --play, --stream, --tts NAME, --verbose, --help"
                        + " (put -- before text that starts with a dash)");
          }
        } else {
          words.add(a);
        }
      }
      if (play && out != null) {
        throw new IllegalArgumentException("give --out FILE or --play, not both");
      }
      if (tts != null && !tts.equals("elevenlabs") && !tts.equals("freetts")) {
        throw new IllegalArgumentException(
            "--tts '" + tts + "' is not a voice: accepted" + " elevenlabs, freetts");
      }
      return new Options(
          out != null ? out : Path.of("speech.wav"),
          play,
          stream,
          tts,
          verbose,
          help,
          words.isEmpty() ? null : String.join(" ", words));
    }

    private static String value(String[] args, int i, String option) {
      if (i >= args.length || args[i].startsWith("--")) {
        throw new IllegalArgumentException(option + " needs a value");
      }
      return args[i];
    }
  }

  /** Runs the tool and returns the exit status; {@code env} stands for the environment. */
  static int run(
      String[] args, InputStream in, PrintStream out, PrintStream err, Map<String, String> env) {
    Options o;
    try {
      o = Options.parse(args);
    } catch (IllegalArgumentException e) {
      err.println("error: " + e.getMessage());
      err.println("Run with --help for usage.");
      return EXIT_USAGE;
    }
    if (o.help()) {
      out.print(USAGE);
      return EXIT_OK;
    }
    try {
      return speak(o, in, err, env);
    } catch (RuntimeException e) {
      err.println("error: " + e);
      if (o.verbose()) {
        e.printStackTrace(err);
      }
      return EXIT_FAILED;
    }
  }

  private static int speak(Options o, InputStream in, PrintStream err, Map<String, String> env) {
    String text = o.text();
    if (text == null) {
      try {
        text = new String(in.readAllBytes(), StandardCharsets.UTF_8).strip();
      } catch (IOException e) {
        err.println("error: cannot read the text from standard input: " + e.getMessage());
        return EXIT_FAILED;
      }
    }
    if (text.isBlank()) {
      err.println("error: no text: give it as arguments or on standard input");
      err.println("Run with --help for usage.");
      return EXIT_USAGE;
    }
    TtsProvider tts;
    try {
      if (!o.play()) {
        checkWritable(o.out());
      }
      tts = provider(o, env, err);
    } catch (IllegalArgumentException | IllegalStateException e) {
      err.println("error: " + e.getMessage());
      return EXIT_USAGE;
    }
    try (tts) {
      TtsStream stream = null;
      Flow.Publisher<TtsChunk> audio;
      if (o.stream()) {
        stream = ((StreamingTtsProvider) tts).openStream(null);
        audio = stream.audio();
      } else {
        audio = tts.synthesize(TtsRequest.of(text));
      }
      CompletableFuture<byte[]> pcm;
      try {
        pcm = o.play() ? play(audio, tts.outputFormat()) : collect(audio);
      } catch (LineUnavailableException e) {
        err.println("error: cannot play: " + e.getMessage());
        return EXIT_FAILED;
      }
      if (stream != null) {
        for (String word : text.split("(?<=\\s)")) {
          stream.append(word);
        }
        stream.finish();
      }
      byte[] result;
      try {
        // the provider bounds the synthesis (ElevenLabs: synthesisTimeout, finalTimeout); this
        // is only a backstop, long enough to play a long text
        result = pcm.get(30, TimeUnit.MINUTES);
      } catch (ExecutionException e) {
        Throwable cause = Objects.requireNonNullElse(e.getCause(), e);
        err.println(
            "error: speech synthesis failed: "
                + (cause instanceof AudioPipelineException
                    ? cause.getMessage()
                    : String.valueOf(cause)));
        if (o.verbose()) {
          cause.printStackTrace(err);
        }
        return EXIT_FAILED;
      } catch (TimeoutException e) {
        err.println("error: speech synthesis did not finish within 30 minutes");
        return EXIT_FAILED;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        err.println("error: interrupted");
        return 130;
      } finally {
        if (stream != null) {
          stream.close();
        }
      }
      if (!o.play()) {
        if (result.length == 0) {
          err.println("error: the voice returned no audio for this text; nothing written");
          return EXIT_FAILED;
        }
        try {
          write(o.out(), tts.outputFormat(), result, err);
        } catch (IOException e) {
          err.println("error: cannot write " + o.out() + ": " + e.getMessage());
          return EXIT_FAILED;
        }
      }
      return EXIT_OK;
    }
  }

  /** The voice: the one asked for, else ElevenLabs with a key, else the embedded one. */
  static TtsProvider provider(Options o, Map<String, String> env, PrintStream err) {
    String key = env.get("ELEVENLABS_API_KEY");
    boolean hasKey = key != null && !key.isBlank();
    String name = o.tts() != null ? o.tts() : hasKey ? "elevenlabs" : "freetts";
    if (name.equals("elevenlabs")) {
      if (!hasKey) {
        throw new IllegalStateException(
            "--tts elevenlabs needs ELEVENLABS_API_KEY in the"
                + " environment (or use --tts freetts, the embedded offline voice)");
      }
      Map<String, String> ttsEnv = new HashMap<>(env);
      ttsEnv.remove("ELEVENLABS_BASE_URL");
      String base = httpBaseUrl(env, "ELEVENLABS_TTS_BASE_URL");
      if (base == null) {
        base = httpBaseUrl(env, "ELEVENLABS_BASE_URL");
      }
      if (base != null) {
        ttsEnv.put("ELEVENLABS_BASE_URL", base);
      }
      ElevenLabsTts.Builder b = ElevenLabsTts.builder().env(ttsEnv);
      String ws = httpBaseUrl(env, "ELEVENLABS_TTS_WS_BASE_URL");
      if (ws != null) {
        b.webSocketBaseUrl(ws);
      }
      String format = env.get("ELEVENLABS_OUTPUT_FORMAT");
      if (format == null || format.isBlank()) {
        b.outputFormat(OutputFormat.PCM_24000);
      }
      return b.build();
    }
    if (o.stream()) {
      throw new IllegalArgumentException(
          "--stream needs a voice that takes text in pieces:"
              + " --tts elevenlabs (with ELEVENLABS_API_KEY); the embedded voice speaks whole texts");
    }
    if (o.tts() == null) {
      err.println(
          "ELEVENLABS_API_KEY is not set: speaking with the embedded offline voice"
              + " (FreeTTS "
              + FreeTtsProvider.VOICE
              + ")");
    }
    return FreeTtsProvider.create();
  }

  /**
   * A TTS base URL from {@code var}: {@code wss://}/{@code ws://} mean {@code https://}/{@code
   * http://}. Null when unset.
   *
   * @throws IllegalArgumentException naming the variable for anything else
   */
  static @Nullable String httpBaseUrl(Map<String, String> env, String var) {
    String v = env.get(var);
    if (v == null || v.isBlank()) {
      return null;
    }
    v = v.trim();
    String lower = v.toLowerCase(Locale.ROOT);
    String mapped;
    if (lower.startsWith("https://") || lower.startsWith("http://")) {
      mapped = v;
    } else if (lower.startsWith("wss://")) {
      mapped = "https://" + v.substring("wss://".length());
    } else if (lower.startsWith("ws://")) {
      mapped = "http://" + v.substring("ws://".length());
    } else {
      throw new IllegalArgumentException(
          var
              + " '"
              + v
              + "' is not a base URL: accepted"
              + " https://host[:port] or http://host[:port] (wss:// and ws:// mean the same)");
    }
    try {
      if (new java.net.URI(mapped).getHost() == null) {
        throw new java.net.URISyntaxException(mapped, "no host");
      }
    } catch (java.net.URISyntaxException e) {
      throw new IllegalArgumentException(
          var
              + " '"
              + v
              + "' is not a base URL: accepted"
              + " https://host[:port] or http://host[:port]",
          e);
    }
    return mapped;
  }

  /** Refuses a directory, or a file in a directory that does not exist or cannot be written. */
  static void checkWritable(Path out) {
    if (Files.isDirectory(out)) {
      throw new IllegalArgumentException("--out " + out + " is a directory: give a .wav file name");
    }
    Path dir = out.toAbsolutePath().getParent();
    if (dir == null || !Files.isDirectory(dir)) {
      throw new IllegalArgumentException(
          "--out " + out + ": the directory " + dir + " does not exist");
    }
    if (!Files.isWritable(dir) || (Files.exists(out) && !Files.isWritable(out))) {
      throw new IllegalArgumentException("--out " + out + " cannot be written: no permission");
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
   * Plays chunks on the default output line. Chunks are handed to a playback thread through a small
   * queue (never block the thread that delivers them: for the WebSocket it is the socket reader);
   * the playback thread requests the next chunk once it has written one.
   */
  private static CompletableFuture<byte[]> play(Flow.Publisher<TtsChunk> audio, AudioFormat format)
      throws LineUnavailableException {
    javax.sound.sampled.AudioFormat lineFormat =
        new javax.sound.sampled.AudioFormat(
            format.sampleRate(), 16, format.channels(), true, false);
    javax.sound.sampled.SourceDataLine line;
    try {
      line = javax.sound.sampled.AudioSystem.getSourceDataLine(lineFormat);
    } catch (IllegalArgumentException noDevice) {
      throw new LineUnavailableException(
          "no sound output device for " + lineFormat + ": write a file with --out instead");
    }
    line.open(lineFormat);
    line.start();
    CompletableFuture<byte[]> done = new CompletableFuture<>();
    java.util.concurrent.BlockingQueue<Object> queue =
        new java.util.concurrent.ArrayBlockingQueue<>(4);
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
    player.setDaemon(true);
    player.start();
    return done;
  }

  /** Writes the WAV to a temporary file next to {@code out}, then moves it into place. */
  private static void write(Path out, AudioFormat format, byte[] pcm, PrintStream err)
      throws IOException {
    short[] samples = new short[pcm.length / 2];
    for (int i = 0; i < samples.length; i++) {
      samples[i] = (short) ((pcm[2 * i] & 0xff) | (pcm[2 * i + 1] << 8));
    }
    Path dir = out.toAbsolutePath().getParent();
    if (dir == null) {
      throw new IOException(out + " is not a file path (it has no directory)");
    }
    // not Files.createTempFile: that makes the file owner-only (0600), and the rename would keep
    // it so; a plain new file gets the user's usual permissions (umask)
    Path temp =
        dir.resolve("." + out.getFileName() + "." + ProcessHandle.current().pid() + ".part");
    Files.deleteIfExists(temp);
    Files.createFile(temp);
    try {
      WavFile.write(temp, format, samples);
      try {
        Files.move(temp, out, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(temp, out, StandardCopyOption.REPLACE_EXISTING);
      }
    } finally {
      Files.deleteIfExists(temp);
    }
    err.printf(
        Locale.ROOT,
        "wrote %s: %.2f s of %s%n",
        out,
        samples.length / (double) format.sampleRate(),
        format);
  }
}
