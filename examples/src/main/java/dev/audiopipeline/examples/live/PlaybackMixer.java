package dev.audiopipeline.examples.live;

import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.locks.LockSupport;
import javax.sound.sampled.SourceDataLine;
import org.jspecify.annotations.Nullable;

/**
 * Plays the other participants: each remote track writes 10 ms frames (48 kHz) into its own {@link
 * SampleRing} on WebRTC's audio thread; thread {@code room-console-playback} mixes them every 10 ms
 * on absolute deadlines, applies the volume and writes the mix to a sound device and/or a WAV file
 * ({@code --output-wav}, what would be played, silence included). A track starts playing once 60 ms
 * are buffered (jitter), and one that falls more than 0.5 s behind skips ahead.
 */
public final class PlaybackMixer implements AutoCloseable {
  static final int RATE = 48_000;
  static final int FRAME = RATE / 100;
  private static final int PRIME = 6 * FRAME;
  private static final int MAX_LAG = RATE / 2;

  /** One remote track. */
  public final class Track {
    final SampleRing ring = new SampleRing(RATE * 2);
    final int channels;
    boolean primed; // playback thread only
    volatile boolean ended;

    Track(int channels) {
      this.channels = channels;
    }

    /** Queues one frame of little-endian PCM; never blocks (drops when full). */
    public void write(byte[] pcm, int offset, int length) {
      ring.writeBytes(pcm, offset, length, channels);
    }

    /** The track has ended: it leaves the mix once drained. */
    public void end() {
      ended = true;
    }
  }

  private final CopyOnWriteArrayList<Track> tracks = new CopyOnWriteArrayList<>();
  private final @Nullable SourceDataLine line;
  private final @Nullable WavRecorder wav;
  private final Thread thread;
  private volatile boolean closed;
  private volatile double volume;
  private volatile @Nullable IOException failure;
  private long framesWritten;

  /**
   * @param line the sound device to play on, opened, or null
   * @param wavPath where to record what is played, or null
   */
  public PlaybackMixer(@Nullable SourceDataLine line, @Nullable Path wavPath, double volume)
      throws IOException {
    this.line = line;
    this.wav = wavPath == null ? null : new WavRecorder(wavPath, RATE);
    this.volume = volume;
    if (line != null) {
      line.start();
    }
    this.thread = new Thread(this::run, "room-console-playback");
    thread.setDaemon(true);
    thread.start();
  }

  /** A new remote track ({@code channels} interleaved in what it writes). */
  public Track add(int channels) {
    Track t = new Track(channels);
    tracks.add(t);
    return t;
  }

  /** 0..1. */
  public void volume(double v) {
    volume = Math.max(0, Math.min(1, v));
  }

  public double volume() {
    return volume;
  }

  /** Seconds written to the device or file so far. */
  public double secondsPlayed() {
    return framesWritten / 100.0;
  }

  private void run() {
    int[] mix = new int[FRAME];
    short[] out = new short[FRAME];
    byte[] bytes = new byte[FRAME * 2];
    long next = System.nanoTime();
    while (!closed) {
      java.util.Arrays.fill(mix, 0);
      double gain = volume;
      for (Track t : tracks) {
        int avail = t.ring.available();
        if (avail > MAX_LAG) {
          t.ring.skipTo(PRIME);
          avail = t.ring.available();
        }
        if (!t.primed && avail >= PRIME) {
          t.primed = true;
        }
        if (t.primed) {
          if (avail >= FRAME) {
            t.ring.mixInto(mix, FRAME, gain);
          } else {
            t.primed = false; // under-run: wait for 60 ms again
            if (t.ended) {
              tracks.remove(t);
            }
          }
        } else if (t.ended && avail < FRAME) {
          tracks.remove(t);
        }
      }
      for (int i = 0; i < FRAME; i++) {
        out[i] = (short) Math.max(Short.MIN_VALUE, Math.min(Short.MAX_VALUE, mix[i]));
      }
      try {
        WavRecorder w = wav;
        if (w != null) {
          w.write(out, FRAME);
        }
        SourceDataLine l = line;
        if (l != null) {
          for (int i = 0; i < FRAME; i++) {
            bytes[2 * i] = (byte) out[i];
            bytes[2 * i + 1] = (byte) (out[i] >> 8);
          }
          if (l.available() >= bytes.length) {
            l.write(bytes, 0, bytes.length);
          }
        }
      } catch (IOException e) {
        failure = e;
        return;
      }
      framesWritten++;
      next += 10_000_000L;
      long sleep = next - System.nanoTime();
      if (sleep > 0) {
        LockSupport.parkNanos(sleep);
      } else if (sleep < -200_000_000L) {
        next = System.nanoTime(); // stalled (a loaded machine): carry on from now
      }
    }
  }

  /** The write error that stopped playback, if any. */
  public @Nullable IOException failure() {
    return failure;
  }

  /** Stops the thread, closes the device and completes the WAV file. */
  @Override
  public void close() throws IOException {
    closed = true;
    try {
      thread.join(2000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    SourceDataLine l = line;
    if (l != null) {
      l.close();
    }
    WavRecorder w = wav;
    if (w != null) {
      w.close();
    }
  }
}
