package dev.audiopipeline.io;

import dev.audiopipeline.AudioPipelineException;
import dev.audiopipeline.SpeakerStream;
import dev.audiopipeline.audio.AudioFormat;
import dev.audiopipeline.audio.AudioSink;
import dev.audiopipeline.audio.AudioSource;
import dev.audiopipeline.internal.runtime.NamedThreadFactory;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;
import javax.sound.sampled.AudioSystem;
import javax.sound.sampled.DataLine;
import javax.sound.sampled.LineUnavailableException;
import javax.sound.sampled.TargetDataLine;
import org.jspecify.annotations.Nullable;

/**
 * One speaker from the default capture device (javax.sound), in 10 ms frames. On servers and CI
 * machines there is usually no device: check {@link #isAvailable(AudioFormat)} first.
 */
public final class MicrophoneSource implements AudioSource {
  private final String identity;
  private final AudioFormat format;
  private final AtomicBoolean started = new AtomicBoolean();
  private final AtomicBoolean closed = new AtomicBoolean();
  private volatile @Nullable TargetDataLine line;
  private volatile @Nullable Thread thread;

  /**
   * @param identity who speaks into the microphone
   * @param format capture format, e.g. {@link AudioFormat#MONO_16K}
   */
  public MicrophoneSource(String identity, AudioFormat format) {
    this.identity = Objects.requireNonNull(identity, "identity == null");
    this.format = Objects.requireNonNull(format, "format == null");
  }

  /** Whether a capture device supports {@code format} on this machine. */
  public static boolean isAvailable(AudioFormat format) {
    try {
      return AudioSystem.isLineSupported(new DataLine.Info(TargetDataLine.class, jsFormat(format)));
    } catch (RuntimeException | LinkageError e) {
      return false;
    }
  }

  private static javax.sound.sampled.AudioFormat jsFormat(AudioFormat f) {
    return new javax.sound.sampled.AudioFormat(f.sampleRate(), 16, f.channels(), true, false);
  }

  /**
   * Opens the device and starts capturing.
   *
   * @throws AudioPipelineException if no capture device supports the format
   */
  @Override
  public void start(Listener listener) {
    Objects.requireNonNull(listener, "listener == null");
    if (!started.compareAndSet(false, true)) {
      throw new IllegalStateException("source already started");
    }
    TargetDataLine l;
    try {
      l = AudioSystem.getTargetDataLine(jsFormat(format));
      l.open(jsFormat(format), format.bytesPerSecond() / 10);
    } catch (LineUnavailableException | IllegalArgumentException e) {
      throw new AudioPipelineException(
          "no capture device supports " + format + " (javax.sound): " + e.getMessage(), e);
    }
    line = l;
    SpeakerStream stream = new MicStream();
    Thread t =
        NamedThreadFactory.thread("microphone-" + identity, () -> capture(l, listener, stream));
    thread = t;
    listener.speakerJoined(stream);
    l.start();
    t.start();
  }

  private @Nullable AudioSink sink;

  private void capture(TargetDataLine l, Listener listener, SpeakerStream stream) {
    byte[] buf = new byte[format.bytesPerSecond() / 100];
    long samples = 0;
    try {
      while (!closed.get()) {
        int n = l.read(buf, 0, buf.length);
        if (n <= 0) {
          continue;
        }
        AudioSink s = sink;
        if (s != null) {
          s.offerBytes(buf, 0, n, samples * 1_000_000L / format.sampleRate());
        }
        samples += n / (2L * format.channels());
      }
    } catch (IllegalStateException e) {
      // session closed
    } finally {
      listener.speakerLeft(stream);
      listener.sourceEnded();
    }
  }

  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    TargetDataLine l = line;
    if (l != null) {
      l.stop();
      l.close();
    }
    Thread t = thread;
    if (t != null && t != Thread.currentThread()) {
      try {
        t.join(2_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  private final class MicStream implements SpeakerStream {
    @Override
    public String id() {
      return "microphone-" + identity;
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
    public void start(AudioSink s) {
      if (sink != null) {
        throw new IllegalStateException("already started");
      }
      sink = Objects.requireNonNull(s, "sink == null");
    }
  }
}
