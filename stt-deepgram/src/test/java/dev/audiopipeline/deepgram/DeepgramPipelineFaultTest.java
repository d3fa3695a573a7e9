package dev.audiopipeline.deepgram;

import static org.assertj.core.api.Assertions.assertThat;

import dev.audiopipeline.AudioPipeline;
import dev.audiopipeline.PipelineListener;
import dev.audiopipeline.SpeakerMap;
import dev.audiopipeline.Transcript;
import dev.audiopipeline.TranscriptionSession;
import dev.audiopipeline.audio.AudioFormat;
import dev.audiopipeline.io.WavFile;
import dev.audiopipeline.io.WavFileSource;
import dev.audiopipeline.spi.ReconnectPolicy;
import dev.audiopipeline.testing.Audio;
import dev.audiopipeline.testing.FakeConnection;
import dev.audiopipeline.testing.FakeDeepgramServer;
import dev.audiopipeline.testing.FakeFault;
import dev.audiopipeline.testing.RecordingSubscriber;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Batch transcription of files through a cloud provider whose first connection per speaker is cut
 * (issue #9, item 2): the files are slowed down by the pipeline, never dropped.
 */
class DeepgramPipelineFaultTest {
  @TempDir Path dir;

  @Test
  void filesAtFullSpeedThroughACutReachTheServerWhole() throws Exception {
    Audio rec = new Audio().silence(300);
    Audio cand = new Audio().silence(800);
    for (int i = 0; i < 6; i++) {
      rec.tone(400).silence(600);
      cand.tone(300).silence(700);
    }
    Path recWav = dir.resolve("rec.wav");
    Path candWav = dir.resolve("cand.wav");
    WavFile.write(recWav, AudioFormat.MONO_16K, rec.samples());
    WavFile.write(candWav, AudioFormat.MONO_16K, cand.samples());
    AtomicLong dropped = new AtomicLong();
    try (FakeDeepgramServer server = FakeDeepgramServer.builder().apiKey("k").build();
        DeepgramSttProvider provider =
            DeepgramSttProvider.builder()
                .apiKey("k")
                .baseUrl(server.baseUrl())
                .replayBuffer(Duration.ofSeconds(2))
                .reconnectPolicy(
                    ReconnectPolicy.builder()
                        .initialDelay(Duration.ofSeconds(1))
                        .maxDelay(Duration.ofSeconds(1))
                        .jitter(0)
                        .build())
                .build()) {
      // each speaker's first connection is cut after 2 s of audio
      server.enqueue(FakeFault.dropAfterAudio(Duration.ofSeconds(2)));
      server.enqueue(FakeFault.dropAfterAudio(Duration.ofSeconds(2)));
      WavFileSource source =
          WavFileSource.builder()
              .speaker("rec", recWav)
              .speaker("cand", candWav)
              .realTime(false)
              .build();
      AudioPipeline pipeline =
          AudioPipeline.builder()
              .source(source)
              .stt(provider)
              .speakerMap(SpeakerMap.identity())
              .listener(
                  new PipelineListener() {
                    @Override
                    public void audioDropped(String streamId, long samples, String where) {
                      dropped.addAndGet(samples);
                    }
                  })
              .build();
      RecordingSubscriber<Transcript> sub = RecordingSubscriber.unbounded();
      try (TranscriptionSession session = pipeline.startTranscription()) {
        session.subscribe(sub);
        sub.awaitComplete(Duration.ofSeconds(60));
      }
      assertThat(sub.error()).isNull();
      assertThat(dropped.get()).isZero();
      List<FakeConnection> conns = server.connections();
      assertThat(conns).hasSize(4);
      for (byte[] file : List.of(rec.bytes(), cand.bytes())) {
        // one connection got a prefix of the file, a later one a suffix, and they meet
        long prefix =
            conns.stream()
                .map(FakeConnection::audio)
                .filter(a -> a.length > 0 && Arrays.equals(a, Arrays.copyOf(file, a.length)))
                .mapToLong(a -> a.length)
                .max()
                .orElse(0);
        long suffix =
            conns.stream()
                .map(FakeConnection::audio)
                .filter(
                    a ->
                        a.length > 0
                            && a.length <= file.length
                            && Arrays.equals(
                                a, Arrays.copyOfRange(file, file.length - a.length, file.length)))
                .mapToLong(a -> a.length)
                .max()
                .orElse(0);
        assertThat(prefix + suffix).isGreaterThanOrEqualTo(file.length);
      }
      assertThat(sub.items().stream().filter(Transcript::isFinal).count())
          .isGreaterThanOrEqualTo(10);
    }
    // nothing leaked: the pipeline's and the provider's threads are gone
    assertThat(dev.audiopipeline.testing.LibraryThreads.aliveAfter(Duration.ofSeconds(5)))
        .noneMatch(t -> t.contains("deepgram") || t.contains("rec@") || t.contains("cand@"));
  }
}
