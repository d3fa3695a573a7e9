package dev.audiopipeline.sphinx;

import dev.audiopipeline.AudioPipelineException;
import dev.audiopipeline.SttProvider;
import dev.audiopipeline.SttSession;
import dev.audiopipeline.SttSessionOptions;
import dev.audiopipeline.audio.AudioFormat;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.locks.ReentrantLock;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The embedded, offline recogniser: CMU Sphinx4 with its US English model, in-process. No key, no
 * network, nothing to download beyond Maven Central.
 *
 * <pre>{@code
 * try (SphinxSttProvider stt = SphinxSttProvider.create()) {
 *   AudioPipeline pipeline = AudioPipeline.builder().stt(stt).build();
 *   ...
 * }
 * }</pre>
 *
 * <p><b>Sessions and recognisers.</b> Each session (one speaker stream) decodes on its own thread
 * with its own recogniser: Sphinx4's acoustic model keeps per-frame scoring state inside the model
 * objects and its language model and dictionary have unsynchronised caches, so concurrent streams
 * cannot share one loaded model. What the provider shares is the loading: a recogniser is loaded
 * once (a few seconds, ~150 MB of heap) and goes back to an idle pool when its session ends, so the
 * next session starts at once. {@link #preload(int)} loads recognisers ahead of time. Keep one
 * provider for the application and one long-lived session per speaker. A pooled recogniser keeps
 * nothing of the streams it decoded: every session estimates its cepstral mean normalisation afresh
 * from its own first speech (up to 2 s read ahead, which delays the first partial by as much) and
 * adapts it over that session's speech, so the same audio gives the same transcript on a fresh or a
 * reused recogniser.
 *
 * <p><b>Results.</b> Finals per utterance (Sphinx4's speech end-pointer splits them at pauses of
 * about half a second), with word times; partials every {@link Builder#partialInterval
 * partialInterval} while an utterance is being decoded (set {@link Builder#partials(boolean)
 * partials(false)} to turn them off). {@link dev.audiopipeline.SttSession#flush()} cuts the
 * utterance after the audio sent so far, so its final comes as soon as that audio is decoded (the
 * pipeline flushes at each end of turn its turn detector finds); what follows starts a new
 * utterance. Times are milliseconds on the audio sent to the session. Confidence is not reported.
 * Language: US English only ({@code en}, {@code en-US}, or none).
 *
 * <p><b>Buffering.</b> Audio waits in a bounded buffer per session ({@link Builder#bufferDuration
 * bufferDuration}, default 30 s, which also covers the model load of a first session). When it is
 * full, {@code send} waits up to {@link Builder#maxSendWait maxSendWait} for room (a file read as
 * fast as possible is paced by the recogniser); audio that still does not fit is dropped, counted
 * and reported as {@link dev.audiopipeline.TranscriptEvent.AudioDropped}.
 *
 * <p>Thread-safe. {@link #close()} closes the sessions still open and releases the pooled
 * recognisers.
 */
public final class SphinxSttProvider implements SttProvider {
  private static final Logger log = LoggerFactory.getLogger(SphinxSttProvider.class);

  private final Settings settings;
  private final ReentrantLock loadLock = new ReentrantLock();
  private final Deque<SphinxRecognizer> idle = new ArrayDeque<>();
  private final List<SphinxSession> open = new ArrayList<>();
  private int loaded; // guarded by idle
  private boolean closed; // guarded by idle

  private SphinxSttProvider(Settings settings) {
    this.settings = settings;
  }

  /** A provider with the default settings (beams 3000/50, relative beam 1e-40, partials on). */
  public static SphinxSttProvider create() {
    return builder().build();
  }

  public static Builder builder() {
    return new Builder();
  }

  /** A builder with this provider's settings. */
  public Builder toBuilder() {
    Builder b = new Builder();
    b.absoluteBeamWidth = settings.absoluteBeamWidth;
    b.absoluteWordBeamWidth = settings.absoluteWordBeamWidth;
    b.relativeBeamWidth = settings.relativeBeamWidth;
    b.partials = settings.partials;
    b.partialIntervalFrames = settings.partialIntervalFrames;
    b.bufferDuration = settings.bufferDuration;
    b.maxSendWait = settings.maxSendWait;
    b.maxIdleRecognizers = settings.maxIdleRecognizers;
    return b;
  }

  @Override
  public String name() {
    return "sphinx";
  }

  /** 16 kHz mono: the model's rate. The pipeline converts other formats to it. */
  @Override
  public AudioFormat inputFormat() {
    return AudioFormat.MONO_16K;
  }

  @Override
  public SttSession openSession(SttSessionOptions options, SttSession.Listener listener) {
    Objects.requireNonNull(options, "options == null");
    Objects.requireNonNull(listener, "listener == null");
    SphinxSession session = new SphinxSession(this, options, listener);
    synchronized (idle) {
      if (closed) {
        throw new IllegalStateException("provider is closed");
      }
      open.add(session);
    }
    session.start();
    return session;
  }

  /**
   * Loads recognisers until {@code count} are idle, so that the first sessions start at once.
   * Blocks (a few seconds per recogniser).
   *
   * @throws IllegalArgumentException if {@code count} is not 1 to 16
   * @throws AudioPipelineException if the model cannot be loaded
   */
  public void preload(int count) {
    if (count < 1 || count > 16) {
      throw new IllegalArgumentException("preload count " + count + " is out of range: 1 to 16");
    }
    while (true) {
      synchronized (idle) {
        if (closed) {
          throw new IllegalStateException("provider is closed");
        }
        if (idle.size() >= count) {
          return;
        }
      }
      SphinxRecognizer r = load();
      synchronized (idle) {
        idle.push(r);
      }
    }
  }

  /** How many recognisers this provider has loaded and not released (idle or in use). */
  public int loadedRecognizers() {
    synchronized (idle) {
      return loaded;
    }
  }

  /** An idle recogniser, or a newly loaded one. Called on a session's thread. */
  SphinxRecognizer borrow() {
    synchronized (idle) {
      if (closed) {
        throw new IllegalStateException("provider is closed");
      }
      SphinxRecognizer r = idle.poll();
      if (r != null) {
        return r;
      }
    }
    return load();
  }

  /** Back to the pool after a session, or released when broken, surplus or closed. */
  void release(SphinxRecognizer r, boolean reusable) {
    synchronized (idle) {
      if (reusable && !closed && idle.size() < settings.maxIdleRecognizers) {
        idle.push(r);
        return;
      }
      loaded--;
    }
    r.deallocate();
  }

  void sessionEnded(SphinxSession session) {
    synchronized (idle) {
      open.remove(session);
    }
  }

  private SphinxRecognizer load() {
    // one load at a time: Sphinx4 sets up process-wide logging and math tables while loading
    loadLock.lock();
    try {
      long t0 = System.nanoTime();
      SphinxRecognizer r = SphinxRecognizer.load(settings);
      synchronized (idle) {
        loaded++;
      }
      log.debug("sphinx: recogniser loaded in {} ms", (System.nanoTime() - t0) / 1_000_000);
      return r;
    } catch (RuntimeException e) {
      throw new AudioPipelineException(
          "sphinx: could not load the en-us model from the"
              + " classpath (net.sf.phat:sphinx4-data): "
              + e.getMessage(),
          e);
    } finally {
      loadLock.unlock();
    }
  }

  Settings settings() {
    return settings;
  }

  static boolean supportsLanguage(@Nullable String language) {
    if (language == null) {
      return true;
    }
    String l = language.toLowerCase(Locale.ROOT).replace('_', '-');
    return l.equals("en") || l.equals("en-us");
  }

  /** Closes the sessions still open and releases the pooled recognisers. Idempotent. */
  @Override
  public void close() {
    List<SphinxSession> sessions;
    List<SphinxRecognizer> pooled;
    synchronized (idle) {
      if (closed) {
        return;
      }
      closed = true;
      sessions = new ArrayList<>(open);
      open.clear();
      pooled = new ArrayList<>(idle);
      loaded -= idle.size();
      idle.clear();
    }
    sessions.forEach(SphinxSession::close);
    pooled.forEach(SphinxRecognizer::deallocate);
  }

  @Override
  public String toString() {
    return "SphinxSttProvider{" + settings + "}";
  }

  /** The validated settings (immutable). */
  record Settings(
      int absoluteBeamWidth,
      int absoluteWordBeamWidth,
      double relativeBeamWidth,
      boolean partials,
      int partialIntervalFrames,
      Duration bufferDuration,
      Duration maxSendWait,
      int maxIdleRecognizers) {}

  /** Configures a {@link SphinxSttProvider}. Validated in {@link #build()}. */
  public static final class Builder {
    int absoluteBeamWidth = 3000;
    int absoluteWordBeamWidth = 50;
    double relativeBeamWidth = 1e-40;
    boolean partials = true;
    int partialIntervalFrames = 50;
    Duration bufferDuration = Duration.ofSeconds(30);
    Duration maxSendWait = Duration.ofSeconds(30);
    int maxIdleRecognizers = 4;

    private Builder() {}

    /**
     * Most search states kept per frame (default 3000, accepted 100 to 100000). Sphinx4 ships
     * 20000, which runs several times slower than real time in gigabytes of heap; 3000 keeps a
     * speaker well under real time with a lower error rate on clear speech.
     */
    public Builder absoluteBeamWidth(int states) {
      this.absoluteBeamWidth = states;
      return this;
    }

    /** Most word-end states kept per frame (default 50, accepted 5 to 5000; Sphinx4 ships 200). */
    public Builder absoluteWordBeamWidth(int states) {
      this.absoluteWordBeamWidth = states;
      return this;
    }

    /**
     * States scoring below this fraction of the best are pruned (default 1e-40, accepted 1e-100 to
     * 1e-10; Sphinx4 ships 1e-60; larger is faster and less accurate).
     */
    public Builder relativeBeamWidth(double beam) {
      this.relativeBeamWidth = beam;
      return this;
    }

    /** Report partial results while an utterance is decoded (default true). */
    public Builder partials(boolean enabled) {
      this.partials = enabled;
      return this;
    }

    /** How often partials are produced (default 500 ms, accepted 100 ms to 5 s). */
    public Builder partialInterval(Duration interval) {
      Objects.requireNonNull(interval, "interval == null");
      long ms = interval.toMillis();
      if (ms < 100 || ms > 5_000) {
        throw new IllegalArgumentException(
            "partialInterval " + interval + " is out of range: accepted 100 ms to 5 s");
      }
      this.partialIntervalFrames = (int) (ms / 10);
      return this;
    }

    /**
     * Audio buffered per session ahead of the recogniser (default 30 s, accepted 1 s to 10 min).
     */
    public Builder bufferDuration(Duration duration) {
      Objects.requireNonNull(duration, "duration == null");
      if (duration.compareTo(Duration.ofSeconds(1)) < 0
          || duration.compareTo(Duration.ofMinutes(10)) > 0) {
        throw new IllegalArgumentException(
            "bufferDuration " + duration + " is out of range: accepted 1 s to 10 min");
      }
      this.bufferDuration = duration;
      return this;
    }

    /**
     * How long {@code send} waits for room when the buffer is full before dropping (default 30 s,
     * accepted 0 to 5 min).
     */
    public Builder maxSendWait(Duration wait) {
      Objects.requireNonNull(wait, "wait == null");
      if (wait.isNegative() || wait.compareTo(Duration.ofMinutes(5)) > 0) {
        throw new IllegalArgumentException(
            "maxSendWait " + wait + " is out of range: accepted 0 to 5 min");
      }
      this.maxSendWait = wait;
      return this;
    }

    /** Loaded recognisers kept for later sessions (default 4, accepted 0 to 64; ~150 MB each). */
    public Builder maxIdleRecognizers(int count) {
      this.maxIdleRecognizers = count;
      return this;
    }

    /**
     * Validates and builds. Loads nothing: the model is loaded by the first session (or {@link
     * SphinxSttProvider#preload}).
     *
     * @throws IllegalArgumentException naming the option, the value and the accepted range
     */
    public SphinxSttProvider build() {
      if (absoluteBeamWidth < 100 || absoluteBeamWidth > 100_000) {
        throw new IllegalArgumentException(
            "absoluteBeamWidth "
                + absoluteBeamWidth
                + " is out of range: accepted 100 to 100000 (default 3000)");
      }
      if (absoluteWordBeamWidth < 5 || absoluteWordBeamWidth > 5_000) {
        throw new IllegalArgumentException(
            "absoluteWordBeamWidth "
                + absoluteWordBeamWidth
                + " is out of range: accepted 5 to 5000 (default 50)");
      }
      if (!(relativeBeamWidth >= 1e-100 && relativeBeamWidth <= 1e-10)) {
        throw new IllegalArgumentException(
            "relativeBeamWidth "
                + relativeBeamWidth
                + " is out of range: accepted 1e-100 to 1e-10 (default 1e-40)");
      }
      if (maxIdleRecognizers < 0 || maxIdleRecognizers > 64) {
        throw new IllegalArgumentException(
            "maxIdleRecognizers "
                + maxIdleRecognizers
                + " is out of range: accepted 0 to 64 (default 4)");
      }
      return new SphinxSttProvider(
          new Settings(
              absoluteBeamWidth,
              absoluteWordBeamWidth,
              relativeBeamWidth,
              partials,
              partialIntervalFrames,
              bufferDuration,
              maxSendWait,
              maxIdleRecognizers));
    }
  }
}
