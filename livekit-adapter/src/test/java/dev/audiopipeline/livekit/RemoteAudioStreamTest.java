package dev.audiopipeline.livekit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.audiopipeline.audio.AudioFormat;
import dev.audiopipeline.audio.AudioSink;
import dev.onvoid.webrtc.media.audio.AudioTrack;
import dev.onvoid.webrtc.media.audio.CustomAudioSource;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Feeds frames the way the ADM play thread does, into a real webrtc-java track's stream wrapper.
 */
class RemoteAudioStreamTest {
  private static AudioTrack track;

  @BeforeAll
  static void track() {
    // a real native track from the process-wide sending factory (dummy ADM: nothing plays)
    track = WebRtcFactories.sending().createAudioTrack("unit-test-track", new CustomAudioSource());
  }

  /** A sink that records what it is offered, bounded to {@code capacity} frames. */
  static final class RecordingSink implements AudioSink {
    final List<short[]> frames = new ArrayList<>();
    final List<Long> timestamps = new ArrayList<>();
    final int capacity;
    final AudioFormat format;

    RecordingSink(AudioFormat format, int capacity) {
      this.format = format;
      this.capacity = capacity;
    }

    @Override
    public boolean offer(short[] samples, int offset, int length, long timestampMicros) {
      if (frames.size() >= capacity) {
        return false;
      }
      short[] copy = new short[length];
      System.arraycopy(samples, offset, copy, 0, length);
      frames.add(copy);
      timestamps.add(timestampMicros);
      return true;
    }

    @Override
    public boolean offerBytes(byte[] pcm, int offset, int length, long timestampMicros) {
      short[] s = new short[length / 2];
      for (int i = 0; i < s.length; i++) {
        s[i] = (short) ((pcm[offset + 2 * i] & 0xff) | (pcm[offset + 2 * i + 1] << 8));
      }
      return offer(s, 0, s.length, timestampMicros);
    }

    @Override
    public void put(short[] samples, int offset, int length, long timestampMicros) {
      offer(samples, offset, length, timestampMicros);
    }

    @Override
    public AudioFormat format() {
      return format;
    }
  }

  private static RemoteAudioStream stream() {
    long now = System.nanoTime();
    return new RemoteAudioStream("TR_test", "candidate", "PA_test", track, now, now);
  }

  private static byte[] monoFrame(short value) {
    byte[] b = new byte[960];
    for (int i = 0; i < 480; i++) {
      b[2 * i] = (byte) value;
      b[2 * i + 1] = (byte) (value >> 8);
    }
    return b;
  }

  @Test
  void monoFramesPassThroughWithContiguousTimestampsAndCounts() {
    RemoteAudioStream s = stream();
    RecordingSink sink = new RecordingSink(AudioFormat.MONO_48K, 100);
    s.start(sink);
    for (int i = 0; i < 5; i++) {
      s.onData(monoFrame((short) (1000 + i)), 16, 48_000, 1, 480);
    }
    assertThat(sink.frames).hasSize(5);
    assertThat(sink.frames.get(3)).hasSize(480).containsOnly((short) 1003);
    for (int i = 1; i < 5; i++) {
      assertThat(sink.timestamps.get(i) - sink.timestamps.get(i - 1)).isEqualTo(10_000L);
    }
    TrackStats st = s.stats();
    assertThat(st.framesReceived()).isEqualTo(5);
    assertThat(st.framesDropped()).isZero();
    assertThat(st.identity()).isEqualTo("candidate");
    assertThat(st.joinToFirstFrameMicros()).isGreaterThanOrEqualTo(0);
    s.end();
  }

  @Test
  void stereoIsDownMixedToMono() {
    RemoteAudioStream s = stream();
    RecordingSink sink = new RecordingSink(AudioFormat.MONO_48K, 10);
    s.start(sink);
    byte[] st = new byte[480 * 4];
    for (int i = 0; i < 480; i++) {
      short l = 3000;
      short r = -1000;
      st[4 * i] = (byte) l;
      st[4 * i + 1] = (byte) (l >> 8);
      st[4 * i + 2] = (byte) r;
      st[4 * i + 3] = (byte) (r >> 8);
    }
    s.onData(st, 16, 48_000, 2, 480);
    assertThat(sink.frames).hasSize(1);
    assertThat(sink.frames.get(0)).hasSize(480).containsOnly((short) 1000);
    s.end();
  }

  @Test
  void fullBufferCountsDropsAndUnsupportedFormatsAreCountedNotThrown() {
    RemoteAudioStream s = stream();
    RecordingSink sink = new RecordingSink(AudioFormat.MONO_48K, 2);
    s.start(sink);
    for (int i = 0; i < 4; i++) {
      s.onData(monoFrame((short) 1), 16, 48_000, 1, 480);
    }
    s.onData(new byte[320], 16, 16_000, 1, 160);
    TrackStats st = s.stats();
    assertThat(sink.frames).hasSize(2);
    assertThat(st.framesReceived()).isEqualTo(5);
    assertThat(st.framesDropped()).isEqualTo(2);
    assertThat(st.framesRejected()).isEqualTo(1);
    s.end();
  }

  @Test
  void nothingIsWrittenAfterEnd() {
    RemoteAudioStream s = stream();
    RecordingSink sink = new RecordingSink(AudioFormat.MONO_48K, 100);
    s.start(sink);
    s.onData(monoFrame((short) 7), 16, 48_000, 1, 480);
    s.end();
    s.onData(monoFrame((short) 8), 16, 48_000, 1, 480);
    assertThat(sink.frames).hasSize(1);
    assertThat(s.stats().ended()).isTrue();
    assertThatThrownBy(() -> s.start(new RecordingSink(AudioFormat.MONO_48K, 1)))
        .isInstanceOf(IllegalStateException.class);
  }

  @Test
  void startIsOnceAndTheSinkMustTakeTheStreamFormat() {
    RemoteAudioStream s = stream();
    assertThat(s.format()).isEqualTo(AudioFormat.MONO_48K);
    assertThatThrownBy(() -> s.start(new RecordingSink(AudioFormat.MONO_16K, 1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("48000");
    s.start(new RecordingSink(AudioFormat.MONO_48K, 1));
    assertThatThrownBy(() -> s.start(new RecordingSink(AudioFormat.MONO_48K, 1)))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("already started");
    s.end();
  }
}
