package dev.audiopipeline.livekit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.audiopipeline.PipelineEvent.SourceConnection;
import dev.audiopipeline.testing.TcpProxy;
import java.net.URI;
import java.util.Locale;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Mid-interview, the bot's signal connection is reset from outside (the bot reaches the real server
 * through a TCP proxy on 127.0.0.1 that the test controls; media goes over UDP directly). The bot
 * resumes as the same participant, {@code session.events()} shows {@code RECONNECTING} then {@code
 * RESUMED}, and both speakers go on being transcribed under their labels on one timeline, each
 * still one stream. Prints the time to resume and the audio lost.
 */
@Timeout(value = 4, unit = TimeUnit.MINUTES)
class LiveKitInterviewSignalDropE2ETest {
  @BeforeAll
  static void server() {
    LiveKitRoomE2ETest.server();
  }

  @Test
  void bothSpeakersAreTranscribedWithTheirLabelsAcrossASignalDrop() throws Exception {
    String url = System.getenv("LIVEKIT_URL");
    String key = System.getenv("LIVEKIT_API_KEY");
    String secret = System.getenv("LIVEKIT_API_SECRET");
    String room = "drop-" + UUID.randomUUID().toString().substring(0, 8);
    URI server = URI.create(url);
    TcpProxy proxy = new TcpProxy(server.getHost(), server.getPort());
    LiveKitRoomSource source =
        LiveKitRoomSource.builder()
            .url("ws://127.0.0.1:" + proxy.port())
            .apiKey(key)
            .apiSecret(secret)
            .room(room)
            .identity("drop-bot")
            .build();
    InterviewFaultRun run = new InterviewFaultRun(source, room);
    try {
      run.start(url, key, secret);
      // the bot speaks first: its track is published and its publisher connection negotiated, so
      // the fault must carry them over (SyncState + ICE restart, or a re-publish on rejoin)
      run.sleepUntilTimeline(15_000);
      run.speakTone();
      run.sleepUntilTimeline(25_000); // the candidate is mid-answer (22.9-32.9 s)
      long cutEpoch = System.currentTimeMillis();
      assertThat(proxy.cutAll()).as("the bot's one signal connection, reset").isEqualTo(1);
      Thread.sleep(1_000);
      run.speakTone(); // after the fault: the bot's voice reaches the room again
      run.awaitPlayback();
      long resumedEpoch = run.connectionEventEpoch(SourceConnection.State.RESUMED, cutEpoch);
      assertThat(run.connectionEventEpoch(SourceConnection.State.RECONNECTING, cutEpoch))
          .as("a RECONNECTING event on session.events()")
          .isPositive();
      assertThat(resumedEpoch).as("a RESUMED event on session.events()").isPositive();
      assertThat(source.resumeCount()).as("resumed").isEqualTo(1);
      assertThat(source.rejoinCount()).as("no full rejoin").isZero();
      long lostRecruiter = run.lostMs(InterviewFaultRun.RECRUITER);
      long lostCandidate = run.lostMs(InterviewFaultRun.CANDIDATE);
      long cutMs = cutEpoch - run.t0;
      // the 3 s from the cut on: speech the drop cost would show there (the cut falls mid-answer)
      long unheard = run.closeAndCheck(cutMs, cutMs + 3_000);
      System.out.printf(
          Locale.ROOT,
          "[livekit-e2e] FIGURE signal drop at %d ms: resumed after %d ms; audio lost: recruiter %d"
              + " ms, candidate %d ms; script speech without a final in the 3 s from the cut %d ms%n",
          cutMs,
          resumedEpoch - cutEpoch,
          lostRecruiter,
          lostCandidate,
          unheard);
      // the media path never went down
      assertThat(lostRecruiter + lostCandidate).as("playout frames lost, ms").isLessThan(1_000);
      assertThat(unheard).as("speech without a final in the 3 s from the cut, ms").isLessThan(500);
    } finally {
      run.finish();
      proxy.close();
    }
  }
}
