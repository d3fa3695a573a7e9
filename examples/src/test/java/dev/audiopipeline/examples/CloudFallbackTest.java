package dev.audiopipeline.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.audiopipeline.FallbackSttProvider;
import dev.audiopipeline.SttSession;
import dev.audiopipeline.SttSessionOptions;
import dev.audiopipeline.TranscriptEvent;
import dev.audiopipeline.deepgram.DeepgramSttProvider;
import dev.audiopipeline.elevenlabs.stt.ElevenLabsSttProvider;
import dev.audiopipeline.testing.Audio;
import dev.audiopipeline.testing.FakeDeepgramServer;
import dev.audiopipeline.testing.FakeElevenLabsSttServer;
import dev.audiopipeline.testing.FakeFault;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** ElevenLabs → Deepgram, both against their protocol fakes on loopback. */
class CloudFallbackTest {
  @Test
  void quotaOnElevenLabsMovesTheSessionToDeepgramOnTheSameTimeline() throws Exception {
    try (FakeElevenLabsSttServer el = FakeElevenLabsSttServer.builder().apiKey("el-key").build();
        FakeDeepgramServer dg = FakeDeepgramServer.builder().apiKey("dg-key").build();
        ElevenLabsSttProvider elevenlabs =
            ElevenLabsSttProvider.builder()
                .apiKey("el-key")
                .baseUrl(el.baseUrl())
                .vadSilenceThresholdSecs(0.5)
                .build();
        DeepgramSttProvider deepgram =
            DeepgramSttProvider.builder().apiKey("dg-key").baseUrl(dg.baseUrl()).build();
        FallbackSttProvider fallback = FallbackSttProvider.of(elevenlabs, deepgram)) {
      el.enqueue(
          FakeFault.sendAfterAudio(
              Duration.ofMillis(1500),
              "{\"message_type\":\"quota_exceeded\",\"error\":\"You have exceeded your quota.\"}"));
      LinkedBlockingQueue<TranscriptEvent> events = new LinkedBlockingQueue<>();
      SttSession s = fallback.openSession(SttSessionOptions.of("alice"), events::add);
      short[] audio =
          new Audio().silence(300).tone(500).silence(600).tone(600).silence(1000).samples();
      for (int i = 0; i < audio.length; i += 320) {
        s.send(audio, i, 320);
      }
      s.finish(Duration.ofSeconds(10)).toCompletableFuture().get(20, TimeUnit.SECONDS);

      List<TranscriptEvent> all = new ArrayList<>(events);
      List<TranscriptEvent.Result> finals = new ArrayList<>();
      TranscriptEvent.ProviderSwitched sw = null;
      for (TranscriptEvent e : all) {
        if (e instanceof TranscriptEvent.Result r && r.isFinal()) {
          finals.add(r);
        } else if (e instanceof TranscriptEvent.ProviderSwitched p) {
          sw = p;
        }
      }
      assertThat(sw).isNotNull();
      assertThat(sw.from()).isEqualTo("elevenlabs");
      assertThat(sw.to()).isEqualTo("deepgram");
      assertThat(sw.reason()).contains("quota");
      // the first utterance came from ElevenLabs before the quota error, the second from Deepgram
      assertThat(finals).hasSize(2);
      assertThat(finals.get(0).startMs()).isCloseTo(300, within(20L));
      assertThat(finals.get(1).startMs()).isCloseTo(1400, within(20L));
      assertThat(finals.get(1).endMs()).isCloseTo(2000, within(20L));
      assertThat(all).noneMatch(e -> e instanceof TranscriptEvent.Failed);
    }
  }
}
