package dev.audiopipeline.freetts;

import com.sun.speech.freetts.audio.AudioPlayer;
import javax.sound.sampled.AudioFormat;
import org.jspecify.annotations.Nullable;

/**
 * FreeTTS's audio output, captured: each {@code write} becomes 16-bit little-endian PCM for a
 * {@link Synthesis}. Returning {@code false} from {@code write} tells FreeTTS to stop.
 */
final class PcmSink implements AudioPlayer {
  interface Target {
    /**
     * @return false to stop the synthesis (cancelled)
     */
    boolean pcm(byte[] littleEndian);
  }

  private final Target target;
  private @Nullable AudioFormat format;
  private float volume = 1f;

  PcmSink(Target target) {
    this.target = target;
  }

  @Override
  public void setAudioFormat(AudioFormat format) {
    if (format.getSampleRate() != 16_000f
        || format.getChannels() != 1
        || format.getSampleSizeInBits() != 16) {
      throw new IllegalStateException(
          "freetts produced "
              + format
              + "; this provider handles 16 kHz mono 16-bit (kevin16) only");
    }
    this.format = format;
  }

  @Override
  public @Nullable AudioFormat getAudioFormat() {
    return format;
  }

  @Override
  public boolean write(byte[] audio) {
    return write(audio, 0, audio.length);
  }

  @Override
  public boolean write(byte[] audio, int offset, int size) {
    int n = size & ~1;
    if (n == 0) {
      return true;
    }
    byte[] out = new byte[n];
    boolean bigEndian = format == null || format.isBigEndian();
    for (int i = 0; i < n; i += 2) {
      byte a = audio[offset + i];
      byte b = audio[offset + i + 1];
      out[i] = bigEndian ? b : a;
      out[i + 1] = bigEndian ? a : b;
    }
    return target.pcm(out);
  }

  @Override
  public void pause() {}

  @Override
  public void resume() {}

  @Override
  public void reset() {}

  @Override
  public boolean drain() {
    return true;
  }

  @Override
  public void begin(int size) {}

  @Override
  public boolean end() {
    return true;
  }

  @Override
  public void cancel() {}

  @Override
  public void close() {}

  @Override
  public float getVolume() {
    return volume;
  }

  @Override
  public void setVolume(float volume) {
    this.volume = volume;
  }

  @Override
  public long getTime() {
    return 0;
  }

  @Override
  public void resetTime() {}

  @Override
  public void startFirstSampleTimer() {}

  @Override
  public void showMetrics() {}
}
