package dev.audiopipeline.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeFalse;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.audiopipeline.AudioPipelineException;
import dev.audiopipeline.SpeakerStream;
import dev.audiopipeline.audio.AudioFormat;
import dev.audiopipeline.audio.AudioSink;
import dev.audiopipeline.audio.AudioSource;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** Runs the branch that matches the machine: most servers and CI have no capture device. */
class MicrophoneSourceTest {
  private static final AudioFormat FORMAT = AudioFormat.MONO_16K;

  @Test
  void withoutACaptureDeviceStartFailsWithAClearError() {
    assumeFalse(MicrophoneSource.isAvailable(FORMAT), "this machine has a capture device");
    try (MicrophoneSource mic = new MicrophoneSource("me", FORMAT)) {
      assertThatThrownBy(() -> mic.start(new NoopListener()))
          .isInstanceOf(AudioPipelineException.class)
          .hasMessageContaining("no capture device")
          .hasMessageContaining("16000");
    }
  }

  @Test
  void withACaptureDeviceDeliversTenMillisecondFrames() throws Exception {
    assumeTrue(MicrophoneSource.isAvailable(FORMAT), "no capture device on this machine");
    CountDownLatch frames = new CountDownLatch(20);
    AtomicLong samples = new AtomicLong();
    try (MicrophoneSource mic = new MicrophoneSource("me", FORMAT)) {
      mic.start(
          new NoopListener() {
            @Override
            public void speakerJoined(SpeakerStream stream) {
              stream.start(
                  new AudioSink() {
                    @Override
                    public boolean offer(short[] s, int o, int l, long ts) {
                      return true;
                    }

                    @Override
                    public boolean offerBytes(byte[] pcm, int o, int l, long ts) {
                      samples.addAndGet(l / 2);
                      frames.countDown();
                      return true;
                    }

                    @Override
                    public void put(short[] s, int o, int l, long ts) {}

                    @Override
                    public AudioFormat format() {
                      return FORMAT;
                    }
                  });
            }
          });
      assertThat(frames.await(10, TimeUnit.SECONDS)).isTrue();
    }
    assertThat(samples.get()).isGreaterThanOrEqualTo(20 * 160);
  }

  static class NoopListener implements AudioSource.Listener {
    @Override
    public void speakerJoined(SpeakerStream stream) {}

    @Override
    public void speakerLeft(SpeakerStream stream) {}

    @Override
    public void sourceEnded() {}

    @Override
    public void sourceFailed(AudioPipelineException error) {}
  }
}
