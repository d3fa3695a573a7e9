package dev.audiopipeline.sphinx;

import static org.assertj.core.api.Assertions.assertThat;

import dev.audiopipeline.PipelineListener;
import dev.audiopipeline.SttSession;
import dev.audiopipeline.SttSessionOptions;
import dev.audiopipeline.TranscriptEvent;
import dev.audiopipeline.testing.WordErrorRate;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@link SttSession#flush()} cuts the utterance where the audio sent so far ends: the final for it
 * comes without the end-pointer's silence, and without any further audio.
 */
class SphinxFlushTest {
  /** The recording's two sentences are 0.1 s apart (1.6 to 1.7 s): one utterance to Sphinx4. */
  private static final int BETWEEN_SENTENCES = 1_650 * 16;

  @BeforeAll
  static void load() throws Exception {
    SphinxSttProviderTest.load();
  }

  @AfterAll
  static void close() throws Exception {
    SphinxSttProviderTest.close();
  }

  private static void send(SttSession s, short[] audio, int from, int to) {
    for (int off = from; off < to; off += 160) {
      s.send(audio, off, Math.min(160, to - off));
    }
  }

  @Test
  void aFlushBetweenTheSentencesEndsTheFirstUtteranceThere() throws Exception {
    short[] speech = SphinxSttProviderTest.speech;
    List<TranscriptEvent> events = new CopyOnWriteArrayList<>();
    SttSession session =
        SphinxSttProviderTest.provider.openSession(
            new SttSessionOptions("cut", "speaker", "en", PipelineListener.NONE), events::add);
    short[] audio = new short[speech.length + 16_000];
    System.arraycopy(speech, 0, audio, 0, speech.length);
    send(session, audio, 0, BETWEEN_SENTENCES);
    session.flush();
    send(session, audio, BETWEEN_SENTENCES, audio.length);
    session.finish(Duration.ofSeconds(60)).toCompletableFuture().get(90, TimeUnit.SECONDS);
    session.close();

    List<TranscriptEvent.Result> finals = SphinxSttProviderTest.finals(events);
    assertThat(finals).as("finals %s", finals).hasSizeGreaterThanOrEqualTo(2);
    TranscriptEvent.Result first = finals.get(0);
    assertThat(first.endMs()).isLessThanOrEqualTo(1_650 + 10);
    assertThat(WordErrorRate.of("the weather is nice today", first.text()))
        .as("first final: %s", first.text())
        .isLessThanOrEqualTo(0.2);
    String rest =
        String.join(" ", finals.subList(1, finals.size()).stream().map(r -> r.text()).toList());
    assertThat(WordErrorRate.of("we will meet at the office next week", rest))
        .as("after the cut: %s", rest)
        .isLessThanOrEqualTo(0.25);
    assertThat(finals.get(1).startMs()).isGreaterThanOrEqualTo(first.endMs());
  }

  @Test
  void afterAFlushTheFinalComesWithoutAnyFurtherAudio() throws Exception {
    short[] speech = SphinxSttProviderTest.speech;
    LinkedBlockingQueue<TranscriptEvent.Result> finals = new LinkedBlockingQueue<>();
    SttSession session =
        SphinxSttProviderTest.provider.openSession(
            new SttSessionOptions("cut-now", "speaker", "en", PipelineListener.NONE),
            e -> {
              if (e instanceof TranscriptEvent.Result r && r.isFinal()) {
                finals.add(r);
              }
            });
    try {
      send(session, speech, 0, BETWEEN_SENTENCES); // ends in speech: no silence to end-point on
      session.flush();
      TranscriptEvent.Result f = finals.poll(20, TimeUnit.SECONDS);
      assertThat(f).as("a final after the flush, no more audio sent").isNotNull();
      assertThat(WordErrorRate.of("the weather is nice today", f.text())).isLessThanOrEqualTo(0.2);
      assertThat(f.endMs()).isLessThanOrEqualTo(1_650 + 10);
    } finally {
      session.close();
    }
  }
}
