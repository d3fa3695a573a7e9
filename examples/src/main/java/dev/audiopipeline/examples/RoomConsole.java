package dev.audiopipeline.examples;

import dev.audiopipeline.AudioPipelineException;
import dev.audiopipeline.SpeakerStream;
import dev.audiopipeline.Transcript;
import dev.audiopipeline.audio.AudioSink;
import dev.audiopipeline.audio.AudioSource;
import dev.audiopipeline.examples.cli.ExitStatus;
import dev.audiopipeline.examples.live.AudioDevices;
import dev.audiopipeline.examples.live.CaptionServer;
import dev.audiopipeline.examples.live.HeldOutput;
import dev.audiopipeline.examples.live.LevelMeter;
import dev.audiopipeline.examples.live.LiveModel;
import dev.audiopipeline.examples.live.MicPublisher;
import dev.audiopipeline.examples.live.PlaybackMixer;
import dev.audiopipeline.examples.live.RoomWatch;
import dev.audiopipeline.examples.live.TerminalView;
import dev.audiopipeline.io.WavFile;
import dev.audiopipeline.livekit.LiveKitRoomSource;
import dev.audiopipeline.livekit.ReceivedText;
import java.io.IOException;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import javax.sound.sampled.LineUnavailableException;
import javax.sound.sampled.SourceDataLine;
import javax.sound.sampled.TargetDataLine;
import org.jspecify.annotations.Nullable;

/**
 * A person in a LiveKit room, from the terminal: publishes the microphone (or a WAV file), plays
 * the other participants (or records what it would play), and shows the captions other
 * participants' transcribers publish on {@code lk.transcription}, with level meters; {@code --tui}
 * makes it a full-screen view. Options: {@code --help} ({@link RoomConsoleOptions#USAGE}).
 *
 * <pre>
 * LIVEKIT_URL=wss://… LIVEKIT_API_KEY=… LIVEKIT_API_SECRET=… ./mvnw -q -pl examples exec:java \
 *   -Dexec.mainClass=dev.audiopipeline.examples.RoomConsole -Dexec.args="--room demo --identity ann --tui"
 * </pre>
 *
 * <p>Built from the library's pieces: {@link LiveKitRoomSource} joins and delivers each remote
 * track's 48 kHz frames (metered and mixed by {@link PlaybackMixer}), {@code speak(...)} publishes
 * the microphone as one long utterance ({@link MicPublisher}), {@code onText} receives the
 * captions.
 */
public final class RoomConsole {
  private RoomConsole() {}

  public static void main(String[] args) {
    int code = run(args, System.out, System.err, System.getenv());
    System.out.flush();
    System.exit(code);
  }

  static int run(String[] args, PrintStream out, PrintStream err, Map<String, String> env) {
    RoomConsoleOptions o;
    try {
      o = RoomConsoleOptions.parse(args);
    } catch (IllegalArgumentException e) {
      err.println("error: " + e.getMessage());
      err.println("Run with --help for usage.");
      return ExitStatus.USAGE;
    }
    if (o.help()) {
      out.print(RoomConsoleOptions.USAGE);
      return ExitStatus.OK;
    }
    if (o.listDevices()) {
      out.print(AudioDevices.describe());
      return ExitStatus.OK;
    }
    try {
      return new RoomConsole.Run(o, out, err, env).call();
    } catch (RuntimeException e) {
      err.println("error: " + e);
      if (o.verbose()) {
        e.printStackTrace(err);
      }
      return ExitStatus.FAILED;
    }
  }

  /** One run: the room, the audio, the views. */
  private static final class Run {
    private final RoomConsoleOptions o;
    private final PrintStream realOut;
    private PrintStream out;
    private PrintStream err;
    private final Map<String, String> env;
    private final LiveModel model = new LiveModel();
    private final long t0 = System.nanoTime();
    private final CountDownLatch quit = new CountDownLatch(1);
    private final AtomicBoolean closed = new AtomicBoolean();
    private final Object captionLock = new Object();
    private final Map<String, Long> segmentStart = new LinkedHashMap<>(); // guarded by captionLock
    private final List<Transcript> finals = new ArrayList<>(); // guarded by captionLock
    private String localIdentity = "";
    private String localLabel = "";
    private @Nullable LiveKitRoomSource room;
    private @Nullable MicPublisher mic;
    private @Nullable PlaybackMixer mixer;
    private @Nullable TerminalView view;
    private @Nullable CaptionServer server;
    private @Nullable RoomWatch watch;
    private volatile @Nullable String failure;

    Run(RoomConsoleOptions o, PrintStream out, PrintStream err, Map<String, String> env) {
      this.o = o;
      this.realOut = out;
      this.out = out;
      this.err = err;
      this.env = env;
    }

    int call() {
      // 1. everything that can be wrong is checked before anything connects (exit 2)
      TargetDataLine inputLine = null;
      SourceDataLine outputLine = null;
      WavFile.Reader inputWav = null;
      LiveKitRoomSource r;
      try {
        if (o.tui()) {
          TerminalView.requireTerminal("--tui");
        }
        LiveKitRoomSource.Builder b = LiveKitRoomSource.fromEnv(env);
        if (o.room() != null) {
          b.room(o.room());
        }
        String id = o.identity() != null ? o.identity() : env.get("LIVEKIT_IDENTITY");
        if (id == null || id.isBlank()) {
          if (env.get("LIVEKIT_TOKEN") == null) {
            throw new IllegalArgumentException(
                "--identity NAME is required (or LIVEKIT_IDENTITY): who you are in the room");
          }
        } else {
          b.identity(id);
        }
        b.onText(ReceivedText.TRANSCRIPTION_TOPIC, this::caption);
        r = b.build();
        localIdentity = r.identity();
        localLabel = localIdentity + " (you)";
        if (o.inputWav() != null) {
          inputWav = WavFile.open(o.inputWav());
        } else if (!o.noMic()) {
          inputLine = AudioDevices.openInput(o.inputDevice());
        }
        if (!o.noPlayback() && o.outputWav() == null) {
          outputLine = AudioDevices.openOutput(o.outputDevice());
        } else if (!o.noPlayback() && o.outputDevice() != null) {
          outputLine = AudioDevices.openOutput(o.outputDevice());
        }
      } catch (IllegalArgumentException | IllegalStateException e) {
        err.println("error: " + e.getMessage());
        if (e.getMessage() != null && e.getMessage().startsWith("no sound")) {
          err.println(
              "  (on a machine without sound devices use --input-wav FILE or --no-mic, and"
                  + " --output-wav FILE or --no-playback)");
        }
        closeQuietly(inputLine, outputLine, inputWav);
        return ExitStatus.USAGE;
      } catch (IOException | LineUnavailableException e) {
        err.println("error: " + e.getMessage());
        closeQuietly(inputLine, outputLine, inputWav);
        return ExitStatus.USAGE;
      }
      room = r;
      Thread hook = new Thread(this::close, "room-console-shutdown");
      Runtime.getRuntime().addShutdownHook(hook);
      try {
        return live(r, inputLine, outputLine, inputWav);
      } finally {
        close();
        try {
          Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException e) {
          // shutting down
        }
      }
    }

    private int live(
        LiveKitRoomSource r,
        @Nullable TargetDataLine inputLine,
        @Nullable SourceDataLine outputLine,
        WavFile.@Nullable Reader inputWav) {
      LevelMeter local = model.meter(localLabel);
      try {
        mixer = new PlaybackMixer(outputLine, o.outputWav(), o.volume());
      } catch (IOException e) {
        err.println("error: cannot write --output-wav " + o.outputWav() + ": " + e.getMessage());
        return ExitStatus.USAGE;
      }
      model.status(s -> status(s, "joining", s.reconnects()));
      // 2. the views first, so the join is seen
      try {
        if (o.serve() != null) {
          CaptionServer s =
              CaptionServer.start(
                  model,
                  this::finals,
                  "RoomConsole · " + r.room(),
                  o.serve().host(),
                  o.serve().port());
          server = s;
          realOut.println("Live captions: " + s.url());
          realOut.flush();
        }
        if (o.tui()) {
          out = HeldOutput.hold(realOut);
          err = HeldOutput.hold(err);
          PrintStream heldOut = out;
          PrintStream heldErr = err;
          view =
              TerminalView.open(
                  model,
                  "RoomConsole · room " + r.room() + " as " + localIdentity,
                  "m mute/unmute   + - volume   q quit",
                  Map.of(
                      'm', this::toggleMute,
                      'M', this::toggleMute,
                      '+', () -> volume(+0.1),
                      '=', () -> volume(+0.1),
                      '-', () -> volume(-0.1),
                      'q', quit::countDown,
                      'Q', quit::countDown),
                  () -> {
                    HeldOutput.release(heldOut);
                    HeldOutput.release(heldErr);
                  });
        } else {
          model.addListener(
              line -> {
                if (line.isFinal()) {
                  out.printf(
                      Locale.ROOT,
                      "%s %s: %s%n",
                      clock(line.startMs()),
                      line.speaker(),
                      line.text());
                }
              });
        }
      } catch (IOException e) {
        err.println("error: " + e.getMessage());
        return ExitStatus.USAGE;
      }
      // 3. join, publish the microphone, play the others
      r.start(new Listener());
      watch = RoomWatch.start(r, model);
      try {
        r.joined().toCompletableFuture().get(60, TimeUnit.SECONDS);
      } catch (java.util.concurrent.ExecutionException e) {
        err.println(
            "error: cannot join: "
                + String.valueOf(e.getCause() == null ? e : e.getCause().getMessage()));
        return ExitStatus.FAILED;
      } catch (java.util.concurrent.TimeoutException e) {
        err.println("error: cannot join within 60 s");
        return ExitStatus.FAILED;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return ExitStatus.INTERRUPTED;
      }
      if (!o.tui()) {
        out.println(
            "Joined room "
                + r.room()
                + " as "
                + localIdentity
                + (o.duration() != null ? "; leaving after " + o.duration().toSeconds() + " s" : "")
                + ". Ctrl-C leaves.");
      }
      MicPublisher m =
          inputWav != null
              ? MicPublisher.wav(inputWav, local)
              : inputLine != null ? MicPublisher.device(inputLine, local) : null;
      if (m != null) {
        mic = m;
        if (inputLine != null) {
          inputLine.start();
        }
        r.speak(m, "(microphone)");
      }
      // 4. until q, Ctrl-C, --duration or the room ends
      try {
        boolean byTime =
            o.duration() != null
                ? !quit.await(o.duration().toMillis(), TimeUnit.MILLISECONDS)
                : !awaitForever();
        if (byTime && !o.tui()) {
          out.println("--duration reached: leaving.");
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      String f = failure;
      if (f != null) {
        err.println("error: " + f);
        return ExitStatus.FAILED;
      }
      return ExitStatus.OK;
    }

    private boolean awaitForever() throws InterruptedException {
      quit.await();
      return true;
    }

    private LiveModel.Status status(LiveModel.Status s, String connection, int reconnects) {
      PlaybackMixer mx = mixer;
      MicPublisher m = mic;
      return new LiveModel.Status(
          connection,
          reconnects,
          0,
          m != null && m.muted(),
          mx == null ? o.volume() : mx.volume(),
          s.note(),
          s.done());
    }

    private void toggleMute() {
      MicPublisher m = mic;
      if (m != null) {
        m.mute(!m.muted());
        model.status(s -> status(s, s.connection(), s.reconnects()));
      }
    }

    private void volume(double delta) {
      PlaybackMixer mx = mixer;
      if (mx != null) {
        mx.volume(Math.round((mx.volume() + delta) * 10) / 10.0);
        model.status(s -> status(s, s.connection(), s.reconnects()));
      }
    }

    /** A caption (on the room's event thread): the model keys it by segment. */
    private void caption(ReceivedText t) {
      String identity = t.participantIdentity().isEmpty() ? "?" : t.participantIdentity();
      String speaker = identity.equals(localIdentity) ? localLabel : clean(identity, 64);
      String text = clean(t.text(), 16_384);
      long now = (System.nanoTime() - t0) / 1_000_000;
      boolean isFinal = t.isFinalCaption();
      long start;
      synchronized (captionLock) {
        Long s = segmentStart.get(t.segmentId());
        start = s != null ? s : now;
        if (s == null) {
          segmentStart.put(t.segmentId(), now);
          if (segmentStart.size() > 4096) {
            segmentStart.remove(segmentStart.keySet().iterator().next());
          }
        }
        if (isFinal && !text.isBlank()) {
          finals.add(
              new Transcript(
                  speaker,
                  identity,
                  text,
                  start,
                  Math.max(start, now),
                  true,
                  null,
                  null,
                  List.of(),
                  t.segmentId(),
                  "livekit-caption"));
        }
      }
      model.update(t.segmentId(), speaker, text, isFinal, start, isFinal ? now : start);
    }

    private List<Transcript> finals() {
      synchronized (captionLock) {
        return List.copyOf(finals);
      }
    }

    /** The room's audio: each remote track metered and handed to the mixer. */
    private final class Listener implements AudioSource.Listener {
      @Override
      public void speakerJoined(SpeakerStream stream) {
        LevelMeter meter = model.meter(clean(stream.identity(), 64));
        PlaybackMixer mx = mixer;
        PlaybackMixer.Track track =
            mx == null || o.noPlayback() ? null : mx.add(stream.format().channels());
        streams.put(stream.id(), track);
        stream.start(
            new AudioSink() {
              @Override
              public boolean offer(short[] samples, int offset, int length, long ts) {
                meter.accept(samples, offset, length);
                return true;
              }

              @Override
              public boolean offerBytes(byte[] pcm, int offset, int length, long ts) {
                meter.acceptBytes(pcm, offset, length);
                if (track != null && stream.format().sampleRate() == 48_000) {
                  track.write(pcm, offset, length);
                }
                return true;
              }

              @Override
              public void put(short[] samples, int offset, int length, long ts) {
                offer(samples, offset, length, ts);
              }

              @Override
              public dev.audiopipeline.audio.AudioFormat format() {
                return stream.format();
              }
            });
      }

      private final Map<String, PlaybackMixer.@Nullable Track> streams =
          new java.util.concurrent.ConcurrentHashMap<>();

      @Override
      public void speakerLeft(SpeakerStream stream) {
        PlaybackMixer.Track t = streams.remove(stream.id());
        if (t != null) {
          t.end();
        }
      }

      @Override
      public void sourceEnded() {
        model.status(s -> status(s, "room ended", s.reconnects()));
        quit.countDown();
      }

      @Override
      public void sourceFailed(AudioPipelineException error) {
        failure = error.getMessage();
        model.status(s -> status(s, "failed", s.reconnects()));
        quit.countDown();
      }
    }

    /** Leaves the room, stops the audio, completes the WAV file, restores the terminal. */
    private void close() {
      if (!closed.compareAndSet(false, true)) {
        return;
      }
      MicPublisher m = mic;
      if (m != null) {
        m.close();
      }
      RoomWatch w = watch;
      if (w != null) {
        w.close();
      }
      LiveKitRoomSource r = room;
      if (r != null) {
        r.close();
      }
      PlaybackMixer mx = mixer;
      if (mx != null) {
        try {
          mx.close();
        } catch (IOException e) {
          err.println("error: --output-wav: " + e.getMessage());
        }
      }
      CaptionServer s = server;
      if (s != null) {
        err.println(s.summary());
        s.close();
      }
      TerminalView v = view;
      if (v != null) {
        v.close();
        err.println(v.summary());
      }
      HeldOutput.release(out);
      HeldOutput.release(err);
      if (mx != null && o.outputWav() != null) {
        realOut.printf(
            Locale.ROOT, "Recorded %.1f s of playback to %s%n", mx.secondsPlayed(), o.outputWav());
      }
      realOut.flush();
    }
  }

  private static void closeQuietly(
      @Nullable TargetDataLine in, @Nullable SourceDataLine out, WavFile.@Nullable Reader wav) {
    if (in != null) {
      in.close();
    }
    if (out != null) {
      out.close();
    }
    if (wav != null) {
      try {
        wav.close();
      } catch (IOException e) {
        // nothing was read
      }
    }
  }

  /** Text from another participant, safe for a terminal: no control or bidi-override characters. */
  static String clean(String s, int max) {
    StringBuilder b = new StringBuilder(Math.min(s.length(), max));
    for (int i = 0; i < s.length() && b.length() < max; i++) {
      char c = s.charAt(i);
      if (c == '\n' || c == '\r' || c == '\t') {
        b.append(' ');
      } else if (c < 0x20
          || (c >= 0x7f && c < 0xa0)
          || (c >= 0x202a && c <= 0x202e)
          || (c >= 0x2066 && c <= 0x2069)) {
        continue;
      } else {
        b.append(c);
      }
    }
    return b.toString();
  }

  static String clock(long ms) {
    long s = Math.max(0, ms) / 1000;
    return String.format(Locale.ROOT, "%02d:%02d", s / 60, s % 60);
  }
}
