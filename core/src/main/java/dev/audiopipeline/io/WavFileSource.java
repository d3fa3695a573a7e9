package dev.audiopipeline.io;

import dev.audiopipeline.ConnectionException;
import dev.audiopipeline.SpeakerStream;
import dev.audiopipeline.audio.AudioFormat;
import dev.audiopipeline.audio.AudioSink;
import dev.audiopipeline.audio.AudioSource;
import dev.audiopipeline.internal.runtime.NamedThreadFactory;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Speakers from WAV files: one file per speaker, all starting at time 0 (aligned recordings, with
 * silence while the other person speaks), or one stereo file split by channel.
 *
 * <p>Paced in real time by default (10 ms frames at the rate they were recorded: the way a live
 * source behaves), or as fast as the pipeline can take them ({@link Builder#realTime(boolean)
 * realTime(false)}), in which case nothing is dropped: the reader waits for room.
 *
 * <p>Files are checked when {@link Builder#build()} runs: a missing file, a file that is not WAV or
 * uses another encoding than 16-bit PCM fails there, naming the file and what is accepted.
 */
public final class WavFileSource implements AudioSource {
  private static final Logger log = LoggerFactory.getLogger(WavFileSource.class);

  private final List<Input> inputs;
  private final boolean realTime;
  private final Duration frame;
  private final AtomicBoolean started = new AtomicBoolean();
  private final AtomicBoolean closed = new AtomicBoolean();
  private final List<Thread> threads = new ArrayList<>();

  private WavFileSource(List<Input> inputs, boolean realTime, Duration frame) {
    this.inputs = inputs;
    this.realTime = realTime;
    this.frame = frame;
  }

  public static Builder builder() {
    return new Builder();
  }

  /** One input file and the identities of its channels (one, or one per channel when split). */
  private record Input(Path path, List<String> identities, AudioFormat format) {}

  @Override
  public void start(Listener listener) {
    Objects.requireNonNull(listener, "listener == null");
    if (closed.get()) {
      throw new IllegalStateException("source is closed");
    }
    if (!started.compareAndSet(false, true)) {
      throw new IllegalStateException("source already started: a source serves one session");
    }
    long t0 = System.nanoTime();
    AtomicInteger running = new AtomicInteger(inputs.size());
    for (Input input : inputs) {
      Thread t =
          NamedThreadFactory.thread(
              "wav-" + String.join("+", input.identities()),
              () -> {
                try {
                  play(input, listener, t0);
                } finally {
                  if (running.decrementAndGet() == 0) {
                    listener.sourceEnded();
                  }
                }
              });
      synchronized (threads) {
        threads.add(t);
      }
    }
    synchronized (threads) {
      threads.forEach(Thread::start);
    }
  }

  private void play(Input input, Listener listener, long t0) {
    AudioFormat in = input.format();
    int speakers = input.identities().size();
    boolean split = speakers > 1;
    AudioFormat outFormat = split ? AudioFormat.mono(in.sampleRate()) : in;
    List<Stream> streams = new ArrayList<>();
    for (String identity : input.identities()) {
      Stream s =
          new Stream(identity + "@" + input.path().getFileName(), identity, outFormat, !realTime);
      streams.add(s);
      listener.speakerJoined(s);
    }
    int framesPer = (int) (in.sampleRate() * frame.toMillis() / 1000);
    short[] buf = new short[framesPer * in.channels()];
    short[][] chans = new short[speakers][framesPer];
    long position = 0; // sample frames per channel
    try (WavFile.Reader reader = WavFile.open(input.path())) {
      while (!closed.get()) {
        int n = reader.read(buf, 0, buf.length);
        if (n < 0) {
          break;
        }
        int frames = n / in.channels();
        long ts = position * 1_000_000L / in.sampleRate();
        if (realTime) {
          long due = t0 + ts * 1_000;
          long wait;
          while ((wait = due - System.nanoTime()) > 0 && !closed.get()) {
            LockSupport.parkNanos(this, wait);
          }
          if (closed.get()) {
            break;
          }
        }
        if (split) {
          for (int c = 0; c < speakers; c++) {
            for (int i = 0; i < frames; i++) {
              chans[c][i] = buf[i * in.channels() + c];
            }
            deliver(streams.get(c), chans[c], frames, ts);
          }
        } else {
          deliver(streams.get(0), buf, n, ts);
        }
        position += frames;
      }
    } catch (IOException e) {
      listener.sourceFailed(new ConnectionException("reading " + input.path() + " failed", e));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (IllegalStateException e) {
      // the session closed under us: stop quietly
      log.debug("wav source stopped: {}", e.getMessage());
    } finally {
      for (Stream s : streams) {
        listener.speakerLeft(s);
      }
    }
  }

  private void deliver(Stream s, short[] samples, int length, long ts) throws InterruptedException {
    AudioSink sink = s.sink;
    if (sink == null) {
      return;
    }
    if (realTime) {
      sink.offer(samples, 0, length, ts);
    } else {
      sink.put(samples, 0, length, ts);
    }
  }

  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    List<Thread> snapshot;
    synchronized (threads) {
      snapshot = new ArrayList<>(threads);
    }
    for (Thread t : snapshot) {
      LockSupport.unpark(t);
      if (t != Thread.currentThread()) {
        try {
          t.join(2_000);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return;
        }
      }
    }
  }

  private static final class Stream implements SpeakerStream {
    private final String id;
    private final String identity;
    private final AudioFormat format;
    private final boolean canWait;
    private volatile @Nullable AudioSink sink;

    Stream(String id, String identity, AudioFormat format, boolean canWait) {
      this.id = id;
      this.identity = identity;
      this.format = format;
      this.canWait = canWait;
    }

    @Override
    public boolean canWait() {
      return canWait; // read as fast as it goes: put() waits, so the pipeline may slow it down
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
      return format;
    }

    @Override
    public void start(AudioSink sink) {
      Objects.requireNonNull(sink, "sink == null");
      if (this.sink != null) {
        throw new IllegalStateException("stream " + id + " already started");
      }
      this.sink = sink;
    }

    @Override
    public String toString() {
      return "WavStream{" + id + "}";
    }
  }

  @Override
  public String toString() {
    return "WavFileSource{" + inputs + ", realTime=" + realTime + "}";
  }

  /** Builds a {@link WavFileSource}. */
  public static final class Builder {
    private final Map<Path, List<String>> files = new LinkedHashMap<>();
    private final List<String> identities = new ArrayList<>();
    private boolean realTime = true;
    private Duration frame = Duration.ofMillis(10);

    private Builder() {}

    /** A speaker with their own file (any channel count is down-mixed by the pipeline). */
    public Builder speaker(String identity, Path wav) {
      addIdentity(identity);
      put(wav, List.of(identity));
      return this;
    }

    /** One stereo file: the left channel is one speaker, the right channel the other. */
    public Builder stereo(Path wav, String leftIdentity, String rightIdentity) {
      addIdentity(leftIdentity);
      addIdentity(rightIdentity);
      put(wav, List.of(leftIdentity, rightIdentity));
      return this;
    }

    private void addIdentity(String identity) {
      Objects.requireNonNull(identity, "identity == null");
      if (identity.isBlank()) {
        throw new IllegalArgumentException("identity is blank");
      }
      if (identities.contains(identity)) {
        throw new IllegalArgumentException("identity '" + identity + "' is used twice");
      }
      identities.add(identity);
    }

    private void put(Path wav, List<String> ids) {
      Objects.requireNonNull(wav, "wav == null");
      if (files.containsKey(wav)) {
        throw new IllegalArgumentException(wav + " is given twice");
      }
      files.put(wav, ids);
    }

    /** Paced in real time (default {@code true}) or as fast as possible. */
    public Builder realTime(boolean realTime) {
      this.realTime = realTime;
      return this;
    }

    /** Frame size (default 10 ms, accepted 1 to 100 ms). */
    public Builder frame(Duration frame) {
      Objects.requireNonNull(frame, "frame == null");
      if (frame.toMillis() < 1 || frame.toMillis() > 100) {
        throw new IllegalArgumentException("frame " + frame + " is out of range: 1 to 100 ms");
      }
      this.frame = frame;
      return this;
    }

    /**
     * Checks every file and builds.
     *
     * @throws IllegalArgumentException if no speaker was given, or a file is missing, not WAV, or
     *     not 16-bit PCM (the message names the file and what is accepted); a stereo split of a
     *     file that is not two-channel
     */
    public WavFileSource build() {
      if (files.isEmpty()) {
        throw new IllegalArgumentException(
            "no speakers: add speaker(identity, file) or stereo(...)");
      }
      List<Input> inputs = new ArrayList<>();
      for (Map.Entry<Path, List<String>> e : files.entrySet()) {
        AudioFormat format;
        try (WavFile.Reader r = WavFile.open(e.getKey())) {
          format = r.format();
        } catch (java.nio.file.NoSuchFileException ex) {
          throw new IllegalArgumentException(
              "WAV file not found: " + e.getKey() + " (give an existing 16-bit PCM WAV file)", ex);
        } catch (IOException ex) {
          throw new IllegalArgumentException("cannot read " + e.getKey() + ": " + ex, ex);
        }
        if (e.getValue().size() > 1 && format.channels() != 2) {
          throw new IllegalArgumentException(
              e.getKey()
                  + " has "
                  + format.channels()
                  + " channel(s); a split needs a stereo file");
        }
        inputs.add(new Input(e.getKey(), e.getValue(), format));
      }
      return new WavFileSource(List.copyOf(inputs), realTime, frame);
    }
  }
}
