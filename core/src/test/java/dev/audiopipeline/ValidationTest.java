package dev.audiopipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.audiopipeline.audio.AudioFormat;
import dev.audiopipeline.audio.AudioFrame;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Bad configuration and arguments are refused at once, saying what is accepted. */
class ValidationTest {
  @Test
  void audioFormatRanges() {
    assertThatThrownBy(() -> new AudioFormat(100, 1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("100 Hz")
        .hasMessageContaining("1000..384000");
    assertThatThrownBy(() -> new AudioFormat(16_000, 0))
        .hasMessageContaining("channels 0")
        .hasMessageContaining("1..8");
    assertThat(AudioFormat.MONO_16K.samplesIn(10_000)).isEqualTo(160);
    assertThat(AudioFormat.STEREO_48K.durationMicros(960)).isEqualTo(10_000);
  }

  @Test
  void framesRejectEmptyAndPartialSampleFrames() {
    assertThatThrownBy(() -> AudioFrame.of(AudioFormat.MONO_16K, new short[0], 0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("empty");
    assertThatThrownBy(() -> AudioFrame.of(AudioFormat.STEREO_48K, new short[3], 0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("multiple of");
    assertThatThrownBy(() -> AudioFrame.of(AudioFormat.MONO_16K, null, 0))
        .isInstanceOf(NullPointerException.class)
        .hasMessageContaining("samples == null");
  }

  @Test
  void pipelineBuilderNamesTheOptionAndTheRange() {
    assertThatThrownBy(() -> AudioPipeline.builder().build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("stt(");
    assertThatThrownBy(() -> AudioPipeline.builder().bufferDuration(Duration.ofMillis(5)))
        .hasMessageContaining("bufferDuration")
        .hasMessageContaining("100 ms to 60 s");
    assertThatThrownBy(() -> AudioPipeline.builder().subscriberBufferSize(1))
        .hasMessageContaining("subscriberBufferSize 1")
        .hasMessageContaining("16 to 1000000");
    assertThatThrownBy(() -> AudioPipeline.builder().language("english!"))
        .hasMessageContaining("BCP-47");
    assertThatThrownBy(() -> AudioPipeline.builder().closeTimeout(Duration.ofSeconds(-1)))
        .hasMessageContaining("closeTimeout");
  }

  @Test
  void speakerMapPolicies() {
    SpeakerMap map = SpeakerMap.builder().put("rec-1", "recruiter").build();
    assertThat(map.labelFor("rec-1")).contains("recruiter");
    assertThat(map.labelFor("guest")).contains("guest");
    SpeakerMap strict = map.toBuilder().unknown(SpeakerMap.UnknownPolicy.IGNORE).build();
    assertThat(strict.labelFor("guest")).isEmpty();
    assertThatThrownBy(() -> SpeakerMap.builder().put("x", " ")).hasMessageContaining("blank");
  }

  @Test
  void providerExceptionsDescribeProviderStatusAndType() {
    ProviderException e =
        new QuotaExceededException(
            "deepgram", "out of credit", 402, -1, "INSUFFICIENT_CREDITS", null);
    assertThat(e).hasMessage("deepgram: out of credit (HTTP 402) [INSUFFICIENT_CREDITS]");
    assertThat(e.isRetryable()).isFalse();
    assertThat(e).isInstanceOf(AudioPipelineException.class);
    TtsRequest r = TtsRequest.of("hi");
    assertThat(r.withVoice("v1").voice()).isEqualTo("v1");
    assertThatThrownBy(() -> TtsRequest.of("  ")).hasMessageContaining("blank");
  }
}
