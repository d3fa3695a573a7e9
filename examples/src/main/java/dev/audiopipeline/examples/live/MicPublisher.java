package dev.audiopipeline.examples.live;

import dev.audiopipeline.TtsChunk;
import dev.audiopipeline.audio.AudioFormat;
import dev.audiopipeline.io.WavFile;
import java.io.IOException;
import java.util.List;
import java.util.concurrent.Flow;
import java.util.concurrent.atomic.AtomicLong;
import javax.sound.sampled.TargetDataLine;
import org.jspecify.annotations.Nullable;

/**
 * The console's microphone as the audio of one long {@code LiveKitRoomSource.speak} utterance: 20
 * ms chunks from a capture device, or from a WAV file played as if it were the microphone ({@code
 * --input-wav}). Muting sends silence (the track stays published). Every chunk is metered as sent.
 *
 * <p>Demand-driven on thread {@code room-console-mic}: a file is read only as the room's pacing
 * thread asks for more (so it plays in real time); a device is read in real time and a block that
 * finds no demand is dropped and counted. One subscriber.
 */
public final class MicPublisher implements Flow.Publisher<TtsChunk>, AutoCloseable {
  private final @Nullable TargetDataLine line;
  private final WavFile.@Nullable Reader wav;
  private final AudioFormat format;
  private final LevelMeter meter;
  private final Object lock = new Object();
  private long demand; // guarded by lock
  private boolean cancelled; // guarded by lock
  private volatile boolean muted;
  private final AtomicLong droppedBlocks = new AtomicLong();
  private final AtomicLong sentMicros = new AtomicLong();
  private @Nullable Thread thread;

  private MicPublisher(
      @Nullable TargetDataLine line,
      WavFile.@Nullable Reader wav,
      AudioFormat format,
      LevelMeter m) {
    this.line = line;
    this.wav = wav;
    this.format = format;
    this.meter = m;
  }

  /** The capture device, opened. */
  public static MicPublisher device(TargetDataLine line, LevelMeter meter) {
    return new MicPublisher(line, null, AudioFormat.MONO_48K, meter);
  }

  /** A WAV file as the microphone, played once. */
  public static MicPublisher wav(WavFile.Reader reader, LevelMeter meter) {
    return new MicPublisher(null, reader, reader.format(), meter);
  }

  public void mute(boolean mute) {
    this.muted = mute;
  }

  public boolean muted() {
    return muted;
  }

  /** Device blocks dropped because the room was not asking for audio. */
  public long droppedBlocks() {
    return droppedBlocks.get();
  }

  /** Audio handed to the room so far, in microseconds. */
  public long sentMicros() {
    return sentMicros.get();
  }

  @Override
  public void subscribe(Flow.Subscriber<? super TtsChunk> s) {
    synchronized (lock) {
      if (thread != null) {
        s.onSubscribe(
            new Flow.Subscription() {
              @Override
              public void request(long n) {}

              @Override
              public void cancel() {}
            });
        s.onError(new IllegalStateException("the microphone has one listener"));
        return;
      }
      Thread t = new Thread(() -> run(s), "room-console-mic");
      t.setDaemon(true);
      thread = t;
    }
    s.onSubscribe(
        new Flow.Subscription() {
          @Override
          public void request(long n) {
            synchronized (lock) {
              demand = n <= 0 || demand + n < 0 ? Long.MAX_VALUE : demand + n;
              lock.notifyAll();
            }
          }

          @Override
          public void cancel() {
            synchronized (lock) {
              cancelled = true;
              lock.notifyAll();
            }
          }
        });
    Thread t = thread;
    if (t != null) {
      t.start();
    }
  }

  private void run(Flow.Subscriber<? super TtsChunk> s) {
    int frames = format.sampleRate() / 50; // 20 ms
    short[] samples = new short[frames * format.channels()];
    byte[] bytes = new byte[samples.length * 2];
    try {
      while (true) {
        int n;
        TargetDataLine l = line;
        WavFile.Reader r = wav;
        if (l != null) {
          n = l.read(bytes, 0, bytes.length) / 2;
          for (int i = 0; i < n; i++) {
            samples[i] = (short) ((bytes[2 * i] & 0xff) | (bytes[2 * i + 1] << 8));
          }
          synchronized (lock) {
            if (cancelled) {
              return;
            }
            if (demand == 0) {
              droppedBlocks.incrementAndGet();
              continue;
            }
            demand--;
          }
        } else if (r != null) {
          synchronized (lock) {
            while (demand == 0 && !cancelled) {
              lock.wait();
            }
            if (cancelled) {
              return;
            }
            demand--;
          }
          n = r.read(samples, 0, samples.length);
          if (n <= 0) {
            s.onComplete();
            return;
          }
        } else {
          return;
        }
        if (muted) {
          java.util.Arrays.fill(samples, 0, n, (short) 0);
        }
        meter.accept(samples, 0, n);
        byte[] pcm = new byte[n * 2];
        for (int i = 0; i < n; i++) {
          pcm[2 * i] = (byte) samples[i];
          pcm[2 * i + 1] = (byte) (samples[i] >> 8);
        }
        TtsChunk chunk = new TtsChunk(format, pcm, List.of());
        sentMicros.addAndGet(chunk.durationMicros());
        s.onNext(chunk);
      }
    } catch (IOException | RuntimeException e) {
      s.onError(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Stops capturing (the utterance ends). */
  @Override
  public void close() {
    synchronized (lock) {
      cancelled = true;
      lock.notifyAll();
    }
    Thread t = thread;
    if (t != null) {
      t.interrupt();
    }
    TargetDataLine l = line;
    if (l != null) {
      l.close();
    }
    WavFile.Reader r = wav;
    if (r != null) {
      try {
        r.close();
      } catch (IOException e) {
        // nothing to save
      }
    }
  }
}
